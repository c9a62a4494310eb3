"""The network group: the hidden layers and the output layer, one row each.

A row is units + activation, with buttons to move or remove a hidden layer. The input row is
read-only (it follows the data); the output row's units are locked whenever the data and loss
leave only one valid count, and its activation list greys out what the loss cannot use.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.builder.adapt import output_unit_choices, problem
from nnviz.app.builder.editor import Editor, Section
from nnviz.app.builder.widgets import ComboBox, SpinBox
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.specs import MAX_LAYERS, MAX_UNITS, LayerSpec

TOOL_SIZE = QSize(16, 22)  # the row's small buttons: narrow, so a row fits the panel's width
NEW_LAYER = LayerSpec(4, "tanh")  # what + adds when there is no hidden layer to copy

UNITS_TIP = (
    "Neurons in this layer. More neurons can draw more complex boundaries but take longer to "
    "train and can overfit."
)
ACTIVATION_TIP = "The function each neuron applies to its weighted sum."
EXPLORE_TIP = (
    "Explore this activation: its curve and derivative, where it dies or saturates, and where "
    "this layer's neurons are on it now."
)


def _hidden_activations(design: Design) -> tuple[str, ...]:
    """Activations the engine accepts in a hidden layer (softmax is output-only)."""
    return tuple(
        name
        for name in ACTIVATIONS.names()
        if problem(dataclasses.replace(design, layers=(LayerSpec(2, name), *design.layers)), None)
        is None
    )


class _Row:
    """The widgets of one layer row."""

    def __init__(self, section: LayersSection, index: int, output: bool) -> None:
        self.index = index
        self.label = QLabel("Output" if output else f"Hidden {index + 1}")
        self.units = SpinBox(1, MAX_UNITS, UNITS_TIP)
        self.activation = ComboBox(ACTIVATION_TIP)
        self.activation.setMinimumContentsLength(4)
        self.activation.fill(ACTIVATIONS, None if output else section.hidden_names)
        self.up = _tool("▲", "Move this layer one place towards the input.")
        self.down = _tool("▼", "Move this layer one place towards the output.")
        self.remove = _tool("−", "Remove this hidden layer.")
        self.explore = _tool("?", EXPLORE_TIP)
        self.explore.setObjectName("exploreActivation")
        if output:
            for button in (self.up, self.down, self.remove):
                button.setEnabled(False)
                button.setToolTip("The output layer stays last; its shape follows the data.")
        self.units.valueChanged.connect(lambda v: section.set_units(index, v))
        self.activation.currentIndexChanged.connect(lambda _: section.set_activation(index))
        self.up.clicked.connect(lambda: section.move(index, -1))
        self.down.clicked.connect(lambda: section.move(index, +1))
        self.remove.clicked.connect(lambda: section.remove(index))
        self.explore.clicked.connect(lambda: section.exploreActivation.emit(index))

    def widgets(self) -> tuple[QWidget, ...]:
        return (
            self.label,
            self.units,
            self.activation,
            self.explore,
            self.up,
            self.down,
            self.remove,
        )


def _tool(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFixedSize(TOOL_SIZE)
    return button


class LayersSection(Section):
    """Edits `design.layers`; `inputs` is shown, never edited (it follows the data).

    A row's "?" asks for the activation explorer (`exploreActivation(layer index)`)."""

    exploreActivation = Signal(int)  # noqa: N815 - Qt naming

    def __init__(self, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__("Network", editor, parent)
        self.hidden_names = _hidden_activations(editor.design)
        self.rows: list[_Row] = []

        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(2)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(2, 1)
        self.input_label = QLabel("Input")
        self.input_units = QLabel()
        self.input_units.setToolTip(
            "One input per feature of the data; it changes when you change the data or features."
        )
        self.input_units.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.input_what = QLabel()
        self.input_what.setStyleSheet("color: palette(mid);")

        self.add = QPushButton("+ Add layer")
        self.add.setToolTip(
            "Add a hidden layer before the output (a copy of the last hidden layer). Each layer "
            "lets the network combine the previous layer's features into new ones."
        )
        self.add.clicked.connect(self.add_layer)
        self.summary = QLabel()
        self.summary.setObjectName("layerSummary")
        self.summary.setWordWrap(True)
        self.summary.setToolTip(
            "Layer sizes from input to output, and the number of trainable weights and biases."
        )

        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addLayout(self.grid)
        layout.addLayout(bottom)

    # --- showing ---------------------------------------------------------------------------

    def _show(self, design: Design) -> None:
        if len(self.rows) != len(design.layers):
            self._rebuild(len(design.layers))
        self.input_units.setText(str(design.inputs))
        self.input_what.setText("from the data")
        hidden = len(design.layers) - 1
        for row, layer in zip(self.rows, design.layers, strict=True):
            row.units.setValue(layer.units)
            row.activation.set_value(layer.activation)
            if row.index < hidden:
                row.up.setEnabled(row.index > 0)
                row.down.setEnabled(row.index < hidden - 1)
        self.add.setEnabled(len(design.layers) < MAX_LAYERS)
        self._show_output(design)
        sizes = " → ".join(map(str, design.layer_sizes))
        self.summary.setText(
            f"{sizes}<br><span style='color:#555'>{design.n_params:,} parameters</span>"
        )

    def _show_output(self, design: Design) -> None:
        row = self.rows[-1]
        shape = self.editor.shape()
        base = self.editor.base_dir
        choices = output_unit_choices(design, shape, base)
        locked = shape is not None and len(choices) == 1 and choices[0] == design.outputs
        row.units.setEnabled(not locked)
        if locked:
            other = 2 if design.outputs == 1 else design.outputs - 1
            reason = problem(_with_output(design, units=other), shape, base) or ""
            row.units.setToolTip(f"Set by the data and the loss: {reason.split(': ', 1)[-1]}")
        else:
            allowed = ", ".join(map(str, choices)) if choices else "see the loss"
            row.units.setToolTip(f"Output neurons (valid here: {allowed}).")
        for i in range(row.activation.count()):
            name = row.activation.itemData(i)
            reason = problem(_with_output(design, activation=name), shape, base)
            row.activation.set_enabled_item(i, reason is None, (reason or "").split(": ", 1)[-1])

    def _rebuild(self, count: int) -> None:
        for row in self.rows:
            for widget in row.widgets():
                widget.deleteLater()
        while self.grid.count():
            self.grid.takeAt(0)
        self.grid.addWidget(self.input_label, 0, 0)
        self.grid.addWidget(self.input_units, 0, 1)
        self.grid.addWidget(self.input_what, 0, 2, 1, 5)
        self.rows = [_Row(self, i, output=i == count - 1) for i in range(count)]
        for row in self.rows:
            for column, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, row.index + 1, column)

    # --- editing ---------------------------------------------------------------------------

    def _layers(self) -> list[LayerSpec]:
        return list(self.editor.design.layers)

    def _commit(self, layers: list[LayerSpec], text: str, key: str | None = None) -> None:
        design = dataclasses.replace(self.editor.design, layers=tuple(layers))
        self.editor.commit(design, text, key)

    def set_units(self, index: int, units: int) -> None:
        if self._updating:
            return
        layers = self._layers()
        layers[index] = dataclasses.replace(layers[index], units=units)
        self._commit(layers, f"Units of layer {index + 1}", f"layers.{index}.units")

    def set_activation(self, index: int) -> None:
        if self._updating:
            return
        layers = self._layers()
        name = self.rows[index].activation.value()
        layers[index] = dataclasses.replace(layers[index], activation=name)
        self._commit(layers, f"Activation of layer {index + 1}: {name}")

    def add_layer(self) -> None:
        layers = self._layers()
        template = layers[-2] if len(layers) > 1 else NEW_LAYER
        layers.insert(len(layers) - 1, template)
        self._commit(layers, "Add layer")

    def remove(self, index: int) -> None:
        layers = self._layers()
        del layers[index]
        self._commit(layers, f"Remove layer {index + 1}")

    def move(self, index: int, offset: int) -> None:
        layers = self._layers()
        target = index + offset
        if not 0 <= target < len(layers) - 1:
            return
        layers[index], layers[target] = layers[target], layers[index]
        self._commit(layers, f"Move layer {index + 1}")


def _with_output(design: Design, **changes: object) -> Design:
    output = dataclasses.replace(design.layers[-1], **changes)
    return dataclasses.replace(design, layers=(*design.layers[:-1], output))
