"""The weight and gradient of chosen links over a run, recorded from the snapshots a window sees.

A link is `(k, i, j)`: the weight `weights[k][i, j]`. Each snapshot gives the weight after its
step and the gradient ∂L/∂w of that step's batch (batch mean), so one point per snapshot: about
ten a second at full speed (steps in between are not seen), every step when stepping by hand.
A small network (at most `TRACK_ALL` weights) has every link recorded from the start of the run;
otherwise a link is recorded from the moment it is first asked for. Each series holds at most
`capacity` points: when full, every second older point is dropped, so a long run keeps its whole
span at a coarser spacing.
"""

from __future__ import annotations

import itertools

import numpy as np

TRACK_ALL = 512  # weights: up to this many, every link is recorded from the start
CAPACITY = 2000

Link = tuple[int, int, int]


class _Series:
    def __init__(self, capacity: int) -> None:
        self.rows = np.empty((capacity, 3))  # step, weight, gradient
        self.size = 0

    def append(self, step: float, w: float, g: float) -> None:
        if self.size == len(self.rows):
            keep = np.concatenate([np.arange(0, self.size - 1, 2), [self.size - 1]])
            self.size = len(keep)
            self.rows[: self.size] = self.rows[keep]
        self.rows[self.size] = (step, w, g)
        self.size += 1


class LinkHistory:
    """Series of (step, weight, gradient) per link; `record` each snapshot, read with `series`."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._series: dict[Link, _Series] = {}
        self._all = False
        self._last_step: int | None = None

    def reset(self, layer_sizes) -> None:
        """A new run: forget everything; small networks are recorded whole from here."""
        self._series.clear()
        self._last_step = None
        sizes = tuple(layer_sizes)
        weights = sum(a * b for a, b in itertools.pairwise(sizes))
        self._all = weights <= TRACK_ALL
        if self._all:
            for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
                for i in range(n_in):
                    for j in range(n_out):
                        self._series[(k, i, j)] = _Series(self.capacity)

    def track(self, link: Link) -> None:
        """Record this link from now on (no-op if it already is)."""
        if link not in self._series:
            self._series[link] = _Series(self.capacity)

    def tracked(self, link: Link) -> bool:
        return link in self._series

    def record(self, snapshot) -> None:
        """One point per tracked link for a snapshot of a step later than any seen (there is
        no gradient before the first step: step 0 is recorded with a NaN gradient)."""
        seen = self._last_step is not None and snapshot.step <= self._last_step
        if seen or not self._series:  # an older step (a past moment shown again): not new
            return
        self._last_step = snapshot.step
        self._append(snapshot, self._series.items())

    def record_now(self, snapshot) -> None:
        """A newly tracked link's first point, from the snapshot shown when it was chosen."""
        fresh = [(link, s) for link, s in self._series.items() if s.size == 0]
        self._append(snapshot, fresh)

    def _append(self, snapshot, items) -> None:
        for (k, i, j), series in items:
            if k >= len(snapshot.weights):
                continue
            rows, cols = snapshot.weights[k].shape
            if i >= rows or j >= cols:
                continue
            g = float(snapshot.grad_weights[k][i, j]) if snapshot.step > 0 else float("nan")
            series.append(snapshot.step, float(snapshot.weights[k][i, j]), g)

    def series(self, link: Link) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, weights, gradients) recorded for a link (empty if it is not tracked)."""
        series = self._series.get(link)
        if series is None:
            empty = np.zeros(0)
            return empty, empty, empty
        rows = series.rows[: series.size]
        return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()
