"""The optimizer playground: six optimizers' paths over a classic 2-D surface.

Every path is recomputed whole whenever a slider moves or the start point is dragged (as in
Distill's "Why Momentum Really Works"): nothing animates, the 100 or so steps are just there. The
paths come from `nnviz.core.playground`, i.e. from the optimizers that train networks. Step mode
picks one path and one step and draws the plain gradient step, the momentum or moment estimate
and the step taken as arrows, with the update written out in numbers below the plot.

The plot keeps x and y at the same scale, so a gradient arrow meets the contour lines at a right
angle as it does on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.lazy_dock import LazyDock
from nnviz.core.playground import PATHS, Settings, Trajectory, explain_step, trajectories
from nnviz.core.surfaces import SURFACES, contour_levels, surface_grid

# One colour per path (Okabe–Ito, readable by colour-blind people) and per step-mode arrow.
PATH_COLORS = {
    "sgd": QColor(60, 64, 70),
    "momentum": QColor(0, 114, 178),
    "nesterov": QColor(86, 180, 233),
    "rmsprop": QColor(0, 158, 115),
    "adagrad": QColor(230, 159, 0),
    "adam": QColor(213, 94, 0),
}
ARROW_COLORS = {
    "gradient": QColor(204, 121, 167),
    "moment": QColor(0, 114, 178),
    "step": QColor(20, 20, 20),
}
BAND_LOW, BAND_HIGH = QColor(196, 221, 242), QColor(244, 248, 252)
CONTOUR = QColor(160, 180, 200)
FADED = 0.25  # opacity of the paths step mode is not explaining
GRID_RESOLUTION = 160
CONTOUR_COUNT = 14
# Slider positions → values: the learning rate on a log scale, β's linear.
RATE_RANGE = (1e-4, 1.0)
RATE_TICKS = 400
BETA_RANGES = {"beta1": (0.0, 0.99, 0.01), "beta2": (0.5, 0.999, 0.001)}  # low, high, step
MAX_STEPS = 1000
CONTROLS_WIDTH = 270
FLOAT_SIZE = (1040, 700)


def rate_to_tick(rate: float) -> int:
    lo, hi = (math.log10(v) for v in RATE_RANGE)
    return round((math.log10(rate) - lo) / (hi - lo) * RATE_TICKS)


def tick_to_rate(tick: int) -> float:
    lo, hi = (math.log10(v) for v in RATE_RANGE)
    return float(f"{10 ** (lo + (hi - lo) * tick / RATE_TICKS):.3g}")


def _beta_value(key: str, tick: int) -> float:
    lo, _, step = BETA_RANGES[key]
    return round(lo + step * tick, 3)


def _beta_tick(key: str, value: float) -> int:
    lo, _, step = BETA_RANGES[key]
    return round((value - lo) / step)


def _beta_ticks(key: str) -> int:
    lo, hi, step = BETA_RANGES[key]
    return round((hi - lo) / step)


class OptimizerPlayground(QWidget):
    """Surface picker, sliders, path toggles, the plot and step mode."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths: dict[str, Trajectory] = {}
        self._zoomed = False
        self.start = SURFACES.get(SURFACES.names()[0]).start
        self._picture_of: str | None = None  # the surface whose picture is drawn
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(0)
        self._redraw.timeout.connect(self.recompute)
        self._build_plot()
        self._build_controls()
        self._build_step_mode()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.plot, 1)
        top.addWidget(self.controls)
        layout.addLayout(top, 1)
        layout.addWidget(self.step_box)
        self.set_surface(SURFACES.names()[0])

    # ------------------------------------------------------------------ building
    def _build_plot(self) -> None:
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("playgroundPlot")
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y")
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen(CONTOUR, width=1), connect="finite")
        self.plot.addItem(self.contours)
        self.curves = {}
        for name in PATHS:
            color = PATH_COLORS[name]
            curve = pg.PlotDataItem(
                pen=pg.mkPen(color, width=2),
                symbol="o",
                symbolSize=4,
                symbolPen=None,
                symbolBrush=color,
            )
            self.plot.addItem(curve)
            self.curves[name] = curve
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=16, brush=QColor(255, 215, 0), pen=pg.mkPen(QColor(90, 90, 90))
        )
        self.plot.addItem(self.minima)
        self.start_marker = pg.TargetItem(
            size=16, pen=pg.mkPen(QColor(20, 20, 20), width=2), movable=True
        )
        self.start_marker.setToolTip("Start point: drag it, or click anywhere on the surface")
        self.start_marker.sigPositionChanged.connect(self._on_start_dragged)
        self.plot.addItem(self.start_marker)
        self.plot.scene().sigMouseClicked.connect(self._on_plot_clicked)
        self.arrow_lines = {}
        self.arrow_heads = {}
        for kind, color in ARROW_COLORS.items():
            line = pg.PlotCurveItem(pen=pg.mkPen(color, width=3))
            head = pg.ArrowItem(headLen=14, tipAngle=35, pen=pg.mkPen(color), brush=color)
            self.plot.addItem(line)
            self.plot.addItem(head)
            self.arrow_lines[kind], self.arrow_heads[kind] = line, head
        self.focus = pg.ScatterPlotItem(size=11, pen=pg.mkPen("k", width=2), brush=None)
        self.plot.addItem(self.focus)

    def _build_controls(self) -> None:
        self.controls = QWidget()
        self.controls.setFixedWidth(CONTROLS_WIDTH)
        column = QVBoxLayout(self.controls)
        column.setContentsMargins(0, 0, 0, 0)
        self.surface_box = QComboBox()
        self.surface_box.setObjectName("playgroundSurface")
        for name in SURFACES:
            self.surface_box.addItem(SURFACES.get(name).title, name)
            self.surface_box.setItemData(
                self.surface_box.count() - 1,
                SURFACES.description(name),
                Qt.ItemDataRole.ToolTipRole,
            )
        self.surface_box.currentIndexChanged.connect(
            lambda: self.set_surface(self.surface_box.currentData())
        )
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        column.addWidget(self.surface_box)
        column.addWidget(self.formula)

        form = QFormLayout()
        form.setContentsMargins(0, 6, 0, 6)
        self.rate_slider = self._slider("playgroundRate", RATE_TICKS)
        self.rate_slider.setToolTip(
            "Learning rate η of every path. SGD's step is η times the gradient; Adam's and "
            "RMSprop's steps are about η whatever the gradient's size."
        )
        self.beta1_slider = self._slider("playgroundBeta1", _beta_ticks("beta1"))
        self.beta1_slider.setToolTip("Momentum μ of Momentum and Nesterov, and Adam's β₁")
        self.beta2_slider = self._slider("playgroundBeta2", _beta_ticks("beta2"))
        self.beta2_slider.setToolTip("Adam's β₂ and RMSprop's ρ: how long squared gradients last")
        self.beta1_slider.setValue(_beta_tick("beta1", Settings.beta1))
        self.beta2_slider.setValue(_beta_tick("beta2", Settings.beta2))
        self.steps_box = QSpinBox()
        self.steps_box.setObjectName("playgroundSteps")
        self.steps_box.setRange(1, MAX_STEPS)
        self.steps_box.setValue(Settings.steps)
        self.steps_box.setToolTip("How many steps every path takes")
        self.steps_box.valueChanged.connect(self.schedule)
        self.value_labels = {}
        for title, slider in (
            ("η", self.rate_slider),
            ("μ / β₁", self.beta1_slider),
            ("β₂ / ρ", self.beta2_slider),
        ):
            row = QHBoxLayout()
            row.addWidget(slider, 1)
            value = QLabel()
            value.setMinimumWidth(48)
            row.addWidget(value)
            self.value_labels[slider] = value
            form.addRow(title, row)
        form.addRow("steps", self.steps_box)
        column.addLayout(form)

        self.toggles: dict[str, QCheckBox] = {}
        for name in PATHS:
            box = QCheckBox()
            box.setChecked(True)
            box.setToolTip(PATHS.description(name))
            box.setStyleSheet(f"QCheckBox {{ color: {PATH_COLORS[name].name()}; }}")
            box.toggled.connect(self._show_paths)
            self.toggles[name] = box
            column.addWidget(box)
        reset = QPushButton("Start from the default point")
        reset.clicked.connect(lambda: self.set_start(self.surface.start))
        column.addWidget(reset)
        column.addStretch(1)

    def _slider(self, name: str, ticks: int) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName(name)
        slider.setRange(0, ticks)
        slider.valueChanged.connect(self.schedule)
        return slider

    def _build_step_mode(self) -> None:
        self.step_box = QGroupBox("Step mode: one step of one path, as arrows")
        self.step_box.setObjectName("playgroundStepMode")
        self.step_box.setCheckable(True)
        self.step_box.setChecked(False)
        self.step_box.toggled.connect(self._show_step)
        self.step_path = QComboBox()
        for name in PATHS:
            self.step_path.addItem(PATHS.get(name).title, name)
        self.step_path.setCurrentIndex(PATHS.names().index("momentum"))
        self.step_path.currentIndexChanged.connect(self._show_step)
        self.step_slider = QSlider(Qt.Orientation.Horizontal)
        self.step_slider.setObjectName("playgroundStep")
        self.step_slider.setMinimum(1)
        self.step_slider.valueChanged.connect(self._show_step)
        back, forward = QPushButton("◀"), QPushButton("▶")
        for button, delta in ((back, -1), (forward, 1)):
            button.setFixedWidth(32)
            button.clicked.connect(
                lambda _=False, d=delta: self.step_slider.setValue(self.step_slider.value() + d)
            )
        self.step_text = QLabel()
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.step_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        legend = QLabel(
            "  ".join(
                f"<span style='color:{ARROW_COLORS[k].name()}'>━▶ {text}</span>"
                for k, text in (
                    ("gradient", "−η·g: a plain gradient step"),
                    ("moment", "momentum / moment estimate, times −η"),
                    ("step", "the step taken"),
                )
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.step_path)
        row.addWidget(back)
        row.addWidget(self.step_slider, 1)
        row.addWidget(forward)
        layout = QVBoxLayout(self.step_box)
        layout.addLayout(row)
        layout.addWidget(legend)
        layout.addWidget(self.step_text)

    # ------------------------------------------------------------------ state
    @property
    def surface(self):
        return SURFACES.get(self.surface_box.currentData())

    def settings(self) -> Settings:
        return Settings(
            learning_rate=tick_to_rate(self.rate_slider.value()),
            beta1=_beta_value("beta1", self.beta1_slider.value()),
            beta2=_beta_value("beta2", self.beta2_slider.value()),
            steps=self.steps_box.value(),
        )

    def set_surface(self, name: str) -> None:
        """Show surface `name` with its own learning rate and start point."""
        index = self.surface_box.findData(name)
        if index != self.surface_box.currentIndex():
            self.surface_box.setCurrentIndex(index)  # comes back here through the signal
            return
        surface = SURFACES.get(name)
        self.formula.setText(f"<i>{surface.formula}</i><br>{SURFACES.description(name)}")
        self._picture_of = None  # drawn when seen: the contours cost a tenth of a second
        if self.isVisible():
            self._draw_surface()
        self.minima.setData(pos=[list(m) for m in surface.minima])
        self._show_whole_surface()
        x0, x1, y0, y1 = surface.extent
        self.plot.getViewBox().setLimits(
            xMin=x0 - (x1 - x0), xMax=x1 + (x1 - x0), yMin=y0 - (y1 - y0), yMax=y1 + (y1 - y0)
        )
        self.rate_slider.blockSignals(True)
        self.rate_slider.setValue(rate_to_tick(surface.learning_rate))
        self.rate_slider.blockSignals(False)
        self.set_start(surface.start)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw_surface()

    def _draw_surface(self) -> None:
        """The surface's bands and contour lines, once per surface shown."""
        surface = self.surface
        if self._picture_of == surface.name:
            return
        self._picture_of = surface.name
        grid = surface_grid(surface, GRID_RESOLUTION)
        levels = contour_levels(grid, CONTOUR_COUNT)
        bands = np.searchsorted(levels, grid).astype(float)
        lut = np.array(
            [
                [
                    BAND_LOW.red() + (BAND_HIGH.red() - BAND_LOW.red()) * t,
                    BAND_LOW.green() + (BAND_HIGH.green() - BAND_LOW.green()) * t,
                    BAND_LOW.blue() + (BAND_HIGH.blue() - BAND_LOW.blue()) * t,
                ]
                for t in np.linspace(0.0, 1.0, len(levels) + 1)
            ],
            dtype=np.ubyte,
        )
        self.image.setImage(bands.T, levels=(0, len(levels)), lut=lut)
        x0, x1, y0, y1 = surface.extent
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.contours.setData(*_contour_lines(grid, levels, surface.extent))

    def _show_whole_surface(self) -> None:
        x0, x1, y0, y1 = self.surface.extent
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def _zoom_to(self, explained) -> None:
        """Frame the step's arrows: a step of Adam at η = 0.001 is invisible at full size."""
        step = float(np.hypot(*explained.arrows[-1].vector))
        longest = max(float(np.hypot(*a.vector)) for a in explained.arrows)
        x0, x1, _, _ = self.surface.extent
        # framed on the step taken, the other arrows shown whole unless far longer (then they
        # run off the frame: Adam's step of about η beside a gradient step a hundred times larger)
        half = min(max(longest * 0.6, step * 1.5), step * 6) if step > 0 else longest
        half = max(half, 1e-4 * (x1 - x0))
        mid = explained.arrows[-1].origin + explained.arrows[-1].vector / 2
        self.plot.setRange(
            xRange=(mid[0] - half, mid[0] + half), yRange=(mid[1] - half, mid[1] + half), padding=0
        )
        self._zoomed = True

    def set_start(self, point) -> None:
        self.start = (float(point[0]), float(point[1]))
        self.start_marker.blockSignals(True)
        self.start_marker.setPos(*self.start)
        self.start_marker.blockSignals(False)
        self.schedule()

    def schedule(self, *_args) -> None:
        """Recompute on the next turn of the event loop (a drag sends many moves at once)."""
        self._redraw.start()

    def _on_start_dragged(self) -> None:
        pos = self.start_marker.pos()
        self.start = (pos.x(), pos.y())
        self.schedule()

    def _on_plot_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():
            return
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        self.set_start((point.x(), point.y()))

    # ------------------------------------------------------------------ drawing
    def recompute(self) -> None:
        """Every path again, from the current start with the current sliders."""
        settings = self.settings()
        self.value_labels[self.rate_slider].setText(f"{settings.learning_rate:g}")
        self.value_labels[self.beta1_slider].setText(f"{settings.beta1:g}")
        self.value_labels[self.beta2_slider].setText(f"{settings.beta2:g}")
        self.paths = trajectories(self.surface, settings, self.start)
        for name, traj in self.paths.items():
            self.curves[name].setData(traj.points[:, 0], traj.points[:, 1])
            title = PATHS.get(name).title
            if traj.diverged:
                text = f"{title}: diverged at step {traj.steps + 1}"
            else:
                text = f"{title}: ends at f = {traj.values[-1]:.3g}"
            self.toggles[name].setText(text)
        self.step_slider.setMaximum(max(1, settings.steps))
        self._show_paths()
        self._show_step()

    def _show_paths(self, *_args) -> None:
        """The ticked paths; in step mode the explained one stands out, the others fade."""
        explained = self.step_path.currentData() if self.step_box.isChecked() else None
        for name, curve in self.curves.items():
            curve.setVisible(self.toggles[name].isChecked() or name == explained)
            curve.setOpacity(1.0 if explained in (None, name) else FADED)

    def _show_step(self, *_args) -> None:
        self._show_paths()
        active = self.step_box.isChecked() and bool(self.paths)
        for kind in ARROW_COLORS:
            self.arrow_lines[kind].setVisible(False)
            self.arrow_heads[kind].setVisible(False)
        self.focus.setVisible(active)
        if not active:
            self.step_text.setText("Turn step mode on to see one step's gradient and momentum.")
            if self._zoomed:
                self._zoomed = False
                self._show_whole_surface()
            return
        traj = self.paths[self.step_path.currentData()]
        if traj.steps == 0:
            self.step_text.setText("This path diverged on its first step.")
            return
        index = min(self.step_slider.value(), traj.steps) - 1
        explained = explain_step(traj, index)
        self.focus.setData(pos=[list(traj.points[index])])
        for arrow in explained.arrows:
            tip = arrow.origin + arrow.vector
            self.arrow_lines[arrow.kind].setData(
                [arrow.origin[0], tip[0]], [arrow.origin[1], tip[1]]
            )
            angle = math.degrees(math.atan2(-arrow.vector[1], arrow.vector[0])) - 180.0
            self.arrow_heads[arrow.kind].setStyle(angle=angle)
            self.arrow_heads[arrow.kind].setPos(*tip)
            visible = bool(np.any(arrow.vector))
            self.arrow_lines[arrow.kind].setVisible(visible)
            self.arrow_heads[arrow.kind].setVisible(visible)
        self._zoom_to(explained)
        title = PATHS.get(traj.path).title
        self.step_text.setText(f"{title}:  {explained.rule}\n" + "\n".join(explained.lines))


def make_playground_dock(window) -> LazyDock:
    """The playground as a dock of `window`, hidden and not built until first shown; it floats
    over the window then, at a size where the surface and the step-mode numbers are readable."""
    dock = _PlaygroundDock(window)
    dock.setObjectName("optimizerPlayground")
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    return dock


class _PlaygroundDock(LazyDock):
    """Floats, centred over the window, the first time it is shown (made floating only then: a
    floating dock is a window of its own, shown and drawn as soon as it is made one)."""

    def __init__(self, window) -> None:
        super().__init__("Optimizer playground", window, OptimizerPlayground)
        self._window = window
        self._placed = False

    def showEvent(self, event) -> None:
        if not self._placed:
            self._placed = True
            self.setFloating(True)
            _place(self, self._window)
        super().showEvent(event)


def _place(dock: QDockWidget, window) -> None:
    """Centre a floating playground over the window."""
    area = window.geometry()
    width = min(FLOAT_SIZE[0], int(area.width() * 0.9))
    height = min(FLOAT_SIZE[1], int(area.height() * 0.9))
    dock.setGeometry(
        area.x() + (area.width() - width) // 2,
        area.y() + (area.height() - height) // 2,
        width,
        height,
    )


def _contour_lines(grid: np.ndarray, levels: np.ndarray, extent) -> tuple[np.ndarray, np.ndarray]:
    """Every contour line of `grid` as one x and one y array, lines separated by NaN (one item
    to draw). pyqtgraph traces them in grid units, sample k at k + 0.5."""
    x0, x1, y0, y1 = extent
    rows, cols = grid.shape
    pieces = []
    for level in levels:
        for line in pg.functions.isocurve(grid.T, level, connected=True):
            pieces.append(np.asarray(line, dtype=float))
            pieces.append(np.full((1, 2), np.nan))
    if not pieces:
        return np.array([]), np.array([])
    points = np.concatenate(pieces)
    xs = x0 + (points[:, 0] - 0.5) * (x1 - x0) / (cols - 1)
    ys = y0 + (points[:, 1] - 0.5) * (y1 - y0) / (rows - 1)
    return xs, ys
