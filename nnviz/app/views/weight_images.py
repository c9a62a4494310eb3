"""Every first-layer neuron's incoming weights as a picture of the input: what it looks for.

One mosaic of all units (as in every MNIST tutorial), redrawn from the newest snapshot at most
`REFRESH_HZ` times a second while training. Colours are the canvas's: blue for a positive
weight (ink there, or light in a photo, switches the neuron on), orange for a negative one, on
one shared scale; a colour pixel's three weights are added.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from nnviz.app.views.colormap import DIVERGING_LUT, lut_index
from nnviz.app.views.images import rgb_image
from nnviz.core.image_views import weight_images, weight_scale
from nnviz.core.pictures import Picture
from nnviz.core.snapshot import Snapshot

REFRESH_HZ = 4.0
GAP = 1  # pixels of background between two units' pictures in the mosaic
CAPTION_H = 34
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
BACKGROUND = (255, 255, 255)


class WeightImagesView(QWidget):
    """A grid of the first hidden layer's weight pictures, updated live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weightImages")
        self.setMinimumSize(220, 160)
        self.setMouseTracking(True)
        self._picture: Picture | None = None
        self._images: np.ndarray | None = None  # (units, rows, cols) of the shown snapshot
        self._scale = 1.0
        self._step = -1
        self._mosaic: QImage | None = None
        self._columns = 1
        self._drawn_at = -math.inf
        self._font = QFont(self.font())
        self._font.setPointSizeF(8.5)

    def set_picture(self, picture: Picture | None) -> None:
        self._picture = picture
        self._images = self._mosaic = None
        self._step = -1
        self.update()

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
        self._images = weight_images(weights, self._picture)
        self._scale = weight_scale(self._images)
        self._step = snapshot.step
        self._drawn_at = now
        self._mosaic = None
        self.update()

    def unit_images(self) -> np.ndarray | None:
        """The pictures shown, (units, rows, cols), for tests and exports."""
        return self._images

    def scale(self) -> float:
        return self._scale

    def _grid(self) -> tuple[int, int, float]:
        """(columns, rows, zoom) that fits all units' pictures, gaps included, into the area
        under the caption as large as they can be."""
        units, h, w = self._images.shape
        width, height = self.width() - 12, self.height() - CAPTION_H - 6
        best = (1, units, 0.0)
        for columns in range(1, units + 1):
            rows = math.ceil(units / columns)
            zoom = min(width / ((w + GAP) * columns), height / ((h + GAP) * rows))
            if zoom > best[2]:
                best = (columns, rows, zoom)
        return best

    def _build_mosaic(self, columns: int, rows: int) -> QImage:
        units, h, w = self._images.shape
        mosaic = np.empty(((h + GAP) * rows - GAP, (w + GAP) * columns - GAP, 3), np.uint8)
        mosaic[...] = BACKGROUND
        colours = DIVERGING_LUT[lut_index(self._images, self._scale)]
        for unit in range(units):
            r, c = divmod(unit, columns)
            mosaic[r * (h + GAP) : r * (h + GAP) + h, c * (w + GAP) : c * (w + GAP) + w] = colours[
                unit
            ]
        return rgb_image(mosaic)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*BACKGROUND))
        painter.setFont(self._font)
        if self._images is None:
            painter.setPen(MUTED)
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Weight pictures need image data (such as MNIST or digits)",
            )
            return
        columns, rows, zoom = self._grid()
        if self._mosaic is None or self._columns != columns:
            self._mosaic, self._columns = self._build_mosaic(columns, rows), columns
        units, h, w = self._images.shape
        metrics = QFontMetricsF(self._font)
        weights = f"{self._picture.values} weights"
        if self._picture.channels > 1:
            weights += f" (a pixel's {self._picture.channels} added)"
        lines = (
            (TEXT, f"What each of the {units} neurons of layer 1 looks for (step {self._step})"),
            (
                MUTED,
                f"its {weights} as a {h}×{w} picture · blue +, orange − · ±{self._scale:.3g}",
            ),
        )
        for k, (colour, text) in enumerate(lines):
            painter.setPen(colour)
            painter.drawText(
                QRectF(6, 2 + 15 * k, self.width() - 12, 15),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.width() - 12),
            )
        target = QRectF(6, CAPTION_H + 2, self._mosaic.width() * zoom, self._mosaic.height() * zoom)
        painter.drawImage(target, self._mosaic)

    def unit_at(self, x: float, y: float) -> int | None:
        """The unit whose picture is under a point, or None."""
        if self._images is None:
            return None
        columns, rows, zoom = self._grid()
        h, w = self._images.shape[1:]
        c = int((x - 6) // (zoom * (w + GAP)))
        r = int((y - CAPTION_H - 2) // (zoom * (h + GAP)))
        if x < 6 or y < CAPTION_H + 2 or c >= columns or r >= rows:
            return None
        unit = r * columns + c
        return unit if unit < len(self._images) else None

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        unit = self.unit_at(pos.x(), pos.y())
        if unit is None:
            self.setToolTip("")
        else:
            pic = self._images[unit]
            self.setToolTip(
                f"Hidden 1 #{unit + 1}: weights from each pixel\n"
                f"largest + {pic.max():.3g}, largest − {pic.min():.3g}"
            )
        super().mouseMoveEvent(event)
