"""The network canvas: neurons, links and the forward/backward sweep, painted in one paintEvent.

Everything per frame is either a lookup into pre-built brushes and pens or a handful of
`drawLines`/`drawImage` calls; the per-snapshot work (colours, link bins, thumbnails) is done
once when a snapshot arrives or lazily on the first frame that needs it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from nnviz.app.views.animation import BACKWARD, DIM, FORWARD, Frame, Sweep
from nnviz.app.views.canvas_layout import LayerGeometry, compute_layout, labels_top
from nnviz.app.views.colormap import (
    DIVERGING_LUT,
    SmoothedScale,
    faded,
    lut_index,
    packed,
    robust_scale,
)
from nnviz.app.views.images import ink_image, rgb32_image
from nnviz.app.views.link_batches import LinkBatch, LinkPens
from nnviz.core.snapshot import Snapshot

FPS = 30
BACKGROUND = QColor(255, 255, 255)
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
OUTLINE = QColor(90, 96, 104)
DIM_FILL = QColor(244, 245, 247)
DIM_OVERLAY = QColor(255, 255, 255, 175)
LUT32 = packed(DIVERGING_LUT)
FADED_LUT32 = packed(faded(DIVERGING_LUT, 0.3))  # heatmaps the wave has not reached yet
HOVER = QColor(30, 30, 30)

# What each state shows: the neuron quantity, the link quantity and their short names.
QUANTITIES = {
    FORWARD: ("activation a", "weight w", "a", "w"),
    BACKWARD: ("∂L/∂z", "∂L/∂w", "∂z", "∂w"),
}


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else str(value)


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


class NetworkCanvas(QWidget):
    """Draws a network from `Snapshot`s and animates the forward and backward passes."""

    neuronHovered = Signal(int, int)  # noqa: N815 - column (0 = inputs), unit; (-1, -1) when leaving

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(360, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._snapshot: Snapshot | None = None
        self._feature_names: tuple[str, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._image_shape: tuple[int, int] | None = None
        self._layout: list[LayerGeometry] = []
        self._layout_key: tuple | None = None
        self._prepared: dict[str, _Prepared] = {}
        self._thumbs: dict[int, _Thumbs] = {}
        self._thumb_key: tuple | None = None
        self._scales = SmoothedScale()
        self._sweep = Sweep()
        self._hover: tuple[int, int] | None = None
        self._brushes = [QBrush(QColor(*(int(c) for c in rgb))) for rgb in DIVERGING_LUT]
        self._pens = LinkPens()
        self._legend = rgb32_image(LUT32[None, :])
        self._font = QFont(self.font())
        self._font.setPointSizeF(9.0)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._small = QFont(self._font)
        self._small.setPointSizeF(8.0)
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / FPS))
        self._timer.timeout.connect(self._tick)
        self._last_tick = time.perf_counter()
        self._update_timer()

    # ----------------------------------------------------------------- public API
    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        """Show a new snapshot (the latest wins; older ones are simply dropped)."""
        if snapshot is not None and (
            self._snapshot is None or snapshot.layer_sizes != self._snapshot.layer_sizes
        ):
            self._scales.clear()
            self._sweep.set_layers(len(snapshot.layer_sizes) - 1)
        self._snapshot = snapshot
        self._prepared.clear()
        self._thumb_key = None
        if snapshot is not None:
            self._update_scales(snapshot)
        self._update_timer()
        if not self._timer.isActive():
            self.update()

    def set_mode(self, mode: str) -> None:
        """'forward', 'backward', 'both' (forward, backward, then the update) or 'off'."""
        self._sweep.set_mode(mode)
        self._update_timer()
        self.update()

    def mode(self) -> str:
        return self._sweep.mode

    def set_speed(self, factor: float) -> None:
        """Animation speed multiplier (1 = about half a second per layer)."""
        self._sweep.set_speed(factor)

    def speed(self) -> float:
        return self._sweep.speed

    def set_feature_names(self, names: Sequence[str] | None) -> None:
        """Names shown beside the input neurons (x1, x2, sin(x1), …)."""
        self._feature_names = tuple(names or ())
        self.update()

    def set_activations(self, names: Sequence[str] | None) -> None:
        """Activation name per trainable layer, shown in the layer labels."""
        self._activations = tuple(names or ())
        self.update()

    def set_design(self, design) -> None:
        """Convenience: take the activations from a `Design`."""
        self.set_activations([layer.activation for layer in design.layers])

    def set_image_shape(self, shape: tuple[int, int] | None) -> None:
        """Draw an input of rows×cols features as a picture of the current sample."""
        self._image_shape = tuple(shape) if shape is not None else None
        self._layout_key = None
        self.update()

    # ------------------------------------------------------------ read-only model
    def neuron_count(self) -> int:
        return sum(self._snapshot.layer_sizes) if self._snapshot is not None else 0

    def layer_kinds(self) -> list[str]:
        """How each column is drawn: 'neurons', 'strip' or 'image'."""
        return [g.kind for g in self._geometry()]

    def neuron_positions(self, column: int) -> np.ndarray:
        """Centre of each unit of a column (pixels of the picture for an image input)."""
        return self._geometry()[column].centers.copy()

    def current_frame(self) -> Frame:
        return self._sweep.frame()

    def shown_state(self) -> str:
        """The state neurons are in once the wave reaches them: 'forward' or 'backward'."""
        frame = self._sweep.frame()
        return frame.wave if frame.wave != DIM else FORWARD

    def neuron_color(self, column: int, unit: int, state: str | None = None) -> QColor:
        """The colour that stands for a unit's value (activation forward, ∂L/∂z backward)."""
        prepared = self._prepare(state or self.shown_state())
        lut = prepared.neuron_lut[column]
        if lut is None:
            prepared = self._prepare(FORWARD)
            lut = prepared.neuron_lut[column]
        return self._brushes[int(lut[unit])].color()

    def link_width(self, layer: int, row: int, col: int, state: str | None = None) -> float:
        """Pen width of link row → col of weight matrix `layer` (0 when not drawn)."""
        batch = self._prepare(state or self.shown_state()).links[layer]
        b = batch.bin_for(row, col)
        return 0.0 if b is None else self._pens.for_batch(batch, False)[b].widthF()

    def tooltip_at(self, x: float, y: float) -> str | None:
        """The hover text for a point of the widget: a neuron's or a link's numbers."""
        hit = self._neuron_at(x, y)
        if hit is not None:
            return self._neuron_tooltip(*hit)
        link = self._link_at(x, y)
        return self._link_tooltip(*link) if link is not None else None

    # ------------------------------------------------------------- preparation
    def _update_scales(self, s: Snapshot) -> None:
        """Per-layer ±scales, smoothed across snapshots so colours do not flicker."""
        self._scales.update(("a", 0), robust_scale(s.input))
        for k in range(s.n_layers):
            self._scales.update(("a", k + 1), robust_scale(s.post[k]))
            self._scales.update(("dz", k + 1), robust_scale(s.grad_pre[k], 1e-12))
            self._scales.update(("w", k), robust_scale(s.weights[k]))
            self._scales.update(("dw", k), robust_scale(s.grad_weights[k], 1e-12))
        if s.grid is not None:
            for k, maps in enumerate(s.grid.neuron_maps):
                self._scales.update(("map", k), robust_scale(maps))

    def _geometry(self) -> list[LayerGeometry]:
        if self._snapshot is None:
            return []
        key = (
            self._snapshot.layer_sizes,
            self.width(),
            self.height(),
            self._image_shape,
            self._snapshot.grid is not None,
        )
        if key != self._layout_key:
            self._layout = compute_layout(
                self._snapshot.layer_sizes,
                self.width(),
                self.height(),
                self._image_shape,
                thumbnails=self._snapshot.grid is not None,
            )
            self._layout_key = key
            self._prepared.clear()
            self._thumb_key = None
        return self._layout

    def _neuron_values(self, state: str) -> list[np.ndarray | None]:
        s = self._snapshot
        if state == BACKWARD:
            return [None, *s.grad_pre]
        return [s.input, *s.post]

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
                prepared.picture = ink_image(values, layout[column].image_shape)
        for k, values in enumerate(links):
            scale = self._scales.get((w_key, k))
            batch = LinkBatch(layout[k].link_out(), layout[k + 1].link_in())
            batch.set_values(values, scale)
            prepared.links.append(batch)
            prepared.link_scale.append(scale)
        self._prepared[state] = prepared
        return prepared

    def _thumbnails(self) -> dict[int, _Thumbs]:
        """Heatmaps of every neuron over the input plane, pre-scaled to the neuron size."""
        s = self._snapshot
        layout = self._geometry()
        if s is None or s.grid is None:
            return {}
        key = (id(s), tuple(g.cell for g in layout))
        if key == self._thumb_key:
            return self._thumbs
        thumbs = {}
        for column, maps in enumerate(s.grid.neuron_maps[: len(layout)]):
            geometry = layout[column]
            if geometry.kind != "neurons" or maps.shape[0] != geometry.units:
                continue
            side = max(round(geometry.cell) - 2, 2)
            # Row 0 of a map is the lowest y and images run top-down, so flip; subsample a fine
            # grid to about twice the drawn size before the (smooth, slower) Qt scaling.
            stride = max(maps.shape[1] // side, 1)
            index = lut_index(maps[:, ::-stride, ::stride], self._scales.get(("map", column)))
            # One image per layer (bright | faded side by side, units stacked), scaled once;
            # each frame draws a sub-rectangle per unit.
            units, n, m = index.shape
            both = np.concatenate([LUT32.take(index), FADED_LUT32.take(index)], axis=2)
            stacked = rgb32_image(both.reshape(units * n, 2 * m)).scaled(
                2 * side,
                side * units,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            thumbs[column] = _Thumbs(stacked, side)
        self._thumbs, self._thumb_key = thumbs, key
        return thumbs

    # ----------------------------------------------------------------- animation
    def _update_timer(self) -> None:
        run = self._snapshot is not None and self._sweep.mode != "off"
        if run and not self._timer.isActive():
            self._last_tick = time.perf_counter()
            self._timer.start()
        elif not run:
            self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._sweep.advance(now - self._last_tick)
        self._last_tick = now
        if self.isVisible():
            self.update()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._snapshot is None:
            painter.setPen(MUTED)
            painter.setFont(self._font)
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Build a network and press Play"
            )
            painter.end()
            return
        layout = self._geometry()
        frame = self._sweep.frame()
        columns = np.arange(len(layout), dtype=float)
        front_x = float(np.interp(frame.front, columns, [g.x for g in layout]))
        self._paint_links(painter, layout, frame, front_x)
        self._paint_neurons(painter, layout, frame)
        self._paint_labels(painter, layout, frame)
        self._paint_header(painter, frame)
        painter.end()

    def _regions(self, frame: Frame, front_x: float) -> list[tuple[str, QRectF]]:
        """The canvas split at the wave front into the reached and the not-yet-reached part."""
        w, h = float(self.width()), float(self.height())
        if frame.base == frame.wave:
            return [(frame.wave, QRectF(0, 0, w, h))]
        left = QRectF(0, 0, front_x, h)
        right = QRectF(front_x, 0, max(w - front_x, 0.0), h)
        if frame.direction > 0:
            return [(frame.wave, left), (frame.base, right)]
        return [(frame.base, left), (frame.wave, right)]

    def _paint_links(
        self, painter: QPainter, layout: list[LayerGeometry], frame: Frame, front_x: float
    ) -> None:
        for state, clip in self._regions(frame, front_x):
            if clip.width() <= 0:
                continue
            painter.save()
            painter.setClipRect(clip)
            if state == DIM:
                # Any state's batches share geometry; forward ones are always available.
                painter.setPen(self._pens.dim)
                for batch in self._prepare(FORWARD).links:
                    if batch.x_span[1] >= clip.left() and batch.x_span[0] <= clip.right():
                        painter.drawLines(batch.shown_lines)
            else:
                for batch in self._prepare(state).links:
                    if batch.x_span[1] < clip.left() or batch.x_span[0] > clip.right():
                        continue
                    pens = self._pens.for_batch(batch, frame.flash > 0.5)
                    for b, lines in batch.batches:
                        painter.setPen(pens[b])
                        painter.drawLines(lines)
            painter.restore()
        if self._hover is not None:
            self._paint_hover_links(painter, layout)

    def _paint_hover_links(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        """Outline the hovered neuron's own links so its fan-in and fan-out stand out."""
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

    def _paint_neurons(self, painter: QPainter, layout: list[LayerGeometry], frame: Frame) -> None:
        thumbs = self._thumbnails()
        outline = QPen(OUTLINE)
        outline.setWidthF(1.0)
        faint = QPen(QColor(190, 195, 200))
        faint.setWidthF(1.0)
        for column, geometry in enumerate(layout):
            state = frame.wave if frame.reached(column) else frame.base
            if state == BACKWARD and column == 0:
                state = FORWARD  # inputs have no gradient of interest
            draw = _LAYER_PAINTERS[geometry.kind]
            draw(self, painter, column, geometry, state, thumbs.get(column), outline, faint)
        if self._hover is not None:
            column, unit = self._hover
            geometry = layout[column]
            painter.setBrush(Qt.BrushStyle.NoBrush)
            pen = QPen(HOVER)
            pen.setWidthF(2.0)
            painter.setPen(pen)
            painter.drawRect(_unit_rect(geometry, unit).adjusted(-2, -2, 2, 2))

    def _paint_neuron_column(
        self, painter, column, geometry, state, thumbs, outline, faint
    ) -> None:
        side = geometry.cell
        radius = min(4.0, side / 6)
        luts = None if state == DIM else self._prepare(state).neuron_lut[column]
        painter.setPen(faint if state == DIM else outline)
        for unit, (cx, cy) in enumerate(geometry.centers.tolist()):
            rect = QRectF(cx - side / 2, cy - side / 2, side, side)
            show_thumb = thumbs is not None and state != BACKWARD
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

    def _paint_strip(self, painter, column, geometry, state, thumbs, outline, faint) -> None:
        rect = QRectF(*geometry.rect)
        image = None if state == DIM else self._prepare(state).strips.get(column)
        if image is None:
            painter.fillRect(rect, DIM_FILL)
        else:
            painter.drawImage(rect, image)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(faint if state == DIM else outline)
        painter.drawRect(rect)

    def _paint_image(self, painter, column, geometry, state, thumbs, outline, faint) -> None:
        rect = QRectF(*geometry.rect)
        painter.drawImage(rect, self._prepare(FORWARD).picture)
        if state == DIM:
            painter.fillRect(rect, DIM_OVERLAY)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(outline)
        painter.drawRect(rect)

    def _layer_title(self, column: int) -> str:
        sizes = self._snapshot.layer_sizes
        last = len(sizes) - 1
        if column == 0:
            if self._image_shape is not None and _area(self._image_shape) == sizes[0]:
                return f"Input · {self._image_shape[0]}×{self._image_shape[1]} image"
            return f"Input · {sizes[0]}"
        name = "Output" if column == last else f"Hidden {column}"
        activation = self._activations[column - 1] if column - 1 < len(self._activations) else ""
        return f"{name} · {sizes[column]} {activation}".rstrip()

    def _paint_labels(self, painter: QPainter, layout: list[LayerGeometry], frame: Frame) -> None:
        """Under each column its name, size and activation, then the ± of its colour scale;
        between columns the ± of the links' scale."""
        prepared = self._prepare(self.shown_state())
        _, _, a_name, w_name = QUANTITIES[self.shown_state()]
        col_w = layout[1].x - layout[0].x if len(layout) > 1 else float(self.width())
        metrics = QFontMetricsF(self._font)
        y = labels_top(layout, self.height())
        center = Qt.AlignmentFlag.AlignHCenter
        titles = [self._layer_title(column) for column in range(len(layout))]
        # One title row when every title fits its column, else name and detail on two rows.
        rows = 1 if all(metrics.horizontalAdvance(t) <= col_w - 8 for t in titles) else 2
        for column, geometry in enumerate(layout):
            title = titles[column]
            box = QRectF(geometry.x - col_w / 2, y, col_w, 16)
            painter.setFont(self._font)
            painter.setPen(TEXT)
            if rows == 1:
                painter.drawText(box, center, title)
            else:
                name, _, detail = title.partition(" · ")
                painter.drawText(box, center, name)
                painter.setPen(MUTED)
                painter.drawText(box.translated(0, 15), center, detail)
            scale = prepared.neuron_scale[column]
            label = f"{a_name} ±{_fmt(scale)}" if np.isfinite(scale) else ""
            if column == 0:
                label = f"a ±{_fmt(self._prepare(FORWARD).neuron_scale[0])}"
            painter.setFont(self._small)
            painter.setPen(MUTED)
            painter.drawText(box.translated(0, 15 * rows + 1), center, label)
            if column < len(prepared.link_scale) and col_w >= 80:
                mid = QRectF(geometry.x, y + 15 * rows + 15, col_w, 14)
                painter.drawText(mid, center, f"{w_name} ±{_fmt(prepared.link_scale[column])}")
        if layout and layout[0].kind == "neurons" and self._feature_names:
            painter.setFont(self._font)
            painter.setPen(TEXT)
            first = layout[0]
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            for unit, (cx, cy) in enumerate(first.centers.tolist()[: len(self._feature_names)]):
                box = QRectF(cx - first.cell / 2 - 66, cy - 9, 60, 18)
                painter.drawText(box, align, self._feature_names[unit])

    def _paint_header(self, painter: QPainter, frame: Frame) -> None:
        s = self._snapshot
        painter.setFont(self._bold)
        painter.setPen(TEXT)
        title = frame.phase or "Latest state"
        if frame.phase == "Update weights":
            title = "Update weights:  w ← w − η·∂L/∂w"
        elif frame.base != frame.wave:
            column = int(np.clip(round(frame.front), 0, len(s.layer_sizes) - 1))
            arrow = "→" if frame.direction > 0 else "←"
            title = f"{frame.phase} {arrow} {self._layer_title(column).split(' · ')[0]}"
        painter.drawText(QRectF(14, 8, 420, 18), Qt.AlignmentFlag.AlignLeft, title)
        sample = "batch mean" if s.trace_sample is None else f"sample #{s.trace_sample}"
        info = f"step {s.step} · epoch {s.epoch} · showing {sample}"
        painter.setFont(self._small)
        painter.setPen(MUTED)
        painter.drawText(QRectF(14, 26, 420, 16), Qt.AlignmentFlag.AlignLeft, info)

        neuron_q, link_q, _, _ = QUANTITIES[self.shown_state()]
        bar = QRectF(self.width() - 170, 14, 150, 9)
        caption = QRectF(bar.left() - 250, 10, 242, 16)
        painter.drawText(
            caption,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"neurons: {neuron_q} · links: {link_q}",
        )
        painter.drawImage(bar, self._legend)
        painter.setPen(QPen(QColor(200, 204, 208)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        painter.setPen(MUTED)
        for frac, text in ((0.0, "−max"), (0.5, "0"), (1.0, "+max")):
            x = bar.left() + frac * bar.width()
            painter.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + 3))
            painter.drawText(
                QRectF(x - 30, bar.bottom() + 3, 60, 14), Qt.AlignmentFlag.AlignHCenter, text
            )

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

    def _unit_name(self, column: int, unit: int) -> str:
        if column == 0:
            if unit < len(self._feature_names):
                return f"input {self._feature_names[unit]}"
            if (
                self._image_shape is not None
                and _area(self._image_shape) == self._snapshot.layer_sizes[0]
            ):
                r, c = divmod(unit, self._image_shape[1])
                return f"pixel ({r}, {c})"
            return f"input {unit + 1}"
        return f"{self._layer_title(column).split(' · ')[0]} #{unit + 1}"

    def _neuron_tooltip(self, column: int, unit: int) -> str:
        s = self._snapshot
        name = self._unit_name(column, unit)
        if column == 0:
            return f"{name}\nvalue = {_fmt(float(s.input[unit]))}"
        k = column - 1
        lines = [
            name,
            f"z = {_fmt(float(s.pre[k][unit]))}",
            f"a = {_fmt(float(s.post[k][unit]))}",
            f"bias = {_fmt(float(s.biases[k][unit]))}",
            f"∂L/∂z = {_fmt(float(s.grad_pre[k][unit]))}",
            f"∂L/∂b = {_fmt(float(s.grad_biases[k][unit]))}",
        ]
        return "\n".join(lines)

    def _link_tooltip(self, k: int, row: int, col: int) -> str:
        s = self._snapshot
        return "\n".join(
            [
                f"{self._unit_name(k, row)} → {self._unit_name(k + 1, col)}",
                f"weight w = {_fmt(float(s.weights[k][row, col]))}",
                f"∂L/∂w = {_fmt(float(s.grad_weights[k][row, col]))}",
            ]
        )

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

    def resizeEvent(self, event) -> None:
        self._layout_key = None
        super().resizeEvent(event)


_LAYER_PAINTERS = {
    "neurons": NetworkCanvas._paint_neuron_column,
    "strip": NetworkCanvas._paint_strip,
    "image": NetworkCanvas._paint_image,
}


def _area(shape: tuple[int, int]) -> int:
    return shape[0] * shape[1]


def _unit_rect(geometry: LayerGeometry, unit: int) -> QRectF:
    cx, cy = geometry.centers[unit]
    if geometry.kind == "neurons":
        side = geometry.cell
        return QRectF(cx - side / 2, cy - side / 2, side, side)
    if geometry.kind == "strip":
        x0, _, w, _ = geometry.rect
        return QRectF(x0, cy - geometry.cell / 2, w, geometry.cell)
    px = geometry.cell
    return QRectF(cx - px / 2, cy - px / 2, px, px)
