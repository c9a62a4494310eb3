"""How values are distributed, per layer and over time, and which samples the network confuses.

`DistributionRecord` keeps, for every layer, histograms of its weights, of its activations on a
fixed sample of training inputs, and of its weight gradients (the last batch's dLoss/dW), one
set per recorded snapshot, so a view can draw TensorBoard's histogram heatmap (value bins
against steps) and the current histogram beside it. Each (quantity, layer) has `BINS` equal
bins over a symmetric range ±R that only grows: when a value falls outside, R doubles and the
stored counts merge pairwise into the wider bins, so every column of the heatmap shares one
set of edges and counts stay exact. At most `capacity` records are kept: the older half is
thinned to every second one when full (as `History` does).

`confusion` counts true against predicted classes on the test split (the training split when
there is none), with the rows of the samples in every cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.core.datasets import Dataset
from nnviz.core.design import Design
from nnviz.core.network import Network
from nnviz.core.snapshot import Snapshot
from nnviz.core.targets import make_targets

BINS = 40  # even: the range doubles around zero
QUANTITIES = ("weights", "activations", "gradients")
ACTIVATION_SAMPLES = 128
CONFUSION_SAMPLES = 2000  # rows of a split counted at most (as the epoch metrics)
CAPACITY = 400
INITIAL_RANGE = 1e-3  # the smallest ±R (all-zero values still get a readable axis)


@dataclass(frozen=True)
class Heatmap:
    """One (quantity, layer): counts shaped (records, BINS) at `steps`, over `edges`."""

    steps: np.ndarray
    edges: np.ndarray
    counts: np.ndarray

    @property
    def current(self) -> np.ndarray:
        """The newest record's counts (zeros before the first)."""
        return self.counts[-1] if len(self.counts) else np.zeros(len(self.edges) - 1)


class _Track:
    """Histograms of one quantity of one layer over time, on shared, growing bins."""

    def __init__(self) -> None:
        self.half_range = 0.0
        self.counts: list[np.ndarray] = []

    def edges(self) -> np.ndarray:
        return np.linspace(-self.half_range, self.half_range, BINS + 1)

    def add(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        top = float(np.max(np.abs(finite))) if finite.size else 0.0
        if self.half_range == 0.0:
            self.half_range = _nice(max(top, INITIAL_RANGE))
        while top > self.half_range:
            self._widen()
        counts, _ = np.histogram(finite, bins=self.edges())
        self.counts.append(counts)

    def _widen(self) -> None:
        """Double the range: old bins pair up in the middle half of the new ones."""
        quarter = BINS // 4
        for i, old in enumerate(self.counts):
            new = np.zeros(BINS, dtype=old.dtype)
            new[quarter : BINS - quarter] = old.reshape(-1, 2).sum(axis=1)
            self.counts[i] = new
        self.half_range *= 2


class DistributionRecord:
    """Per-layer histograms of weights, activations and gradients over time."""

    def __init__(self, design: Design, data: Dataset, capacity: int = CAPACITY) -> None:
        self.design = design
        self.capacity = capacity
        rng = np.random.default_rng(0)
        rows = rng.permutation(len(data.x_train))[:ACTIVATION_SAMPLES]
        self.sample = np.ascontiguousarray(
            data.x_train[rows], dtype=np.dtype(design.training.dtype)
        )
        self._network = Network(design, seed=0)
        self.steps: list[int] = []
        self._tracks = {(q, k): _Track() for q in QUANTITIES for k in range(len(design.layers))}

    def __len__(self) -> int:
        return len(self.steps)

    def values(self, snapshot: Snapshot) -> dict[tuple[str, int], np.ndarray]:
        """What is histogrammed for a snapshot: (quantity, layer) → the values."""
        net = self._network
        net.load_weights(snapshot.weights, snapshot.biases)
        with np.errstate(all="ignore"):
            posts = net.forward(self.sample).post
        out = {}
        for k in range(len(self.design.layers)):
            out["weights", k] = np.asarray(snapshot.weights[k]).ravel()
            out["activations", k] = np.asarray(posts[k]).ravel()
            out["gradients", k] = np.asarray(snapshot.grad_weights[k]).ravel()
        return out

    def add(self, snapshot: Snapshot) -> bool:
        """Record a snapshot of a new step (False, doing nothing, for one already recorded)."""
        if self.steps and snapshot.step <= self.steps[-1]:
            return False
        for key, values in self.values(snapshot).items():
            self._tracks[key].add(values)
        self.steps.append(snapshot.step)
        if len(self.steps) > self.capacity:
            self._thin()
        return True

    def _thin(self) -> None:
        half = len(self.steps) // 2
        keep = list(range(0, half, 2)) + list(range(half, len(self.steps)))
        self.steps = [self.steps[i] for i in keep]
        for track in self._tracks.values():
            track.counts = [track.counts[i] for i in keep]

    def heatmap(self, quantity: str, layer: int) -> Heatmap:
        track = self._tracks[quantity, layer]
        counts = np.array(track.counts) if track.counts else np.zeros((0, BINS), dtype=np.int64)
        return Heatmap(np.array(self.steps, dtype=np.int64), track.edges(), counts)


def _nice(value: float) -> float:
    """The power of two at or above `value` (ranges then double cleanly)."""
    return 2.0 ** math.ceil(math.log2(value))


# ----------------------------------------------------------------------------- confusion


@dataclass(frozen=True)
class Confusion:
    """`matrix[i, j]`: samples of class i predicted as j, on `split` ("test" or "train").

    A large split is counted on a fixed random sample of CONFUSION_SAMPLES of its rows (the
    same ones every time), so the matrix costs the same for 14,000 test images as for 1,000:
    `rows` are the split's rows counted (sorted), `true` and `predicted` theirs, and
    `split_size` how many the split has."""

    split: str
    matrix: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    class_names: tuple[str, ...]
    rows: np.ndarray
    split_size: int

    def samples(self, true: int, predicted: int) -> np.ndarray:
        """Rows (of the split) of the samples in one cell."""
        return self.rows[(self.true == true) & (self.predicted == predicted)]

    @property
    def scope(self) -> str:
        """What was counted, for a title: "test split", or "2,000 of 14,000 test samples"."""
        if len(self.rows) == self.split_size:
            return f"{self.split} split"
        return f"{len(self.rows):,} of {self.split_size:,} {self.split} samples"

    @property
    def accuracy(self) -> float:
        total = self.matrix.sum()
        return float(np.trace(self.matrix) / total) if total else math.nan


def confusion(design: Design, snapshot: Snapshot, data: Dataset) -> Confusion | None:
    """The confusion matrix of the snapshot's weights (None for regression)."""
    if data.task != "classification":
        return None
    split = "test" if len(data.x_test) else "train"
    x = data.x_test if split == "test" else data.x_train
    y = np.asarray(data.y_test if split == "test" else data.y_train, dtype=np.int64)
    size = len(x)
    rows = np.arange(size)
    if size > CONFUSION_SAMPLES:
        rows = np.sort(np.random.default_rng(0).permutation(len(x))[:CONFUSION_SAMPLES])
        x, y = x[rows], y[rows]
    targets = make_targets(design, data.task, data.classes, 1)
    network = Network(design, seed=0)
    network.load_weights(snapshot.weights, snapshot.biases)
    with np.errstate(all="ignore"):
        output = network.forward(np.asarray(x, dtype=np.dtype(design.training.dtype))).output
    predicted = targets.predict(output)
    k = int(data.classes or 2)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (y, predicted), 1)
    names = data.class_names or tuple(str(i) for i in range(k))
    return Confusion(split, matrix, y, predicted, tuple(names), rows, size)
