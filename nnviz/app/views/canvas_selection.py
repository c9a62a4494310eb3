"""The network canvas's side of the window's `Selection`, and the step-through spotlight.

Clicking a neuron selects it, clicking a link selects that weight, clicking empty space clears
both; with the canvas focused, ←/→ move between columns and ↑/↓ between the units of a column,
Esc clears. The chosen neuron and link are outlined over the cached pictures, so a new selection
costs one cheap paint, not new pictures. The spotlight (`set_spotlight`) dims every column but
the ones a step-through phase is about.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPen

from nnviz.app.selection import Selection
from nnviz.app.views.canvas_layout import LayerGeometry

SELECTED = QColor(214, 39, 40)  # the chosen neuron / link: a red no class or sign uses
SPOTLIGHT_DIM = QColor(255, 255, 255, 190)
SPOTLIGHT_MARGIN = 14.0
_MOVES = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


class CanvasSelectionMixin:
    """Mixed into `NetworkCanvas`: uses its `_geometry`, `_neuron_at`, `_link_at`, `_snapshot`."""

    _selection: Selection | None = None
    _spotlight: tuple[int, ...] | None = None

    def set_selection(self, selection: Selection) -> None:
        """Observe (and write to) the window's selection."""
        if self._selection is not None:
            self._selection.changed.disconnect(self.update)
        self._selection = selection
        selection.changed.connect(self.update)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.update()

    def selection(self) -> Selection | None:
        return self._selection

    def set_spotlight(self, columns: tuple[int, ...] | None) -> None:
        """Dim every column but these (None: nothing dimmed)."""
        columns = tuple(columns) if columns is not None else None
        if columns != self._spotlight:
            self._spotlight = columns
            self.update()

    def spotlight(self) -> tuple[int, ...] | None:
        return self._spotlight

    def select_at(self, x: float, y: float) -> None:
        """What a click at (x, y) selects: a neuron, else a link, else nothing."""
        if self._selection is None or self._snapshot is None:
            return
        self._apply_pending()
        hit = self._neuron_at(x, y)
        if hit is not None:
            self._selection.set(layer=hit[0], neuron=hit[1], link=None)
            return
        link = self._link_at(x, y)
        if link is not None:
            self._selection.set(layer=link[0] + 1, neuron=link[2], link=link)
        else:
            self._selection.set(layer=None, neuron=None, link=None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.select_at(event.position().x(), event.position().y())
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        selection = self._selection
        key = event.key()
        handled = key in _MOVES or key == Qt.Key.Key_Escape
        if selection is None or self._snapshot is None or not handled:
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Escape:
            selection.set(layer=None, neuron=None, link=None)
            return
        sizes = self._snapshot.layer_sizes
        if selection.layer is None or selection.neuron is None:
            layer, neuron = min(1, len(sizes) - 1), 0  # the first hidden unit to begin with
        else:
            dx, dy = _MOVES[key]
            layer = min(max(selection.layer + dx, 0), len(sizes) - 1)
            neuron = selection.neuron + dy if dx == 0 else selection.neuron
            neuron = min(max(neuron, 0), sizes[layer] - 1)
        selection.set(layer=layer, neuron=neuron, link=None)

    def _paint_selection(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        """The spotlight, then the chosen link and neuron outlined in the selection colour."""
        if self._spotlight is not None and layout:
            self._paint_spotlight(painter, layout)
        selection = self._selection
        if selection is None:
            return
        link = selection.link
        if link is not None and link[0] + 1 < len(layout):
            k, i, j = link
            if i < layout[k].units and j < layout[k + 1].units:
                pen = QPen(SELECTED)
                pen.setWidthF(2.5)
                painter.setPen(pen)
                a, b = layout[k].link_out()[i], layout[k + 1].link_in()[j]
                painter.drawLine(QPointF(*a), QPointF(*b))
        column, unit = selection.layer, selection.neuron
        if column is not None and unit is not None and column < len(layout):
            geometry = layout[column]
            if unit < geometry.units:
                pen = QPen(SELECTED)
                pen.setWidthF(2.5)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(unit_rect(geometry, unit).adjusted(-3, -3, 3, 3))

    def _paint_spotlight(self, painter: QPainter, layout: list[LayerGeometry]) -> None:
        """One clear window around the spotlit columns, the links between them and their names
        and labels: from halfway to the column before to halfway to the one after (the edge
        for the first and last), down to the bottom."""
        lit = [c for c in self._spotlight if 0 <= c < len(layout)]
        dim = QPainterPath()
        dim.addRect(QRectF(self.rect()))
        if lit:
            first, last = min(lit), max(lit)
            half = (layout[1].x - layout[0].x) / 2 if len(layout) > 1 else float(self.width())
            left = 0.0 if first == 0 else layout[first].x - half
            right = float(self.width()) if last == len(layout) - 1 else layout[last].x + half
            top = min(layout[c].rect[1] for c in lit) - SPOTLIGHT_MARGIN
            dim.addRect(QRectF(left, top, right - left, self.height() - top))
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SPOTLIGHT_DIM)
        dim.setFillRule(Qt.FillRule.OddEvenFill)
        painter.drawPath(dim)
        painter.restore()


def unit_rect(geometry: LayerGeometry, unit: int) -> QRectF:
    """The rectangle a unit occupies: its square, its strip cell or its pixel."""
    cx, cy = geometry.centers[unit]
    if geometry.kind == "neurons":
        side = geometry.cell
        return QRectF(cx - side / 2, cy - side / 2, side, side)
    if geometry.kind == "strip":
        x0, _, w, _ = geometry.rect
        return QRectF(x0, cy - geometry.cell / 2, w, geometry.cell)
    px = geometry.cell
    return QRectF(cx - px / 2, cy - px / 2, px, px)
