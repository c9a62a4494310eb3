"""The layer space: the data as each layer sees it, one panel per layer, live.

Draws the `LayerSpace` frames that the trainer puts into snapshots (every number comes from
`nnviz.core.layer_space`): points coloured by class (or by target, with the data view's
diverging map, for regression), the input plane's grid lines carried through each layer, the
output's decision shaded behind the panel that feeds the output layer and the output's own, with
its exact boundary where the panel shows the layer's own coordinates. Every panel is a square (equal
scales: distances and angles are the layer's), as large as the view allows. The traced sample is
ringed in every panel, in the canvas's selection colour as in the data view; hovering a point
rings the same sample everywhere (and, for images, shows its
picture beside the cursor). Both go through the window's `Selection`: the hovered point is its
`hovered_sample` (so the data view rings it too, and a point hovered there is ringed here), and
clicking a point chooses it as the traced `sample`.

Cheap to redraw several times a second: the points of one colour are one scatter item (one
brush: per-point brushes come out of the SVG export as half-and-half discs), the grid lines of
a panel one curve, the boundary one curve of pairs; a panel is a bare view box under a label,
and its title changes only when its rounded variance share does.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QVBoxLayout, QWidget

from nnviz.app.export_actions import export_picture_interactive
from nnviz.app.selection import Selection
from nnviz.app.views.class_legend import class_legend_html
from nnviz.app.views.colormap import (
    CLASS_COLORS,
    DIVERGING_LUT,
    faded,
    lut_index,
    robust_scale,
)
from nnviz.app.views.data_view import CHOSEN, TEXT, plane_rgb
from nnviz.app.views.images import picture_image
from nnviz.core.class_names import class_name
from nnviz.core.layer_space import LayerPanel, LayerSpace
from nnviz.core.snapshot import Snapshot

GRID_PEN = pg.mkPen(QColor(90, 98, 108, 90), width=1)
BOUNDARY_PEN = pg.mkPen(QColor(30, 34, 40), width=2)
POINT_PEN = pg.mkPen(QColor(255, 255, 255, 170), width=0.6)
TRACE_PEN = pg.mkPen(CHOSEN, width=2.6)
HOVER_PEN = pg.mkPen(TEXT, width=1.8)
POINT_SIZE = {False: 6, True: 4}  # plane data / images (many, small dots)
HOVER_RADIUS_PX = 9
REGION_KEEP = 0.6  # the decision's shading, paler than the data view's: the points come first
SPACING_PX = 6  # between panels
LAYOUT_MARGIN_PX = 6  # around the panels, at the least
SMALLEST_SIDE_PX = 60
REGRESSION_BINS = 15  # regression points are drawn in this many colour steps
PICTURE_PX = 84  # side of the hovered image sample's picture
TITLE_PLACEHOLDER = "&nbsp;<br><span style='font-size:8pt'>&nbsp;</span>"  # two lines, measured
EXPORT_MENU = {"Export as PNG…": ".png", "Export as SVG…": ".svg"}
EXPORT_TITLE = "Layer space"
HINT = "Hover a point: the same sample is ringed in every layer; click it to trace it."


class LayerSpaceView(QWidget):
    """One panel per layer; reads `Snapshot.layer_space`, reads and writes the `Selection`."""

    def __init__(self, parent: QWidget | None = None, selection: Selection | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerSpace")
        self.selection = selection if selection is not None else Selection(self)
        self.selection.changed.connect(self._on_selection_changed)
        self._dataset = None
        self._space: LayerSpace | None = None
        self._panels: list[_PanelItems] = []
        self._pool: list[_PanelItems] = []  # every panel made, reused run after run
        self._groups: list[np.ndarray] = []  # indices into the frame's rows, one per colour
        self._rows_key: np.ndarray | None = None
        self._hovered: int | None = None
        self._placed = (0, 0)  # (columns, side) of the panels as laid out
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setSpacing(SPACING_PX)
        self.graphics.installEventFilter(self)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.footer = QLabel(HINT)
        self.footer.setStyleSheet("color: rgb(91, 100, 112); padding: 2px 8px;")
        self.footer.setFixedHeight(self.footer.sizeHint().height())
        self.legend = QLabel()
        self.legend.setToolTip("Point colours: each sample's true class")
        self.legend.setStyleSheet("padding: 2px 8px;")
        self.picture = QLabel(self)
        self.picture.setStyleSheet("background: white; border: 1px solid rgb(128, 134, 140);")
        self.picture.hide()
        self.graphics.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.graphics.customContextMenuRequested.connect(self._show_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.graphics, 1)
        under = QHBoxLayout()
        under.addWidget(self.footer, 1)
        under.addWidget(self.legend)
        layout.addLayout(under)

    # ------------------------------------------------------------------ input
    def set_dataset(self, dataset) -> None:
        """A new run: forget the panels (they are built from its first frame)."""
        self._dataset = dataset
        self._space = None
        self._rows_key = None
        self._hovered = None
        self.picture.hide()
        self.footer.setText(HINT)
        self.legend.setText(class_legend_html(dataset))
        self._clear_panels()

    def set_snapshot(self, snapshot: Snapshot | None) -> bool:
        """Draw the snapshot's layer space if it is new and the view is visible; True if drawn."""
        space = None if snapshot is None else snapshot.layer_space
        if space is None or not self.isVisible():
            return False
        return self.draw(space)

    def draw(self, space: LayerSpace) -> bool:
        """Draw a frame, shown or not (exports draw hidden views); True unless already drawn."""
        if space is self._space or self._dataset is None:
            return False
        previous, self._space = self._space, space
        if len(space.panels) != len(self._panels):
            self._build_panels(len(space.panels))
        if space.rows is not self._rows_key:
            self._rows_key = space.rows
            self._group_colours(space)
        for k, (items, panel) in enumerate(zip(self._panels, space.panels, strict=True)):
            if previous is not None and previous.panels[k] is panel:
                continue  # the input's panel: the same object every frame
            self._draw_panel(items, panel)
        self._place_panels()  # the titles' height is known once they are set
        self._draw_hovered()
        return True

    def _on_selection_changed(self) -> None:
        """Ring the hovered training row in every panel (None: no ring), wherever hovered."""
        row = self.selection.hovered_sample
        if row == self._hovered:
            return
        self._hovered = row
        self._draw_hovered()
        self._update_footer()

    # ------------------------------------------------------------------ what is shown
    def panel_count(self) -> int:
        return len(self._panels)

    def frame(self) -> LayerSpace | None:
        """The frame drawn last."""
        return self._space

    def panel_titles(self) -> list[str]:
        return [items.title for items in self._panels]

    def hovered(self) -> int | None:
        return self._hovered

    def view_boxes(self) -> list[pg.ViewBox]:
        return [items.vb for items in self._panels]

    # ------------------------------------------------------------------ building
    def _clear_panels(self) -> None:
        """Take the panels out of the layout; their items are kept for the next run (items
        dropped would be freed by whichever thread collects garbage next: often the
        training thread, which must not destroy Qt objects)."""
        self.graphics.ci.clear()
        self._panels = []
        self._placed = (0, 0)

    def _build_panels(self, count: int) -> None:
        self._clear_panels()
        while len(self._pool) < count:
            self._pool.append(_PanelItems())
        self._panels = self._pool[:count]
        images = self._dataset is not None and self._dataset.picture is not None
        for items in self._panels:
            items.point_size = POINT_SIZE[images]
        self._place_panels()

    def _place_panels(self) -> None:
        """Square panels as large as fit: the number of columns that gives the largest side,
        the group centred."""
        count = len(self._panels)
        if count == 0:
            return
        width, height = self.graphics.width() - 2 * LAYOUT_MARGIN_PX, self.graphics.height()
        height -= 2 * LAYOUT_MARGIN_PX
        title = self._panels[0].title_height()
        columns = max(range(1, count + 1), key=lambda c: _side(c, count, width, height, title))
        side = _side(columns, count, width, height, title)
        if (columns, side) == self._placed:
            return
        if columns != self._placed[0]:
            self.graphics.ci.clear()
            for k, items in enumerate(self._panels):
                row, col = 2 * (k // columns), k % columns
                self.graphics.ci.addItem(items.label, row=row, col=col)
                self.graphics.ci.addItem(items.vb, row=row + 1, col=col)
        self._placed = (columns, side)
        for items in self._panels:
            items.set_side(side)
        rows = math.ceil(count / columns)
        spare_x = width - columns * side - (columns - 1) * SPACING_PX
        spare_y = height - rows * (side + title + SPACING_PX) - (rows - 1) * SPACING_PX
        left = LAYOUT_MARGIN_PX + max(spare_x, 0) // 2
        top = LAYOUT_MARGIN_PX + max(spare_y, 0) // 2
        self.graphics.ci.layout.setContentsMargins(left, top, left, top)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Lay the panels out again whenever the drawing area changes size."""
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._place_panels()
        return False

    def _group_colours(self, space: LayerSpace) -> None:
        """Which points share a colour: one group per class, or per step of the target map."""
        labels = np.asarray(space.labels)
        if space.task == "classification":
            codes = labels.astype(int)
            colours = [QColor(*CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(codes.max() + 1)]
        else:
            scale = robust_scale(labels)
            edges = np.linspace(-scale, scale, REGRESSION_BINS + 1)
            codes = np.clip(np.digitize(labels, edges[1:-1]), 0, REGRESSION_BINS - 1)
            centres = (edges[:-1] + edges[1:]) / 2
            lut = DIVERGING_LUT[lut_index(centres, scale)]
            colours = [QColor(*map(int, rgb)) for rgb in lut]
        self._groups = [np.flatnonzero(codes == c) for c in range(len(colours))]
        for items in self._panels:
            items.set_groups(colours)

    def _draw_panel(self, items: _PanelItems, panel: LayerPanel) -> None:
        items.set_title(panel)
        items.set_kind(panel.kind)
        x0, x1, y0, y1 = panel.extent
        for scatter, group in zip(items.scatters, self._groups, strict=True):
            pts = panel.points[group]
            scatter.setData(pts[:, 0], pts[:, 1])
        if panel.grid is not None:
            lines = np.concatenate(
                [panel.grid, np.full((len(panel.grid), 1, 2), np.nan)], axis=1
            ).reshape(-1, 2)
            items.grid.setData(lines[:, 0], lines[:, 1], connect="finite")
        else:
            items.grid.setData([], [])
        if panel.regions is not None and self._dataset is not None:
            rgb = faded(plane_rgb(self._dataset, panel.regions), REGION_KEEP)
            items.regions.setImage(rgb.transpose(1, 0, 2), levels=(0, 255), autoLevels=False)
            items.regions.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            items.regions.show()
        else:
            items.regions.hide()
        if panel.boundary is not None and len(panel.boundary):
            ends = panel.boundary.reshape(-1, 2)
            items.boundary.setData(ends[:, 0], ends[:, 1], connect="pairs")
        else:
            items.boundary.setData([], [])
        if panel.trace is not None and np.all(np.isfinite(panel.trace)):
            items.trace.setData([panel.trace[0]], [panel.trace[1]])
        else:
            items.trace.setData([], [])
        items.set_extent(panel.extent)

    def _draw_hovered(self) -> None:
        space, row = self._space, self._hovered
        index = _row_index(space, row)
        for items, panel in zip(self._panels, space.panels if space else (), strict=False):
            if index is None:
                items.hover.setData([], [])
            else:
                items.hover.setData([panel.points[index, 0]], [panel.points[index, 1]])

    def _update_footer(self) -> None:
        row, d = self._hovered, self._dataset
        if row is None or d is None or row >= len(d.y_train):
            self.footer.setText(HINT)
            return
        if d.task == "classification":
            what = f"class {class_name(d.class_names, int(d.y_train[row]))}"
        else:
            what = f"target {float(np.ravel(d.y_train[row])[0]):.3g}"
        self.footer.setText(f"Sample #{row} · {what} — ringed in every layer")

    # ------------------------------------------------------------------ exporting
    def export_menu(self) -> QMenu:
        """The right-click menu: the picture as PNG (at a chosen size) or SVG."""
        menu = QMenu(self)
        for text, suffix in EXPORT_MENU.items():
            action = menu.addAction(text)
            action.triggered.connect(partial(self._export, suffix))
        return menu

    def _show_menu(self, pos) -> None:
        self.export_menu().popup(self.graphics.mapToGlobal(pos))

    def _export(self, suffix: str) -> None:
        export_picture_interactive(self, self.graphics, "layer_space", suffix, EXPORT_TITLE)

    # ------------------------------------------------------------------ hovering
    def _on_mouse_moved(self, pos: QPointF) -> None:
        row = self._row_at(pos)
        self.selection.set(hovered_sample=row)
        self._place_picture(row, pos)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self._row_at(event.scenePos())
        if row is not None:
            self.selection.set(sample=row)

    def _row_at(self, pos: QPointF) -> int | None:
        """The training row of the point nearest the cursor within HOVER_RADIUS_PX, or None."""
        space = self._space
        if space is None:
            return None
        for items, panel in zip(self._panels, space.panels, strict=True):
            vb = items.vb
            if not vb.sceneBoundingRect().contains(pos):
                continue
            at = vb.mapSceneToView(pos)
            px, py = vb.viewPixelSize()
            if not (px > 0 and py > 0):
                return None
            offsets = (panel.points - [at.x(), at.y()]) / [px, py]
            d2 = np.sum(offsets**2, axis=1)
            d2 = np.where(np.isfinite(d2), d2, np.inf)
            nearest = int(np.argmin(d2))
            return int(space.rows[nearest]) if d2[nearest] <= HOVER_RADIUS_PX**2 else None
        return None

    def _place_picture(self, row: int | None, pos: QPointF) -> None:
        d = self._dataset
        if row is None or d is None or d.picture is None:
            self.picture.hide()
            return
        image = picture_image(d.x_train[row], d.picture)
        self.picture.setPixmap(
            QPixmap.fromImage(image).scaled(
                PICTURE_PX, PICTURE_PX, Qt.AspectRatioMode.KeepAspectRatio
            )
        )
        self.picture.adjustSize()
        where = self.graphics.mapTo(self, self.graphics.mapFromScene(pos))
        x = where.x() + 14
        if x + self.picture.width() > self.width():
            x = where.x() - 14 - self.picture.width()
        top = where.y() - self.picture.height() // 2
        y = min(max(top, 0), self.height() - self.picture.height())
        self.picture.move(x, y)
        self.picture.show()
        self.picture.raise_()

    def leaveEvent(self, event) -> None:
        self.picture.hide()
        if self._hovered is not None:
            self.selection.set(hovered_sample=None)
        super().leaveEvent(event)


class _PanelItems:
    """The graphics items of one panel, made once and updated with each frame: a title and a
    bare view box (no axes, menus or buttons: a plot item costs tens of milliseconds to make
    and to lay out, a view box a fraction)."""

    def __init__(self) -> None:
        self.title = ""  # the label's text
        self.panel: LayerPanel | None = None  # whose title it shows
        self.side = SMALLEST_SIDE_PX
        self.kind = "exact"
        self.label = pg.LabelItem(TITLE_PLACEHOLDER, size="9pt", color=TEXT)
        self.vb = pg.ViewBox(
            border=pg.mkPen(QColor(216, 220, 225)),
            lockAspect=True,
            enableMouse=False,
            enableMenu=False,
            defaultPadding=0,
        )
        self.vb.disableAutoRange()
        self.regions = pg.ImageItem()
        self.grid = pg.PlotCurveItem(pen=GRID_PEN, connect="finite")
        self.boundary = pg.PlotCurveItem(pen=BOUNDARY_PEN, connect="pairs")
        self.trace = pg.ScatterPlotItem(size=15, pen=TRACE_PEN, brush=None)
        self.hover = pg.ScatterPlotItem(size=18, pen=HOVER_PEN, brush=None)
        self.point_size = POINT_SIZE[False]
        self._scatters: list[pg.ScatterPlotItem] = []  # one per colour, reused
        self._groups = 0
        for item in (self.regions, self.grid, self.boundary):
            self.vb.addItem(item)
        for item in (self.trace, self.hover):
            item.setZValue(10)
            self.vb.addItem(item)

    def title_height(self) -> int:
        return math.ceil(self.label.item.boundingRect().height())

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        """Show `extent`, unless it differs from the one shown by less than half a pixel: a
        view box's new range re-lays out every item in it (a few milliseconds a panel), and
        an eased extent mostly moves by less."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        width, height = self.vb.width(), self.vb.height()
        moved = np.array(extent) - (x0, x1, y0, y1)
        pixels = np.abs(moved) / np.repeat([x1 - x0, y1 - y0], 2) * np.repeat([width, height], 2)
        if width > 0 and height > 0 and np.all(pixels < 0.5):
            return
        self.vb.setRange(xRange=extent[:2], yRange=extent[2:], padding=0)

    def set_side(self, side: int) -> None:
        """The square view box `side` pixels wide, its title above it."""
        self.side = side
        self.vb.setMinimumSize(side, side)
        self.vb.setMaximumSize(side, side)
        self._fit_label()

    def _fit_label(self) -> None:
        """The title as wide as the panel: the short caption, then the short title too, when
        the full ones are wider (a label widens itself to its text, and would push the next
        panels out of the view)."""
        panel = self.panel
        if panel is not None:
            for title, caption in (
                (panel.title, panel.caption),
                (panel.title, panel.short_caption),
                (panel.short_title, panel.short_caption),
            ):
                self._set_label(_title_html(title, caption))
                if self.label.item.boundingRect().width() <= self.side:
                    break
        self.label.setMinimumSize(self.side, self.title_height())
        self.label.setMaximumSize(self.side, self.title_height())

    @property
    def scatters(self) -> list[pg.ScatterPlotItem]:
        """The points, one item per colour in use."""
        return self._scatters[: self._groups]

    def set_groups(self, colours: list[QColor]) -> None:
        while len(self._scatters) < len(colours):
            scatter = pg.ScatterPlotItem(pen=POINT_PEN)
            scatter.setZValue(5)
            self.vb.addItem(scatter)
            self._scatters.append(scatter)
        for scatter in self._scatters[len(colours) :]:
            scatter.setData([], [])
        for scatter, colour in zip(self._scatters, colours, strict=False):
            scatter.setSize(self.point_size)
            scatter.setBrush(pg.mkBrush(colour))
        self._groups = len(colours)

    def set_kind(self, kind: str) -> None:
        """Equal scales on both axes (distances are the layer's), except for a one-value panel,
        whose height means nothing."""
        if kind != self.kind:
            self.kind = kind
            self.vb.setAspectLocked(kind != "line")

    def set_title(self, panel: LayerPanel) -> None:
        """Title and caption of `panel`, set again only when they change."""
        if self.panel is None or (panel.title, panel.caption) != (
            self.panel.title,
            self.panel.caption,
        ):
            self.panel = panel
            self._fit_label()

    def _set_label(self, html: str) -> None:
        if html != self.title:
            self.title = html
            self.label.setText(html, size="9pt", color=TEXT)
            self.label.setToolTip(f"{self.panel.title}: {self.panel.caption}")


def _title_html(title: str, caption: str) -> str:
    return f"{title}<br><span style='font-size:8pt'>{caption}</span>"


def _side(columns: int, count: int, width: int, height: int, title: int) -> int:
    """The side of square panels laid out in `columns` columns within width × height, each
    under its title."""
    rows = math.ceil(count / columns)
    across = (width - (columns - 1) * SPACING_PX) // columns
    down = (height - (rows - 1) * SPACING_PX) // rows - title - SPACING_PX
    return max(min(across, down), SMALLEST_SIDE_PX)


def _row_index(space: LayerSpace | None, row: int | None) -> int | None:
    """Where training row `row` is among the frame's points, or None if it is not shown."""
    if space is None or row is None:
        return None
    i = int(np.searchsorted(space.rows, row))
    return i if i < len(space.rows) and space.rows[i] == row else None
