"""Each layer's view of the data: every sample as a layer represents it, drawn in two dimensions.

A network is a chain of maps; this module shows what each one does to the data. For the input,
every hidden layer and the output layer's pre-activation z, it gives the coordinates of a fixed
sample of training points:

- the input of a 2-D set as its plane (x1, x2), also when the network is given more features
  computed from it (sin(x1), x1·x2, …): the picture the learner knows, where a projection of
  the features would only blur it;
- a layer of two units in its own two coordinates, exactly;
- a layer of one unit on a line (x = its value; y only spreads the points for visibility);
- a wider layer on the plane of its first two principal components (fitted on that layer's
  activations of the sample), with the share of the variance that plane keeps. From one frame to
  the next the plane's axes are turned (an orthogonal 2×2 map, the closest to the previous
  frame's axes) so the picture never flips or spins while the network trains.

For 2-D datasets the lines of a regular grid over the input plane are carried through every
layer and projected the same way: the learner sees the plane folded and squashed. The last step
is linear: in the panel feeding the output layer, and in the output panel itself, the output's
decision is drawn as shaded regions over the panel's plane and, where the panel shows the
layer's own coordinates, as the exact boundary line segments (w·h + b = t for one output unit;
z_i = z_j where i and j lead, for several).

`LayerSpaceTracker` keeps the previous frame's projections and decides when a new frame is due,
bounding its cost (see `COST_SHARE`); a frame carries its projections, so another tracker (a
past moment of the timeline, an export) can `follow` the frame on screen. Everything is float64
whatever the training dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from nnviz.core.activations import Activation
from nnviz.core.datasets import Dataset
from nnviz.core.frozen import frozen_copy
from nnviz.core.network import Network
from nnviz.core.targets import Targets

MAX_POINTS = 600  # training samples shown (a fixed random subset of larger sets)
GRID_LINES = 13  # grid lines per direction over a 2-D input plane
LINE_POINTS = 64  # points along each grid line
REGION_RESOLUTION = 48  # cells per side of a decision-region map
PAD = 0.08  # share of the points' span added around them
EDGE = PAD / (1 + 2 * PAD)  # ... the share of a panel's span that keeps them off each edge
SHRINK = 0.15  # a panel's extent shrinks at most this share of its span per frame (grows at once)
FRAME_HZ = 3.0  # new frames per second at most while training (each costs the GUI ~20 ms)
COST_SHARE = 0.05  # ... and no more often than keeps their cost below this share of the time
THRESHOLD_RANGE = 40.0  # where a one-unit output's decision threshold is searched in z

Extent = tuple[float, float, float, float]  # x0, x1, y0, y1


# ----------------------------------------------------------------------- projections


@dataclass(frozen=True)
class Projection:
    """How a layer's activations `a` become a panel's coordinates: `(a - mean) @ basis`.

    `kind` is "exact" (two units, their own coordinates), "line" (one unit: x is its value, y
    spreads the points) or "pca" (the plane of the first two principal components, `explained`
    the share of the variance it keeps).
    """

    kind: str
    mean: np.ndarray  # (units,)
    basis: np.ndarray  # (units, 2); orthonormal columns for "pca"
    explained: float | None = None

    def apply(self, a: np.ndarray) -> np.ndarray:
        """(n, units) activations → (n, 2) panel coordinates (y of a "line" panel is 0)."""
        return (a - self.mean) @ self.basis

    def lift(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) panel coordinates → the points of the layer's space they show (for "pca": the
        plane through the mean of the sample)."""
        return self.mean + uv @ self.basis.T


def project(a: np.ndarray, previous: Projection | None = None) -> Projection:
    """The projection of a layer whose sample activations are `a` (n, units); a "pca" one is
    turned to follow `previous` (the same layer's projection in the last frame), if any."""
    units = a.shape[1]
    if units <= 2:
        basis = frozen_copy(np.eye(units, 2))
        return Projection("exact" if units == 2 else "line", frozen_copy(np.zeros(units)), basis)
    if not np.all(np.isfinite(a)):  # a diverged run: keep the last frame's axes
        if previous is not None and previous.basis.shape == (units, 2):
            return Projection("pca", previous.mean, previous.basis, math.nan)
        mean, basis = frozen_copy(np.zeros(units)), frozen_copy(np.eye(units, 2))
        return Projection("pca", mean, basis, math.nan)
    mean, basis, explained = principal_plane(a)
    if previous is not None and previous.kind == "pca" and previous.basis.shape == basis.shape:
        basis = align(basis, previous.basis)
    return Projection("pca", frozen_copy(mean), frozen_copy(basis), explained)


def principal_plane(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(mean, basis (units, 2), explained share) of the sample's first two principal
    components, from the eigenvectors of the smaller of the scatter matrix (units × units) and
    the Gram matrix (n × n): the plane of a singular value decomposition at a fraction of its
    cost for a wide layer or a 784-pixel input. Each axis is signed so that its largest
    loading is positive (a fixed choice for a first frame; later frames follow `align`)."""
    mean = a.mean(axis=0)
    centred = a - mean
    n, units = centred.shape
    if units <= n:
        values, vectors = np.linalg.eigh(centred.T @ centred)  # ascending
        basis = vectors[:, [-1, -2]]
    else:  # the same components, from the samples' side: v = cᵀu / ‖cᵀu‖
        values, vectors = np.linalg.eigh(centred @ centred.T)
        basis = centred.T @ vectors[:, [-1, -2]]
        basis /= np.maximum(np.linalg.norm(basis, axis=0), 1e-300)
    largest = basis[np.argmax(np.abs(basis), axis=0), [0, 1]]
    basis = basis * np.where(largest < 0, -1.0, 1.0)
    total = float(np.sum(centred**2))
    kept = float(np.sum(np.maximum(values[[-1, -2]], 0.0)))
    explained = min(kept / total, 1.0) if total > 0 else math.nan
    return mean, basis, explained


def align(basis: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """`basis` turned within its plane (times the orthogonal 2×2 matrix R minimising
    ‖basis·R − previous‖, Procrustes' solution) to stay as close as possible to `previous`."""
    u, _, vt = np.linalg.svd(basis.T @ previous)
    return basis @ (u @ vt)


# ----------------------------------------------------------------------- the output's decision


def threshold(activation: Activation, middle: float) -> float | None:
    """The pre-activation z at which a one-unit output crosses `middle` (the midpoint of its
    class coding), found by bisection; None if it never does within ±THRESHOLD_RANGE."""
    lo, hi = -THRESHOLD_RANGE, THRESHOLD_RANGE

    def f(z: float) -> float:
        return float(activation.forward(np.array([[z]]))[0, 0]) - middle

    if f(lo) * f(hi) > 0:
        return None
    for _ in range(80):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (f(hi) > 0):
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def boundary_segments(
    weights: np.ndarray, biases: np.ndarray, cut: float | None, extent: Extent
) -> np.ndarray:
    """Where the linear layer z = p @ weights + biases decides, inside `extent`, for points p of
    a plane: segments (m, 2, 2) of [start, end].

    One output unit: the line z = `cut`. Several: for each pair i < j the part of the line
    z_i = z_j where both lead (z_i = z_j ≥ every other z_k), i.e. the edges of the regions
    where each unit wins.
    """
    weights = np.asarray(weights, dtype=float)
    biases = np.asarray(biases, dtype=float)
    x0, x1, y0, y1 = extent
    box = [(np.array([1.0, 0.0]), -x0), (np.array([-1.0, 0.0]), x1)]
    box += [(np.array([0.0, 1.0]), -y0), (np.array([0.0, -1.0]), y1)]
    segments = []
    if weights.shape[1] == 1:
        pairs = [((weights[:, 0], biases[0] - cut), [])] if cut is not None else []
    else:
        k = weights.shape[1]
        pairs = []
        for i in range(k):
            for j in range(i + 1, k):
                lead = [(weights[:, i] - weights[:, m], biases[i] - biases[m]) for m in range(k)]
                lead = [c for m, c in enumerate(lead) if m not in (i, j)]
                pairs.append(((weights[:, i] - weights[:, j], biases[i] - biases[j]), lead))
    for (normal, offset), keep in pairs:
        segment = _clipped_line(normal, offset, box + keep)
        if segment is not None:
            segments.append(segment)
    return np.array(segments, dtype=float).reshape(-1, 2, 2)


def _clipped_line(normal, offset, half_planes) -> np.ndarray | None:
    """The part of the line normal·p + offset = 0 where every g·p + e ≥ 0, or None."""
    norm2 = float(normal @ normal)
    if not math.isfinite(norm2) or norm2 < 1e-18:
        return None
    p0 = -offset * normal / norm2
    d = np.array([-normal[1], normal[0]]) / math.sqrt(norm2)
    lo, hi = -math.inf, math.inf
    for g, e in half_planes:
        a, b = float(g @ p0 + e), float(g @ d)  # a + t·b ≥ 0
        if abs(b) < 1e-15:
            if a < 0:
                return None
        elif b > 0:
            lo = max(lo, -a / b)
        else:
            hi = min(hi, -a / b)
    if not lo < hi or not math.isfinite(lo) or not math.isfinite(hi):
        return None
    return np.array([p0 + lo * d, p0 + hi * d])


# ----------------------------------------------------------------------- what a view draws


@dataclass(frozen=True)
class LayerPanel:
    """One layer's picture. Coordinates are the panel's (see `Projection`); `regions`, when
    present, is the output's decision over `extent` (row i is y, column j is x, both rising),
    valued as `Targets.output_map`; `boundary` its exact edges as segments (m, 2, 2)."""

    title: str
    kind: str  # "exact" | "line" | "pca"
    axes: tuple[str, str]  # what the horizontal and vertical coordinates are
    points: np.ndarray  # (n, 2), the rows of `LayerSpace.rows`
    trace: np.ndarray | None  # (2,), the traced sample
    extent: Extent
    explained: float | None = None
    grid: np.ndarray | None = None  # (lines, LINE_POINTS, 2), the input plane's grid lines
    regions: np.ndarray | None = None
    boundary: np.ndarray | None = None

    @property
    def caption(self) -> str:
        """Both coordinates, in a few words (panels are small): "PC1 / PC2 · 60% of variance",
        "unit 1 / unit 2", "z · height only spreads"."""
        across, up = self.axes
        if self.kind == "pca":
            share = self.explained
            share = "–" if share is None or math.isnan(share) else f"{share:.0%}"
            return f"{across} / {up} · {share} of variance"
        if self.kind == "line":
            return f"{across} · height only spreads"
        return f"{across} / {up}"

    @property
    def short_title(self) -> str:
        """The title without its parenthesis ("Layer 3"), for a panel too narrow for it."""
        return self.title.split(" (")[0]

    @property
    def short_caption(self) -> str:
        """The caption in fewer characters: "PC1/PC2 · 60%", "unit 1/unit 2", "z"."""
        across, up = self.axes
        if self.kind == "line":
            return across
        if self.kind == "pca":
            share = self.explained
            share = "–" if share is None or math.isnan(share) else f"{share:.0%}"
            return f"{across}/{up} · {share}"
        return f"{across}/{up}"


@dataclass(frozen=True)
class LayerSpace:
    """Every layer's picture of the same training samples `rows` (their `labels`: classes, or
    the first target column for regression), at training step `step`; `projections`, one per
    panel, are what a later frame aligns with."""

    step: int
    task: str
    rows: np.ndarray
    labels: np.ndarray
    trace_sample: int | None
    panels: tuple[LayerPanel, ...]
    projections: tuple[Projection, ...] = ()


class LayerSpaceTracker:
    """Builds `LayerSpace` frames for one run, each aligned with the last (see the module notes).

    The sample is fixed for the run: at most MAX_POINTS training rows (all of a small set), in
    row order. The input's panel never changes and is computed once.
    """

    def __init__(self, data: Dataset, targets: Targets, seed: int = 0) -> None:
        n = len(data.x_train)
        rows = np.sort(np.random.default_rng(seed + 4049).permutation(n)[:MAX_POINTS])
        self.data = data
        self.targets = targets
        self.rows = frozen_copy(rows)
        labels = data.y_train[rows]
        if data.task == "regression":
            labels = np.asarray(labels, dtype=float).reshape(len(rows), -1)[:, 0]
        self.labels = frozen_copy(labels)
        self._x = np.asarray(data.x_train[rows], dtype=float)
        self._spread = _spread(rows)
        grid = _grid_points(data)
        self._grid_x = None if grid is None else np.asarray(data.encode(grid), dtype=float)
        # More (or fewer) inputs than the plane's two, computed from it: the input panel is
        # the plane itself, in the data's own coordinates.
        self._plane = data.plane is not None and data.n_features != 2
        if self._plane:
            self._plane_points = np.asarray(data.points_train[rows], dtype=float)
            self._plane_grid = grid
        self._projections: list[Projection | None] = []
        self._extents: list[Extent | None] = []
        self._input: LayerPanel | None = None
        self._frame: LayerSpace | None = None
        self._key: tuple[int, int | None] | None = None
        self._time = -math.inf
        self._cost = 0.0
        self._cuts: dict[str, float | None] = {}  # output activation → its threshold in z

    def follow(self, frame: LayerSpace) -> None:
        """Make the next frame continue `frame`, a frame of the same run (the one on screen,
        when a past moment is shown): its axes aligned with the frame's, its extents eased
        from them."""
        if not np.array_equal(frame.rows, self.rows) or len(frame.projections) != len(frame.panels):
            return
        self._projections = list(frame.projections)
        self._extents = [panel.extent for panel in frame.panels]
        self._input = frame.panels[0] if frame.trace_sample is None else None

    def invalidate(self) -> None:
        """The weights changed under the same step (an edit, a loaded checkpoint): the next
        `view` builds a new frame."""
        self._key = None

    def view(
        self,
        network: Network,
        step: int,
        trace_sample: int | None,
        settled: bool,
        clock: Callable[[], float],
    ) -> LayerSpace:
        """The frame for this moment: a new one when the step or traced sample changed and,
        while training (`settled` False), at most FRAME_HZ times a second and rarely enough
        that building frames takes under COST_SHARE of the time; else the last one again."""
        key = (step, trace_sample)
        now = clock()
        wait = max(1.0 / FRAME_HZ, self._cost / COST_SHARE)
        recent = not settled and now - self._time < wait
        if self._frame is not None and (key == self._key or recent):
            return self._frame
        self._frame = self.build(network, step, trace_sample)
        self._cost = clock() - now
        self._key, self._time = key, now
        return self._frame

    def build(self, network: Network, step: int, trace_sample: int | None) -> LayerSpace:
        """A new frame of `network`'s current weights, aligned with the previous frame."""
        traced = trace_sample is not None
        layers = self._values(network, trace_sample)
        n = len(self._x)
        trace_spread = _spread(np.array([trace_sample or 0]))[0]
        panels = []
        while len(self._projections) < len(layers):
            self._projections.append(None)
            self._extents.append(None)
        for k, values in enumerate(layers):
            if k == 0 and self._input is not None and not traced:
                panels.append(self._input)
                continue
            projection = self._projections[k]
            if k > 0 or projection is None or projection.mean.shape != values.shape[1:]:
                projection = project(values[:n], projection)
                self._projections[k] = projection
            points, trace, grid = self._coords(projection, values, n, trace_spread, traced)
            # the input's panel shows its whole grid: the plane the data view shows
            framed = points if k > 0 or grid is None else np.concatenate([points, *grid])
            extent = self._extent(k, projection.kind, framed)
            if grid is not None:
                grid = _clipped(grid, extent)
            decision = self._decision(network, k, projection, extent)
            panels.append(
                LayerPanel(
                    title=_title(k, network.layer_sizes, network.activation_names, self._plane),
                    kind=projection.kind,
                    axes=_axes(k, len(layers), projection.kind, self._input_names()),
                    points=frozen_copy(points),
                    trace=None if trace is None else frozen_copy(trace),
                    extent=extent,
                    explained=projection.explained,
                    grid=None if grid is None else frozen_copy(grid),
                    regions=decision[0],
                    boundary=decision[1],
                )
            )
            if k == 0 and not traced:
                self._input = panels[0]
        return LayerSpace(
            step=int(step),
            task=self.data.task,
            rows=self.rows,
            labels=self.labels,
            trace_sample=trace_sample,
            panels=tuple(panels),
            projections=tuple(self._projections[: len(layers)]),
        )

    def _values(self, network: Network, trace_sample: int | None) -> list[np.ndarray]:
        """Each panel's values: the sample's rows, then the traced sample's, then the grid's."""
        x = self.data.x_train
        trace_x = None if trace_sample is None else x[trace_sample : trace_sample + 1]
        blocks = [self._x] + [b for b in (trace_x, self._grid_x) if b is not None]
        with np.errstate(all="ignore"):
            layers = representations(network, np.concatenate(blocks))
        if self._plane:
            points = self.data.points_train
            trace = None if trace_sample is None else points[trace_sample : trace_sample + 1]
            plane = [self._plane_points] + [b for b in (trace, self._plane_grid) if b is not None]
            layers[0] = np.concatenate(plane).astype(float)
        return layers

    def _input_names(self) -> tuple[str, ...]:
        return ("x1", "x2") if self._plane else tuple(self.data.feature_names)

    def _coords(self, projection: Projection, values, n: int, trace_spread: float, traced: bool):
        """(points, trace, grid) of one layer in its panel's coordinates."""
        coords = projection.apply(values)
        points = coords[:n]
        trace = coords[n] if traced else None
        grid_start = n + (1 if traced else 0)
        if projection.kind == "line":
            points[:, 1] = self._spread
            if trace is not None:
                trace[1] = trace_spread
            return points, trace, None  # grid lines on one value would all overlap
        grid = None
        if self._grid_x is not None:
            grid = coords[grid_start:].reshape(-1, LINE_POINTS, 2)
        return points, trace, grid

    def _extent(self, k: int, kind: str, points: np.ndarray) -> Extent:
        """The view box: the points padded (square unless one value), shrinking slowly."""
        finite = points[np.all(np.isfinite(points), axis=1)]
        if len(finite) == 0:
            return self._extents[k] or (-1.0, 1.0, -1.0, 1.0)
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        if kind == "line":
            lo[1], hi[1] = -1.0, 1.0
        span = np.maximum(hi - lo, 1e-6)
        if kind != "line":
            span[:] = span.max()
        centre = (lo + hi) / 2
        half = span * (0.5 + PAD)
        target = (
            float(centre[0] - half[0]),
            float(centre[0] + half[0]),
            float(centre[1] - half[1]),
            float(centre[1] + half[1]),
        )
        previous = self._extents[k]
        if previous is not None:
            target = _spared(_eased(previous, target), lo, hi)
            if kind != "line":
                target = _squared(target)
        self._extents[k] = target
        return target

    def _threshold(self, name: str, activation: Activation) -> float | None:
        """Where a one-unit output of `activation` decides, found once per run (a bisection
        costs more than the rest of a small network's frame)."""
        if name not in self._cuts:
            self._cuts[name] = threshold(activation, (self.targets.low + self.targets.high) / 2)
        return self._cuts[name]

    def _decision(self, network: Network, k: int, projection: Projection, extent: Extent):
        """(regions, boundary) for the panel feeding the output layer and for the output's own
        panel; (None, None) elsewhere and for regression. The boundary is exact where the
        panel's coordinates map linearly onto the layer's values (not for a principal plane,
        nor for the input plane of computed features)."""
        last = len(network.weights)
        if self.targets.task != "classification" or k < last - 1:
            return None, None
        if k == last - 1:
            weights = np.asarray(network.weights[-1], dtype=float)
            biases = np.asarray(network.biases[-1], dtype=float)
        else:  # the output's own z: the decision is on z itself
            weights, biases = np.eye(network.layer_sizes[-1]), np.zeros(network.layer_sizes[-1])
        activation = network.activations[-1]
        x0, x1, y0, y1 = extent
        r = REGION_RESOLUTION
        gx, gy = np.meshgrid(np.linspace(x0, x1, r), np.linspace(y0, y1, r))
        uv = np.column_stack([gx.ravel(), gy.ravel()])
        if projection.kind == "line":
            uv[:, 1] = 0.0
        plane = k == 0 and self._plane
        values = self.data.encode(uv) if plane else projection.lift(uv)
        with np.errstate(all="ignore"):
            output = activation.forward(values @ weights + biases)
            regions = self.targets.output_map(output).reshape(r, r)
        boundary = None
        if projection.kind != "pca" and not plane:
            cut = None
            if weights.shape[1] == 1:
                cut = self._threshold(network.activation_names[-1], activation)
            # the decision as a function of panel coordinates: z = uv @ (basis.T @ W) + b'
            panel_w = projection.basis.T @ weights
            panel_b = projection.mean @ weights + biases
            boundary = frozen_copy(boundary_segments(panel_w, panel_b, cut, extent))
        return frozen_copy(regions), boundary


def representations(network: Network, x: np.ndarray) -> list[np.ndarray]:
    """What each panel shows, in float64: the input, each hidden layer's activations, and the
    output layer's pre-activation z."""
    a = np.asarray(x, dtype=float)
    out = [a]
    last = len(network.weights) - 1
    for k, (w, b, activation) in enumerate(
        zip(network.weights, network.biases, network.activations, strict=True)
    ):
        z = a @ np.asarray(w, dtype=float) + np.asarray(b, dtype=float)
        a = z if k == last else activation.forward(z)
        out.append(a)
    return out


def _grid_points(data: Dataset) -> np.ndarray | None:
    """Points along GRID_LINES vertical then as many horizontal lines over a 2-D set's plane."""
    if data.plane is None:
        return None
    lo, hi = data.plane
    across = np.linspace(lo, hi, GRID_LINES)
    along = np.linspace(lo, hi, LINE_POINTS)
    vertical = np.stack(np.broadcast_arrays(across[:, None], along[None, :]), axis=-1)
    horizontal = vertical[..., ::-1]
    return np.concatenate([vertical, horizontal]).reshape(-1, 2)


def _clipped(grid: np.ndarray, extent: Extent) -> np.ndarray:
    """Grid lines with their points beyond `extent` set to NaN: a line leaving the panel is
    cut there (a ReLU layer can send parts of the plane far from every sample)."""
    x0, x1, y0, y1 = extent
    inside = (
        (grid[..., 0] >= x0) & (grid[..., 0] <= x1) & (grid[..., 1] >= y0) & (grid[..., 1] <= y1)
    )
    return np.where(inside[..., None], grid, np.nan)


class _Moment(Protocol):
    """What `layer_space_at` reads of a snapshot (which holds a `LayerSpace` itself)."""

    step: int
    trace_sample: int | None
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]


def layer_space_at(
    design,
    data: Dataset,
    targets: Targets,
    seed: int,
    snapshot: _Moment,
    follow: LayerSpace | None = None,
) -> LayerSpace:
    """A frame of the weights a snapshot holds, apart from any run's tracker (for a picture of
    a moment whose snapshot carries none: a past moment of the timeline, an export while the
    view was hidden); aligned with `follow`, the run's frame on screen, when given."""
    network = Network(design, seed=seed)
    network.load_weights(snapshot.weights, snapshot.biases)
    tracker = LayerSpaceTracker(data, targets, seed)
    if follow is not None:
        tracker.follow(follow)
    return tracker.build(network, snapshot.step, snapshot.trace_sample)


def _spread(rows: np.ndarray) -> np.ndarray:
    """A fixed height in [-1, 1] per training row (golden-ratio steps: even, and the same for a
    row in every frame)."""
    return (np.asarray(rows, dtype=float) * 0.6180339887498949) % 1.0 * 2.0 - 1.0


def _eased(previous: Extent, target: Extent) -> Extent:
    """Grow at once to show every point; shrink by at most SHRINK of the span per frame."""
    out = []
    for axis in (0, 2):
        p_lo, p_hi = previous[axis], previous[axis + 1]
        t_lo, t_hi = target[axis], target[axis + 1]
        step = SHRINK * (p_hi - p_lo)
        out += [min(t_lo, p_lo) if t_lo <= p_lo else min(t_lo, p_lo + step)]
        out += [max(t_hi, p_hi) if t_hi >= p_hi else max(t_hi, p_hi - step)]
    if not all(math.isfinite(v) for v in out):
        return target
    return (out[0], out[1], out[2], out[3])


def _spared(extent: Extent, lo: np.ndarray, hi: np.ndarray) -> Extent:
    """The extent widened so that the points (between `lo` and `hi`) keep EDGE of its span
    from every edge: eased to the points' own tight box, a panel whose points drift one way
    would show them on its edge."""
    out = list(extent)
    for axis in (0, 1):
        margin = EDGE * (out[2 * axis + 1] - out[2 * axis])
        out[2 * axis] = min(out[2 * axis], float(lo[axis]) - margin)
        out[2 * axis + 1] = max(out[2 * axis + 1], float(hi[axis]) + margin)
    return (out[0], out[1], out[2], out[3])


def _squared(extent: Extent) -> Extent:
    """The extent widened about its centre to equal spans (a panel's scales are equal)."""
    x0, x1, y0, y1 = extent
    half = max(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - half, cx + half, cy - half, cy + half)


def _title(k: int, sizes: tuple[int, ...], names: tuple[str, ...], plane: bool) -> str:
    if k == 0:
        return f"Input plane ({sizes[0]} features)" if plane else f"Input ({sizes[0]})"
    if k == len(sizes) - 1:
        return f"Output z ({sizes[k]}, before {names[k - 1]})"
    return f"Layer {k} ({sizes[k]} {names[k - 1]})"


def _axes(k: int, panels: int, kind: str, input_names: tuple[str, ...]) -> tuple[str, str]:
    """The panel's horizontal and vertical coordinates (the second is empty on a line)."""
    if kind == "pca":
        return ("PC1", "PC2")
    if k == 0:
        names = input_names
    elif k == panels - 1:
        names = ("z", "") if kind == "line" else ("z1", "z2")
    else:
        names = ("unit 1", "unit 2")
    return (names[0], names[1] if kind == "exact" else "")
