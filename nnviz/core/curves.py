"""Activation and loss curves for the explorers, and where the current network sits on them.

Every number comes from the registries themselves (`ACTIVATIONS`' forward and derivative,
`LOSSES`' value and grad) and from the engine's own forward pass, so the explorers show exactly
the functions that train the network:

- `activation_curve(name)`: a(z) and a′(z) over a span of z, with the ranges where a unit is
  *dead* (relu-like, a ≤ 0) or *saturated* (bounded, within 1 % of an end), as the health metrics
  define them (`metrics.dead_values`, `metrics.saturated_values`). Softmax, which couples its
  units, is drawn as the probability of one class against its own score, the others at 0.
- `activation_use(...)`: the z values of one layer over some training samples, with the share
  of them in each range and the share of units dead or saturated (the health plot's numbers).
- `loss_curve(name, target)`: one sample's loss and its gradient against the prediction: the
  probability given to the target class for the two class losses, the output itself for the
  element-wise ones (per output element; the batch loss is the mean of such terms).
- `loss_marks(...)`: the current outputs placed on that curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.losses import LOSSES
from nnviz.core.metrics import dead_fraction, dead_values, saturated_fraction, saturated_values
from nnviz.core.network import Network

Span = tuple[float, float]
Z_SPAN = (-6.0, 6.0)
CURVE_POINTS = 601
MAX_Z_SPAN = 40.0  # a wider spread of z values is shown up to here
PROBABILITY_SPAN = (0.001, 0.999)
LOSS_POINTS = 400
ERROR_SPAN = 3.0  # element-wise losses: target ± this much, or wider to hold the outputs


@dataclass(frozen=True)
class ActivationCurve:
    """a = f(z) and f′(z) on a grid of z; `dead` / `saturated` are z intervals (low, high)
    within the grid where a unit's value counts as dead / saturated."""

    name: str
    z: np.ndarray
    a: np.ndarray
    slope: np.ndarray
    dead: tuple[Span, ...]
    saturated: tuple[Span, ...]
    description: str


def _curve_values(
    name: str, z: np.ndarray, logits: np.ndarray | None = None, unit: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(a, a′) of a registry entry at each z. Softmax, whose units are coupled, is drawn for
    one unit: its probability as its own score z varies while the layer's other scores stay at
    `logits` (default: a single other score 0), with the diagonal of its Jacobian as a′."""
    act = ACTIVATIONS.get(name)
    if act.elementwise:
        zc = z[:, None]
        a = act.forward(zc)
        return a[:, 0].copy(), act.derivative(zc, a)[:, 0].copy()
    others = np.zeros(2) if logits is None else np.asarray(logits, dtype=np.float64)
    scores = np.tile(others, (len(z), 1))
    scores[:, unit] = z
    a = act.forward(scores.copy())
    direction = np.zeros_like(scores)
    direction[:, unit] = 1.0
    return a[:, unit].copy(), act.backward(scores, a, direction)[:, unit].copy()


def _runs(z: np.ndarray, mask: np.ndarray | None) -> tuple[Span, ...]:
    """The intervals of z where `mask` holds, as (first z, last z) of each run."""
    if mask is None or not mask.any():
        return ()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return tuple(
        (float(z[s]), float(z[e - 1])) for s, e in zip(edges[::2], edges[1::2], strict=True)
    )


def activation_curve(
    name: str,
    span: Span = Z_SPAN,
    points: int = CURVE_POINTS,
    logits: np.ndarray | None = None,
    unit: int = 0,
) -> ActivationCurve:
    """The curve of activation `name` (any registry entry) over `span`; for softmax, of unit
    `unit` with the layer's other scores at `logits` (see `_curve_values`)."""
    z = np.linspace(span[0], span[1], points)
    a, slope = _curve_values(name, z, logits, unit)
    act = ACTIVATIONS.get(name)
    column = a[:, None]
    dead = dead_values(column, name) if act.elementwise else None
    saturated = saturated_values(column, name) if act.elementwise else None
    return ActivationCurve(
        name=name,
        z=z,
        a=a,
        slope=slope,
        dead=_runs(z, None if dead is None else dead[:, 0]),
        saturated=_runs(z, None if saturated is None else saturated[:, 0]),
        description=ACTIVATIONS.description(name),
    )


def forward_with(design, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x):
    """The engine's forward pass of `design` with the given weights (a snapshot's) on rows x."""
    net = Network(design)
    net.load_weights(weights, biases)
    return net.forward(np.asarray(x, dtype=net.dtype))


@dataclass(frozen=True)
class ActivationUse:
    """Layer `layer` (1 = first trainable layer) on `samples` training rows, its z values put
    through activation `name` (the layer's own, or another to compare)."""

    layer: int
    name: str
    samples: int
    units: int
    z: np.ndarray  # (samples, units)
    a: np.ndarray  # f(z) for `name`
    dead_share: float  # share of the values in the dead range (NaN: cannot die)
    saturated_share: float  # share of the values in the saturated range (NaN: unbounded)
    dead_units: float  # share of units dead on every sample (the health plot's number)
    saturated_units: float  # share of units saturated on ≥ 90 % of the samples

    def span(self) -> Span:
        """A z span holding the standard one and all of these values (up to MAX_Z_SPAN)."""
        finite = self.z[np.isfinite(self.z)]
        if finite.size == 0:
            return Z_SPAN
        reach = min(max(Z_SPAN[1], 1.05 * float(np.abs(finite).max())), MAX_Z_SPAN)
        return (-reach, reach)


def activation_use(pre: np.ndarray, layer: int, name: str) -> ActivationUse:
    """The values `pre` (samples × units, a layer's z) put through activation `name`."""
    z = np.asarray(pre, dtype=np.float64)
    act = ACTIVATIONS.get(name)
    if act.elementwise:
        a = act.forward(z)
        dead, saturated = dead_values(a, name), saturated_values(a, name)
    else:
        a = act.forward(z.copy())
        dead = saturated = None
    empty = z.size == 0
    return ActivationUse(
        layer=layer,
        name=name,
        samples=int(z.shape[0]),
        units=int(z.shape[1]) if z.ndim == 2 else 0,
        z=z,
        a=a,
        dead_share=float("nan") if dead is None or empty else float(dead.mean()),
        saturated_share=float("nan") if saturated is None or empty else float(saturated.mean()),
        dead_units=dead_fraction(a, name) if act.elementwise else float("nan"),
        saturated_units=saturated_fraction(a, name) if act.elementwise else float("nan"),
    )


@dataclass(frozen=True)
class LossCurve:
    """One sample's loss and dLoss/dprediction against the prediction `x`, for `target`.

    `kind` is "probability" (x is the probability given to class `target`) or "value" (x is one
    output, `target` its target value).
    """

    name: str
    kind: str
    target: float
    x: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    description: str


def _probability_row(name: str, p: float, target: int, classes: int):
    """(output row, target) for one sample giving probability p to class `target`."""
    if name == "binary_cross_entropy":
        prob = p if target == 1 else 1.0 - p
        return np.array([[prob]]), np.array([[float(target)]])
    row = np.full((1, classes), (1.0 - p) / max(classes - 1, 1))
    row[0, target] = p
    return row, np.array([target])


def loss_at(name: str, predictions: np.ndarray, target: float, classes: int = 2):
    """(loss, dLoss/dprediction) of one sample at each prediction, from the registry entry."""
    loss = LOSSES.get(name)
    values, grads = [], []
    for p in np.asarray(predictions, dtype=np.float64).tolist():
        if loss.needs_classes:
            output, y = _probability_row(name, p, int(target), classes)
            g = loss.grad(output, y)
            # the prediction is P(target class): for BCE's target 0 that is 1 − a
            column = 0 if name == "binary_cross_entropy" else int(target)
            sign = -1.0 if name == "binary_cross_entropy" and int(target) == 0 else 1.0
            values.append(loss.value(output, y))
            grads.append(sign * float(g[0, column]))
        else:
            output, y = np.array([[p]]), np.array([[float(target)]])
            values.append(loss.value(output, y))
            grads.append(float(loss.grad(output, y)[0, 0]))
    return np.array(values), np.array(grads)


def loss_curve(name: str, target: float, classes: int = 2, span: Span | None = None) -> LossCurve:
    """The curve of loss `name` for one sample whose target is `target` (a class index for the
    class losses, a value for the element-wise ones)."""
    probability = LOSSES.get(name).needs_classes
    if span is None:
        span = PROBABILITY_SPAN if probability else (target - ERROR_SPAN, target + ERROR_SPAN)
    x = np.linspace(span[0], span[1], LOSS_POINTS)
    values, grads = loss_at(name, x, target, classes)
    return LossCurve(
        name=name,
        kind="probability" if probability else "value",
        target=float(target),
        x=x,
        loss=values,
        grad=grads,
        description=LOSSES.description(name),
    )


@dataclass(frozen=True)
class LossMarks:
    """Current outputs on a loss curve: x as the curve's, their loss, and how many samples."""

    x: np.ndarray
    loss: np.ndarray
    samples: int
    note: str


def loss_marks(
    name: str, output: np.ndarray, targets: np.ndarray, labels: np.ndarray | None, target: float
) -> LossMarks:
    """Place the network's `output` (samples × outputs) on the curve of `target`.

    Class losses: the samples of class `target` (from `labels`), at the probability they give
    it. Element-wise losses: every output element, at target + (prediction − its own target),
    since these losses depend on the error alone; `targets` are the coded targets.
    """
    output = np.asarray(output, dtype=np.float64)
    if LOSSES.get(name).needs_classes:
        rows = np.flatnonzero(np.asarray(labels) == int(target))
        if output.shape[1] == 1:
            p = output[rows, 0] if int(target) == 1 else 1.0 - output[rows, 0]
        else:
            p = output[rows, int(target)]
        note = f"{len(rows)} samples of this class, at the probability they give it"
        x = np.clip(p, *PROBABILITY_SPAN)
        classes = max(output.shape[1], 2)
        return LossMarks(x, loss_at(name, x, target, classes)[0], len(rows), note)
    error = output - np.asarray(targets, dtype=np.float64).reshape(output.shape)
    x = float(target) + error.ravel()
    note = f"{error.size} outputs of {len(output)} samples, placed by their error ŷ − y"
    return LossMarks(x, loss_at(name, x, target)[0], len(output), note)


EXPLORE_SAMPLES = 256  # training rows the explorers put through the network


def explored_rows(n: int, limit: int = EXPLORE_SAMPLES) -> np.ndarray:
    """Evenly spaced training rows, at most `limit` (generated sets are often sorted by class,
    so the first rows would show one class only)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
