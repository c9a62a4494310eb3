"""What the network makes of its data: the output over the input plane with the points; for
regression, the predictions against the targets (under the plane for 2-D sets); for image data,
the traced sample with the predicted class probabilities.

Colours match the network canvas: class 0 orange, class 1 blue (the diverging map's ends), more
classes from a colour-blind-safe palette; regression shades the plane with the diverging map of
the predicted value, centred on zero.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.views.colormap import POSITIVE, class_rgb, diverging_rgb, faded, robust_scale
from nnviz.app.views.images import ink_image
from nnviz.core.snapshot import PredictionView, Snapshot
from nnviz.core.targets import first_target, r2_score

TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
PLANE_KEEP = 0.55  # strength of the background shading, so the points stay readable


def _points_rgb(dataset, labels: np.ndarray) -> np.ndarray:
    """Point colours: class colours, or the diverging map of the (first) regression target."""
    if dataset.task == "classification":
        return class_rgb(labels)
    values = first_target(labels)
    return diverging_rgb(values, robust_scale(values))


def plane_rgb(dataset, output_map: np.ndarray) -> np.ndarray:
    """(N, N, 3) uint8 shading of the output map; row i is y, rising, as in `GridView`."""
    values = np.asarray(output_map, dtype=float)
    if dataset.task == "regression":
        rgb = diverging_rgb(values, robust_scale(first_target(dataset.y_train)))
    elif (dataset.classes or 2) > 2:
        rgb = class_rgb(np.rint(np.nan_to_num(values)).astype(int))
    else:
        rgb = diverging_rgb(2.0 * values - 1.0, 1.0)  # class-1 probability, fixed levels
    return faded(rgb, PLANE_KEEP)


# Room beyond the axes for the last tick labels ("6" at the top, "5" at the right edge).
TICK_ROOM = 12


class PlaneView(QWidget):
    """The 2-D input plane: shaded network output, train and test points, axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset = None
        self._rgb: np.ndarray | None = None
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(True)
        self.plot.getPlotItem().setContentsMargins(0, TICK_ROOM, TICK_ROOM, 0)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen(MUTED))
            axis.setTextPen(pg.mkPen(MUTED))
        # The range is the dataset's plane, set once: no autorange (and no axis re-layout)
        # when the shading is replaced several times a second.
        self.plot.disableAutoRange()
        self.plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # no blocky cells
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.8))
        self.test_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(QColor(20, 20, 20), width=1.4))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        for points in (self.train_points, self.test_points):
            # The points never move, but the shading under them changes several times a second:
            # cached, they are copied back instead of being drawn one by one each time.
            points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
        self._toggles = toggles
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1, Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(toggles)

    def resizeEvent(self, event) -> None:
        """Keep the plotting area (inside the axes) square: the plane is square, and a locked
        aspect ratio would otherwise pad it with empty bands."""
        size = event.size()
        left = self.plot.getAxis("left").width() + TICK_ROOM
        bottom = self.plot.getAxis("bottom").height() + TICK_ROOM
        height = size.height() - self._toggles.sizeHint().height()
        side = max(min(size.width() - left, height - bottom), 100)
        # A maximum, not a fixed size: the view may still shrink (e.g. to make room for the
        # regression fit below it), and the next resize squares it again.
        self.plot.setMaximumSize(round(side + left), round(side + bottom))
        super().resizeEvent(event)

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


class FitView(QWidget):
    """Predictions against targets for a regression: a scatter, the y = x line of a perfect fit,
    and R² in the title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fit: PredictionView | None = None
        self._r2 = float("nan")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "target")
        item.setLabel("left", "prediction")
        item.showGrid(x=True, y=True, alpha=0.12)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen(MUTED))
            axis.setTextPen(pg.mkPen(TEXT))
        self.diagonal = pg.PlotCurveItem(pen=pg.mkPen(MUTED, width=1.2, style=Qt.PenStyle.DashLine))
        self.points = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush(*POSITIVE, 150), antialias=True
        )
        self.plot.addItem(self.diagonal)
        self.plot.addItem(self.points)
        self._set_title()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_fit(self, fit: PredictionView) -> None:
        """Show one snapshot's predictions (every output column, as points)."""
        self._fit = fit
        targets = np.asarray(fit.targets, dtype=float).ravel()
        predictions = np.asarray(fit.predictions, dtype=float).ravel()
        finite = np.isfinite(targets) & np.isfinite(predictions)
        self.points.setData(targets[finite], predictions[finite])
        self._r2 = r2_score(fit.predictions, fit.targets)
        both = np.concatenate([targets[finite], predictions[finite]])
        if both.size:
            lo, hi = float(both.min()), float(both.max())
            pad = 0.05 * (hi - lo or 1.0)
            self.diagonal.setData([lo - pad, hi + pad], [lo - pad, hi + pad])
        self._set_title()

    def point_count(self) -> int:
        return len(self.points.data)

    def r2(self) -> float:
        return self._r2

    def _set_title(self) -> None:
        split = f" ({self._fit.split})" if self._fit is not None else ""
        r2 = f"R² = {self._r2:.3f}" if np.isfinite(self._r2) else "R² = –"
        self.plot.getPlotItem().setTitle(
            f"Predictions vs targets{split} · {r2}", size="10pt", color=TEXT
        )


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
        self._grid = None  # the grid and fit last shown: a snapshot often repeats them
        self._fit = None
        self.plane = PlaneView()
        self.fit = FitView()
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
        # The plane and, for regression, the fit under it (or the fit alone without a plane).
        self.plane_page = QSplitter(Qt.Orientation.Vertical)
        self.plane_page.setChildrenCollapsible(False)
        self.plane_page.addWidget(self.plane)
        self.plane_page.addWidget(self.fit)
        self.plane_page.setStretchFactor(0, 3)
        self.plane_page.setStretchFactor(1, 2)
        self.pages = QStackedWidget()
        for page in (self.plane_page, image_page, self.message):
            self.pages.addWidget(page)
        self.pages.setCurrentWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def page(self) -> str:
        """Which view is showing: 'plane' (with the fit under it for regression), 'fit',
        'image' or 'message'."""
        index = self.pages.currentIndex()
        if index == 0:
            return "fit" if self.plane.isHidden() else "plane"
        return ("plane", "image", "message")[index]

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._sample = 0
        self._grid = self._fit = None
        regression = dataset.task == "regression"
        has_plane = dataset.plane is not None and dataset.points_train is not None
        self.plane.setHidden(not has_plane)
        self.fit.setHidden(not regression)
        if has_plane:
            self.plane.set_dataset(dataset)
        if has_plane or regression:
            self.pages.setCurrentWidget(self.plane_page)
        elif dataset.image_shape is not None:
            self.pages.setCurrentIndex(1)
        else:
            self.pages.setCurrentWidget(self.message)

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None or self._dataset is None:
            return
        page = self.page()
        grid, fit = snapshot.grid, snapshot.predictions
        if page == "plane" and grid is not None and grid is not self._grid:
            self._grid = grid
            self.plane.set_output_map(grid.output_map, grid.extent)
        if page in ("plane", "fit") and fit is not None and fit is not self._fit:
            self._fit = fit
            self.fit.set_fit(fit)
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
