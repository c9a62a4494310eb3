"""Race variants from the window: a dialog to choose one setting and its values, and a thread
that trains them (`nnviz.core.race`) while the window goes on working.

The runner is a `QObject` moved to its own `QThread`, like the training worker: its signals
carry each finished variant and the progress to GUI-thread methods; stopping is a
`threading.Event` the race checks between steps.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.style import ERROR_TEXT
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.errors import first_line
from nnviz.core.race import MAX_VARIANTS, SETTINGS, parse_values, race, variants
from nnviz.core.runs import Weights

MAX_RACE_EPOCHS = 100_000
DEFAULT_RACE_EPOCHS = 100


class RaceDialog(QDialog):
    """One setting, its values and an epoch budget; `designs` once accepted."""

    def __init__(self, design: Design, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("raceDialog")
        self.setWindowTitle("Race variants")
        self.design = design
        self.designs: list[Design] = []
        self.setting = QComboBox()
        self.setting.setObjectName("raceSetting")
        for name, spec in SETTINGS.items():
            self.setting.addItem(spec.label, name)
        self.values = QLineEdit()
        self.values.setObjectName("raceValues")
        self.values.setToolTip(f"2 to {MAX_VARIANTS} values, separated by commas")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, MAX_RACE_EPOCHS)
        self.epochs.setValue(min(design.training.epochs, DEFAULT_RACE_EPOCHS))
        self.epochs.setSuffix(" epochs")
        self.error = QLabel()
        self.error.setObjectName("raceError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_TEXT}")
        self.setting.currentIndexChanged.connect(self._on_setting)
        self._on_setting()
        form = QFormLayout()
        form.addRow("Setting", self.setting)
        form.addRow("Values", self.values)
        form.addRow("Train each for", self.epochs)
        note = QLabel(
            "Each value trains in the background from the same initial weights as the current "
            "run (the initializer race excepted) and arrives in the Runs list."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Race")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def setting_name(self) -> str:
        return self.setting.currentData()

    def _on_setting(self, *_args) -> None:
        self.values.setText(SETTINGS[self.setting_name()].example)
        self.error.clear()

    def accept(self) -> None:
        """Only with values the design format accepts; otherwise say why and stay open."""
        try:
            values = parse_values(self.setting_name(), self.values.text())
            self.designs = variants(self.design, self.setting_name(), values)
        except (ValueError, DesignError) as error:
            self.error.setText(first_line(error))
            return
        super().accept()


class RaceRunner(QObject):
    """Trains a race in its own thread; emits each variant as it finishes."""

    progress = Signal(int, int, int)  # variant index, epoch, variants in all
    variantDone = Signal(object)  # noqa: N815 - Qt naming; a RaceResult
    failed = Signal(str)
    done = Signal()

    def __init__(
        self, designs: list[Design], data: Dataset, epochs: int, initial: Weights | None
    ) -> None:
        super().__init__()  # no parent: moved to its thread
        self.designs, self.data, self.epochs, self.initial = designs, data, epochs, initial
        self.stop_event = threading.Event()
        self.thread = QThread()
        self.thread.setObjectName("nnviz-race")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)

    def start(self) -> None:
        self.thread.start()

    def stop(self, wait: bool = False) -> None:
        """Stop after the current step; `wait`: until the thread has ended (a `QThread` deleted
        while it runs takes the program down)."""
        self.stop_event.set()
        if wait:
            self.thread.quit()
            self.thread.wait()

    def _run(self) -> None:
        total = len(self.designs)

        def report(variant: int, epoch: int) -> None:
            self.progress.emit(variant, epoch, total)

        try:
            for result in race(
                self.designs, self.data, self.epochs, self.initial, self.stop_event, report
            ):
                self.variantDone.emit(result)
        except Exception as error:  # the race must end, and say why, whatever happens
            self.failed.emit(traceback.format_exception_only(error)[-1].strip())
        self.done.emit()
        self.thread.quit()
