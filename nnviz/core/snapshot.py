"""Immutable pictures of a training run, handed from the trainer to whatever displays it.

A snapshot owns copies of every array it holds, marked read-only, so a view can keep one for as
long as it likes while the trainer goes on changing its own arrays in another thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from nnviz.core.frozen import Arrays, frozen_copies, frozen_copy
from nnviz.core.image_views import MistakesView
from nnviz.core.layer_space import LayerSpace

__all__ = ["Arrays", "GridView", "PredictionView", "Snapshot", "frozen_copies", "frozen_copy"]


@dataclass(frozen=True)
class GridView:
    """Every neuron's output over a square grid of the 2-D input plane.

    `neuron_maps[0]` holds the input features, `neuron_maps[k]` layer k's units, each shaped
    `(units, resolution, resolution)`; row i is y, column j is x, both rising from `extent[0]`.
    `output_map` is what the decision-boundary view shades: the class-1 probability for one
    sigmoid unit, the winning class for softmax, or the predicted value for regression.
    """

    resolution: int
    extent: tuple[float, float]
    neuron_maps: Arrays
    output_map: np.ndarray


@dataclass(frozen=True)
class PredictionView:
    """A regression network's predictions against the true targets on a fixed sample of one
    split (`split`: "test" when there is a test split, else "train"); both (samples, outputs)."""

    split: str
    targets: np.ndarray
    predictions: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    step: int
    epoch: int
    batch_in_epoch: int
    batches_per_epoch: int
    state: str
    message: str | None
    learning_rate: float
    steps_per_s: float
    layer_sizes: tuple[int, ...]
    weights: Arrays
    biases: Arrays
    grad_weights: Arrays
    grad_biases: Arrays
    input: np.ndarray
    pre: Arrays
    post: Arrays
    grad_pre: Arrays
    grad_post: Arrays
    batch_loss: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    grid: GridView | None = None
    trace_sample: int | None = None
    # Running mean of the batch loss a few times per epoch (columns step, epoch, batch_loss),
    # so loss plots move during long epochs; `epoch` there is fractional.
    step_history: Mapping[str, np.ndarray] = field(default_factory=dict)
    # Regression only: predictions against targets, refreshed like `grid`.
    predictions: PredictionView | None = None
    # Which step the numbers are of (`step_view.py` states the rule): `last_step` True: the
    # trace and the gradients are step `step`'s pass, made with `step_weights`/`step_biases`,
    # and `weights`/`biases` are after its update; False: a pass with the current weights, not
    # yet followed by an update. `batch_size` is that pass's batch; `sample_grad_*` the traced
    # sample's own ∂ℓ/∂W and ∂ℓ/∂b (None for the batch mean).
    last_step: bool = False
    batch_size: int = 1
    step_weights: Arrays | None = None
    step_biases: Arrays | None = None
    sample_grad_weights: Arrays | None = None
    sample_grad_biases: Arrays | None = None
    # The pace training keeps to (steps a second; None: full speed), and the update rule the
    # optimizer applies, in one line ("Adam: w ← w − η·m̂/(√v̂ + ε)"): what the animation says.
    pace: float | None = None
    update_rule: str = ""
    # Every layer's picture of a sample of the data, when a view asks for it (layer_space.py);
    # refreshed like `grid`.
    layer_space: LayerSpace | None = None
    # The dataset's class names (class k is class_names[k]); None for regression or unnamed data.
    class_names: tuple[str, ...] | None = None
    # Classification on image data: misclassified test samples (refreshed like `grid`).
    mistakes: MistakesView | None = None
    # The weight penalty in the loss, (kind, rate), or None: its gradient is part of ∂L/∂W.
    regularization: tuple[str, float] | None = None

    @property
    def n_layers(self) -> int:
        """Trainable layers (the input is not one)."""
        return len(self.weights)
