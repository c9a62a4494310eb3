"""How a dataset's labels become the numbers a loss compares the network's output with.

Datasets give integer class labels (or float values for regression); what the network must
produce depends on the loss and the output layer: class indices for cross-entropy, 0/1 for one
sigmoid unit, one-hot rows for k units under a distance loss, coded with the ends of the output
activation's `output_range` (-1/+1 for tanh; 0/1 when it has none). The same object scores
predictions: accuracy for classification (one output: above the middle of the target range means
class 1; k outputs: the largest wins), R² for regression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.validation import DesignError

UNBOUNDED_CODING = (0.0, 1.0)  # class coding for outputs without a range of their own


@dataclass(frozen=True)
class Targets:
    """The coding chosen for one design and dataset."""

    task: str  # "classification" | "regression"
    outputs: int
    labels: bool  # the loss takes integer labels
    low: float  # the value that means "not this class"
    high: float  # the value that means "this class"

    @property
    def score_name(self) -> str:
        return "accuracy" if self.task == "classification" else "r2"

    def encode(self, y: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
        """Dataset targets → what `Network.backward` expects, as a contiguous array."""
        if self.task == "regression":
            return np.ascontiguousarray(columns(y), dtype=dtype)
        labels = np.asarray(y, dtype=np.int64)
        if self.labels:
            return np.ascontiguousarray(labels)
        if self.outputs == 1:
            coded = np.where(labels == 1, self.high, self.low)[:, None]
        else:
            coded = np.full((len(labels), self.outputs), self.low)
            coded[np.arange(len(labels)), labels] = self.high
        return np.ascontiguousarray(coded, dtype=dtype)

    def output_map(self, output: np.ndarray) -> np.ndarray:
        """What a decision picture shades, per row of outputs (float64): the class-1 share of
        the coding range for one unit (0.5 is the decision), the winning class for several, or
        the first predicted value for regression."""
        if self.task == "regression":
            return output[:, 0].astype(np.float64)
        if output.shape[1] == 1:
            span = self.high - self.low
            return np.clip((output[:, 0] - self.low) / span, 0.0, 1.0).astype(np.float64)
        return np.argmax(output, axis=1).astype(np.float64)

    def predict(self, output: np.ndarray) -> np.ndarray:
        """Class labels (classification) or values (regression) from network outputs."""
        if self.task == "regression":
            return output
        if output.shape[1] == 1:
            return (output[:, 0] > (self.low + self.high) / 2).astype(np.int64)
        return np.argmax(output, axis=1)

    def score(self, output: np.ndarray, y: np.ndarray) -> float:
        """Accuracy in [0, 1], or R² averaged over the target columns; y as the dataset gives it."""
        if len(y) == 0:
            return float("nan")
        if self.task == "classification":
            return float(np.mean(self.predict(output) == y))
        return r2_score(output, y)


def columns(y: np.ndarray) -> np.ndarray:
    """Regression targets, (n,) or (n, t), as float64 columns (n, t); an empty split too."""
    y = np.asarray(y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


def first_target(y: np.ndarray) -> np.ndarray:
    """The first target of every sample, (n,) float64: what a picture colours points by."""
    return columns(y)[:, 0]


def r2_score(prediction: np.ndarray, y: np.ndarray) -> float:
    """Coefficient of determination, averaged over columns (NaN if a column is constant)."""
    y = columns(y)
    prediction = np.asarray(prediction, dtype=np.float64).reshape(y.shape)
    residual = np.sum((y - prediction) ** 2, axis=0)
    total = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), np.nan)
    return float(np.mean(r2))


def make_targets(design: Design, task: str, classes: int | None, target_width: int) -> Targets:
    """Pick the coding, or say in one line why the design cannot fit this dataset.

    `target_width` is the number of target columns of a regression set (ignored otherwise).
    """
    outputs = design.outputs
    low, high = ACTIVATIONS.get(design.layers[-1].activation).output_range or UNBOUNDED_CODING
    loss = LOSSES.get(design.loss)
    if task == "regression":
        if loss.needs_classes:
            raise DesignError(
                f"loss: {design.loss} needs class labels, but the dataset is a regression set"
            )
        if outputs != target_width:
            raise DesignError(
                f"layers: the output layer has {outputs} unit(s) but the dataset has "
                f"{target_width} target column(s)"
            )
        return Targets(task, outputs, False, 0.0, 1.0)
    k = int(classes or 2)
    labels = loss.takes_labels
    if labels and outputs != k:
        raise DesignError(
            f"layers: {design.loss} needs one output unit per class ({k}), not {outputs}"
        )
    if not labels and outputs not in (1, k):
        raise DesignError(
            f"layers: the output layer has {outputs} units but the dataset has {k} classes "
            f"(use {k} units, or 1 unit for two classes)"
        )
    if outputs == 1 and k != 2:
        raise DesignError(
            f"layers: one output unit can only separate two classes; the dataset has {k} "
            f"(use {k} units with softmax and cross_entropy)"
        )
    return Targets(task, outputs, labels, low, high)
