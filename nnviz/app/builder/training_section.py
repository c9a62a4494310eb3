"""The loss/optimizer and training groups: how the network is scored and how it is updated.

Choices come from the engine's registries (their descriptions become tooltips); the optimizer's
hyper-parameter fields are those its `defaults` list, and only values the person set (or that
differ from the defaults) are written into the design.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QToolButton, QWidget

from nnviz.app.builder.adapt import adapt_to_loss, output_change
from nnviz.app.builder.editor import Editor, Section
from nnviz.app.builder.layers_section import TOOL_SIZE
from nnviz.app.builder.widgets import ComboBox, DoubleSpinBox, LogSpinBox, SpinBox
from nnviz.core.design import Design, DesignError
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.schedules import SCHEDULES
from nnviz.core.specs import (
    DTYPES,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    OptimizerSpec,
    RegularizationSpec,
    ScheduleSpec,
)

SPIN_MAX = 2**31 - 1
DEFAULT_RATE = 1e-3  # regularization rate offered when it is switched on

# What each optimizer hyper-parameter does to training, for its label and tooltip.
HYPER_PARAMETERS: dict[str, tuple[str, str]] = {
    "learning_rate": (
        "Learning rate",
        "Size of every update step. Too small: slow progress; too large: the loss jumps "
        "around or explodes. Can be changed while training runs.",
    ),
    "momentum": (
        "Momentum",
        "Keeps a running velocity of past gradients (0 = none, 0.9 is typical): faster along "
        "consistent directions, fewer zig-zags across narrow valleys.",
    ),
    "nesterov": (
        "Nesterov",
        "Take the gradient after a look-ahead step along the velocity (needs momentum > 0).",
    ),
    "beta1": (
        "β₁",
        "Decay of the running mean of gradients (the optimizer's momentum), typically 0.9.",
    ),
    "beta2": (
        "β₂",
        "Decay of the running mean of squared gradients that scales each step, typically 0.999.",
    ),
    "rho": (
        "ρ (alpha)",
        "Decay of RMSprop's running mean of squared gradients, typically 0.99.",
    ),
    "epsilon": (
        "ε",
        "A tiny number added to the step's denominator so it never divides by zero.",
    ),
    "weight_decay": (
        "Weight decay",
        "Shrinks every weight a little at each step (decoupled for AdamW), a simple guard "
        "against overfitting.",
    ),
}
LOG_SCALE = ("learning_rate", "epsilon", "weight_decay")

# How each schedule parameter is edited: its label and widget. Which parameters a schedule
# has, their ranges, tooltips and starting values come from the schedule registry.
Factory = Callable[[str], QWidget]
SCHEDULE_PARAMETERS: dict[str, tuple[str, Factory]] = {
    "step_size": ("Step every", lambda tip: _epochs_spin(tip)),
    "gamma": ("Factor", lambda tip: DoubleSpinBox(0.0001, 1.0, 0.05, 4, tip)),
    "t_max": ("Period", lambda tip: _epochs_spin(tip, special="= epochs")),
    "eta_min": ("Minimum rate", lambda tip: LogSpinBox(1e-7, 10.0, tip, zero=True)),
}


def _schedule_tips() -> dict[str, str]:
    """Each parameter's tooltip: its description in the first schedule that has it."""
    tips: dict[str, str] = {}
    for name in SCHEDULES:
        for key, param in SCHEDULES.get(name).params.items():
            tips.setdefault(key, param.description)
    return tips


def _schedule_start(name: str, epochs: int) -> dict[str, float | int]:
    """Starting values of a schedule's required parameters (None in the registry: `epochs`)."""
    entry = SCHEDULES.get(name)
    return {
        key: epochs if entry.defaults.get(key) is None else entry.defaults[key]
        for key in entry.required
    }


def _epochs_spin(tip: str, special: str = "") -> SpinBox:
    spin = SpinBox(0 if special else 1, min(MAX_EPOCHS, SPIN_MAX), tip)
    spin.setSpecialValueText(special)
    spin.setSuffix(" epochs")
    return spin


def _set(widget: QWidget, value: float | bool) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    else:
        widget.setValue(value)


def _get(widget: QWidget) -> float | bool:
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return widget.value()


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setVerticalSpacing(4)
    return form


class OptimizerSection(Section):
    """Loss, optimizer and its hyper-parameters, initializer and regularization.

    The "?" beside the loss asks for the loss explorer (`exploreLoss`)."""

    exploreLoss = Signal()  # noqa: N815 - Qt naming

    def __init__(self, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__("Loss and optimizer", editor, parent)
        self.form = _form(self)

        self.loss = ComboBox("What the network is scored by; its gradient drives every update.")
        self.loss.fill(LOSSES)
        explore = QToolButton()
        explore.setObjectName("exploreLoss")
        explore.setText("?")
        explore.setAutoRaise(True)
        explore.setFixedSize(TOOL_SIZE)
        explore.setToolTip(
            "Explore the losses: each one and its gradient against the prediction, with this "
            "network's current outputs on it."
        )
        explore.clicked.connect(self.exploreLoss)
        self.explore_loss = explore
        loss_row = QHBoxLayout()
        loss_row.setContentsMargins(0, 0, 0, 0)
        loss_row.setSpacing(3)
        loss_row.addWidget(self.loss, 1)
        loss_row.addWidget(explore)
        self.form.addRow("Loss", loss_row)
        self.optimizer = ComboBox("How the gradients are turned into weight updates.")
        self.optimizer.fill(OPTIMIZERS)
        self.form.addRow("Optimizer", self.optimizer)

        self.hyper: dict[str, QWidget] = {}
        for name in OPTIMIZERS.names():
            for key, default in OPTIMIZERS.get(name).defaults.items():
                if key not in self.hyper:
                    self.hyper[key] = self._hyper_widget(key, default)
        for key in sorted(self.hyper, key=_hyper_order):
            label = HYPER_PARAMETERS.get(key, (key.replace("_", " ").capitalize(), ""))[0]
            self.form.addRow(label, self.hyper[key])

        self.initializer = ComboBox("How the weights are set before training starts.")
        self.initializer.fill(INITIALIZERS)
        self.form.addRow("Initializer", self.initializer)
        self.regularization = ComboBox(
            "A penalty on large weights added to the loss, which keeps the network simpler "
            "and less prone to overfitting."
        )
        self.regularization.add("none", None, "No penalty on the weights")
        self.regularization.fill(REGULARIZERS)
        self.form.addRow("Regularization", self.regularization)
        self.rate = LogSpinBox(
            1e-7, 10.0, "Strength of the weight penalty: larger = smoother, simpler fits.", True
        )
        self.form.addRow("Penalty rate", self.rate)

        self.loss.currentIndexChanged.connect(self._on_loss)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer)
        self.initializer.currentIndexChanged.connect(self._on_initializer)
        self.regularization.currentIndexChanged.connect(self._on_regularization)
        self.rate.valueChanged.connect(self._on_rate)

    def _hyper_widget(self, key: str, default: float | bool) -> QWidget:
        tip = HYPER_PARAMETERS.get(key, ("", f"The optimizer's {key}."))[1]
        if isinstance(default, bool):
            widget: QWidget = QCheckBox()
            widget.setToolTip(tip)
            widget.toggled.connect(lambda _: self._on_hyper(key))
            return widget
        if key in LOG_SCALE:
            widget = LogSpinBox(1e-8, 100.0, tip, zero=key != "learning_rate")
        else:
            widget = DoubleSpinBox(0.0, 0.9999, 0.01, 4, tip)
        widget.valueChanged.connect(lambda _: self._on_hyper(key))
        return widget

    # --- showing ---------------------------------------------------------------------------

    def _show(self, design: Design) -> None:
        shape = self.editor.shape()
        self.loss.set_value(design.loss)
        for i in range(self.loss.count()):
            try:
                adapt_to_loss(design, self.loss.itemData(i), shape, self.editor.base_dir)
                self.loss.set_enabled_item(i, True)
            except DesignError as error:
                self.loss.set_enabled_item(i, False, str(error).split(": ", 1)[-1])
        self.optimizer.set_value(design.optimizer.name)
        defaults = OPTIMIZERS.get(design.optimizer.name).defaults
        for key, widget in self.hyper.items():
            self.form.setRowVisible(widget, key in defaults)
            if key in defaults:
                _set(widget, design.optimizer.params.get(key, defaults[key]))
        self.initializer.set_value(design.initializer)
        regularization = design.regularization
        self.regularization.set_value(regularization.kind if regularization else None)
        self.form.setRowVisible(self.rate, regularization is not None)
        self.rate.setValue(regularization.rate if regularization else DEFAULT_RATE)

    # --- editing ---------------------------------------------------------------------------

    def _commit(self, text: str, key: str | None = None, **changes: object) -> None:
        if self._updating:
            return
        self.editor.commit(dataclasses.replace(self.editor.design, **changes), text, key)

    def _on_loss(self) -> None:
        if self._updating:
            return
        loss = self.loss.value()
        try:
            candidate = adapt_to_loss(
                self.editor.design, loss, self.editor.shape(), self.editor.base_dir
            )
        except DesignError as error:
            self.editor.fail(str(error))
            return
        change = output_change(self.editor.design, candidate)
        text = f"Loss: {loss}" + (" (and its output layer)" if change else "")
        if self.editor.commit(candidate, text) and change:
            self.editor.noticed.emit(change)

    def _on_optimizer(self) -> None:
        name = self.optimizer.value()
        accepted = OPTIMIZERS.get(name).defaults
        kept = {k: v for k, v in self.editor.design.optimizer.params.items() if k in accepted}
        self._commit(f"Optimizer: {name}", optimizer=OptimizerSpec(name, kept))

    def _on_hyper(self, key: str) -> None:
        if self._updating:
            return
        spec = self.editor.design.optimizer
        value = _get(self.hyper[key])
        params = dict(spec.params)
        if key in params or value != OPTIMIZERS.get(spec.name).defaults.get(key):
            params[key] = value
        label = HYPER_PARAMETERS.get(key, (key, ""))[0]
        self._commit(label, f"optimizer.{key}", optimizer=dataclasses.replace(spec, params=params))

    def _on_initializer(self) -> None:
        name = self.initializer.value()
        self._commit(f"Initializer: {name}", initializer=name)

    def _on_regularization(self) -> None:
        kind = self.regularization.value()
        old = self.editor.design.regularization
        spec = None if kind is None else RegularizationSpec(kind, old.rate if old else DEFAULT_RATE)
        self._commit(f"Regularization: {kind or 'none'}", regularization=spec)

    def _on_rate(self, rate: float) -> None:
        old = self.editor.design.regularization
        if old is None:
            return
        self._commit(
            "Penalty rate",
            "regularization.rate",
            regularization=dataclasses.replace(old, rate=rate),
        )


class TrainingSection(Section):
    """Learning-rate schedule, batch size, epoch budget, seed and number precision."""

    def __init__(self, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__("Training", editor, parent)
        self.form = _form(self)

        self.batch_size = SpinBox(
            1,
            min(MAX_BATCH_SIZE, SPIN_MAX),
            "Samples averaged into each gradient step. Small batches: many noisy steps; large "
            "batches: fewer, smoother steps.",
        )
        self.form.addRow("Batch size", self.batch_size)
        self.epochs = SpinBox(
            1,
            min(MAX_EPOCHS, SPIN_MAX),
            "How many passes over the training data to run before stopping. Can be changed "
            "while training runs.",
        )
        self.form.addRow("Epochs", self.epochs)
        self.schedule = ComboBox("How the learning rate changes from epoch to epoch.")
        self.schedule.fill(SCHEDULES)
        self.form.addRow("LR schedule", self.schedule)
        self.schedule_params: dict[str, QWidget] = {}
        tips = _schedule_tips()
        for key, (label, factory) in SCHEDULE_PARAMETERS.items():
            widget = factory(tips[key])
            widget.valueChanged.connect(lambda _, key=key: self._on_schedule_param(key))
            self.schedule_params[key] = widget
            self.form.addRow(label, widget)
        self.seed = SpinBox(
            0,
            min(MAX_SEED, SPIN_MAX),
            "Random seed of the initial weights and of the batch order: the same seed, the "
            "same run.",
        )
        self.form.addRow("Seed", self.seed)
        self.dtype = ComboBox("Number precision of the training arithmetic.")
        self.dtype.add("float64", "float64", "Double precision: exact match with PyTorch checks")
        self.dtype.add("float32", "float32", "Single precision: faster, as GPUs train")
        for name in DTYPES:
            if self.dtype.findData(name) < 0:
                self.dtype.add(name, name)
        self.form.addRow("Precision", self.dtype)

        self.batch_size.valueChanged.connect(
            lambda v: self._commit_training("Batch size", "training.batch_size", batch_size=v)
        )
        self.epochs.valueChanged.connect(
            lambda v: self._commit_training("Epochs", "training.epochs", epochs=v)
        )
        self.seed.valueChanged.connect(
            lambda v: self._commit_training("Training seed", "training.seed", seed=v)
        )
        self.dtype.currentIndexChanged.connect(
            lambda _: self._commit_training("Precision", None, dtype=self.dtype.value())
        )
        self.schedule.currentIndexChanged.connect(self._on_schedule)

    # --- showing ---------------------------------------------------------------------------

    def _show(self, design: Design) -> None:
        training = design.training
        self.batch_size.setValue(training.batch_size)
        self.epochs.setValue(training.epochs)
        self.seed.setValue(training.seed)
        self.dtype.set_value(training.dtype)
        schedule = training.schedule
        name = schedule.name if schedule else "constant"
        self.schedule.set_value(name)
        entry = SCHEDULES.get(name)
        params: Mapping[str, float | int] = schedule.params if schedule else {}
        for key, widget in self.schedule_params.items():
            self.form.setRowVisible(widget, key in entry.params)
            start = entry.defaults.get(key)
            widget.setValue(params.get(key, 0 if start is None else start))

    # --- editing ---------------------------------------------------------------------------

    def _commit_training(self, text: str, key: str | None, **changes: object) -> None:
        if self._updating:
            return
        design = self.editor.design
        training = dataclasses.replace(design.training, **changes)
        self.editor.commit(dataclasses.replace(design, training=training), text, key)

    def _on_schedule(self) -> None:
        name = self.schedule.value()
        epochs = self.editor.design.training.epochs
        start = _schedule_start(name, epochs)
        self._commit_training(f"LR schedule: {name}", None, schedule=ScheduleSpec(name, start))

    def _on_schedule_param(self, key: str) -> None:
        if self._updating:
            return
        schedule = self.editor.design.training.schedule
        if schedule is None:
            return
        params = dict(schedule.params)
        value = self.schedule_params[key].value()
        if key == "t_max" and value == 0:
            params.pop(key, None)
        else:
            params[key] = value
        self._commit_training(
            "LR schedule", f"schedule.{key}", schedule=dataclasses.replace(schedule, params=params)
        )


def _hyper_order(key: str) -> int:
    keys = list(HYPER_PARAMETERS)
    return keys.index(key) if key in keys else len(keys)
