"""The network canvas: neurons, links and the forward/backward sweep, painted in one paintEvent.

Painting holds the interpreter lock (Qt's painter does not release it), so every millisecond
spent drawing is a millisecond the training thread cannot run. The canvas therefore draws each
state of the network (not yet reached, forward, backward, the update flash) once per snapshot
into an image, and a frame only copies parts of those images: the regions on either side of the
wave front, then each column in the state the wave has left it in. Heatmap thumbnails are rebuilt
only when the trainer sends a new grid, not with every snapshot. Painting into anything but a
raster device (an SVG export) draws the same picture as vectors instead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPaintEngine,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from nnviz.app.views.animation import BACKWARD, DIM, FORWARD, Frame, Sweep
from nnviz.app.views.canvas_header import CanvasHeader, HeaderLayout
from nnviz.app.views.canvas_layout import (
    STRIP_THRESHOLD,
    LayerGeometry,
    compute_layout,
    labels_top,
    legible_rows,
)
from nnviz.app.views.canvas_selection import CanvasSelectionMixin, unit_rect
from nnviz.app.views.colormap import (
    DIVERGING_LUT,
    SmoothedScale,
    faded,
    lut_index,
    packed,
    robust_scale,
)
from nnviz.app.views.images import picture_image, rgb32_image
from nnviz.app.views.link_batches import LinkBatch, LinkPens
from nnviz.core.class_names import output_unit_names
from nnviz.core.pictures import Picture
from nnviz.core.readouts import tick
from nnviz.core.snapshot import GridView, Snapshot
from nnviz.core.step_animation import (
    UPDATE_PHASE,
    AnimationPlan,
    plan_animation,
    step_caption,
    widest_captions,
)
from nnviz.core.step_view import link_lines, neuron_lines

FPS = 30
# While a run trains, new values are taken at most this often (the sweep still moves at FPS):
# each new snapshot costs fresh pictures, and drawing them holds the interpreter lock that the
# training thread needs.
SNAPSHOT_HZ = 5.0
DIM_REFRESH_S = 1.0  # the faded part ahead of the wave may lag this far behind while training
BACKGROUND = QColor(255, 255, 255)
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
EMPTY_TEXT = "Build a network and press Play"
OUTLINE = QColor(90, 96, 104)
DIM_FILL = QColor(244, 245, 247)
DIM_OVERLAY = QColor(255, 255, 255, 175)
LUT32 = packed(DIVERGING_LUT)
FADED_LUT32 = packed(faded(DIVERGING_LUT, 0.3))  # heatmaps the wave has not reached yet
HOVER = QColor(30, 30, 30)
FLASH = "flash"  # the forward state with the links brightened, during the weight update
BAND, LABELS = "band", "labels"  # the cached pictures: drawing band, and the labels under it
NO_GRADIENTS = "Forward pass · no gradients before the first step"

# What each state shows: the neuron quantity, the link quantity and their short names. A
# neuron shows one sample's value, or (batch mean) the mean of its batch's samples' values:
# ∂ℓ/∂z is a sample's own loss's derivative; links show the batch gradient ∂L/∂w either way.
QUANTITIES = {
    FORWARD: ("activation a", "weight w", "a", "w"),
    BACKWARD: ("∂ℓ/∂z", "∂L/∂w", "∂z", "∂w"),
}


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else str(value)


def _column_width(layout: list[LayerGeometry], width: float) -> float:
    return layout[1].x - layout[0].x if len(layout) > 1 else float(width)


def _short_name(column: int, columns: int) -> str:
    """A column's name for a narrow column: In, H1, H2, …, Out."""
    if column == 0:
        return "In"
    return "Out" if column == columns - 1 else f"H{column}"


def _fitted(metrics: QFontMetricsF, text: str, width: float) -> str:
    """`text`, cut with an ellipsis where it would run into the next column."""
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


@dataclass(frozen=True)
class _Thumbs:
    """A layer's heatmaps stacked top to bottom, each `side` pixels square."""

    image: QImage
    side: int


@dataclass
class _Prepared:
    """Per-snapshot drawing data for one state (forward or backward), built on first use."""

    neuron_lut: list[np.ndarray | None] = field(default_factory=list)
    neuron_scale: list[float] = field(default_factory=list)
    link_scale: list[float] = field(default_factory=list)
    links: list[LinkBatch] = field(default_factory=list)
    strips: dict[int, QImage] = field(default_factory=dict)
    picture: QImage | None = None


class NetworkCanvas(CanvasSelectionMixin, QWidget):
    """Draws a network from `Snapshot`s and animates the forward and backward passes."""

    neuronHovered = Signal(int, int)  # noqa: N815 - column (0 = inputs), unit; (-1, -1) when leaving

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(360, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._empty_text = EMPTY_TEXT
        self._snapshot: Snapshot | None = None
        self._pending: Snapshot | None = None  # the newest snapshot, waiting for its turn
        self._adopted_at = -math.inf
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.timeout.connect(self._pending_due)
        self._feature_names: tuple[str, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._input_picture: Picture | None = None
        self._layout: list[LayerGeometry] = []
        self._layout_key: tuple | None = None
        self._header_layout: HeaderLayout | None = None
        self._prepared: dict[str, _Prepared] = {}
        self._link_batches: dict[str, list[LinkBatch]] = {}  # per state, for the current layout
        self._images: dict[tuple, QImage] = {}  # (part, state, scale) → a picture of the canvas
        # Pictures of the last snapshot, drawn over by the next one: a fresh image of the whole
        # canvas costs more to allocate (the memory is new to the process) than to fill.
        self._spare: list[QImage] = []
        # While training, a paint draws at most one new picture and shows the last snapshot's
        # picture of any other part for one more frame, so a new snapshot's cost is spread over
        # two or three frames instead of stalling one.
        self._stale: dict[tuple, QImage] = {}
        self._draw_budget = math.inf  # new pictures the current paint may still draw
        self._behind = False  # the current paint showed a stale picture
        self._dim_grid: GridView | None = None  # the grid the cached dim picture was drawn with
        self._dim_time = -math.inf
        self._thumbs: dict[int, _Thumbs] = {}
        self._header_image: QImage | None = None
        self._header_key: tuple | None = None
        self._thumb_key: tuple | None = None
        self._scales = SmoothedScale()
        self._scaled_grid: GridView | None = None
        self._sweep = Sweep()
        self._plan = AnimationPlan(False, 1.0, 1.0)
        self._swept_step = -1  # the step the last sweep started on
        # A step-through phase held on the canvas (`show_phase`): its frame and caption, and
        # the run's latest snapshot, kept for when the phase is released.
        self._phase: tuple[Frame, str] | None = None
        self._live: Snapshot | None = None
        self._hover: tuple[int, int] | None = None
        self._brushes = [QBrush(QColor(*(int(c) for c in rgb))) for rgb in DIVERGING_LUT]
        self._pens = LinkPens()
        self._font = QFont(self.font())
        self._font.setPointSizeF(9.0)
        self._small = QFont(self._font)
        self._small.setPointSizeF(8.0)
        self._header = CanvasHeader(self.font(), rgb32_image(LUT32[None, :]))
        self._outline = QPen(OUTLINE)
        self._outline.setWidthF(1.0)
        self._faint = QPen(QColor(190, 195, 200))
        self._faint.setWidthF(1.0)
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / FPS))
        self._timer.timeout.connect(self._tick)
        self._last_tick = time.perf_counter()
        self._update_timer()

    # ----------------------------------------------------------------- public API
    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        """Show a new snapshot (the latest wins; older ones are simply dropped).

        While training runs, one is shown at most SNAPSHOT_HZ times a second (the newest,
        when its turn comes); any other state (paused, finished, a new network) shows at once.
        While a step-through phase is held (`show_phase`), it waits until the phase is released.
        """
        if self._phase is not None:
            self._live = snapshot
            return
        if snapshot is not None and self._throttled(snapshot):
            self._pending = snapshot
            if not self._pending_timer.isActive():
                wait = 1.0 / SNAPSHOT_HZ - (time.perf_counter() - self._adopted_at)
                self._pending_timer.start(max(1, round(1000 * wait)))
            return
        self._pending = None
        self._pending_timer.stop()
        self._adopt(snapshot)

    def show_phase(
        self, snapshot: Snapshot | None, frame: Frame | None = None, caption: str = ""
    ) -> None:
        """Hold one phase of a step-through: `snapshot` (the walked step, `phase_snapshot`)
        drawn still as `frame` says (which columns the pass has reached, forward or backward;
        a flash for the update) under `caption`; None releases it and shows the run's latest
        snapshot again."""
        if snapshot is None:
            if self._phase is None:
                return
            self._phase = None
            live, self._live = self._live, None
            self._adopt(live if live is not None else self._snapshot)
            return
        if self._phase is None:
            self._apply_pending()
            self._live = self._snapshot
        self._phase = (frame, caption)
        self._adopt(snapshot)

    def phase_shown(self) -> tuple[Frame, str] | None:
        """The held step-through phase's (frame, caption), or None."""
        return self._phase

    def update_phase(self) -> float:
        """Where the canvas is between two snapshots it takes while training: 0 when it has just
        taken one, 1 when the next is due (beyond 1 when none has come). Other views time their
        costly redraws by it, so those never share a frame with the canvas's own."""
        return (time.perf_counter() - self._adopted_at) * SNAPSHOT_HZ

    def _throttled(self, snapshot: Snapshot) -> bool:
        current = self._snapshot
        return (
            current is not None
            and snapshot.state == current.state == "running"
            and snapshot.layer_sizes == current.layer_sizes
            and (self._holding() or time.perf_counter() - self._adopted_at < 1.0 / SNAPSHOT_HZ)
        )

    def _holding(self) -> bool:
        """Every step has its own sweep and one is playing: its step's numbers stay shown."""
        return self._plan.every_step and self._sweep.running

    def _pending_due(self) -> None:
        if not self._holding():  # else the sweep's end takes the waiting snapshot
            self._apply_pending()

    def _apply_pending(self) -> None:
        """Take the waiting snapshot now (its turn has come, or someone asks what is shown)."""
        if self._pending is not None:
            snapshot, self._pending = self._pending, None
            self._pending_timer.stop()
            self._adopt(snapshot)

    def _adopt(self, snapshot: Snapshot | None) -> None:
        self._adopted_at = time.perf_counter()
        if snapshot is not None and (
            self._snapshot is None or snapshot.layer_sizes != self._snapshot.layer_sizes
        ):
            self._scales.clear()
            self._scaled_grid = None
            self._sweep.set_layers(len(snapshot.layer_sizes) - 1)
        self._snapshot = snapshot
        self._prepared.clear()
        keep = self._dim_valid(snapshot)
        images, self._images = self._images, {}
        self._spare.extend(self._stale.values())
        self._stale = {}
        for key, image in images.items():
            if key[:2] == (BAND, DIM) and keep:
                self._images[key] = image
            else:
                self._stale[key] = image
        del self._spare[:-4]  # enough for the next snapshot's pictures
        if snapshot is not None:
            self._update_scales(snapshot)
            self._follow_step(snapshot)
        self._update_timer()
        if not self._timer.isActive():
            self.update()

    def _dim_valid(self, snapshot: Snapshot | None) -> bool:
        """Whether the dim picture (layout, faded heatmaps or input, weak grey links) still
        holds: with the grid it was drawn from, or while training for DIM_REFRESH_S."""
        if snapshot is None or self._dim_time == -math.inf:
            return False
        if snapshot.grid is not None and snapshot.grid is self._dim_grid:
            return True
        fresh = time.perf_counter() - self._dim_time < DIM_REFRESH_S
        return fresh and snapshot.state == "running"

    def set_mode(self, mode: str) -> None:
        """'forward', 'backward', 'both' (forward, loss, backward, then the update) or 'off';
        the last step is swept again in the new mode."""
        self._sweep.set_mode(mode)
        if self._has_gradients():
            self._sweep.start()
        self._update_timer()
        self.update()

    def mode(self) -> str:
        return self._sweep.mode

    def _follow_step(self, snapshot: Snapshot) -> None:
        """Plan the sweeps for the run's pace; a new step starts one when every step has its
        own, or else once the sweep under way is over (see `nnviz.core.step_animation`)."""
        if self._phase is not None:  # a step-through phase stands still
            return
        self._plan = plan_animation(self._sweep.duration(), snapshot.pace, snapshot.steps_per_s)
        self._sweep.set_speed(self._plan.speed)
        new = snapshot.step != self._swept_step and snapshot.step > 0
        if new and (self._plan.every_step or not self._sweep.running):
            self._swept_step = snapshot.step
            self._sweep.start()

    def set_feature_names(self, names: Sequence[str] | None) -> None:
        """Names shown beside the input neurons (x1, x2, sin(x1), …)."""
        self._feature_names = tuple(names or ())
        self._images.clear()
        self._stale.clear()
        self.update()

    def set_activations(self, names: Sequence[str] | None) -> None:
        """Activation name per trainable layer, shown in the layer labels."""
        self._activations = tuple(names or ())
        self._layout_key = None  # the widest header title may have changed
        self.update()

    def set_empty_text(self, text: str | None) -> None:
        """What the canvas says before it has a run to show (None: the usual invitation)."""
        self._empty_text = text or EMPTY_TEXT
        self.update()

    def set_design(self, design) -> None:
        """Convenience: take the activations from a `Design`."""
        self.set_activations([layer.activation for layer in design.layers])

    def set_picture(self, picture: Picture | None) -> None:
        """Draw an input of picture data as a picture of the current sample."""
        self._input_picture = picture
        self._layout_key = None
        self.update()

    # ------------------------------------------------------------ read-only model
    def neuron_count(self) -> int:
        self._apply_pending()
        return sum(self._snapshot.layer_sizes) if self._snapshot is not None else 0

    def layer_kinds(self) -> list[str]:
        """How each column is drawn: 'neurons', 'strip' or 'image'."""
        self._apply_pending()
        return [g.kind for g in self._geometry()]

    def neuron_positions(self, column: int) -> np.ndarray:
        """Centre of each unit of a column (pixels of the picture for an image input)."""
        self._apply_pending()
        return self._geometry()[column].centers.copy()

    def current_frame(self) -> Frame:
        """What the sweep shows now; before the first step (no gradients yet) only the forward
        part of it, under a caption that says so."""
        if self._phase is not None:
            return self._phase[0]
        frame = self._sweep.frame()
        if self._has_gradients() or (
            BACKWARD not in (frame.base, frame.wave) and frame.phase != UPDATE_PHASE
        ):
            return frame
        n_layers = float(len(self._snapshot.layer_sizes) - 1)
        return Frame(FORWARD, FORWARD, n_layers, 1, 0.0, NO_GRADIENTS)

    def caption(self) -> str:
        """The header's title for the current frame: the step, its phase, the optimizer's rule."""
        if self._phase is not None:
            return self._phase[1]
        frame = self.current_frame()
        s = self._snapshot
        where = ""
        if frame.base != frame.wave:
            column = int(np.clip(round(frame.front), 0, len(s.layer_sizes) - 1))
            where = self._column_name(column)
        step = s.step if self._has_gradients() else 0
        return step_caption(step, frame.phase, where, self._plan, s.batch_loss, s.update_rule)

    def header_parts(self) -> dict[str, QRectF]:
        """Where the header's title, info line and legend sit (they never overlap)."""
        self._geometry()
        return self._header_layout.parts() if self._header_layout is not None else {}

    def shown_state(self) -> str:
        """The state neurons are in once the wave reaches them: 'forward' or 'backward'."""
        frame = self.current_frame()
        return frame.wave if frame.wave != DIM else FORWARD

    def neuron_color(self, column: int, unit: int, state: str | None = None) -> QColor:
        """The colour that stands for a unit's value (activation forward, ∂L/∂z backward)."""
        self._apply_pending()
        prepared = self._prepare(state or self.shown_state())
        lut = prepared.neuron_lut[column]
        if lut is None:
            prepared = self._prepare(FORWARD)
            lut = prepared.neuron_lut[column]
        return self._brushes[int(lut[unit])].color()

    def link_width(self, layer: int, row: int, col: int, state: str | None = None) -> float:
        """Pen width of link row → col of weight matrix `layer` (0 when not drawn)."""
        self._apply_pending()
        batch = self._prepare(state or self.shown_state()).links[layer]
        b = batch.bin_for(row, col)
        return 0.0 if b is None else self._pens.for_batch(batch, False)[b].widthF()

    def tooltip_at(self, x: float, y: float) -> str | None:
        """The hover text for a point of the widget: a neuron's or a link's numbers."""
        self._apply_pending()
        hit = self._neuron_at(x, y)
        if hit is not None:
            return self._neuron_tooltip(*hit)
        link = self._link_at(x, y)
        return self._link_tooltip(*link) if link is not None else None

    # ------------------------------------------------------------- preparation
    def _has_gradients(self) -> bool:
        """False before the first step: the backward pass has nothing to show yet (a
        step-through's phase has the gradients of the step it walks)."""
        if self._phase is not None:
            return True
        return self._snapshot is not None and self._snapshot.step > 0

    def _update_scales(self, s: Snapshot) -> None:
        """Per-layer ±scales, smoothed across snapshots so colours do not flicker."""
        self._scales.update(("a", 0), robust_scale(s.input))
        for k in range(s.n_layers):
            self._scales.update(("a", k + 1), robust_scale(s.post[k]))
            self._scales.update(("dz", k + 1), robust_scale(s.grad_pre[k], 1e-12))
            self._scales.update(("w", k), robust_scale(s.weights[k]))
            self._scales.update(("dw", k), robust_scale(s.grad_weights[k], 1e-12))
        if s.grid is not None and s.grid is not self._scaled_grid:
            self._scaled_grid = s.grid  # a grid is reused across snapshots: scale it once
            for k, maps in enumerate(s.grid.neuron_maps):
                self._scales.update(("map", k), robust_scale(maps))

    def _column_name(self, column: int) -> str:
        return self._layer_title(column).split(" · ")[0]

    def _header_titles(self) -> list[str]:
        """Every title the sweep can show, for a header layout that stays put while it runs."""
        columns = range(len(self._snapshot.layer_sizes))
        names = [self._column_name(c) for c in columns]
        return widest_captions(names, self._snapshot.update_rule)

    def _header_info(self) -> str:
        s = self._snapshot
        sample = "batch mean" if s.trace_sample is None else f"sample #{s.trace_sample}"
        return f"step {s.step} · epoch {s.epoch} · showing {sample}"

    def legend_lines(self, state: str, mean: bool | None = None) -> tuple[str, str]:
        """The header legend's two lines: what neurons and links show in `state` ("forward" or
        "backward"), for the batch mean (`mean`; default: as the snapshot is traced) or one
        sample."""
        if mean is None:
            mean = self._snapshot is not None and self._snapshot.trace_sample is None
        neuron_q, link_q, _, _ = QUANTITIES[state]
        return f"neurons: {'mean ' if mean else ''}{neuron_q}", f"links: {link_q}"

    def _geometry(self) -> list[LayerGeometry]:
        if self._snapshot is None:
            return []
        key = (
            self._snapshot.layer_sizes,
            self.width(),
            self.height(),
            self._input_picture,
            self._snapshot.grid is not None,
            self._activations,
            self._output_names(),
            self._feature_names[:STRIP_THRESHOLD],
        )
        if key != self._layout_key:
            # The widest step/epoch line the header will need for a while: room for 7 digits.
            info = f"step {'8' * 7} · epoch {'8' * 6} · showing sample #{'8' * 5}"
            captions = [
                self.legend_lines(state, mean) for state in QUANTITIES for mean in (False, True)
            ]
            self._header_layout = self._header.layout(
                self.width(), self._header_titles(), info, captions
            )
            self._layout = compute_layout(
                self._snapshot.layer_sizes,
                self.width(),
                self.height(),
                self._input_picture,
                thumbnails=self._snapshot.grid is not None,
                header=self._header_layout.height,
                names=self._names_widths(),
            )
            self._layout_key = key
            self._prepared.clear()
            self._link_batches.clear()
            self._images.clear()
            self._stale.clear()
            self._thumb_key = None
        return self._layout

    def _neuron_values(self, state: str) -> list[np.ndarray | None]:
        s = self._snapshot
        if state == BACKWARD:
            return [None, *s.grad_pre]
        return [s.input, *s.post]

    def _batches(self, state: str, layout: list[LayerGeometry]) -> list[LinkBatch]:
        """One `LinkBatch` per layer pair and state, kept while the layout holds: only their
        values change with a snapshot, so the line geometry is built once."""
        batches = self._link_batches.get(state)
        if batches is None:
            batches = [
                LinkBatch(layout[k].link_out(), layout[k + 1].link_in())
                for k in range(len(layout) - 1)
            ]
            self._link_batches[state] = batches
        return batches

    def _prepare(self, state: str) -> _Prepared:
        """Colours, link bins and strip images for one state of the current snapshot."""
        prepared = self._prepared.get(state)
        if prepared is not None:
            return prepared
        s = self._snapshot
        layout = self._geometry()
        prepared = _Prepared()
        a_key, w_key = ("dz", "dw") if state == BACKWARD else ("a", "w")
        links = s.grad_weights if state == BACKWARD else s.weights
        for column, values in enumerate(self._neuron_values(state)):
            if values is None:
                prepared.neuron_lut.append(None)
                prepared.neuron_scale.append(float("nan"))
                continue
            scale = self._scales.get((a_key, column))
            lut = lut_index(values, scale)
            prepared.neuron_lut.append(lut)
            prepared.neuron_scale.append(scale)
            if layout[column].kind == "strip":
                prepared.strips[column] = rgb32_image(LUT32.take(lut)[:, None])
            elif layout[column].kind == "image":
                prepared.picture = picture_image(values, layout[column].picture)
        for k, (values, batch) in enumerate(zip(links, self._batches(state, layout), strict=True)):
            scale = self._scales.get((w_key, k))
            batch.set_values(values, scale)
            prepared.links.append(batch)
            prepared.link_scale.append(scale)
        self._prepared[state] = prepared
        return prepared

    def _thumbnails(self) -> dict[int, _Thumbs]:
        """Heatmaps of every neuron over the input plane, pre-scaled to the neuron size; rebuilt
        only when the grid itself (or the layout) changes, not with every snapshot."""
        s = self._snapshot
        layout = self._geometry()
        if s is None or s.grid is None:
            return {}
        key = (s.grid, tuple(g.cell for g in layout))
        if (
            self._thumb_key is None
            or key[1] != self._thumb_key[1]
            or key[0] is not self._thumb_key[0]
        ):
            self._thumbs = self._build_thumbnails(s.grid, layout)
            self._thumb_key = key
        return self._thumbs

    def _build_thumbnails(self, grid: GridView, layout: list[LayerGeometry]) -> dict[int, _Thumbs]:
        thumbs = {}
        for column, maps in enumerate(grid.neuron_maps[: len(layout)]):
            geometry = layout[column]
            if geometry.kind != "neurons" or maps.shape[0] != geometry.units:
                continue
            side = max(round(geometry.cell) - 2, 2)
            # Sample the grid at the drawn size (nearest cell); row 0 of a map is the lowest y
            # and images run top-down, so the rows are taken in reverse.
            n = maps.shape[1]
            pick = np.minimum(((np.arange(side) + 0.5) * n / side).astype(np.intp), n - 1)
            sampled = maps[:, pick[::-1]][:, :, pick]
            index = lut_index(sampled, self._scales.get(("map", column)))
            # One image per layer (bright | faded side by side, units stacked); each state
            # picture draws a sub-rectangle per unit.
            units = index.shape[0]
            both = np.concatenate([LUT32.take(index), FADED_LUT32.take(index)], axis=2)
            thumbs[column] = _Thumbs(rgb32_image(both.reshape(units * side, 2 * side)), side)
        return thumbs

    # ----------------------------------------------------------------- animation
    def _update_timer(self) -> None:
        run = self._snapshot is not None and self._sweep.running
        if run and not self._timer.isActive():
            self._last_tick = time.perf_counter()
            self._timer.start()
        elif not run:
            self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._sweep.advance(now - self._last_tick)
        self._last_tick = now
        if not self._sweep.running:  # the sweep is over: the next step's turn, or rest
            self._apply_pending()
            if self._snapshot is not None and not self._sweep.running:
                self._follow_step(self._snapshot)
            self._update_timer()
        if self.isVisible():
            self.update()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        raster = painter.paintEngine().type() == QPaintEngine.Type.Raster
        if self._snapshot is None or not raster:  # else the copied pictures cover every pixel
            painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._snapshot is None:
            painter.setPen(MUTED)
            painter.setFont(self._font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            painter.end()
            return
        layout = self._geometry()
        frame = self.current_frame()
        scale = round(painter.deviceTransform().m11(), 3) if raster else None
        self._draw_budget = 1 if self._snapshot.state == "running" else math.inf
        self._behind = False
        columns = np.arange(len(layout), dtype=float)
        front_x = float(np.interp(frame.front, columns, [g.x for g in layout]))
        flash = frame.flash > 0.5
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # copies stay exact
        regions = self._regions(frame, front_x)
        for state, clip in regions:
            if clip[2] > 0:
                self._paint_part(painter, BAND, self._picture_key(state, flash), clip, scale)
        # Each column whole, in the state the wave has left it in (the front may cut one); a
        # column that lies wholly in a region of its own state is already there.
        for column, geometry in enumerate(layout):
            state = frame.wave if frame.reached(column) else frame.base
            chip = 0.4 * geometry.cell if geometry.kind == "neurons" else 0.0  # value chips
            x, y, w, h = geometry.rect
            clip = (x - 3, y - 3, w + chip + 6, h + 6)
            if not _covered(clip, state, regions):
                self._paint_part(painter, BAND, self._picture_key(state, flash), clip, scale)
        top = labels_top(layout, self.height()) - 2
        labels = (0.0, top, float(self.width()), self.height() - top)
        self._paint_part(painter, LABELS, self.shown_state(), labels, scale)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._hover is not None:
            self._paint_hover(painter, layout)
        self._paint_selection(painter, layout)
        self._paint_header(painter, scale)
        painter.end()
        self._draw_budget = math.inf
        if self._behind and not self._timer.isActive():  # else the next tick paints again
            QTimer.singleShot(round(1000 / FPS), self.update)

    def _paint_header(self, painter: QPainter, scale: float | None) -> None:
        """The header, from a picture redrawn only when its text changes (on a raster device)."""
        texts = (self.caption(), self._header_info(), self.legend_lines(self.shown_state()))
        if scale is None:
            self._header.paint(painter, self._header_layout, *texts)
            return
        key = (texts, self._layout_key, scale)
        if key != self._header_key:
            image = _opaque_image(self.width(), self._header_layout.height, scale)
            image.fill(BACKGROUND)
            header_painter = QPainter(image)
            header_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._header.paint(header_painter, self._header_layout, *texts)
            header_painter.end()
            self._header_image, self._header_key = image, key
        painter.drawImage(0, 0, self._header_image)

    def _picture_key(self, state: str, flash: bool) -> str:
        return FLASH if flash and state == FORWARD else state

    def _paint_part(
        self,
        painter: QPainter,
        part: str,
        state: str,
        clip: tuple[float, float, float, float],
        scale: float | None,
    ) -> None:
        """A rectangle (x, y, w, h) of one picture (`part` in `state`): copied from the cached
        picture on a raster device (`scale` is its pixel ratio), drawn as clipped vectors (None)
        on another."""
        if scale is not None:
            x0, y0 = max(math.floor(clip[0]), 0), max(math.floor(clip[1]), 0)
            x1 = min(math.ceil(clip[0] + clip[2]), self.width())
            y1 = min(math.ceil(clip[1] + clip[3]), self.height())
            if x1 <= x0 or y1 <= y0:
                return
            image = self._picture(part, state, scale)
            if scale == 1.0:  # the plain copy, several times faster than a scaled one
                painter.drawImage(x0, y0, image, x0, y0, x1 - x0, y1 - y0)
            else:
                w, h = x1 - x0, y1 - y0
                source = QRectF(x0 * scale, y0 * scale, w * scale, h * scale)
                painter.drawImage(QRectF(x0, y0, w, h), image, source)
            return
        painter.save()
        painter.setClipRect(QRectF(*clip))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_part(painter, part, state)
        painter.restore()

    def _picture(self, part: str, state: str, scale: float) -> QImage:
        """The whole canvas's `part` in one state, drawn once per snapshot (the dim drawing band
        once per grid) at the device's pixel ratio."""
        key = (part, state, scale)
        image = self._images.get(key)
        if image is None and self._draw_budget < 1 and key in self._stale:
            self._behind = True
            return self._stale[key]
        if image is None:
            self._draw_budget -= 1
            if key in self._stale:
                self._spare.append(self._stale.pop(key))
            image = self._blank_image(scale)
            image.fill(BACKGROUND)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw_part(painter, part, state)
            painter.end()
            self._images[(part, state, scale)] = image
            if (part, state) == (BAND, DIM):
                self._dim_grid, self._dim_time = self._snapshot.grid, time.perf_counter()
        return image

    def _blank_image(self, scale: float) -> QImage:
        """An image of the whole canvas at `scale`, reusing a spare one of that size."""
        size = _pixel_size(self.width(), self.height(), scale)
        while self._spare:
            image = self._spare.pop()
            if image.size() == size:
                image.setDevicePixelRatio(scale)
                return image
        return _opaque_image(self.width(), self.height(), scale)

    def _draw_part(self, painter: QPainter, part: str, state: str) -> None:
        if part == LABELS:
            self._paint_labels(painter, self._geometry(), state)
        else:
            self._paint_state(painter, state)

    def _paint_state(self, painter: QPainter, key: str) -> None:
        """Links, neurons and input names, everywhere, in one state.

        While training runs, links are drawn without antialiasing: a third of the cost, in a
        picture replaced five times a second; a paused or finished network is drawn smooth.
        """
        layout = self._geometry()
        state = FORWARD if key == FLASH else key
        smooth = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._snapshot.state != "running")
        if state == DIM:
            painter.setPen(self._pens.dim)
            for batch in self._prepare(FORWARD).links:  # any state's batches share geometry
                painter.drawLines(batch.shown_lines)
        else:
            for batch in self._prepare(state).links:
                pens = self._pens.for_batch(batch, key == FLASH)
                for b, lines in batch.batches:
                    painter.setPen(pens[b])
                    painter.drawLines(lines)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)
        thumbs = self._thumbnails()
        for column, geometry in enumerate(layout):
            column_state = FORWARD if state == BACKWARD and column == 0 else state
            draw = _LAYER_PAINTERS[geometry.kind]
            draw(self, painter, column, geometry, column_state, thumbs.get(column))
        self._paint_feature_names(painter, layout)
        self._paint_output_names(painter, layout)

    def _regions(self, frame: Frame, front_x: float) -> list[tuple[str, tuple]]:
        """The canvas split at the wave front into the reached and the not-yet-reached part,
        each as (state, (x, y, w, h))."""
        w, h = float(self.width()), float(self.height())
        if frame.base == frame.wave:
            return [(frame.wave, (0.0, 0.0, w, h))]
        left = (0.0, 0.0, front_x, h)
        right = (front_x, 0.0, max(w - front_x, 0.0), h)
        if frame.direction > 0:
            return [(frame.wave, left), (frame.base, right)]
        return [(frame.base, left), (frame.wave, right)]

    def _paint_hover(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        """Outline the hovered neuron and its own links so its fan-in and fan-out stand out."""
        column, unit = self._hover
        pen = QPen(QColor(70, 74, 80))
        pen.setWidthF(1.2)
        painter.setPen(pen)
        prepared = self._prepare(self.shown_state())
        for k, batch in enumerate(prepared.links):
            if k == column - 1:
                mask = batch.cols == unit
            elif k == column:
                mask = batch.rows == unit
            else:
                continue
            lines = [batch.shown_lines[i] for i in np.flatnonzero(mask).tolist()]
            painter.drawLines(lines)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(HOVER)
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.drawRect(unit_rect(layout[column], unit).adjusted(-2, -2, 2, 2))

    def _paint_neuron_column(self, painter, column, geometry, state, thumbs) -> None:
        side = geometry.cell
        radius = min(4.0, side / 6)
        luts = None if state == DIM else self._prepare(state).neuron_lut[column]
        painter.setPen(self._faint if state == DIM else self._outline)
        show_thumb = thumbs is not None and state != BACKWARD
        for unit, (cx, cy) in enumerate(geometry.centers.tolist()):
            rect = QRectF(cx - side / 2, cy - side / 2, side, side)
            if show_thumb:
                offset = thumbs.side if state == DIM else 0
                source = QRectF(offset, unit * thumbs.side, thumbs.side, thumbs.side)
                painter.drawImage(rect.adjusted(1, 1, -1, -1), thumbs.image, source)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect, radius, radius)
                if luts is not None:
                    chip = max(side * 0.3, 6.0)
                    chip_rect = QRectF(
                        rect.right() - chip * 0.6, rect.bottom() - chip * 0.6, chip, chip
                    )
                    painter.setBrush(self._brushes[int(luts[unit])])
                    painter.drawEllipse(chip_rect)
            else:
                painter.setBrush(DIM_FILL if luts is None else self._brushes[int(luts[unit])])
                painter.drawRoundedRect(rect, radius, radius)

    def _paint_strip(self, painter, column, geometry, state, thumbs) -> None:
        rect = QRectF(*geometry.rect)
        image = None if state == DIM else self._prepare(state).strips.get(column)
        if image is None:
            painter.fillRect(rect, DIM_FILL)
        else:
            painter.drawImage(rect, image)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._faint if state == DIM else self._outline)
        painter.drawRect(rect)

    def _paint_image(self, painter, column, geometry, state, thumbs) -> None:
        rect = QRectF(*geometry.rect)
        painter.drawImage(rect, self._prepare(FORWARD).picture)
        if state == DIM:
            painter.fillRect(rect, DIM_OVERLAY)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._outline)
        painter.drawRect(rect)

    def _names_widths(self) -> tuple[float, float]:
        """Pixel widths of the widest input name and output name the layout makes room for."""
        metrics = QFontMetricsF(self._font)
        outputs = self._output_names() or ()
        inputs = self._feature_names[:STRIP_THRESHOLD]
        return tuple(
            max((metrics.horizontalAdvance(name) for name in names), default=0.0)
            for names in (inputs, outputs)
        )

    def _paint_feature_names(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        if not layout or layout[0].kind != "neurons" or not self._feature_names:
            return
        painter.setFont(self._font)
        painter.setPen(TEXT)
        first = layout[0]
        metrics = QFontMetricsF(self._font)
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        centers = first.centers.tolist()[: len(self._feature_names)]
        for unit in legible_rows([cy for _, cy in centers], metrics.height()):
            cx, cy = centers[unit]
            right = cx - first.cell / 2 - 6
            name = metrics.elidedText(
                self._feature_names[unit], Qt.TextElideMode.ElideRight, right - 4
            )
            painter.drawText(QRectF(4, cy - 9, right - 4, 18), align, name)

    def _output_names(self) -> tuple[str, ...] | None:
        """What each output neuron stands for (class names), from the snapshot's dataset."""
        s = self._snapshot
        return output_unit_names(s.class_names, s.layer_sizes[-1]) if s is not None else None

    def output_labels(self) -> tuple[str, ...]:
        """The output neurons' names, written beside them where there is room (none for strips
        or unnamed outputs)."""
        self._apply_pending()
        layout = self._geometry()
        names = self._output_names()
        return names if names is not None and layout and layout[-1].kind == "neurons" else ()

    def _paint_output_names(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        names = self.output_labels()
        if not names:
            return
        painter.setFont(self._font)
        painter.setPen(TEXT)
        last = layout[-1]
        metrics = QFontMetricsF(self._font)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        centers = last.centers.tolist()
        for unit in legible_rows([cy for _, cy in centers], metrics.height()):
            name, (cx, cy) = names[unit], centers[unit]
            left = cx + last.cell / 2 + 0.4 * last.cell + 4
            width = self.width() - left - 4
            box = QRectF(left, cy - 9, width, 18)
            painter.drawText(
                box, align, metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)
            )

    def _layer_title(self, column: int) -> str:
        sizes = self._snapshot.layer_sizes
        last = len(sizes) - 1
        if column == 0:
            picture = self._input_picture
            if picture is not None and picture.values == sizes[0]:
                colour = " colour" if picture.channels > 1 else ""
                return f"Input · {picture.rows}×{picture.cols}{colour} image"
            return f"Input · {sizes[0]}"
        name = "Output" if column == last else f"Hidden {column}"
        activation = self._activations[column - 1] if column - 1 < len(self._activations) else ""
        return f"{name} · {sizes[column]} {activation}".rstrip()

    def column_labels(self, layout: list[LayerGeometry], state: str) -> list[tuple[str, ...]]:
        """What is written under each column: its title (one line, or name and detail on two),
        then the ± of its colour scale in `state`; each fits its column's width."""
        prepared = self._prepare(state)
        _, _, a_name, _ = QUANTITIES[state]
        room = _column_width(layout, self.width()) - 8
        metrics, small = QFontMetricsF(self._font), QFontMetricsF(self._small)
        titles = [self._layer_title(column) for column in range(len(layout))]
        # One title row when every title fits its column, else name and detail on two rows, and
        # short names ("H3") when even the names do not fit: columns never write over each other.
        one_row = all(metrics.horizontalAdvance(t) <= room for t in titles)
        names = [title.partition(" · ")[0] for title in titles]
        if not one_row and any(metrics.horizontalAdvance(name) > room for name in names):
            names = [_short_name(column, len(layout)) for column in range(len(layout))]
        forward_input = self._prepare(FORWARD).neuron_scale[0]
        labels = []
        for column in range(len(layout)):
            scale = forward_input if column == 0 else prepared.neuron_scale[column]
            value = f"{'a' if column == 0 else a_name} ±{_fmt(scale)}" if np.isfinite(scale) else ""
            if small.horizontalAdvance(value) > room:
                value = f"±{tick(scale)}" if np.isfinite(scale) else ""  # the title says of what
            value = _fitted(small, value, room)
            if one_row:
                labels.append((titles[column], value))
            else:
                detail = titles[column].partition(" · ")[2]
                name, detail = _fitted(metrics, names[column], room), _fitted(metrics, detail, room)
                labels.append((name, detail, value))
        return labels

    def _paint_labels(self, painter: QPainter, layout: list[LayerGeometry], state: str) -> None:
        """The column labels (`column_labels`); between columns the ± of the links' scale."""
        prepared = self._prepare(state)
        w_name = QUANTITIES[state][3]
        col_w = _column_width(layout, self.width())
        y = labels_top(layout, self.height())
        center = Qt.AlignmentFlag.AlignHCenter
        for column, (geometry, lines) in enumerate(
            zip(layout, self.column_labels(layout, state), strict=True)
        ):
            box = QRectF(geometry.x - col_w / 2, y, col_w, 16)
            *title, value = lines
            for row, text in enumerate(title):
                painter.setFont(self._font)
                painter.setPen(TEXT if row == 0 else MUTED)
                painter.drawText(box.translated(0, 15 * row), center, text)
            painter.setFont(self._small)
            painter.setPen(MUTED)
            painter.drawText(box.translated(0, 15 * len(title) + 1), center, value)
            if column < len(prepared.link_scale) and col_w >= 80:
                mid = QRectF(geometry.x, y + 15 * len(title) + 15, col_w, 14)
                painter.drawText(mid, center, f"{w_name} ±{_fmt(prepared.link_scale[column])}")

    # --------------------------------------------------------------------- hover
    def _neuron_at(self, x: float, y: float) -> tuple[int, int] | None:
        for column, geometry in enumerate(self._geometry()):
            unit = geometry.unit_at(x, y)
            if unit is not None:
                return column, unit
        return None

    def _link_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        if self._snapshot is None:
            return None
        prepared = self._prepare(self.shown_state())
        for k, batch in enumerate(prepared.links):
            if batch.x_span[0] <= x <= batch.x_span[1]:
                hit = batch.nearest(x, y)
                if hit is not None:
                    return k, *hit
        return None

    def unit_name(self, column: int, unit: int) -> str:
        """What a unit is called in tooltips and the inspector: "input x1", "pixel (3, 4)",
        "Hidden 1 #3", "Output #2 · cat"."""
        if column == 0:
            picture = self._input_picture
            if picture is not None and picture.values == self._snapshot.layer_sizes[0]:
                return picture.value_name(unit)
            if unit < len(self._feature_names):
                return f"input {self._feature_names[unit]}"
            return f"input {unit + 1}"
        title = f"{self._layer_title(column).split(' · ')[0]} #{unit + 1}"
        names = self._output_names()
        if column == len(self._snapshot.layer_sizes) - 1 and names is not None:
            return f"{title} · {names[unit]}"
        return title

    def _neuron_tooltip(self, column: int, unit: int) -> str:
        s = self._snapshot
        name = self.unit_name(column, unit)
        if column == 0:
            return f"{name}\nvalue = {_fmt(float(s.input[unit]))}"
        k = column - 1
        activation = self._activations[k] if k < len(self._activations) else "f"
        return "\n".join([name, *neuron_lines(s, k, unit, activation)])

    def _link_tooltip(self, k: int, row: int, col: int) -> str:
        name = f"{self.unit_name(k, row)} → {self.unit_name(k + 1, col)}"
        return "\n".join([name, *link_lines(self._snapshot, k, row, col)])

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        hit = self._neuron_at(pos.x(), pos.y()) if self._snapshot is not None else None
        if hit != self._hover:
            self._hover = hit
            self.neuronHovered.emit(*(hit or (-1, -1)))
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.neuronHovered.emit(-1, -1)
            self.update()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)


_LAYER_PAINTERS = {
    "neurons": NetworkCanvas._paint_neuron_column,
    "strip": NetworkCanvas._paint_strip,
    "image": NetworkCanvas._paint_image,
}


def _pixel_size(width: float, height: float, scale: float) -> QSize:
    return QSize(max(round(width * scale), 1), max(round(height * scale), 1))


def _opaque_image(width: float, height: float, scale: float) -> QImage:
    """A picture of width×height logical pixels at `scale`; opaque, so copied without blending."""
    image = QImage(_pixel_size(width, height, scale), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    return image


def _covered(clip: tuple, state: str, regions: list[tuple[str, tuple]]) -> bool:
    """Whether a rectangle lies wholly inside one region drawn in `state`."""
    x, _, w, _ = clip
    return any(
        region_state == state and rx <= x and x + w <= rx + rw
        for region_state, (rx, _, rw, _) in regions
    )
