"""What the network makes of its data: the output over the input plane with the points; for
regression, the predictions against the targets (under the plane for 2-D sets); for pictures and
for tables of classes (a CSV), the traced sample, as a picture or its inputs' values, with the
predicted class probabilities.

Colours match the network canvas: class 0 orange, class 1 blue (the diverging map's ends), more
classes from a colour-blind-safe palette; regression shades the plane with the diverging map of
the predicted value, centred on zero.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
)
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

from nnviz.app.selection import Selection
from nnviz.app.views.class_legend import class_legend_html
from nnviz.app.views.colormap import POSITIVE, class_rgb, diverging_rgb, faded, robust_scale
from nnviz.app.views.images import picture_image
from nnviz.app.views.thumbnail_strip import ThumbnailStrip
from nnviz.core.class_names import class_name, class_probabilities
from nnviz.core.sample_table import sample_lines
from nnviz.core.snapshot import PredictionView, Snapshot
from nnviz.core.targets import first_target, r2_score

TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
PLANE_KEEP = 0.55  # strength of the background shading, so the points stay readable
PICK_PIXELS = 8.0  # a click or hover this close to a training point picks it
CHOSEN = QColor(214, 39, 40)  # the traced sample's ring: the canvas's selection colour
BAR_ROOM = 90.0


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
        self.plot = pg.PlotWidget(background="w", enableMenu=False)  # no menu to build
        self.plot.setAspectLocked(True)
        self.plot.getPlotItem().setContentsMargins(0, TICK_ROOM, TICK_ROOM, 0)
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
        # Rings around the traced sample (bold) and the one under the pointer (thin).
        self.hovered_mark = pg.ScatterPlotItem(size=15, pen=pg.mkPen(TEXT, width=1.2), brush=None)
        self.chosen_mark = pg.ScatterPlotItem(size=17, pen=pg.mkPen(CHOSEN, width=2.6), brush=None)
        for mark in (self.hovered_mark, self.chosen_mark):
            self.plot.addItem(mark)
        # Short names, so the row fits the narrowest data view (260 pixels) beside the class
        # legend: "Show train data" and "Show test data" were cut off at 1366×768, and even
        # "Train points" and "Test points" are, or squeeze the legend to a class a line.
        self.show_train = QCheckBox("Train")
        self.show_train.setToolTip("Show the training points (white rim)")
        self.show_test = QCheckBox("Test")
        self.show_test.setToolTip("Show the test points (dark rim)")
        self.show_train.setChecked(True)
        self.show_test.setChecked(True)
        self.show_train.toggled.connect(self.train_points.setVisible)
        self.show_test.toggled.connect(self.test_points.setVisible)
        toggles = QHBoxLayout()
        toggles.setContentsMargins(8, 2, 8, 4)
        toggles.addWidget(self.show_train)
        toggles.addWidget(self.show_test)
        self.legend = QLabel()
        self.legend.setToolTip("Point colours: each sample's true class")
        self.legend.setWordWrap(True)  # many classes take a second line, never a clipped one
        self.legend.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        toggles.addWidget(self.legend, 1)
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
        toggles = self._toggles
        below = (
            toggles.heightForWidth(size.width())
            if toggles.hasHeightForWidth()
            else toggles.sizeHint().height()
        )
        height = size.height() - below
        side = max(min(size.width() - left, height - bottom), 100)
        # A maximum, not a fixed size: the view may still shrink (e.g. to make room for the
        # regression fit below it), and the next resize squares it again.
        self.plot.setMaximumSize(round(side + left), round(side + bottom))
        super().resizeEvent(event)

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._rgb = None
        self.image.clear()
        self.legend.setText(class_legend_html(dataset))
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

    def train_point_at(self, scene_pos: QPointF) -> int | None:
        """The training row whose point lies within PICK_PIXELS of a scene position."""
        points = None if self._dataset is None else self._dataset.points_train
        if points is None or len(points) == 0 or not self.train_points.isVisible():
            return None
        box = self.plot.getPlotItem().getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return None
        view = box.mapSceneToView(scene_pos)
        px, py = box.viewPixelSize()
        d = np.hypot((points[:, 0] - view.x()) / px, (points[:, 1] - view.y()) / py)
        i = int(np.argmin(d))
        return i if d[i] <= PICK_PIXELS else None

    def mark(self, chosen: int | None, hovered: int | None) -> None:
        """Ring the traced training sample and the one under the pointer (None: no ring)."""
        points = None if self._dataset is None else self._dataset.points_train
        for item, row in ((self.chosen_mark, chosen), (self.hovered_mark, hovered)):
            if points is None or row is None or not 0 <= row < len(points):
                item.setData([], [])
            else:
                item.setData([points[row, 0]], [points[row, 1]])

    def marked(self) -> tuple[float, float] | None:
        """Where the traced sample's ring is, or None."""
        x, y = self.chosen_mark.getData()
        return (float(x[0]), float(y[0])) if len(x) else None

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
        self.plot = pg.PlotWidget(background="w", enableMenu=False)  # no menu to build
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
    """A sample as a picture (or, for a table, its inputs' values), its label, and the
    predicted class probabilities as bars.

    Clicking the picture of the batch mean traces a real sample (the first of the split)."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(260, 180)
        self._picture = None
        self._lines: list[str] = []
        self._label: int | None = None
        self._probabilities = np.zeros(0)
        self._caption = ""
        self._class_names: tuple[str, ...] | None = None
        self._font = QFont(self.font())
        self._font.setPointSizeF(9.0)

    def show_sample(
        self,
        sample: QImage | list[str],
        label: int | None,
        probabilities: np.ndarray,
        caption: str,
    ) -> None:
        """`sample`: its picture, or the lines listing its inputs."""
        if isinstance(sample, QImage):
            self._picture, self._lines = sample, []
        else:
            self._picture, self._lines = None, list(sample)
        self._label = label
        self._probabilities = np.nan_to_num(np.asarray(probabilities, dtype=float))
        self._caption = caption
        self.update()

    def set_class_names(self, names: tuple[str, ...] | None) -> None:
        """Names for the bars and the caption ("7", "ankle boot"); numbers when None."""
        self._class_names = names

    def label(self) -> int | None:
        return self._label

    def lines(self) -> list[str]:
        """The inputs listed for a table's sample (none for a picture)."""
        return list(self._lines)

    def bar_names(self) -> list[str]:
        """The name written beside each probability bar, class 0 first."""
        return [class_name(self._class_names, k) for k in range(self._probabilities.size)]

    def caption(self) -> str:
        """The line under the picture: which sample, its label and the prediction."""
        names = self._class_names
        predicted = self.predicted()
        guess = "?" if predicted is None else class_name(names, predicted)
        if self._label is None:  # a batch mean has no one label, nor a prediction of its own
            return f"{self._caption} · top: {guess}"
        return f"{self._caption}   label {class_name(names, self._label)}   predicted {guess}"

    def predicted(self) -> int | None:
        return int(np.argmax(self._probabilities)) if self._probabilities.size else None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._font)
        if self._picture is None and not self._lines:
            painter.setPen(MUTED)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No sample yet")
            return
        w, h = self.width(), self.height()
        side = min(h - 50, w * 0.42)
        if self._picture is not None:
            pic = QRectF(12, 12, side, side)
            painter.drawImage(pic, self._picture)
            painter.setPen(QPen(MUTED))
            painter.drawRect(pic)
        else:
            metrics = QFontMetricsF(self._font)
            widest = max(metrics.horizontalAdvance(line) for line in self._lines)
            pic = QRectF(12, 12, min(widest + 12, w * 0.5), side)
            self._paint_lines(painter, pic)
        painter.setPen(TEXT)
        text = self.caption()
        painter.drawText(QRectF(12, pic.bottom() + 6, w - 24, 18), Qt.AlignmentFlag.AlignLeft, text)
        self._paint_bars(painter, QRectF(pic.right() + 24, 12, w - pic.right() - 36, side))

    def _paint_lines(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetricsF(self._font)
        row = metrics.height() + 3
        painter.setPen(TEXT)
        for k, line in enumerate(self._lines):
            painter.drawText(
                QRectF(area.left(), area.top() + k * row, area.width(), row),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, area.width()),
            )

    def _paint_bars(self, painter: QPainter, area: QRectF) -> None:
        probs = self._probabilities
        if probs.size == 0 or area.width() < 40:
            return
        row = area.height() / probs.size
        predicted = self.predicted()
        metrics = QFontMetricsF(self._font)
        names = self.bar_names()
        # names as long as they are, leaving the bar and its number at least BAR_ROOM pixels
        name_w = min(max(metrics.horizontalAdvance(n) for n in names) + 6, area.width() - BAR_ROOM)
        bars = QRectF(area.left() + name_w, area.top(), area.width() - name_w, area.height())
        for k, p in enumerate(probs.tolist()):
            y = area.top() + k * row
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(area.left(), y, name_w - 6, row),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(names[k], Qt.TextElideMode.ElideRight, name_w - 6),
            )
            bar_w = (bars.width() - 46) * min(max(p, 0.0), 1.0)
            color = QColor(8, 119, 189) if k == predicted else QColor(160, 176, 190)
            if self._label is not None and k == self._label and k != predicted:
                color = QColor(245, 147, 34)
            painter.fillRect(QRectF(bars.left(), y + row * 0.18, bar_w, row * 0.64), color)
            painter.setPen(MUTED)
            painter.drawText(
                QRectF(bars.left() + 4 + bar_w, y, 44, row),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{p:.2f}",
            )


class DataView(QWidget):
    """The data as the network sees it; the page shown depends on the kind of dataset.

    It reads and writes the window's `Selection`: clicking a training point (or the picture,
    Previous / Next for images) chooses the traced sample, which is ringed on the plane; the point
    under the pointer is the selection's `hovered_sample`.
    """

    def __init__(self, parent: QWidget | None = None, selection: Selection | None = None) -> None:
        super().__init__(parent)
        self._dataset = None
        self.selection = selection if selection is not None else Selection(self)
        self.selection.changed.connect(self._on_selection_changed)
        self._grid = None  # the grid and fit last shown: a snapshot often repeats them
        self._fit = None
        self.plane = PlaneView()
        self.fit = FitView()
        self.sample = SampleView()
        self.message = QLabel("No data yet")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: rgb(128, 134, 140);")
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.previous_button.clicked.connect(self.previous_sample)
        self.next_button.clicked.connect(self.next_sample)
        self.sample.clicked.connect(self._on_picture_clicked)
        scene = self.plane.plot.scene()
        scene.sigMouseClicked.connect(self._on_plane_clicked)
        scene.sigMouseMoved.connect(self._on_plane_moved)
        image_page = QWidget()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 2, 8, 4)
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        image_layout = QVBoxLayout(image_page)
        image_layout.setContentsMargins(0, 0, 0, 0)
        image_layout.addWidget(self.sample, 1)
        self.thumbnails = ThumbnailStrip()
        self.thumbnails.picked.connect(self._on_thumbnail)
        image_layout.addWidget(self.thumbnails)
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
        if index == 1 and self._dataset is not None and self._dataset.picture is None:
            return "sample"
        return ("plane", "image", "message")[index]

    def set_selection(self, selection: Selection) -> None:
        """Follow the window's selection instead of this view's own."""
        self.selection.changed.disconnect(self._on_selection_changed)
        self.selection = selection
        selection.changed.connect(self._on_selection_changed)
        self._on_selection_changed()

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._grid = self._fit = None
        regression = dataset.task == "regression"
        has_plane = dataset.plane is not None and dataset.points_train is not None
        self.plane.setHidden(not has_plane)
        self.fit.setHidden(not regression)
        if has_plane:
            self.plane.set_dataset(dataset)
        if has_plane or regression:
            self.pages.setCurrentWidget(self.plane_page)
        else:  # classes of pictures or of a table's rows: the traced sample and its classes
            self.pages.setCurrentIndex(1)
        self.thumbnails.set_dataset(dataset)
        self.thumbnails.setVisible(dataset.picture is not None)
        self._on_selection_changed()

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
        elif page in ("image", "sample"):
            self._show_sample(snapshot)

    def _show_sample(self, snapshot: Snapshot) -> None:
        d = self._dataset
        probabilities = class_probabilities(snapshot.post[-1])
        self.sample.set_class_names(snapshot.class_names)
        index = snapshot.trace_sample
        if index is None:  # the bars are then the batch's mean probabilities
            what = "pictures" if d.picture is not None else "rows"
            label, caption = None, f"mean of {snapshot.batch_size} batch {what}"
        else:
            label = int(d.y_train[index]) if d.task == "classification" else None
            caption = f"sample #{index}"
        if d.picture is not None:
            sample = picture_image(snapshot.input, d.picture)
        else:
            sample = sample_lines(d, snapshot.input)
        self.sample.show_sample(sample, label, probabilities, caption)

    def previous_sample(self) -> None:
        self._step_sample(-1)

    def next_sample(self) -> None:
        self._step_sample(1)

    def _step_sample(self, delta: int) -> None:
        if self._dataset is None or len(self._dataset.y_train) == 0:
            return
        current = self.selection.sample
        start = 0 if current is None else current + delta
        self.selection.set(sample=start % len(self._dataset.y_train))

    def _on_thumbnail(self, row: int) -> None:
        self.selection.set(sample=row)

    def _on_picture_clicked(self) -> None:
        if self.selection.sample is None:
            self._step_sample(0)

    def _on_plane_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.page() != "plane":
            return
        row = self.plane.train_point_at(event.scenePos())
        if row is not None:
            self.selection.set(sample=row)

    def _on_plane_moved(self, scene_pos: QPointF) -> None:
        if self.page() == "plane":
            self.selection.set(hovered_sample=self.plane.train_point_at(scene_pos))

    def _on_selection_changed(self) -> None:
        self.thumbnails.set_current(self.selection.sample)
        if self._dataset is not None and self.page() == "plane":
            self.plane.mark(self.selection.sample, self.selection.hovered_sample)
