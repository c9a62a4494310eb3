"""How values are distributed, per layer and over time, and which samples the network confuses.

`DistributionRecord` keeps, for every layer, histograms of its weights, of its activations on a
fixed sample of training inputs, and of its weight gradients (the last batch's dLoss/dW), one
set per recorded step, so a view can draw TensorBoard's histogram heatmap (value bins against
steps) and the current histogram beside it. Steps come from the run's snapshots as it trains
(`add`) and from its timeline for the past (`add_moments`: a view opened late still shows the
whole run). Each (quantity, layer) has `BINS` equal bins over a symmetric range ±R that only
grows: when a value reaches R, R doubles and the stored counts merge pairwise into the wider
bins, so every column of the heatmap shares one set of edges and counts stay exact. At most
`capacity` records are kept: the older half is thinned to every second one when full (as
`History` does).

`confusion` counts true against predicted classes on the test split (the training split when
there is none), with the rows of the samples in every cell.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnviz.core.datasets import Dataset
from nnviz.core.design import Design
from nnviz.core.network import Network
from nnviz.core.snapshot import Snapshot
from nnviz.core.targets import make_targets

if TYPE_CHECKING:
    from nnviz.core.timeline import Timeline
    from nnviz.core.trainer import Trainer

BINS = 40  # even: the range doubles around zero
QUANTITIES = ("weights", "activations", "gradients")
ACTIVATION_SAMPLES = 128
CONFUSION_SAMPLES = 2000  # rows of a split counted at most (as the epoch metrics)
CAPACITY = 400
PAST_COLUMNS = 200  # steps of the past taken from the timeline, spread over the run
INITIAL_RANGE = 1e-3  # the smallest ±R (all-zero values still get a readable axis)

Values = dict[tuple[str, int], np.ndarray]  # (quantity, layer) → the values histogrammed


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

    def on_steps(self, columns: int) -> np.ndarray:
        """The counts at `columns` evenly spaced steps from the first recorded to the last, each
        the newest record at or before it (for drawing the steps to scale)."""
        if not len(self.steps):
            return np.zeros((0, len(self.edges) - 1), dtype=np.int64)
        at = np.linspace(self.steps[0], self.steps[-1], columns)
        return self.counts[np.searchsorted(self.steps, at, side="right") - 1]

    def at(self, step: int) -> np.ndarray:
        """The counts of the newest record at or before `step` (the first record's before it)."""
        if not len(self.steps):
            return self.current
        return self.counts[max(int(np.searchsorted(self.steps, step, side="right")) - 1, 0)]


class _Track:
    """Histograms of one quantity of one layer over time, on shared, growing bins."""

    def __init__(self) -> None:
        self.half_range = 0.0
        self.counts: list[np.ndarray] = []

    def edges(self) -> np.ndarray:
        return np.linspace(-self.half_range, self.half_range, BINS + 1)

    def add(self, values: np.ndarray, at: int) -> None:
        """Counts of `values` as record number `at`."""
        finite = values[np.isfinite(values)]
        top = float(np.max(np.abs(finite))) if finite.size else 0.0
        if self.half_range == 0.0:
            self.half_range = _nice(max(top, INITIAL_RANGE))
        # Strictly inside: a value at +R is in the last bin, but in an inner bin of the doubled
        # range, so merged counts would no longer be a histogram on the new edges.
        while top >= self.half_range:
            self._widen()
        counts, _ = np.histogram(finite, bins=self.edges())
        self.counts.insert(at, counts)

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
        self._recorded: set[int] = set()  # the steps, for a quick look-up
        self._tracks = {(q, k): _Track() for q in QUANTITIES for k in range(len(design.layers))}

    def __len__(self) -> int:
        return len(self.steps)

    def values(self, snapshot: Snapshot) -> Values:
        """What is histogrammed for a snapshot: (quantity, layer) → the values."""
        return self._values(snapshot.weights, snapshot.biases, snapshot.grad_weights)

    def _values(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], grads: Sequence
    ) -> Values:
        net = self._network
        net.load_weights(weights, biases)
        with np.errstate(all="ignore"):
            posts = net.forward(self.sample).post
        out = {}
        for k in range(len(self.design.layers)):
            out["weights", k] = np.asarray(weights[k]).ravel()
            out["activations", k] = np.asarray(posts[k]).ravel()
            out["gradients", k] = np.asarray(grads[k]).ravel()
        return out

    def add(self, snapshot: Snapshot) -> bool:
        """Record a snapshot's step, a new one or one of the past shown again (False, doing
        nothing, for a step already recorded)."""
        return snapshot.step not in self._recorded and self._insert(
            snapshot.step, self.values(snapshot)
        )

    def add_moments(
        self, timeline: Timeline, trainer: Trainer, last: int, seconds: float = math.inf
    ) -> bool:
        """Record steps of the run's past from its `timeline` (up to step `last`), spread over
        it (`PAST_COLUMNS`) where the record has none near, by putting `trainer` (a scratch
        trainer of the run) at each; for at most about `seconds`. True when none is missing."""
        end = time.perf_counter() + seconds
        for step in self.missing_steps(timeline.steps(), last):
            if time.perf_counter() > end:
                return False
            timeline.restore(trainer, step)
            net = trainer.network
            self._insert(step, self._values(net.weights, net.biases, trainer.step_gradients()))
        return True

    def missing_steps(self, recorded: np.ndarray, last: int) -> list[int]:
        """Recorded steps up to `last` that `add_moments` takes: for each of `PAST_COLUMNS`
        evenly spaced steps, the nearest recorded one, unless the record has a step within
        half their spacing."""
        recorded = recorded[recorded <= last]
        if not len(recorded):
            return []
        spacing = max((last - recorded[0]) / PAST_COLUMNS, 1.0)
        wanted = np.linspace(recorded[0], last, PAST_COLUMNS)
        i = np.clip(np.searchsorted(recorded, wanted), 1, max(len(recorded) - 1, 1))
        before, after = recorded[i - 1], recorded[np.minimum(i, len(recorded) - 1)]
        nearest = np.unique(np.where(wanted - before <= after - wanted, before, after))
        have = np.array(self.steps, dtype=np.int64)
        if not len(have):
            return nearest.tolist()
        j = np.clip(np.searchsorted(have, nearest), 1, max(len(have) - 1, 1))
        gap = np.minimum(
            np.abs(have[j - 1] - nearest), np.abs(have[np.minimum(j, len(have) - 1)] - nearest)
        )
        return nearest[gap > spacing / 2].tolist()

    def _insert(self, step: int, values: Values) -> bool:
        at = bisect.bisect_left(self.steps, step)
        for key, array in values.items():
            self._tracks[key].add(array, at)
        self.steps.insert(at, step)
        self._recorded.add(step)
        if len(self.steps) > self.capacity:
            self._thin()
        return True

    def _thin(self) -> None:
        half = len(self.steps) // 2
        keep = list(range(0, half, 2)) + list(range(half, len(self.steps)))
        self.steps = [self.steps[i] for i in keep]
        self._recorded = set(self.steps)
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
    """`matrix[i, j]`: samples of class i predicted as j, on `split` ("test" or "train"), by
    the weights after `step` steps.

    A large split is counted on a fixed random sample of CONFUSION_SAMPLES of its rows (the
    same ones every time), so the matrix costs the same for 14,000 test images as for 1,000:
    `rows` are the split's rows counted (sorted), `true` and `predicted` theirs, and
    `split_size` how many the split has."""

    step: int
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
    return Confusion(snapshot.step, split, matrix, y, predicted, tuple(names), rows, size)
