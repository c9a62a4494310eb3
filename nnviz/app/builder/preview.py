"""A thumbnail of the chosen data: 2-D points coloured by class or value, or the first images.

Drawn once per dataset into a pixmap (the paint event only blits it), with the same colours as
the data view, so the thumbnail and the big plane agree at a glance.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnviz.app.views.colormap import class_rgb, diverging_rgb, robust_scale
from nnviz.app.views.images import picture_image
from nnviz.core.datasets import Dataset
from nnviz.core.targets import first_target

PREVIEW_SIZE = 108
MAX_POINTS = 600
IMAGE_GRID = 4  # digits: the first 4×4 images


class DataPreview(QWidget):
    """Shows a `Dataset` small; `set_dataset(None, message)` shows why there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._pixmap: QPixmap | None = None
        self._data: Dataset | None = None
        self._message = ""
        self._placeholder: str | None = None

    def sizeHint(self) -> QSize:
        return QSize(PREVIEW_SIZE, PREVIEW_SIZE)

    def set_dataset(
        self, data: Dataset | None, message: str = "", placeholder: str | None = None
    ) -> None:
        """`message`: why there is no data; `placeholder`: what to write instead of it."""
        if data is not None and data is self._data:
            return
        self._data = data
        self._message = message
        self._placeholder = placeholder
        self._pixmap = self._render(data) if data is not None else None
        self.setToolTip(message or "A sample of the training data (● train, ○ test)")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(rect, QColor(255, 255, 255))
        if self._pixmap is not None:
            painter.drawPixmap(0, 0, self._pixmap)
        else:
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(
                rect.adjusted(6, 6, -6, -6),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder
                or ("no preview" if not self._message else "cannot read the data"),
            )
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(rect)
        painter.end()

    def _render(self, data: Dataset) -> QPixmap | None:
        pixmap = QPixmap(PREVIEW_SIZE, PREVIEW_SIZE)
        pixmap.fill(QColor(255, 255, 255))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if data.points_train is not None and data.plane is not None:
            self._draw_points(painter, data)
        elif data.picture is not None:
            self._draw_images(painter, data)
        else:
            painter.end()
            return None
        painter.end()
        return pixmap

    def _colors(self, data: Dataset, y: np.ndarray) -> np.ndarray:
        if data.task == "classification":
            return class_rgb(y)
        values = first_target(y)
        return diverging_rgb(values, robust_scale(values))

    def _draw_points(self, painter: QPainter, data: Dataset) -> None:
        lo, hi = data.plane
        size = PREVIEW_SIZE - 8
        scale = size / (hi - lo)
        for points, y, filled in (
            (data.points_train, data.y_train, True),
            (data.points_test, data.y_test, False),
        ):
            if points is None or len(points) == 0:
                continue
            step = max(1, len(points) // MAX_POINTS)
            points, y = points[::step], y[::step]
            colors = self._colors(data, y)
            xs = 4 + (points[:, 0] - lo) * scale
            ys = 4 + (hi - points[:, 1]) * scale
            for x, yy, (r, g, b) in zip(xs, ys, colors, strict=True):
                color = QColor(int(r), int(g), int(b))
                painter.setPen(QPen(color.darker(115), 0.8))
                painter.setBrush(color if filled else Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(x, yy), 1.8, 1.8)

    def _draw_images(self, painter: QPainter, data: Dataset) -> None:
        count = min(IMAGE_GRID * IMAGE_GRID, len(data.x_train))
        cell = (PREVIEW_SIZE - 4) / IMAGE_GRID
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for i in range(count):
            target = QRectF(
                2 + (i % IMAGE_GRID) * cell + 1,
                2 + (i // IMAGE_GRID) * cell + 1,
                cell - 2,
                cell - 2,
            )
            painter.drawImage(target, picture_image(data.x_train[i], data.picture))
