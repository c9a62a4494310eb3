"""Live training curves: loss, accuracy (or R²), gradient norm and stuck units per layer.

Other runs of the session (`set_overlays`) are drawn beside the current one, one curve per plot
in the run's colour, named in the legend; the legend sits in the corner that covers none of the
curves' newest points (`nnviz.core.runs.legend_corner`).

Every curve is created once per run and updated with `setData` from the history columns a
snapshot carries; pyqtgraph clips to the visible range and downsamples ('peak') so long runs stay
cheap. Histories hold NaN (no test split, a diverged loss, metrics that do not apply to an
activation), so curves connect only finite points and the finite check stays on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.export_actions import export_plot_interactive
from nnviz.core.readouts import MAX_PLAIN, MIN_PLAIN, evaluation_note, split_label, tick
from nnviz.core.runs import legend_corner
from nnviz.core.snapshot import Snapshot

BACKGROUND = "w"
FOREGROUND = QColor(51, 56, 62)
GRID_ALPHA = 0.12
TRAIN = QColor(0, 114, 178)
TEST = QColor(213, 94, 0)
BATCH = QColor(0, 114, 178, 70)
# Legend anchors per corner: (the legend's point, the plot's point, offset in pixels).
LEGEND_ANCHORS = {
    "top-right": ((1, 0), (1, 0), (-6, 6)),
    "top-left": ((0, 0), (0, 0), (6, 6)),
    "bottom-right": ((1, 1), (1, 1), (-6, -6)),
    "bottom-left": ((0, 1), (0, 1), (6, -6)),
}
LEGEND_COLUMNS_FROM = 4  # entries from which a legend is laid out in two columns
LAYER_COLORMAP = "viridis"
# While training, one plot is redrawn per update and each at most once a second: a plot
# repaint costs several milliseconds of the GUI thread, during which Qt holds the interpreter
# lock the training thread needs. Axis ranges move in 1-2-5 steps, not with every point, so a
# repaint does not re-lay out the axes too.
MIN_INTERVAL_S = 1.0
# A pen wider than one pixel is stroked as polygons, five to ten times the cost of a plain line:
# only the train and test curves get one. Peak downsampling to about one point per pixel keeps a
# long run's curves as cheap as a short run's (pyqtgraph's default keeps five).
KEY_WIDTH = 2.0
THIN_WIDTH = 1.0
POINTS_PER_PIXEL = 1.0
MAX_SMOOTHING = 50  # points in the trailing mean at the slider's end
MIN_PLOT_WIDTH = 220
# A value axis keeps one width whatever its tick labels: a width that followed them would
# re-lay out (and repaint) the whole plot whenever a label grows or shrinks by a digit.
NARROW_AXIS = 46  # labels such as "0.25" beside the axis title
WIDE_AXIS = 62  # labels such as "0.0001": the loss (log scale) and the gradient norms
MAX_DECADE_LABELS = 5


@dataclass(frozen=True)
class Overlay:
    """Another run drawn beside the current one: plot name → (epochs, values); `label` is
    its legend entry (short: the Runs panel holds the run's full name in the same colour)."""

    run: int
    label: str
    color: QColor
    series: Mapping[str, tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class PlotSpec:
    title: str
    y_label: str
    log_y: bool = False
    y_range: tuple[float, float] | None = None
    axis_width: int = NARROW_AXIS


PLOT_SPECS: dict[str, PlotSpec] = {
    "loss": PlotSpec("Loss", "loss", axis_width=WIDE_AXIS),
    "score": PlotSpec("Accuracy", "accuracy", y_range=(0.0, 1.0)),
    "grad_norm": PlotSpec(
        "Gradient norm per layer", "norm of ∂L/∂W", log_y=True, axis_width=WIDE_AXIS
    ),
    "stuck": PlotSpec("Stuck hidden units", "dead or saturated", y_range=(0.0, 1.0)),
}
EMPTY_LOG_RANGE = (-4.0, 0.0)  # log10 of a log axis's range before its first point

# The plots' right-click menu: these replace pyqtgraph's generic "Export..." dialog.
EXPORT_MENU = {
    "Export as PNG…": ".png",
    "Export as SVG…": ".svg",
    "Export data as CSV…": ".csv",
}
SCORE_LABELS = {
    "accuracy": ("Accuracy", "accuracy"),
    "r2": ("R² (explained variance)", "R²"),
}


def trailing_mean(y: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` finite points at each position (NaN where there are none)."""
    if window <= 1 or len(y) == 0:
        return y
    finite = np.isfinite(y)
    sums = np.concatenate(([0.0], np.cumsum(np.where(finite, y, 0.0))))
    counts = np.concatenate(([0], np.cumsum(finite)))
    hi = np.arange(1, len(y) + 1)
    lo = np.maximum(hi - window, 0)
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (sums[hi] - sums[lo]) / n
    out[n == 0] = np.nan
    out[~finite] = np.nan
    return out


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, … that is at least `value` (> 0)."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        candidate = mantissa * 10.0**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)


def stuck_fraction(columns: Mapping[str, np.ndarray], layer: int) -> np.ndarray:
    """Dead units (relu family) or saturated ones (tanh, sigmoid), whichever applies."""
    dead = columns.get(f"dead_fraction_L{layer}")
    saturated = columns.get(f"saturated_fraction_L{layer}")
    if dead is None or saturated is None:
        return np.array([])
    return np.where(np.isnan(dead), saturated, dead)


def _pen(color: QColor, width: float = KEY_WIDTH):
    pen = pg.mkPen(color, width=width)
    pen.setCosmetic(True)
    return pen


def _curve(pen, name: str | None = None) -> pg.PlotDataItem:
    """A curve that draws only its visible part, peak-downsampled to the plot's width."""
    curve = pg.PlotDataItem(
        connect="finite", pen=pen, name=name, autoDownsampleFactor=POINTS_PER_PIXEL
    )
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    return curve


def _layer_colors(n: int) -> list[QColor]:
    """Layer 1 dark to the output layer light, avoiding viridis' pale yellow end on white."""
    cmap = pg.colormap.get(LAYER_COLORMAP)
    points = np.linspace(0.0, 0.82, max(n, 2))[:n] if n > 1 else [0.3]
    return [cmap.mapToQColor(float(p)) for p in points]


class PlotsPanel(QWidget):
    """Four small plots for one run, plus greyed curves of the previous run for comparison."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # key → curve of the current run
        self._raw: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # unsmoothed data per key
        # (run id, plot name) → the curve of another run, with its name and data
        self.overlays: dict[tuple[int, str], pg.PlotDataItem] = {}
        self._overlay_raw: dict[tuple[int, str], tuple[str, np.ndarray, np.ndarray]] = {}
        self._corners: dict[str, str | None] = {}  # plot name → where its legend sits
        self._score = "accuracy"
        self._n_layers = 0
        self._evaluated_on: dict[str, tuple[int, int]] = {}  # see start_run
        self._plot_keys: dict[str, tuple] = {}  # history position each plot shows
        self._plot_times: dict[str, float] = {}  # when each plot was last refreshed
        self._columns = 0
        self._x_ranges: dict[str, tuple[float, float]] = {}  # epoch range each plot was given
        self._y_ranges: dict[str, tuple[float, float]] = {}  # value range each plot was given
        self._y_targets: dict[str, tuple[float, float]] = {}  # …and the data range it fits
        self._held: Snapshot | None = None  # the newest snapshot, drawn or not (see `hold`)

        self.log_loss = QCheckBox("Log scale")
        self.log_loss.setToolTip("Show the loss on a logarithmic axis (small losses stay visible)")
        self.log_loss.toggled.connect(self._on_log_toggled)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, MAX_SMOOTHING)
        self.smoothing.setValue(0)
        self.smoothing.setFixedWidth(140)
        self.smoothing.setToolTip("Average the loss over the last N points to see the trend")
        self.smoothing.valueChanged.connect(self._on_smoothing)
        self._smoothing_label = QLabel()
        self._smoothing_label.setMinimumWidth(52)
        self._on_smoothing(0)

        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 0)
        controls.setSpacing(10)
        controls.addWidget(self.log_loss)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Smoothing"))
        controls.addWidget(self.smoothing)
        controls.addWidget(self._smoothing_label)
        controls.addStretch(1)

        self._grid = QGridLayout()
        self._grid.setContentsMargins(2, 0, 2, 2)
        self._grid.setSpacing(4)
        for name, spec in PLOT_SPECS.items():
            self._plots[name] = self._make_plot(spec)
            self._add_export_menu(name)
        self._arrange(len(self._plots))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addLayout(self._grid, 1)

    # ----------------------------------------------------------------- public API
    def plot_widgets(self) -> dict[str, pg.PlotWidget]:
        """Every plot by name (loss, score, grad_norm, stuck), e.g. for exporting."""
        return dict(self._plots)

    def export_name(self, name: str) -> str:
        """File name stem of a plot: loss, accuracy (or r2), grad_norm, stuck."""
        return self._score if name == "score" else name

    def curve_data(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(x, y) of every visible curve of one plot by its legend name, as the history holds
        it (unsmoothed); other runs' curves by their run's name."""
        data = {}
        for key, (x, y) in self._raw.items():
            item = self.curves.get(key)
            if key.startswith(name + ":") and item is not None and item.isVisible() and len(x):
                data[item.name() or key.split(":", 1)[1]] = (x, y)
        for (_run, plot), (label, x, y) in self._overlay_raw.items():
            if plot == name and len(x):
                data[label] = (x, y)
        return data

    def start_run(
        self, task: str, n_layers: int, evaluated_on: dict[str, tuple[int, int]] | None = None
    ) -> None:
        """Empty curves for a new run (other runs drawn with `set_overlays` stay);
        `evaluated_on`: per split, (samples its epoch values use, samples in it), so that the
        train and test curves say when they are computed on a sample of a large set."""
        self._score = "r2" if task == "regression" else "accuracy"
        title, label = SCORE_LABELS[self._score]
        score = self._plots["score"].getPlotItem()
        score.setTitle(title, size="10pt")
        score.setLabel("left", label)
        score.enableAutoRange(axis="y", enable=False)
        if self._score == "accuracy":
            score.setYRange(0.0, 1.0, padding=0.02)
        for name, widget in self._plots.items():
            if self._log_y(name):  # until data arrives: a few labelled decades, not clutter
                item = widget.getPlotItem()
                item.setYRange(*EMPTY_LOG_RANGE, padding=0.02)
                item.getAxis("left").setTicks(_decade_ticks(*EMPTY_LOG_RANGE))
        self._evaluated_on = evaluated_on or {}
        self._build_curves(n_layers)
        note = evaluation_note(evaluated_on or {})
        for name in ("loss", "score"):
            self._plots[name].setToolTip(note)
        self._held = None
        self._plot_keys.clear()
        self._plot_times.clear()
        self._x_ranges.clear()
        self._y_ranges.clear()
        self._y_targets.clear()

    def set_overlays(self, overlays: Sequence[Overlay]) -> None:
        """Draw these other runs beside the current one (replacing the ones drawn before)."""
        for (_run, plot_name), item in self.overlays.items():
            plot = self._plots[plot_name].getPlotItem()
            if plot.legend is not None:
                plot.legend.removeItem(item)
            plot.removeItem(item)
        self.overlays.clear()
        self._overlay_raw.clear()
        for overlay in overlays:
            for plot_name, (x, y) in overlay.series.items():
                if plot_name not in self._plots or not len(x):
                    continue
                plot = self._plots[plot_name].getPlotItem()
                item = _curve(_pen(overlay.color, THIN_WIDTH))
                item.setZValue(-10)
                plot.addItem(item)
                label = overlay.label
                if plot.legend is not None:
                    plot.legend.addItem(item, label)
                key = (overlay.run, plot_name)
                self.overlays[key] = item
                self._overlay_raw[key] = (label, x, y)
                self._show(item, plot_name + ":overlay", x, y)
        for name, widget in self._plots.items():
            legend = widget.getPlotItem().legend
            if legend is not None:
                legend.setColumnCount(2 if len(legend.items) >= LEGEND_COLUMNS_FROM else 1)
            self._y_ranges.pop(name, None)
            self._y_targets.pop(name, None)
            self._fit_y(name)
            self._place_legend(name)

    def _place_legend(self, name: str) -> None:
        """The legend into the corner that covers none of the curves' newest points."""
        plot = self._plots[name].getPlotItem()
        legend, box = plot.legend, plot.getViewBox()
        if legend is None or box.width() <= 0 or box.height() <= 0:
            return
        (x0, x1), (y0, y1) = box.viewRange()
        points = []
        items = [c for k, c in self.curves.items() if k.startswith(name + ":")]
        items += [c for (_, p), c in self.overlays.items() if p == name]
        for item in items:
            x, y = item.getData()  # as drawn: log10 values on a log axis
            if x is None or not len(x) or not item.isVisible():
                continue
            finite = np.isfinite(y)
            if finite.any():
                i = np.flatnonzero(finite)[-1]
                points.append(((x[i] - x0) / (x1 - x0), (y[i] - y0) / (y1 - y0)))
        rect = legend.boundingRect()
        margin = 2 * abs(LEGEND_ANCHORS["top-right"][2][0])  # the offset from the edges
        size = ((rect.width() + margin) / box.width(), (rect.height() + margin) / box.height())
        corner = legend_corner(np.array(points), size)
        # no room anywhere: the Runs panel names them; no entries (a network without hidden
        # layers has no stuck units to show): no empty box
        legend.setVisible(corner is not None and bool(legend.items))
        if corner is not None and self._corners.get(name) != corner:
            item_pos, parent_pos, offset = LEGEND_ANCHORS[corner]
            legend.anchor(item_pos, parent_pos, offset)
        self._corners[name] = corner

    def legend_corner(self, name: str) -> str | None:
        """Where a plot's legend sits now (see `_place_legend`); None while it is hidden."""
        return self._corners.get(name, "top-right")

    def hold(self, snapshot: Snapshot) -> None:
        """Keep the newest snapshot without drawing it (it is not the plots' turn)."""
        self._held = snapshot

    def set_snapshot(self, snapshot: Snapshot, force: bool = False) -> bool:
        """Update curves from the snapshot's history; returns True if any plot was redrawn.

        While training, one plot is refreshed per call (the one waiting longest, at most every
        MIN_INTERVAL_S), so no single frame pays for all of them; `force` (a paused run, a state
        change) refreshes every plot that is behind at once.
        """
        self._held = snapshot  # drawn now or not (throttled), the newest there is
        history = snapshot.history
        steps = snapshot.step_history
        key = (
            len(history.get("epoch", ())),
            _last(history.get("step")),
            len(steps.get("step", ())),
            _last(steps.get("step")),
        )
        stale = [name for name in self._plots if self._plot_keys.get(name) != key]
        if not stale:
            return False
        now = time.perf_counter()
        if not force:
            due = [n for n in stale if now - self._plot_times.get(n, -math.inf) >= MIN_INTERVAL_S]
            if not due:
                return False
            stale = [min(due, key=lambda n: self._plot_times.get(n, -math.inf))]
        n_layers = sum(1 for name in history if name.startswith("grad_norm_L"))
        if n_layers != self._n_layers:
            self._build_curves(n_layers)
            self._plot_keys.clear()
        last_epoch = max(_last(history.get("epoch")) or 0.0, _last(steps.get("epoch")) or 0.0)
        for name in stale:
            self._plot_keys[name] = key
            self._plot_times[name] = now
            for curve_key, (x, y) in self._series(history, steps, name).items():
                self._raw[curve_key] = (x, y)
                self._show(self.curves[curve_key], curve_key, x, y)
            self._extend_x(name, last_epoch)
            self._fit_y(name)
            self._place_legend(name)
        return True

    def _extend_x(self, name: str, epochs: float) -> None:
        """Grow the epoch axis in 1-2-5 steps, so axes are not re-laid out on every update.

        A range the user has zoomed or panned to is left alone.
        """
        box = self._plots[name].getPlotItem().getViewBox()
        last = self._x_ranges.get(name)
        if last is None or np.allclose(box.viewRange()[0], last, rtol=1e-3, atol=1e-6):
            box.setXRange(0.0, nice_ceiling(max(epochs, 1.0)), padding=0.01)
            self._x_ranges[name] = tuple(box.viewRange()[0])

    def _fit_y(self, name: str) -> None:
        """Fit the value axis to the curves in 1-2-5 steps (decades on a log axis), changing it
        only when the data leaves the range; fixed ranges and a user's zoom are left alone."""
        spec = PLOT_SPECS[name]
        if spec.y_range is not None or (name == "score" and self._score == "accuracy"):
            return
        box = self._plots[name].getPlotItem().getViewBox()
        last = self._y_ranges.get(name)
        if last is not None and not np.allclose(box.viewRange()[1], last, rtol=1e-3, atol=1e-9):
            return
        items = [c for k, c in self.curves.items() if k.startswith(name + ":")]
        items += [c for (_, p), c in self.overlays.items() if p == name]
        values = [item.yData for item in items if item.yData is not None and len(item.yData)]
        finite = np.concatenate(values) if values else np.array([])
        log = self._log_y(name)
        with np.errstate(divide="ignore", invalid="ignore"):
            finite = np.log10(finite) if log else finite
        finite = finite[np.isfinite(finite)]
        if finite.size == 0:
            return
        lo, hi = float(finite.min()), float(finite.max())
        current = self._y_targets.get(name)
        if last is not None and current is not None and _still_fits(current, lo, hi, log):
            return
        target = _nice_range(lo, hi, log)
        if last is None or target != current:
            box.setYRange(*target, padding=0.02)
            self._y_targets[name] = target
            self._y_ranges[name] = tuple(box.viewRange()[1])
            axis = self._plots[name].getPlotItem().getAxis("left")
            axis.setTicks(_decade_ticks(*target) if log else None)

    # ----------------------------------------------------------------- building
    def _make_plot(self, spec: PlotSpec) -> pg.PlotWidget:
        widget = pg.PlotWidget(
            background=BACKGROUND,
            axisItems={"left": CompactAxis("left")},
            viewBox=MenuOnDemandViewBox(),
        )
        widget.setMinimumSize(MIN_PLOT_WIDTH, 150)
        plot = widget.getPlotItem()
        plot.setTitle(spec.title, size="10pt", color=FOREGROUND)
        plot.setLabel("left", spec.y_label)
        plot.setLabel("bottom", "epoch")
        for axis in ("left", "bottom"):
            ax = plot.getAxis(axis)
            ax.enableAutoSIPrefix(False)
            ax.setPen(pg.mkPen(QColor(150, 155, 160)))
            ax.setTextPen(pg.mkPen(FOREGROUND))
            # An axis (with its grid lines and label) is re-drawn behind every curve update;
            # cached as a pixmap it is copied instead, until its range changes.
            ax.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            ax.label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.getAxis("left").setWidth(spec.axis_width)
        plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        plot.setClipToView(True)
        plot.setDownsampling(mode="peak", auto=True)
        plot.setLogMode(y=spec.log_y)
        plot.enableAutoRange(axis="y", enable=False)  # see _fit_y
        if spec.y_range is not None:
            plot.setYRange(*spec.y_range, padding=0.02)
        legend = plot.addLegend(
            offset=(-6, 6),
            labelTextSize="8pt",
            labelTextColor=FOREGROUND,
            brush=pg.mkBrush(255, 255, 255, 210),
            pen=pg.mkPen(QColor(215, 218, 222)),
            verSpacing=-4,
        )
        legend.setZValue(20)
        # Text is costly to lay out and draw: the legend and the title are cached pixmaps too.
        for item in (legend, plot.titleLabel):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return widget

    def _add_export_menu(self, name: str) -> None:
        """Our exports at the end of the plot's right-click menu, in place of pyqtgraph's."""
        widget = self._plots[name]
        actions = []
        for text, suffix in EXPORT_MENU.items():
            action = QAction(text, widget)
            action.triggered.connect(partial(export_plot_interactive, self, name, suffix))
            actions.append(action)
        widget.scene().contextMenu = actions

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for widget in self._plots.values():
            self._grid.removeWidget(widget)
        for i, widget in enumerate(self._plots.values()):
            self._grid.addWidget(widget, i // columns, i % columns)
        for c in range(len(self._plots)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event) -> None:
        """Four plots in a row in a wide dock, 2×2 in a squarer one, stacked in a narrow one."""
        w, h = event.size().width(), event.size().height()
        if w >= 4 * MIN_PLOT_WIDTH and w > 2.4 * h:
            self._arrange(4)
        elif w >= 2 * MIN_PLOT_WIDTH:
            self._arrange(2)
        else:
            self._arrange(1)
        super().resizeEvent(event)

    def _add(self, key: str, label: str | None, pen, z: float = 0.0) -> None:
        plot = self._plots[key.split(":", 1)[0]].getPlotItem()
        curve = _curve(pen, label)
        curve.setZValue(z)
        plot.addItem(curve)
        self.curves[key] = curve
        self._raw[key] = (np.array([]), np.array([]))

    def _build_curves(self, n_layers: int) -> None:
        for key, curve in self.curves.items():
            plot = self._plots[key.split(":", 1)[0]].getPlotItem()
            if plot.legend is not None:
                plot.legend.removeItem(curve)
            plot.removeItem(curve)
        self.curves.clear()
        self._raw.clear()
        self._n_layers = n_layers
        self._add("loss:batch", "batches", _pen(BATCH, THIN_WIDTH), z=-1)
        train, test = (
            split_label(split, *self._evaluated_on.get(split, (0, 0)))
            for split in ("train", "test")
        )
        self._add("loss:train", train, _pen(TRAIN))
        self._add("loss:test", test, _pen(TEST))
        self._add("score:train", train, _pen(TRAIN))
        self._add("score:test", test, _pen(TEST))
        for k, color in enumerate(_layer_colors(n_layers), start=1):
            name = "output" if k == n_layers else f"L{k}"
            self._add(f"grad_norm:L{k}", name, _pen(color, THIN_WIDTH))
            if k < n_layers:  # a confident output unit is "saturated" by design: hidden only
                self._add(f"stuck:L{k}", name, _pen(color, THIN_WIDTH))

    # ----------------------------------------------------------------- data
    def _series(
        self, history: Mapping[str, np.ndarray], steps: Mapping[str, np.ndarray], plot: str
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(x, y) of every curve of one plot of the current run, empty where the history lacks
        a column."""
        epoch = history.get("epoch", np.array([]))
        score = self._score
        series = {
            "loss:batch": (steps.get("epoch"), steps.get("batch_loss")),
            "loss:train": (epoch, history.get("train_loss")),
            "loss:test": (epoch, history.get("test_loss")),
            "score:train": (epoch, history.get(f"train_{score}")),
            "score:test": (epoch, history.get(f"test_{score}")),
        }
        for k in range(1, self._n_layers + 1):
            series[f"grad_norm:L{k}"] = (epoch, history.get(f"grad_norm_L{k}"))
            if k < self._n_layers:
                series[f"stuck:L{k}"] = (epoch, stuck_fraction(history, k))
        empty = (np.array([]), np.array([]))
        return {
            key: (x, y) if x is not None and y is not None and len(x) == len(y) else empty
            for key, (x, y) in series.items()
            if key.startswith(plot + ":")
        }

    def _show(self, item: pg.PlotDataItem, key: str, x: np.ndarray, y: np.ndarray) -> None:
        """Set one curve's data, smoothed (loss) and made log-safe (non-positive → gap)."""
        plot_name = key.split(":", 1)[0]
        if plot_name == "loss" and key != "loss:batch":
            y = trailing_mean(y, self.smoothing.value())
        if self._log_y(plot_name) and len(y):
            y = np.where(y > 0, y, np.nan)
        item.setData(x, y)

    def _log_y(self, plot_name: str) -> bool:
        return plot_name == "grad_norm" or (plot_name == "loss" and self.log_loss.isChecked())

    def _on_log_toggled(self, on: bool) -> None:
        self._plots["loss"].getPlotItem().setLogMode(y=on)
        self._refresh("loss")

    def _on_smoothing(self, value: int) -> None:
        self._smoothing_label.setText("off" if value <= 1 else f"{value} pts")
        self._refresh("loss")

    def _refresh(self, plot_name: str) -> None:
        if plot_name not in self._plots:  # the smoothing label is set before the plots exist
            return
        for key, (x, y) in self._raw.items():
            if key.startswith(plot_name + ":"):
                self._show(self.curves[key], key, x, y)
        for key, (_label, x, y) in self._overlay_raw.items():
            if key[1] == plot_name:
                self._show(self.overlays[key], plot_name + ":overlay", x, y)
        self._y_ranges.pop(plot_name, None)  # a new scale or smoothing: fit afresh
        self._y_targets.pop(plot_name, None)
        self._fit_y(plot_name)


class MenuOnDemandViewBox(pg.ViewBox):
    """pyqtgraph's right-click menu, built the first time a right click asks for it: each one
    costs the window's start-up tens of milliseconds."""

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.state["enableMenu"] = True  # offered on a right click, built then

    def getMenu(self, ev):
        if self.menu is None:
            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getContextMenus(self, event):
        return self.getMenu(event).actions()


class CompactAxis(pg.AxisItem):
    """A value axis whose labels stay short after a divergence ("8e300", not "8e+300" or
    three hundred digits), so they never run into the axis title."""

    def tickStrings(self, values, scale, spacing):
        if self.logMode:
            return super().tickStrings(values, scale, spacing)
        largest = max((abs(v) for v in values), default=0.0)
        if MIN_PLAIN <= largest < MAX_PLAIN or largest == 0:
            return super().tickStrings(values, scale, spacing)
        return [tick(v * scale) for v in values]


def _decade_ticks(lo: float, hi: float) -> list[list[tuple[float, str]]]:
    """Labels on whole decades only (at most MAX_DECADE_LABELS of them): pyqtgraph labels every
    minor tick of a log axis spanning a decade or two, and the numbers run into each other."""
    decades = range(math.floor(lo), math.ceil(hi) + 1)
    step = max(1, math.ceil(len(decades) / MAX_DECADE_LABELS))
    major = [(float(k), tick(10.0**k)) for k in decades[::step]]
    minor = [(k + math.log10(m), "") for k in decades for m in range(2, 10) if k + 1 <= hi]
    return [major, minor]


def _still_fits(current: tuple[float, float], lo: float, hi: float, log: bool) -> bool:
    """Whether a range can stay as it is: it holds the data, and the data fills enough of it
    (one decade of slack on a log axis, 40% on a linear one), so noise at a 1-2-5 boundary
    does not make the axis jump back and forth."""
    bottom, top = current
    if lo < bottom or hi > top:
        return False
    if log:
        return (top - bottom) - (math.ceil(hi) - math.floor(lo)) <= 1
    return hi - min(lo, 0.0) >= 0.4 * (top - bottom)


def _nice_range(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """A range holding lo..hi with round ends: whole decades on a log axis (given log10
    values), else 0 or ±1-2-5 steps."""
    if log:
        return float(math.floor(lo)), float(max(math.ceil(hi), math.floor(lo) + 1))
    top = nice_ceiling(hi) if hi > 0 else 0.0
    bottom = -nice_ceiling(-lo) if lo < 0 else 0.0
    if top == bottom:
        top = bottom + 1.0
    return bottom, top


def _last(values: np.ndarray | None) -> float | None:
    return float(values[-1]) if values is not None and len(values) else None
