"""Every first-layer neuron's incoming weights as a picture of the input: what it looks for.

One mosaic of all units (as in every MNIST tutorial), redrawn from the newest snapshot at most
`REFRESH_HZ` times a second while training. Colours are the canvas's: blue for a positive
weight (ink there, or light in a photo, switches the neuron on), orange for a negative one, on
one shared scale; a colour pixel's three weights are added. Every weight is a crisp square of
whole pixels (`mosaic_grid` picks the zoom); when even one pixel per weight does not fit, the
mosaic scrolls. Clicking a picture selects that neuron in the window (`picked`); the selected
one is framed.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnviz.app.views.colormap import DIVERGING_LUT, lut_index
from nnviz.app.views.images import rgb_image
from nnviz.core.image_views import MosaicGrid, mosaic_grid, tile, weight_images, weight_scale
from nnviz.core.pictures import Picture
from nnviz.core.snapshot import Snapshot

REFRESH_HZ = 4.0
MARGIN = 6
BACKGROUND = (255, 255, 255)
SELECTED = QColor(214, 39, 40)
CAPTION_STYLE = "color: #33383e; font-size: 8.5pt; padding: 2px 6px;"
EMPTY_TEXT = "Weight pictures need image data (such as MNIST or digits)"


class WeightImagesView(QWidget):
    """A caption and a grid of the first hidden layer's weight pictures, updated live."""

    picked = Signal(int)  # a unit's picture was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weightImages")
        self.setMinimumSize(220, 160)
        self._picture: Picture | None = None
        self._images: np.ndarray | None = None  # (units, rows, cols) of the shown snapshot
        self._scale = 1.0
        self._step = -1
        self._drawn_at = -math.inf
        self.caption = QLabel(EMPTY_TEXT)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(CAPTION_STYLE)
        self.mosaic = MosaicCanvas(self)
        self.mosaic.picked.connect(self.picked)
        self.scroll = QScrollArea()
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.mosaic)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setStyleSheet("background: white;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)

    def set_picture(self, picture: Picture | None) -> None:
        self._picture = picture
        self._images = None
        self._step = -1
        self.caption.setText(EMPTY_TEXT)
        self.mosaic.show_images(None, 1.0)
        self._relayout()

    def set_snapshot(self, snapshot: Snapshot | None, force: bool = False) -> None:
        """Take the snapshot's first-layer weights (at most REFRESH_HZ times a second unless
        `force`, e.g. for a paused or finished run)."""
        if snapshot is None or self._picture is None or not snapshot.weights:
            return
        if snapshot.step == self._step and self._images is not None:
            return
        now = time.perf_counter()
        if not force and snapshot.state == "running" and now - self._drawn_at < 1 / REFRESH_HZ:
            return
        weights = snapshot.weights[0]
        if weights.shape[0] != self._picture.values:
            return
        first = self._images is None or len(self._images) != weights.shape[1]
        self._images = weight_images(weights, self._picture)
        self._scale = weight_scale(self._images)
        self._step = snapshot.step
        self._drawn_at = now
        units, h, w = self._images.shape
        added = f" (a pixel's {self._picture.channels} added)" if self._picture.channels > 1 else ""
        self.caption.setText(
            f"What each of the {units} neurons of layer 1 looks for (step {snapshot.step}): "
            f"its {self._picture.values} weights{added} as a {h}×{w} picture · blue +, "
            f"orange − · ±{self._scale:.3g}"
        )
        self.mosaic.show_images(self._images, self._scale)
        if first:
            self._relayout()

    def set_selected(self, unit: int | None) -> None:
        """Frame this unit's picture (None: none)."""
        self.mosaic.set_selected(unit)

    def unit_images(self) -> np.ndarray | None:
        """The pictures shown, (units, rows, cols), for tests and exports."""
        return self._images

    def scale(self) -> float:
        return self._scale

    def grid(self) -> MosaicGrid | None:
        return self.mosaic.grid

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        """The zoom and columns that fit the visible area (a scroll bar takes some width when
        the mosaic is taller than the area)."""
        if self._images is None:
            self.mosaic.set_grid(None)
            return
        units, h, w = self._images.shape
        viewport = self.scroll.viewport().size()
        width, height = viewport.width() - 2 * MARGIN, viewport.height() - 2 * MARGIN
        grid = mosaic_grid(units, (h, w), width, height)
        if grid.size[1] > height:  # it scrolls: leave room for the scroll bar
            bar = self.scroll.verticalScrollBar().sizeHint().width()
            grid = mosaic_grid(units, (h, w), width - bar, height)
        self.mosaic.set_grid(grid)


class MosaicCanvas(QWidget):
    """The mosaic itself, sized to its grid (inside the view's scroll area)."""

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.grid: MosaicGrid | None = None
        self._images: np.ndarray | None = None
        self._scale = 1.0
        self._mosaic: QImage | None = None
        self._selected: int | None = None

    def show_images(self, images: np.ndarray | None, scale: float) -> None:
        self._images, self._scale, self._mosaic = images, scale, None
        self.update()

    def set_grid(self, grid: MosaicGrid | None) -> None:
        if grid != self.grid:
            self.grid, self._mosaic = grid, None
        width, height = grid.size if grid is not None else (0, 0)
        self.setFixedSize(width + 2 * MARGIN, height + 2 * MARGIN)
        self.update()

    def set_selected(self, unit: int | None) -> None:
        if unit != self._selected:
            self._selected = unit
            self.update()

    def unit_at(self, x: float, y: float) -> int | None:
        """The unit whose picture is under a point of this widget, or None."""
        if self.grid is None or self._images is None:
            return None
        return self.grid.unit_at(x - MARGIN, y - MARGIN, len(self._images))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*BACKGROUND))
        if self.grid is None or self._images is None:
            return
        if self._mosaic is None:
            values = tile(self._images, self.grid.columns)
            colours = DIVERGING_LUT[lut_index(np.nan_to_num(values), self._scale)]
            colours[np.isnan(values)] = BACKGROUND
            self._mosaic = rgb_image(colours)
        zoom = self.grid.zoom
        target = QRectF(MARGIN, MARGIN, self._mosaic.width() * zoom, self._mosaic.height() * zoom)
        painter.drawImage(target, self._mosaic)  # whole-pixel zoom: each weight a square
        if self._selected is not None and self._selected < len(self._images):
            r, c = divmod(self._selected, self.grid.columns)
            cell_h, cell_w = self.grid.cell
            h, w = self._images.shape[1:]
            pen = QPen(SELECTED)
            pen.setWidth(2)
            painter.setPen(pen)
            painter.drawRect(
                QRectF(MARGIN + c * cell_w - 1, MARGIN + r * cell_h - 1, w * zoom + 2, h * zoom + 2)
            )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        unit = self.unit_at(pos.x(), pos.y())
        if unit is None:
            self.setToolTip("")
        else:
            pic = self._images[unit]
            self.setToolTip(
                f"Hidden 1 #{unit + 1}: its weight from each pixel (click to select it)\n"
                f"largest + {pic.max():.3g}, largest − {pic.min():.3g}"
            )
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        unit = self.unit_at(pos.x(), pos.y())
        if event.button() == Qt.MouseButton.LeftButton and unit is not None:
            self.picked.emit(unit)
            return
        super().mousePressEvent(event)
