"""The Distributions panel: per layer, how weights, activations and gradients are spread over
time, and the confusion matrix with the samples behind each cell.

Everything it draws comes from core (`nnviz.core.distributions`): a `DistributionRecord` fed
with the run's snapshots (at most a few a second, from the window's frame loop) while the
panel is shown (its tab in front, not merely visible behind another's), and with the run's
past from its timeline when the panel comes to the front (a few milliseconds at a time, so the
window stays responsive), and `confusion` of the snapshot shown. The panel's plots are built
the first time it is shown (`LazyDock`). The heatmap draws the recorded steps to scale
(TensorBoard's histogram view, each column scaled to its own largest bin), the current
histogram beside it. A past moment shown by the timeline is what "now" means here too: its
histogram, its confusion matrix and a cursor at its step. Clicking a cell of the confusion
matrix shows its samples: their pictures for image data, rings on the plane's points for 2-D
data.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetricsF, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.lazy_dock import LazyDock
from nnviz.app.style import TEXT
from nnviz.app.views.images import picture_image
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design
from nnviz.core.distributions import (
    ACTIVATION_SAMPLES,
    QUANTITIES,
    Confusion,
    DistributionRecord,
    confusion,
)
from nnviz.core.snapshot import Snapshot
from nnviz.core.trainer import Trainer

MATRIX_TIP = (
    "Counts of samples by true class (rows) and predicted class (columns); the shade is the "
    "share of the row's samples. Click a cell to see its samples."
)
CONFUSION_HZ = 1.0  # while training; a settled run's matrix is always its own
PAST_SLICE_S = 0.015  # of the GUI thread per turn of the event loop, filling in the past
HEAT_COLUMNS = 400  # the heatmap's columns, evenly spaced in steps
CURSOR = QColor(200, 40, 120)  # the timeline's step, as on the training plots
MAX_SHOWN_IMAGES = 24
IMAGE_PIXELS = 28
IMAGES_PER_ROW = 6
MAX_WRITTEN_COUNTS = 5  # classes up to which every cell's count is written in it
HIGHLIGHT = QColor(200, 40, 120)
QUANTITY_LABELS = {
    "weights": "Weights W",
    "activations": f"Activations a ({ACTIVATION_SAMPLES} training samples)",
    "gradients": "Gradients ∂L/∂W (last batch)",
}


def _plot(title: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.setMinimumSize(160, 140)
    item = widget.getPlotItem()
    item.setTitle(title, size="9pt", color=TEXT)
    item.setMenuEnabled(False)
    widget.setMouseEnabled(x=False, y=False)
    widget.hideButtons()
    return widget


class DistributionsDock(LazyDock):
    """Histograms over time per layer, and the confusion matrix; the plots are built when the
    panel is first shown (it starts behind the training curves)."""

    def __init__(self, window) -> None:
        super().__init__("Distributions", window, self._build_content)
        self.setObjectName("distributionsDock")
        self.window = window
        self.record: DistributionRecord | None = None
        self.result: Confusion | None = None
        self._data: Dataset | None = None
        self._snapshot: Snapshot | None = None  # the one shown: the newest, or a past moment
        self._past: Snapshot | None = None  # the timeline's moment, when one is shown
        self._scratch: Trainer | None = None  # put at past moments to record them
        self._fill = QTimer(self)
        self._fill.setSingleShot(True)
        self._fill.timeout.connect(self._fill_past)
        self._confusion_time = -np.inf
        self._confusion_step = -1
        self._rows = np.zeros(0, dtype=np.int64)  # the chosen cell's samples
        self._highlight: pg.ScatterPlotItem | None = None
        # Shown, as Qt's signal says: a dock behind another tab still answers isVisible() True.
        self.shown = False
        self.visibilityChanged.connect(self._on_visible)

    def _build_content(self) -> QWidget:
        self.quantity = QComboBox()
        for name in QUANTITIES:
            self.quantity.addItem(QUANTITY_LABELS[name], name)
        self.layer = QComboBox()
        self.quantity.currentIndexChanged.connect(self.redraw)
        self.layer.currentIndexChanged.connect(self.redraw)

        self.heat_plot = _plot("Over time")
        self.heat_plot.setToolTip(
            "Each column is one recorded step, drawn to scale in steps; its brightness is the "
            "square root of each bin's count over the column's largest, so a spread-out part "
            "shows beside a pile of saturated values"
        )
        self.heat_plot.setObjectName("distributionHeatmap")
        self.heat_plot.setLabel("bottom", "step")
        self.heat_plot.setLabel("left", "value")
        self.heat = pg.ImageItem()
        self.heat.setColorMap(pg.colormap.get("viridis"))
        self.heat_plot.addItem(self.heat)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR, width=2))
        self.cursor.setZValue(10)
        self.cursor.hide()
        self.heat_plot.addItem(self.cursor, ignoreBounds=True)
        self.hist_plot = _plot("Now")
        self.hist_plot.setObjectName("currentHistogram")
        self.hist_plot.setLabel("bottom", "count")
        self.hist_plot.setYLink(self.heat_plot)
        self.bars = pg.BarGraphItem(
            x0=[], y=[], height=[], width=[], brush=QColor(0, 114, 178), pen=None
        )
        self.hist_plot.addItem(self.bars)

        self.matrix_plot = _plot("Confusion matrix")
        self.matrix_plot.setObjectName("confusionMatrix")
        self.matrix_plot.setLabel("left", "true class")
        self.matrix_plot.setLabel("bottom", "predicted class")
        self.matrix_plot.getPlotItem().invertY(True)
        self.matrix_plot.setAspectLocked(True)  # square cells
        self.matrix_plot.setToolTip(MATRIX_TIP)
        self.matrix_image = pg.ImageItem()
        # white (no samples of the row's class) to the accent blue (all of them)
        self.matrix_image.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), (8, 119, 189)]))
        self.matrix_plot.addItem(self.matrix_image)
        self._cell_texts: list[pg.TextItem] = []
        self._matrix_labels: tuple[list[str], list[str]] = ([], [])
        self.matrix_plot.scene().sigMouseClicked.connect(self._on_matrix_clicked)
        self.matrix_plot.getViewBox().sigTransformChanged.connect(self._fit_class_names)
        self.cell_label = QLabel("Click a cell of the matrix to see its samples.")
        self.cell_label.setObjectName("confusionCell")
        self.cell_label.setWordWrap(True)
        self.gallery = QGridLayout()
        self.gallery.setSpacing(2)
        self.gallery.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.quantity, 1)
        controls.addWidget(QLabel("of"))
        controls.addWidget(self.layer)
        plots = QHBoxLayout()
        plots.addWidget(self.heat_plot, 3)
        plots.addWidget(self.hist_plot, 1)
        left = QVBoxLayout()
        left.addLayout(controls)
        left.addLayout(plots, 1)
        cell = QVBoxLayout()
        cell.addWidget(self.cell_label)
        cell.addLayout(self.gallery)
        cell.addStretch(1)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(left, 5)
        layout.addWidget(self.matrix_plot, 3)
        layout.addLayout(cell, 2)
        if self.record is not None:
            self._show_run()
        return body

    # ----------------------------------------------------------------- feeding

    def start_run(self, design: Design, data: Dataset) -> None:
        """A new run: a new record, layers named for its design."""
        self.record = DistributionRecord(design, data)
        self._data = data
        self._snapshot = self._past = None
        self._scratch = None
        self.result = None
        self._confusion_step = -1
        if self.built:
            self._show_run()

    def _show_run(self) -> None:
        """The panel's layer choice and an empty cell for the record's run."""
        self.layer.blockSignals(True)
        self.layer.clear()
        n = len(self.record.design.layers)
        for k in range(n):
            self.layer.addItem("output" if k == n - 1 else f"layer {k + 1}", k)
        self.layer.blockSignals(False)
        self._show_cell(None)
        self.redraw()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Record the run's newest snapshot; redraw when visible."""
        if self.record is None or snapshot.layer_sizes != self.record.design.layer_sizes:
            return  # none yet, or the last snapshot of a run just replaced
        self._snapshot = snapshot
        # Only while shown: a record of a wide network costs tens of milliseconds of the GUI
        # thread (and of the interpreter lock training needs).
        if self.shown and self.record.add(snapshot):
            self.redraw()

    def show_moment(self, snapshot: Snapshot, past: bool) -> None:
        """What the window shows: a past moment of the timeline (`past`), or the present."""
        if self.record is None or snapshot.layer_sizes != self.record.design.layer_sizes:
            return
        self._snapshot = snapshot
        self._past = snapshot if past else None
        if self.shown:
            self.record.add(snapshot)  # a moment of the past is a step like any other
            self.redraw()

    def _fill_past(self) -> None:
        """Record a little more of the run's past from its timeline, then draw."""
        record, timeline = self.record, self.window.timeline_panel.timeline
        live = self.window.worker.trainer
        if record is None or timeline is None or live is None or not self.shown:
            return
        if live.design.layer_sizes != record.design.layer_sizes:
            return
        if self._scratch is None or self._scratch.design is not live.design:
            self._scratch = Trainer(live.design, data=live.data, seed=live.seed)
            self._scratch.grid_resolution = None  # only its weights and gradients are read
        last = self._snapshot.step if self._snapshot is not None else 0
        done = record.add_moments(timeline, self._scratch, last, PAST_SLICE_S)
        self.redraw()
        if not done:
            self._fill.start(0)

    # ----------------------------------------------------------------- drawing

    def redraw(self, *_args) -> None:
        if not self.built or self.record is None or self.layer.currentData() is None:
            return
        heat = self.record.heatmap(self.quantity.currentData(), self.layer.currentData())
        lo, hi = float(heat.edges[0]), float(heat.edges[-1])
        if len(heat.counts):
            counts = heat.on_steps(HEAT_COLUMNS)
            peak = counts.max(axis=1, keepdims=True)
            # the square root: a bin with a quarter of the peak's samples is half as bright
            shade = np.sqrt(np.where(peak > 0, counts / np.maximum(peak, 1), 0.0))
            self.heat.setImage(shade, levels=(0.0, 1.0), autoLevels=False)
            first, last = float(heat.steps[0]), float(heat.steps[-1])
            self.heat.setRect(QRectF(first, lo, max(last - first, 1.0), hi - lo))
            self.heat_plot.setXRange(first, max(last, first + 1.0), padding=0)
        self.heat_plot.setYRange(lo, hi, padding=0.02)
        past = self._past
        if past is not None:
            self.cursor.setValue(past.step)
        self.cursor.setVisible(past is not None)
        self.hist_plot.getPlotItem().setTitle(
            "Now" if past is None else f"Step {past.step:,}", size="9pt", color=TEXT
        )
        width = (hi - lo) / (len(heat.edges) - 1)
        current = heat.current if past is None else heat.at(past.step)
        self.bars.setOpts(
            x0=np.zeros(len(current)), y=heat.edges[:-1] + width / 2, height=width, width=current
        )
        self.hist_plot.setXRange(0, max(float(current.max()), 1.0), padding=0.05)
        self._update_confusion()

    def _update_confusion(self) -> None:
        snapshot, data, record = self._snapshot, self._data, self.record
        if snapshot is None or data is None or record is None:
            return
        now = time.perf_counter()
        settled = snapshot.state != "running"
        if snapshot.step == self._confusion_step or (
            not settled and now - self._confusion_time < 1 / CONFUSION_HZ
        ):
            return
        self._confusion_time, self._confusion_step = now, snapshot.step
        self.result = confusion(record.design, snapshot, data)
        self._draw_matrix()

    def _draw_matrix(self) -> None:
        for text in self._cell_texts:
            self.matrix_plot.removeItem(text)
        self._cell_texts.clear()
        result = self.result
        self.matrix_plot.setVisible(result is not None)
        if result is None:
            self.cell_label.setText("Regression: no classes to confuse.")
            return
        m = result.matrix
        k = len(m)
        rows = m.sum(axis=1, keepdims=True)
        share = np.where(rows > 0, m / np.maximum(rows, 1), 0.0)
        # ImageItem indexes [x, y]: x = predicted (column), y = true (row)
        self.matrix_image.setImage(share.T, levels=(0.0, 1.0), autoLevels=False)
        self.matrix_image.setRect(QRectF(0, 0, k, k))
        self._fit_class_names()
        if k <= MAX_WRITTEN_COUNTS:  # more cells are too small for text: click one
            for i in range(k):
                for j in range(k):
                    color = "w" if share[i, j] > 0.55 else TEXT
                    text = pg.TextItem(str(m[i, j]), color=color, anchor=(0.5, 0.5))
                    text.setPos(j + 0.5, i + 0.5)
                    self.matrix_plot.addItem(text)
                    self._cell_texts.append(text)
        self.matrix_plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self.matrix_plot.getPlotItem().setTitle(_confusion_title(result), size="9pt")
        self.matrix_plot.setToolTip(_confusion_tip(result))

    def _fit_class_names(self) -> None:
        """The class names beside the rows and under the columns; when they are wider than a
        column ("Iris-versicolor" in a small matrix) the columns are numbered and each row's
        name says its number."""
        if self.result is None:
            return
        names = self.result.class_names
        axis = self.matrix_plot.getAxis("bottom")
        metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
        cell = 1.0 / max(self.matrix_plot.getViewBox().viewPixelSize()[0], 1e-9)
        if max(metrics.horizontalAdvance(name) for name in names) + 6 <= cell:
            rows, columns = names, names
        else:
            rows = [f"{name} · {k + 1}" for k, name in enumerate(names)]
            columns = [str(k + 1) for k in range(len(names))]
        self._matrix_labels = (list(rows), list(columns))
        for side, texts in (("left", rows), ("bottom", columns)):
            ticks = [(i + 0.5, text) for i, text in enumerate(texts)]
            self.matrix_plot.getAxis(side).setTicks([ticks, []])

    def matrix_labels(self) -> tuple[list[str], list[str]]:
        """The names written beside the matrix's rows and under its columns."""
        return self._matrix_labels

    # ----------------------------------------------------------------- cells

    def _on_matrix_clicked(self, event) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        box = self.matrix_plot.getPlotItem().getViewBox()
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = box.mapSceneToView(event.scenePos())
        self.show_cell(int(np.floor(point.y())), int(np.floor(point.x())))

    def show_cell(self, true: int, predicted: int) -> None:
        """Show the samples of class `true` predicted as `predicted`."""
        k = len(self.result.matrix) if self.result is not None else 0
        if 0 <= true < k and 0 <= predicted < k:
            self._show_cell((true, predicted))

    def shown_rows(self) -> np.ndarray:
        """Rows (of the matrix's split) of the chosen cell's samples."""
        return self._rows

    def _show_cell(self, cell: tuple[int, int] | None) -> None:
        while self.gallery.count():
            item = self.gallery.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if self._highlight is not None:
            self._highlight.setData([], [])
        result, data = self.result, self._data
        if cell is None or result is None or data is None:
            self._rows = np.zeros(0, dtype=np.int64)
            return
        true, predicted = cell
        rows = result.samples(true, predicted)
        self._rows = rows
        names = result.class_names
        self.cell_label.setText(
            f"{len(rows)} {result.split} sample(s) of class {names[true]} predicted as "
            f"{names[predicted]}"
        )
        split = result.split
        points = data.points_test if split == "test" else data.points_train
        x = data.x_test if split == "test" else data.x_train
        if data.picture is not None:
            for n, row in enumerate(rows[:MAX_SHOWN_IMAGES]):
                label = QLabel()
                label.setPixmap(
                    QPixmap.fromImage(picture_image(x[row], data.picture)).scaled(
                        IMAGE_PIXELS, IMAGE_PIXELS
                    )
                )
                label.setToolTip(f"{split} sample {row}")
                self.gallery.addWidget(label, n // IMAGES_PER_ROW, n % IMAGES_PER_ROW)
        elif points is not None:
            plane = self.window.data_view.plane.plot
            if self._highlight is None:
                self._highlight = pg.ScatterPlotItem(
                    size=13, brush=None, pen=pg.mkPen(HIGHLIGHT, width=2.2)
                )
                self._highlight.setZValue(30)
                plane.addItem(self._highlight)
            self._highlight.setData(points[rows, 0], points[rows, 1])

    def highlighted_points(self) -> np.ndarray:
        """The plane coordinates ringed for the chosen cell, (n, 2)."""
        if self._highlight is None:
            return np.zeros((0, 2))
        x, y = self._highlight.getData()
        return np.column_stack([x, y]) if x is not None else np.zeros((0, 2))

    def _on_visible(self, visible: bool) -> None:
        self.shown = visible
        if visible:
            if self._snapshot is not None and self.record is not None:
                self.record.add(self._snapshot)
            self.redraw()
            self._fill.start(0)  # and the run's past, a little at a time


def _confusion_title(result: Confusion) -> str:
    """Short enough for the panel's matrix at 1366×768: "Confusion at step 1,200 · test
    accuracy 93.1%", and "… on 2,000" when a sample of the split was counted (the tooltip
    says of how many)."""
    title = f"Confusion at step {result.step:,} · {result.split} accuracy {result.accuracy:.1%}"
    if len(result.rows) < result.split_size:
        title += f" on {len(result.rows):,}"
    return title


def _confusion_tip(result: Confusion) -> str:
    if len(result.rows) == result.split_size:
        return MATRIX_TIP
    return (
        f"{MATRIX_TIP} Counted on {result.scope}: a fixed random sample, the same every time, "
        "so the matrix costs the same on a large split as on a small one."
    )
