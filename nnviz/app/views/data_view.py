"""What the network makes of its data: the output over the input plane with the points, or, for
image data, the traced sample with the predicted class probabilities.

Colours match the network canvas: class 0 orange, class 1 blue (the diverging map's ends), more
classes from a colour-blind-safe palette; regression uses the diverging map of the value.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.views.colormap import class_rgb, diverging_rgb, faded, robust_scale
from nnviz.app.views.images import ink_image
from nnviz.core.snapshot import Snapshot

TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
PLANE_KEEP = 0.55  # strength of the background shading, so the points stay readable


def _points_rgb(dataset, labels: np.ndarray) -> np.ndarray:
    """Point colours: class colours, or the diverging map of the (first) regression target."""
    if dataset.task == "classification":
        return class_rgb(labels)
    values = np.asarray(labels, dtype=float).reshape(len(labels), -1)[:, 0]
    return diverging_rgb(values, robust_scale(values))


def plane_rgb(dataset, output_map: np.ndarray) -> np.ndarray:
    """(N, N, 3) uint8 shading of the output map; row i is y, rising, as in `GridView`."""
    values = np.asarray(output_map, dtype=float)
    if dataset.task == "regression":
        targets = np.asarray(dataset.y_train, dtype=float).reshape(len(dataset.y_train), -1)
        rgb = diverging_rgb(values, robust_scale(targets[:, 0]))
    elif (dataset.classes or 2) > 2:
        rgb = class_rgb(np.rint(np.nan_to_num(values)).astype(int))
    else:
        rgb = diverging_rgb(2.0 * values - 1.0, 1.0)  # class-1 probability, fixed levels
    return faded(rgb, PLANE_KEEP)


class PlaneView(QWidget):
    """The 2-D input plane: shaded network output, train and test points, axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset = None
        self._rgb: np.ndarray | None = None
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen(MUTED))
            axis.setTextPen(pg.mkPen(MUTED))
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.8))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(QColor(20, 20, 20), width=1.4))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.show_train = QCheckBox("Show train data")
        self.show_test = QCheckBox("Show test data")
        self.show_train.setChecked(True)
        self.show_test.setChecked(True)
        self.show_train.toggled.connect(self.train_points.setVisible)
        self.show_test.toggled.connect(self.test_points.setVisible)
        toggles = QHBoxLayout()
        toggles.setContentsMargins(8, 2, 8, 4)
        toggles.addWidget(self.show_train)
        toggles.addWidget(self.show_test)
        toggles.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(toggles)

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._rgb = None
        self.image.clear()
        lo, hi = dataset.plane
        for item, points, labels in (
            (self.train_points, dataset.points_train, dataset.y_train),
            (self.test_points, dataset.points_test, dataset.y_test),
        ):
            if points is None or len(points) == 0:
                item.setData([], [])
                continue
            brushes = [QBrush(QColor(*c)) for c in _points_rgb(dataset, labels).tolist()]
            item.setData(points[:, 0], points[:, 1], brush=brushes)
        self.plot.setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0)

    def set_output_map(self, output_map: np.ndarray, extent: tuple[float, float]) -> None:
        self._rgb = plane_rgb(self._dataset, output_map)
        # ImageItem indexes [x, y] by default; the map is [y, x] with y rising.
        self.image.setImage(self._rgb.transpose(1, 0, 2), levels=(0, 255), autoLevels=False)
        lo, hi = extent
        self.image.setRect(QRectF(lo, lo, hi - lo, hi - lo))

    def image_array(self) -> np.ndarray | None:
        """The shaded output map as drawn, (N, N, 3) uint8, row 0 = lowest y."""
        return None if self._rgb is None else self._rgb.copy()


class SampleView(QWidget):
    """An image sample as a picture, its label, and the predicted class probabilities as bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(260, 180)
        self._picture = None
        self._label: int | None = None
        self._probabilities = np.zeros(0)
        self._caption = ""
        self._font = QFont(self.font())
        self._font.setPointSizeF(9.0)

    def show_sample(
        self,
        values: np.ndarray,
        shape: tuple[int, int],
        label: int | None,
        probabilities: np.ndarray,
        caption: str,
    ) -> None:
        self._picture = ink_image(values, shape)
        self._label = label
        self._probabilities = np.nan_to_num(np.asarray(probabilities, dtype=float))
        self._caption = caption
        self.update()

    def label(self) -> int | None:
        return self._label

    def predicted(self) -> int | None:
        return int(np.argmax(self._probabilities)) if self._probabilities.size else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._font)
        if self._picture is None:
            painter.setPen(MUTED)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No sample yet")
            return
        w, h = self.width(), self.height()
        side = min(h - 50, w * 0.42)
        pic = QRectF(12, 12, side, side)
        painter.drawImage(pic, self._picture)
        painter.setPen(QPen(MUTED))
        painter.drawRect(pic)
        painter.setPen(TEXT)
        label = "?" if self._label is None else str(self._label)
        predicted = self.predicted()
        text = f"{self._caption}   label {label}   predicted {predicted}"
        painter.drawText(QRectF(12, pic.bottom() + 6, w - 24, 18), Qt.AlignmentFlag.AlignLeft, text)
        self._paint_bars(painter, QRectF(pic.right() + 24, 12, w - pic.right() - 36, side))

    def _paint_bars(self, painter: QPainter, area: QRectF) -> None:
        probs = self._probabilities
        if probs.size == 0 or area.width() < 40:
            return
        row = area.height() / probs.size
        predicted = self.predicted()
        for k, p in enumerate(probs.tolist()):
            y = area.top() + k * row
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(area.left(), y, 18, row),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(k),
            )
            bar_w = (area.width() - 70) * min(max(p, 0.0), 1.0)
            color = QColor(8, 119, 189) if k == predicted else QColor(160, 176, 190)
            if self._label is not None and k == self._label and k != predicted:
                color = QColor(245, 147, 34)
            painter.fillRect(QRectF(area.left() + 24, y + row * 0.18, bar_w, row * 0.64), color)
            painter.setPen(MUTED)
            painter.drawText(
                QRectF(area.left() + 28 + bar_w, y, 44, row),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{p:.2f}",
            )


class DataView(QWidget):
    """The data as the network sees it; the page shown depends on the kind of dataset."""

    sampleRequested = Signal(int)  # noqa: N815 - Qt naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset = None
        self._sample = 0
        self.plane = PlaneView()
        self.sample = SampleView()
        self.message = QLabel("No plane view for this data")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: rgb(128, 134, 140);")
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.previous_button.clicked.connect(lambda: self._step_sample(-1))
        self.next_button.clicked.connect(lambda: self._step_sample(1))
        image_page = QWidget()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 2, 8, 4)
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        image_layout = QVBoxLayout(image_page)
        image_layout.setContentsMargins(0, 0, 0, 0)
        image_layout.addWidget(self.sample, 1)
        image_layout.addLayout(buttons)
        self.pages = QStackedWidget()
        for page in (self.plane, image_page, self.message):
            self.pages.addWidget(page)
        self.pages.setCurrentWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def page(self) -> str:
        """Which view is showing: 'plane', 'image' or 'message'."""
        return ("plane", "image", "message")[self.pages.currentIndex()]

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._sample = 0
        if dataset.plane is not None and dataset.points_train is not None:
            self.plane.set_dataset(dataset)
            self.pages.setCurrentWidget(self.plane)
        elif dataset.image_shape is not None:
            self.pages.setCurrentIndex(1)
        else:
            self.pages.setCurrentWidget(self.message)

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None or self._dataset is None:
            return
        page = self.page()
        if page == "plane" and snapshot.grid is not None:
            self.plane.set_output_map(snapshot.grid.output_map, snapshot.grid.extent)
        elif page == "image":
            self._show_sample(snapshot)

    def _show_sample(self, snapshot: Snapshot) -> None:
        d = self._dataset
        output = np.asarray(snapshot.post[-1], dtype=float)
        probabilities = np.array([1.0 - output[0], output[0]]) if output.size == 1 else output
        index = snapshot.trace_sample
        if index is None:
            label, caption = None, "batch mean"
        else:
            self._sample = index
            label = int(d.y_train[index]) if d.task == "classification" else None
            caption = f"sample #{index}"
        self.sample.show_sample(snapshot.input, d.image_shape, label, probabilities, caption)

    def _step_sample(self, delta: int) -> None:
        if self._dataset is None or len(self._dataset.y_train) == 0:
            return
        self._sample = (self._sample + delta) % len(self._dataset.y_train)
        self.sampleRequested.emit(self._sample)
