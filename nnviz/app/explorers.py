"""The activation explorer and the loss explorer: small non-modal windows beside the network.

Both draw curves computed in `nnviz.core.curves` from the registries and mark where the current
network sits on them (the latest snapshot's weights, on up to 256 training samples). They are
opened from the build panel's "?" buttons, from the inspector, and from the View menu, and follow
the run while open (a few times a second at most).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.style import MUTED, TEXT
from nnviz.app.views.colormap import NEGATIVE, POSITIVE
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.class_names import class_name
from nnviz.core.curves import (
    activation_curve,
    activation_use,
    explored_rows,
    forward_with,
    loss_curve,
    loss_marks,
)
from nnviz.core.losses import LOSSES
from nnviz.core.targets import make_targets

REFRESH_S = 0.5  # while training, the marked values follow the run at most this often
MAX_MARKS = 3000  # points drawn on a curve
CURVE = QColor(*POSITIVE)
SLOPE = QColor(*NEGATIVE)
DEAD = QColor(150, 150, 160, 60)
SATURATED = QColor(214, 39, 40, 38)
DEAD_KEY, SATURATED_KEY = QColor(190, 190, 198), QColor(240, 170, 170)  # as they look on white
MARK = QColor(51, 56, 62, 110)


def layer_name(layer: int, n_layers: int) -> str:
    """'Hidden k' or 'Output' for trainable layer `layer` (1-based)."""
    return "Output" if layer == n_layers else f"Hidden {layer}"


def _plot(left: str, bottom: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    item = plot.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setLabel("left", left, color=TEXT.name())
    item.setLabel("bottom", bottom, color=TEXT.name())
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setPen(pg.mkPen(MUTED))
        axis.setTextPen(pg.mkPen(TEXT))
    return plot


def _key(*entries: tuple[str, QColor, str]) -> QLabel:
    """A legend as one line of text above a plot (a legend inside would hide some curve)."""
    parts = [
        f"<span style='color:{color.name()}; font-weight:bold'>{symbol}</span>&nbsp;{text}"
        for symbol, color, text in entries
    ]
    label = QLabel("&nbsp;&nbsp;&nbsp;".join(parts))
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {TEXT.name()};")
    return label


def _clip_range(values: np.ndarray, low: float = 5.0, high: float = 95.0) -> tuple[float, float]:
    """A y range showing the body of a curve whose ends run off steeply (−1/p near p = 0)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0)
    lo, hi = np.percentile(finite, [low, high])
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    return (lo - pad, hi + pad)


def _controls(first: tuple[str, QWidget], second: tuple[str, QWidget]) -> QHBoxLayout:
    """The row above a plot: what is drawn, then what it is drawn for (which stretches)."""
    row = QHBoxLayout()
    for (label, widget), stretch in ((first, 0), (second, 1)):
        row.addWidget(QLabel(label))
        row.addWidget(widget, stretch)
        if stretch == 0:
            row.addSpacing(12)
    return row


def _percent(x: float) -> str:
    return f"{x:.1%}"


class _Explorer(QDialog):
    """Common to both: the run it follows (design, data, latest snapshot) and throttling."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self._design = None
        self._data = None
        self._snapshot = None
        self._rows = np.zeros(0, dtype=np.int64)
        self._shown_at = -math.inf
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(f"color: {MUTED.name()};")

    def set_run(self, design, data) -> None:
        """A new run: its design and data (the snapshot comes with `set_snapshot`)."""
        self._design, self._data = design, data
        self._snapshot = None
        self._rows = explored_rows(len(data.x_train)) if data is not None else self._rows
        self._run_changed()
        self.refresh()

    def set_snapshot(self, snapshot, force: bool = False) -> None:
        """Follow the run: redrawn at once when settled, at most every REFRESH_S while it runs."""
        if snapshot is None or snapshot is self._snapshot:
            return
        self._snapshot = snapshot
        now = time.perf_counter()
        if force or snapshot.state != "running" or now - self._shown_at >= REFRESH_S:
            self.refresh()

    def _forward(self):
        """The engine's forward pass with the snapshot's weights on the explored rows."""
        s = self._snapshot
        if s is None or self._design is None or self._data is None or not len(self._rows):
            return None
        with np.errstate(all="ignore"):
            return forward_with(self._design, s.weights, s.biases, self._data.x_train[self._rows])

    def refresh(self) -> None:
        """Redraw now if open (a closed explorer costs nothing; opening it redraws)."""
        if self.isVisible():
            self._shown_at = time.perf_counter()
            self._draw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._shown_at = time.perf_counter()
        self._draw()

    def _run_changed(self) -> None:
        raise NotImplementedError

    def _draw(self) -> None:
        raise NotImplementedError


class ActivationExplorer(_Explorer):
    """Every activation with its derivative; dead and saturated ranges shaded; a layer's current
    z values on the curve with the share that is dead or saturated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Activation explorer", parent)
        self.setObjectName("activationExplorer")
        self.activation = QComboBox()
        for name in ACTIVATIONS.names():
            self.activation.addItem(name, name)
            self.activation.setItemData(
                self.activation.count() - 1,
                ACTIVATIONS.description(name),
                Qt.ItemDataRole.ToolTipRole,
            )
        self.activation.setToolTip("The function drawn")
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose current z values are marked on the curve")
        controls = _controls(("Activation", self.activation), ("Values of", self.layer))
        self.plot = _plot("a = f(z)  and  f′(z)", "z (the neuron's weighted sum + bias)")
        item = self.plot.getPlotItem()
        self.dead_regions: list[pg.LinearRegionItem] = []
        self.saturated_regions: list[pg.LinearRegionItem] = []
        self.curve = item.plot(pen=pg.mkPen(CURVE, width=2.4))
        self.slope = item.plot(pen=pg.mkPen(SLOPE, width=2.0, style=Qt.PenStyle.DashLine))
        self.marks = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(MARK))
        item.addItem(self.marks)
        self.key = _key(
            ("━", CURVE, "a = f(z)"),
            ("╍", SLOPE, "f′(z)"),
            ("●", MARK, "the layer's z values, at f(z)"),
            ("█", DEAD_KEY, "dead range"),
            ("█", SATURATED_KEY, "saturated range"),
        )
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.description)
        layout.addWidget(self.key)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        self.resize(720, 540)
        self.activation.currentIndexChanged.connect(self.refresh)
        self.layer.currentIndexChanged.connect(self._on_layer)

    def show_for(self, activation: str | None = None, layer: int | None = None) -> None:
        """Open on an activation (default: the layer's own) and a layer (1-based; None: keep)."""
        if layer is not None and 0 <= layer - 1 < self.layer.count() - 1:
            self.layer.setCurrentIndex(layer)
        if activation is not None:
            self.activation.setCurrentIndex(self.activation.findData(activation))
        self.show()
        self.refresh()
        self.raise_()

    def current_layer(self) -> int | None:
        """The layer whose values are marked (1-based), or None."""
        return self.layer.currentData()

    def _run_changed(self) -> None:
        keep = self.layer.currentData()
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItem("— none —", None)
        layers = self._design.layers if self._design is not None else ()
        for k, spec in enumerate(layers, start=1):
            self.layer.addItem(f"{layer_name(k, len(layers))} · {spec.activation}", k)
        index = self.layer.findData(keep) if keep is not None else -1
        self.layer.setCurrentIndex(index if index > 0 else min(1, self.layer.count() - 1))
        self.layer.blockSignals(False)

    def _on_layer(self) -> None:
        """Choosing a layer shows its own activation (another can then be compared)."""
        k = self.layer.currentData()
        if k is not None and self._design is not None:
            own = self._design.layers[k - 1].activation
            self.activation.blockSignals(True)
            self.activation.setCurrentIndex(self.activation.findData(own))
            self.activation.blockSignals(False)
        self.refresh()

    def use(self):
        """The marked layer's values through the drawn activation (None: no layer or run)."""
        k = self.layer.currentData()
        fwd = self._forward() if k is not None else None
        if fwd is None:
            return None
        return activation_use(fwd.pre[k - 1], k, self.activation.currentData())

    def _draw(self) -> None:
        name = self.activation.currentData()
        use = self.use()
        span = use.span() if use is not None else None
        curve = activation_curve(name, span) if span is not None else activation_curve(name)
        self.description.setText(f"<b>{name}</b>: {curve.description}")
        self.curve.setData(curve.z, curve.a)
        self.slope.setData(curve.z, curve.slope)
        item = self.plot.getPlotItem()
        for region in self.dead_regions + self.saturated_regions:
            item.removeItem(region)
        self.dead_regions = [self._region(r, DEAD) for r in curve.dead]
        self.saturated_regions = [self._region(r, SATURATED) for r in curve.saturated]
        if use is None:
            self.marks.setData([], [])
            self.summary.setText("Choose a layer to see where its neurons' z values fall.")
            return
        z, a = use.z.ravel(), use.a.ravel()
        if z.size > MAX_MARKS:
            pick = np.linspace(0, z.size - 1, MAX_MARKS).astype(np.int64)
            z, a = z[pick], a[pick]
        finite = np.isfinite(z) & np.isfinite(a)
        self.marks.setData(z[finite], a[finite])
        self.summary.setText(self._summary(use))

    def _region(self, span, color: QColor) -> pg.LinearRegionItem:
        region = pg.LinearRegionItem(values=span, movable=False, brush=pg.mkBrush(color))
        for line in region.lines:
            line.setPen(pg.mkPen(None))
        region.setZValue(-10)
        self.plot.getPlotItem().addItem(region)
        return region

    def _summary(self, use) -> str:
        design = self._design
        own = design.layers[use.layer - 1].activation
        where = layer_name(use.layer, len(design.layers))
        values = use.samples * use.units
        text = (
            f"<b>{where}</b> ({own}) on {use.samples} training samples × {use.units} units = "
            f"{values:,} z values (step {self._snapshot.step})"
        )
        if use.name != own:
            text += f", put through <b>{use.name}</b> to compare"
        parts = []
        if not math.isnan(use.dead_share):
            parts.append(
                f"{_percent(use.dead_share)} of the values in the dead range; "
                f"{_percent(use.dead_units)} of the units dead (no positive value on any sample)"
            )
        if not math.isnan(use.saturated_share):
            parts.append(
                f"{_percent(use.saturated_share)} of the values in the saturated range; "
                f"{_percent(use.saturated_units)} of the units saturated (at an end for ≥ 90% "
                "of the samples)"
            )
        if not ACTIVATIONS.get(use.name).elementwise:
            parts.append(
                "softmax couples a layer's units: the curve is one unit's probability against "
                "its own score with one other score at 0, so each marked value (with its own "
                "sample's other scores) lies off it"
            )
        elif not parts:
            parts.append(f"{use.name} neither dies nor saturates")
        return text + ".<br>" + "<br>".join(parts) + "."


class LossExplorer(_Explorer):
    """Each loss and its gradient against the prediction for a chosen target, with the current
    outputs marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss explorer", parent)
        self.setObjectName("lossExplorer")
        self.loss = QComboBox()
        for name in LOSSES.names():
            self.loss.addItem(name, name)
        self.loss.setToolTip("The loss drawn")
        self.target_class = QComboBox()
        self.target_class.setToolTip("The class the sample belongs to")
        self.target_value = QDoubleSpinBox()
        self.target_value.setRange(-1e6, 1e6)
        self.target_value.setDecimals(3)
        self.target_value.setSingleStep(0.5)
        self.target_value.setToolTip("The sample's target value y")
        self.target = QStackedWidget()
        self.target.addWidget(self.target_class)
        self.target.addWidget(self.target_value)
        controls = _controls(("Loss", self.loss), ("Target", self.target))
        self.loss_plot = _plot("loss of one sample", "prediction")
        self.grad_plot = _plot("∂loss/∂prediction", "prediction")
        self.loss_plot.setMinimumHeight(150)
        self.grad_plot.setMinimumHeight(120)
        self.grad_plot.setXLink(self.loss_plot)
        self.loss_curve = self.loss_plot.getPlotItem().plot(pen=pg.mkPen(CURVE, width=2.4))
        self.grad_curve = self.grad_plot.getPlotItem().plot(
            pen=pg.mkPen(SLOPE, width=2.0, style=Qt.PenStyle.DashLine)
        )
        self.marks = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(MARK))
        self.loss_plot.getPlotItem().addItem(self.marks)
        self.key = _key(
            ("━", CURVE, "loss"),
            ("╍", SLOPE, "its gradient ∂loss/∂prediction (below)"),
            ("●", MARK, "the network's current outputs"),
        )
        self.target_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(MUTED, style=Qt.PenStyle.DotLine))
        self.loss_plot.addItem(self.target_line)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.description)
        layout.addWidget(self.key)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.grad_plot, 2)
        layout.addWidget(self.summary)
        self.resize(720, 600)
        self.loss.currentIndexChanged.connect(self._on_loss)
        self.target_class.currentIndexChanged.connect(self.refresh)
        self.target_value.valueChanged.connect(self.refresh)

    def show_for(self, loss: str | None = None) -> None:
        if loss is not None:
            self.loss.setCurrentIndex(self.loss.findData(loss))
        self.show()
        self.refresh()
        self.raise_()

    def _classes(self) -> int:
        data = self._data
        return int(data.classes or 2) if data is not None and data.task == "classification" else 2

    def _run_changed(self) -> None:
        data = self._data
        self.target_class.blockSignals(True)
        self.target_class.clear()
        names = getattr(data, "class_names", None) if data is not None else None
        for c in range(self._classes()):
            self.target_class.addItem(class_name(names, c), c)
        self.target_class.blockSignals(False)
        if self._design is not None:
            self.loss.blockSignals(True)
            self.loss.setCurrentIndex(self.loss.findData(self._design.loss))
            self.loss.blockSignals(False)
        self._on_loss()

    def _on_loss(self) -> None:
        classes = LOSSES.get(self.loss.currentData()).needs_classes
        self.target.setCurrentIndex(0 if classes else 1)
        if not classes:
            self.target_value.blockSignals(True)
            self.target_value.setValue(self._default_value())
            self.target_value.blockSignals(False)
        self.refresh()

    def _default_value(self) -> float:
        """A target the run really uses: the coded 'this class' value, or the mean target."""
        targets = self._targets()
        if targets is None:
            return 1.0
        coding, _ = targets
        if coding.task == "classification":
            return float(coding.high)
        return float(np.mean(np.asarray(self._data.y_train, dtype=float)))

    def _targets(self):
        """(the run's target coding, the explored rows' coded targets), or None."""
        if self._design is None or self._data is None:
            return None
        data = self._data
        y = np.asarray(data.y_train)
        width = 1 if data.task == "classification" or y.ndim == 1 else int(y.shape[1])
        coding = make_targets(self._design, data.task, data.classes, width)
        return coding, coding.encode(y[self._rows], np.float64)

    def chosen_target(self) -> float:
        """The chosen target: a class index for the class losses, else a value."""
        if self.target.currentIndex() == 0:
            return float(self.target_class.currentData() or 0)
        return float(self.target_value.value())

    def _draw(self) -> None:
        name = self.loss.currentData()
        target = self.chosen_target()
        curve = loss_curve(name, target, self._classes())
        marks = self._marks(name, target)
        if curve.kind == "value" and marks is not None and marks.x.size:
            reach = max(3.0, 1.1 * float(np.percentile(np.abs(marks.x - target), 99)))
            curve = loss_curve(name, target, self._classes(), (target - reach, target + reach))
        probability = curve.kind == "probability"
        label = (
            f"predicted probability of class {self.target_class.currentText()}"
            if probability
            else f"prediction ŷ (target y = {target:g})"
        )
        for plot in (self.loss_plot, self.grad_plot):
            plot.getPlotItem().setLabel("bottom", label, color=TEXT.name())
        scope = (
            "One sample's loss; the batch loss is the mean over the batch's samples."
            if probability
            else "The loss of one output of one sample; the batch loss is the mean over all "
            "outputs and samples."
        )
        self.description.setText(f"<b>{name}</b>: {curve.description} {scope}")
        self.loss_curve.setData(curve.x, curve.loss)
        self.grad_curve.setData(curve.x, curve.grad)
        self.grad_plot.setYRange(*_clip_range(curve.grad), padding=0)
        self.loss_plot.setYRange(*_clip_range(curve.loss, 0.0, 97.0), padding=0)
        self.target_line.setVisible(not probability)
        self.target_line.setValue(target)
        if marks is None:
            self.marks.setData([], [])
            self.summary.setText(self._no_marks(name))
            return
        x, y = marks.x, marks.loss
        if x.size > MAX_MARKS:
            pick = np.linspace(0, x.size - 1, MAX_MARKS).astype(np.int64)
            x, y = x[pick], y[pick]
        finite = np.isfinite(x) & np.isfinite(y)
        self.marks.setData(x[finite], y[finite])
        mean = float(np.mean(marks.loss)) if marks.loss.size else float("nan")
        own = "" if name == self._design.loss else f" (the run trains with {self._design.loss})"
        self.summary.setText(
            f"Marked: {marks.note}, step {self._snapshot.step}{own}. "
            f"Mean of their losses: {mean:.4g}."
        )

    def _no_marks(self, name: str) -> str:
        if self._design is None or self._snapshot is None:
            return "The current outputs appear once the network has a run."
        return (
            f"This run's outputs are not class probabilities (it trains with "
            f"{self._design.loss}), so none are marked on the {name} curve."
        )

    def _marks(self, name: str, target: float):
        """The current outputs on the curve; None when there are none to mark (no run yet, or
        a class loss drawn for a run whose outputs are not probabilities)."""
        fwd = self._forward()
        targets = self._targets()
        if fwd is None or targets is None:
            return None
        coding, coded = targets
        if LOSSES.get(name).needs_classes:
            if not LOSSES.get(self._design.loss).needs_classes:
                return None
            labels = np.asarray(self._data.y_train)[self._rows]
            return loss_marks(name, fwd.output, coded, labels, target)
        if coding.labels:  # class labels: the one-hot rows the probabilities aim at
            coded = np.eye(fwd.output.shape[1])[coded]
        return loss_marks(name, fwd.output, coded, None, target)
