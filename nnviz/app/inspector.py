"""The neuron inspector: one neuron's part of the training step the window shows, with its numbers.

It draws a `NeuronView` (core): the forward sum term by term, sorted by size and coloured by sign,
a = f(z) with the point on the activation's curve, the backward pass by the chain rule, the
incoming weights' gradients for the sample and for the batch, and the optimizer's update. A
chosen link shows its weight and gradient over the run. While the run is paused, a weight or the
bias can be set (an undoable edit sent to the trainer through the window, never written into a
snapshot).

Every number is printed with `DIGITS` significant digits, rounded from the engine's own value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.lazy_dock import LazyDock
from nnviz.app.style import MUTED, TEXT
from nnviz.app.views.colormap import NEGATIVE, POSITIVE
from nnviz.core.curves import activation_curve
from nnviz.core.neuron_view import NeuronView

DIGITS = 4
SHOWN_TERMS = 8  # rows of a sum before the rest is summed up in one line
POSITIVE_TEXT = "#0868a6"
NEGATIVE_TEXT = "#b85c00"  # the canvas's orange, dark enough to read as text
CURVE = QColor(*POSITIVE)
POINT = QColor(214, 39, 40)
WEIGHT_PEN = QColor(*POSITIVE)
GRADIENT_PEN = QColor(*NEGATIVE)
CSS = f"""
body {{ color: {TEXT.name()}; font-size: 9pt; }}
h3 {{ margin: 10px 0 3px 0; font-size: 10.5pt; }}
p.note {{ color: {MUTED.name()}; margin: 2px 0; }}
p.rule {{ margin: 1px 0 1px 8px; font-family: monospace; }}
td {{ padding: 0 6px 0 0; white-space: nowrap; }}
td.num {{ text-align: right; }}
p.param {{ margin: 3px 0 0 0; }}
th {{ text-align: right; color: {MUTED.name()}; font-weight: normal; padding: 0 5px 0 0; }}
"""


def fmt(x: float) -> str:
    """A number as the inspector prints it: DIGITS significant digits, a true minus sign."""
    if not math.isfinite(x):
        return "–" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    return f"{x:.{DIGITS}g}".replace("-", "−")


def signed(x: float) -> str:
    """A number coloured by its sign (blue positive, orange negative, as on the canvas)."""
    color = NEGATIVE_TEXT if x < 0 else POSITIVE_TEXT
    return f"<span style='color:{color}'>{fmt(x)}</span>"


def _symbol(symbol: str) -> str:
    """A buffer's symbol for running text: "m̂" as "m-hat" (a combining hat drifts off its
    letter in many proportional fonts)."""
    return escape(symbol.replace("\u0302", "-hat"))


def _num(x: float) -> str:
    return f"<td class='num'>{signed(x)}</td>"


class _Content(QWidget):
    """The dock's scrolled content; keeps the text as tall as its document at every width."""

    def __init__(self, body: QTextBrowser) -> None:
        super().__init__()
        self._body = body

    def fit_body(self) -> None:
        doc = self._body.document()
        doc.setTextWidth(self._body.viewport().width())
        self._body.setFixedHeight(math.ceil(doc.size().height()) + 4)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_body()


class InspectorDock(LazyDock):
    """The dock; `show_view` draws a neuron, `show_message` says why there is none. Its
    content is built when it is first shown (it starts hidden)."""

    editRequested = Signal(int, int, int, float)  # noqa: N815 - layer, source (-1: bias), unit, value
    exploreActivation = Signal()  # noqa: N815
    exploreLoss = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Neuron inspector", parent, self._build_content)
        self.setObjectName("inspectorDock")
        self.setMinimumWidth(330)
        self.view: NeuronView | None = None
        self._names: Callable[[int, int], str] = lambda column, unit: f"#{unit + 1}"
        self._columns: Callable[[int], str] = str

    def _build_content(self) -> QWidget:
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.curve_plot = pg.PlotWidget(background="w")
        self.curve_plot.setMenuEnabled(False)
        self.curve_plot.setMouseEnabled(x=False, y=False)
        self.curve_plot.hideButtons()
        self.curve_plot.setFixedHeight(120)
        item = self.curve_plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            item.getAxis(side).setTextPen(pg.mkPen(TEXT))
            item.getAxis(side).setPen(pg.mkPen(MUTED))
        self.curve = item.plot(pen=pg.mkPen(CURVE, width=2))
        self.point = pg.ScatterPlotItem(size=10, pen=pg.mkPen("w", width=1.5), brush=POINT)
        item.addItem(self.point)
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.document().setDefaultStyleSheet(CSS)
        # As tall as its text: the whole dock scrolls, not a small window inside it.
        self.body.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.edit_param = QComboBox()
        self.edit_param.setToolTip("The weight or bias to set")
        self.edit_value = QDoubleSpinBox()
        self.edit_value.setRange(-1e6, 1e6)
        self.edit_value.setDecimals(4)
        self.edit_value.setSingleStep(0.1)
        self.edit_value.setMinimumWidth(90)
        self.edit_value.setMaximumWidth(100)
        # as wide as its longest name ("w from sin(x1)"), the value box beside it kept small
        self.edit_param.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.edit_button = QPushButton("Set")
        self.edit_button.setToolTip(
            "Set this value in the network (Edit › Undo takes it back); the forward pass is "
            "computed again at once. Only while training is paused."
        )
        edit_row = QHBoxLayout()  # reads "[w from x1] [0.25] [Set]": no room for a label
        edit_row.addWidget(self.edit_param, 1)
        edit_row.addWidget(self.edit_value)
        edit_row.addWidget(self.edit_button)
        self.link_label = QLabel()
        self.link_label.setWordWrap(True)
        self.link_plot = pg.PlotWidget(background="w")
        self.link_plot.setMenuEnabled(False)
        self.link_plot.hideButtons()
        self.link_plot.setFixedHeight(150)
        link_item = self.link_plot.getPlotItem()
        link_item.showGrid(x=True, y=True, alpha=0.15)
        link_item.setLabel("bottom", "step", color=TEXT.name())
        link_item.addLegend(offset=(6, 4), labelTextColor=TEXT.name())
        self.weight_curve = link_item.plot(pen=pg.mkPen(WEIGHT_PEN, width=2), name="weight w")
        self.gradient_curve = link_item.plot(
            pen=pg.mkPen(GRADIENT_PEN, width=1.5), name="∂L/∂w (batch mean)"
        )
        explore_activation = QPushButton("Activation explorer…")
        explore_loss = QPushButton("Loss explorer…")
        explore_activation.clicked.connect(self.exploreActivation)
        explore_loss.clicked.connect(self.exploreLoss)
        buttons = QHBoxLayout()
        buttons.addWidget(explore_activation)
        buttons.addWidget(explore_loss)
        buttons.addStretch(1)

        content = _Content(self.body)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.curve_plot)
        layout.addWidget(self.body)
        layout.addLayout(edit_row)
        layout.addWidget(self.link_label)
        layout.addWidget(self.link_plot)
        layout.addLayout(buttons)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        self.edit_param.currentIndexChanged.connect(self._on_edit_param)
        self.edit_button.clicked.connect(self._on_edit)
        self.show_link(None)
        self.show_message("Click a neuron on the network (or use the arrow keys) to inspect it.")
        return scroll

    # ------------------------------------------------------------------ what is shown
    def show_message(self, text: str) -> None:
        self.widget()  # built, if it was not yet
        self.view = None
        self.header.setText(escape(text))
        self.body.clear()
        self.curve_plot.hide()
        self.set_editable(False)

    def set_editable(self, editable: bool) -> None:
        """Editing is for a paused run only (a running one would overwrite it at once)."""
        self.widget()  # built, if it was not yet
        usable = editable and self.view is not None
        for widget in (self.edit_param, self.edit_value, self.edit_button):
            widget.setEnabled(usable)

    def show_view(
        self,
        view: NeuronView,
        names: Callable[[int, int], str],
        columns: Callable[[int], str],
        context: str,
    ) -> None:
        """Draw `view`; `names(column, unit)` is a unit's short name in its column,
        `columns(column)` a column's name, `context` a line (HTML) about sample and step."""
        self.widget()  # built, if it was not yet
        self.view = view
        self._names, self._columns = names, columns
        title = escape(f"{columns(view.layer)} {names(view.layer, view.unit)}")
        self.header.setText(f"<b>{title}</b> · {escape(view.activation)}<br>{context}")
        self._draw_curve(view)
        self.body.setHtml(self._html(view))
        self.widget().widget().fit_body()
        self._fill_edit(view)

    def _draw_curve(self, view: NeuronView) -> None:
        reach = max(4.0, 1.3 * abs(view.z)) if math.isfinite(view.z) else 4.0
        logits = view.walk.layers[view.layer - 1].z  # softmax: the layer's other scores
        curve = activation_curve(view.activation, (-reach, reach), 241, logits, view.unit)
        self.curve.setData(curve.z, curve.a)
        self.point.setData([view.z], [view.a])
        self.curve_plot.getPlotItem().setTitle(
            f"a = {escape(view.activation)}(z): z = {fmt(view.z)}, a = {fmt(view.a)}",
            size="9pt",
            color=TEXT.name(),
        )
        self.curve_plot.show()

    def _name(self, column: int, unit: int) -> str:
        return escape(self._names(column, unit))

    def _html(self, v: NeuronView) -> str:
        return "".join(
            (
                self._forward_html(v),
                self._backward_html(v),
                self._gradient_html(v),
                self._update_html(v),
            )
        )

    def _forward_html(self, v: NeuronView) -> str:
        rows = [
            f"<tr><td>{self._name(v.layer - 1, t.source)}</td>{_num(t.a)}<td>×</td>{_num(t.w)}"
            f"<td>=</td>{_num(t.product)}</tr>"
            for t in v.terms[:SHOWN_TERMS]
        ]
        rest = v.terms[SHOWN_TERMS:]
        if rest:
            total = sum(t.product for t in rest)
            rows.append(
                f"<tr><td colspan='4'>+ {len(rest)} smaller terms</td><td>=</td>{_num(total)}</tr>"
            )
        slope = (
            f"f′(z) = {signed(v.slope)}"
            if v.slope is not None
            else "softmax couples the layer's units (no f′ of its own)"
        )
        return (
            "<h3>Forward · this sample</h3>"
            f"<p class='note'>Each input aᵢ from {escape(self._columns(v.layer - 1))} times its "
            "weight wᵢ into this neuron:</p><table>"
            "<tr><th></th>"
            "<th>aᵢ</th><th></th><th>wᵢ</th><th></th><th>aᵢ·wᵢ</th></tr>"
            + "".join(rows)
            + f"<tr><td colspan='4'>Σ aᵢ·wᵢ</td><td>=</td>{_num(v.weighted_sum)}</tr>"
            + f"<tr><td colspan='4'>+ bias b</td><td></td>{_num(v.b)}</tr>"
            + f"<tr><td colspan='4'><b>z</b> = Σ aᵢ·wᵢ + b</td><td>=</td>{_num(v.z)}</tr>"
            + "</table>"
            + f"<p><b>a</b> = {escape(v.activation)}(z) = {signed(v.a)} &nbsp; {slope}</p>"
        )

    def _backward_html(self, v: NeuronView) -> str:
        walk = v.walk
        out = ["<h3>Backward · chain rule (ℓ: this sample's loss)</h3>"]
        if v.is_output:
            target = ", ".join(fmt(float(t)) for t in np.ravel(walk.target))
            out.append(
                f"<p>∂ℓ/∂a comes from the loss ({escape(walk.loss_name)}) at a = {signed(v.a)}, "
                f"target {target}: <b>∂ℓ/∂a</b> = {signed(v.dL_da)}</p>"
            )
        else:
            back = sorted(v.back, key=lambda b: -abs(b.product))
            rows = [
                f"<tr><td>{self._name(v.layer + 1, b.target)}</td>{_num(b.w)}<td>×</td>"
                f"{_num(b.dL_dz)}<td>=</td>{_num(b.product)}</tr>"
                for b in back[:SHOWN_TERMS]
            ]
            rest = back[SHOWN_TERMS:]
            if rest:
                total = sum(b.product for b in rest)
                rows.append(
                    f"<tr><td colspan='4'>+ {len(rest)} smaller terms</td><td>=</td>"
                    f"{_num(total)}</tr>"
                )
            out.append(
                f"<p class='note'>Each neuron j of {escape(self._columns(v.layer + 1))} sends its "
                "∂ℓ/∂zⱼ back through the weight wⱼ from this neuron:</p>"
                "<table><tr><th></th><th>wⱼ</th><th></th><th>∂ℓ/∂zⱼ</th><th></th>"
                "<th>wⱼ·∂ℓ/∂zⱼ</th></tr>"
                + "".join(rows)
                + f"<tr><td colspan='4'><b>∂ℓ/∂a</b> = Σⱼ wⱼ·∂ℓ/∂zⱼ</td><td>=</td>"
                f"{_num(v.dL_da)}</tr></table>"
            )
        if v.slope is not None:
            out.append(
                f"<p><b>∂ℓ/∂z</b> = ∂ℓ/∂a × f′(z) = {signed(v.dL_da)} × {signed(v.slope)} = "
                f"{signed(v.dL_dz)}</p>"
            )
        else:
            out.append(
                f"<p><b>∂ℓ/∂z</b> = a·(∂ℓ/∂a − Σₖ aₖ·∂ℓ/∂aₖ) = {signed(v.a)} × ({signed(v.dL_da)}"
                f" − {signed(v.softmax_sum)}) = {signed(v.dL_dz)}</p>"
            )
        return "".join(out)

    def _shown_params(self, v: NeuronView):
        """The incoming weights in the forward table's order (largest terms), then the bias."""
        by_source = {p.source: p for p in v.params}
        return [by_source[t.source] for t in v.terms[:SHOWN_TERMS]] + [v.params[-1]]

    def _param_name(self, v: NeuronView, source: int) -> str:
        return "bias b" if source < 0 else f"w from {self._name(v.layer - 1, source)}"

    def _gradient_html(self, v: NeuronView) -> str:
        walk = v.walk
        membership = "is one of them" if walk.in_batch else "is <b>not</b> one of them"
        reg = ""
        if walk.regularization is not None:
            reg = f" plus the {escape(walk.regularization[0])} penalty's gradient (weights only)"
        rows = [
            f"<tr><td>{self._param_name(v, p.source)}</td>{_num(p.sample_grad)}"
            f"{_num(p.batch_grad)}</tr>"
            for p in self._shown_params(v)
        ]
        return (
            "<h3>Gradients of the incoming weights</h3>"
            "<table><tr><th></th><th>∂ℓ/∂w = a·∂ℓ/∂z<br>this sample</th>"
            "<th>∂L/∂w<br>batch mean</th></tr>" + "".join(rows) + "</table>"
            f"<p class='note'>The batch has {len(walk.batch)} samples; this sample {membership}. "
            f"The optimizer uses the batch's ∂L/∂w: the mean of the samples' ∂ℓ/∂w{reg}. "
            "For the bias, ∂ℓ/∂b = ∂ℓ/∂z.</p>"
        )

    def _update_html(self, v: NeuronView) -> str:
        rule = v.walk.rule
        lines = "".join(f"<p class='rule'>{escape(line)}</p>" for line in rule.lines)
        params = []
        for p in self._shown_params(v):
            state = " · ".join(f"{_symbol(symbol)} {signed(value)}" for symbol, value in p.state)
            state = f" · {state}" if state else ""
            params.append(
                f"<p class='param'>{self._param_name(v, p.source)}: {signed(p.before)} → "
                f"<b>{signed(p.after)}</b> (change {signed(p.change)})<br>"
                f"<span style='color:{MUTED.name()}'>g {signed(p.batch_grad)}{state}</span></p>"
            )
        return (
            f"<h3>Update · {escape(rule.title)}</h3>{lines}"
            f"<p class='note'>with {escape(', '.join(rule.values))}; this is update number "
            f"t = {v.walk.step + 1}; g = ∂L/∂w of the batch; buffers as they are after this "
            "update</p>" + "".join(params)
        )

    # ------------------------------------------------------------------ editing
    def _fill_edit(self, v: NeuronView) -> None:
        keep = self.edit_param.currentData()
        self.edit_param.blockSignals(True)
        self.edit_param.clear()
        for p in sorted(v.params, key=lambda p: (p.source < 0, p.source)):
            self.edit_param.addItem(self._param_name(v, p.source), p.source)
        index = self.edit_param.findData(keep) if keep is not None else -1
        self.edit_param.setCurrentIndex(max(index, 0))
        self.edit_param.blockSignals(False)
        self._on_edit_param()

    def choose_edit(self, source: int) -> None:
        """Offer this incoming weight (-1: the bias) for editing."""
        self.widget()  # built, if it was not yet
        index = self.edit_param.findData(source)
        if index >= 0:
            self.edit_param.setCurrentIndex(index)

    def _on_edit_param(self) -> None:
        v = self.view
        source = self.edit_param.currentData()
        if v is None or source is None:
            return
        self.edit_value.setValue(v.value_now(source))

    def _on_edit(self) -> None:
        v = self.view
        if v is None or self.edit_param.currentData() is None:
            return
        self.editRequested.emit(
            v.layer, int(self.edit_param.currentData()), v.unit, float(self.edit_value.value())
        )

    # ------------------------------------------------------------------ links
    def show_link(self, link, names=None, history=None, snapshot=None) -> None:
        """A chosen link's weight and gradient now and over the run (`history`: steps, weights,
        gradients); None: hide."""
        self.widget()  # built, if it was not yet
        if link is None or snapshot is None or names is None:
            self.link_label.hide()
            self.link_plot.hide()
            return
        k, i, j = link
        source, target = escape(names(k, i)), escape(names(k + 1, j))
        w = float(snapshot.weights[k][i, j])
        g = float(snapshot.grad_weights[k][i, j])
        steps, weights, grads = history
        self.link_label.setText(
            f"<b>Link</b> {source} → {target}: w = {signed(w)}, ∂L/∂w = {signed(g)} "
            f"(batch mean of step {snapshot.step}) · {len(steps)} points recorded"
        )
        self.weight_curve.setData(steps, weights)
        finite = np.isfinite(grads)
        self.gradient_curve.setData(steps[finite], grads[finite])
        self.link_label.show()
        self.link_plot.show()
