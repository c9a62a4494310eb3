"""The Runs panel: every run of the session with its colour, name, visibility and steps.

The list itself is core's `RunList` (`runs`); this panel keeps it as the window installs runs
(`record`, `on_snapshot`), shows it, and sends every change through it: rename (edit the name;
empty restores the automatic one), show or hide a run's curves (`Overlay`s in the plots),
delete, show its design (and use it), and start a new run of the current design from a run's
initial weights, so a comparison starts fair. "Race variants…" trains 2 to 5 values of one
setting in the background (`nnviz.app.race_runner`); each finished variant becomes a run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.race_runner import RaceDialog, RaceRunner
from nnviz.app.views.plots import Overlay
from nnviz.app.window_api import WindowApi
from nnviz.core.data_cache import DataNotLoadedError
from nnviz.core.design import Design, DesignError, dumps_design
from nnviz.core.race import SETTINGS, RaceResult
from nnviz.core.runs import Run, RunList, Weights, differences, overlay_series
from nnviz.core.snapshot import Snapshot
from nnviz.core.trainer import Trainer

# Run colours by `Run.color`: Okabe-Ito's colour-blind-safe tones and darker ones, apart from
# the blue and orange of the current run's own train and test curves.
RUN_COLORS = (
    QColor(0, 158, 115),
    QColor(204, 121, 167),
    QColor(230, 159, 0),
    QColor(86, 180, 233),
    QColor(110, 110, 110),
    QColor(160, 40, 40),
    QColor(120, 80, 160),
    QColor(140, 140, 30),
)
NUMBER, NAME, STEPS = 0, 1, 2


def run_color(run: Run) -> QColor:
    return RUN_COLORS[run.color % len(RUN_COLORS)]


class RunsDock(QDockWidget):
    """A table of the session's runs and the buttons that act on the selected one."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__("Runs", window)
        self.setObjectName("runsDock")
        self.window = window
        self.runs = RunList()
        self._filling = False
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(["Run", "What differs from the first run", "Steps"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NUMBER, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STEPS, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setToolTip(
            "Tick a run to draw its curves in the plots, in its colour, named by its number; "
            "double-click a name to rename it (empty: the automatic name)"
        )
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._sync_buttons)

        self.design_button = QPushButton("Show design…")
        self.design_button.setToolTip("The selected run's design, and what it changes")
        self.design_button.clicked.connect(self.show_design)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove the selected run (not the one training)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.initial_button = QPushButton("New run from its initial weights")
        self.initial_button.setToolTip(
            "Train the current design again, starting from the weights the selected run "
            "started from (a fair comparison)"
        )
        self.initial_button.clicked.connect(self.start_from_selected)
        self.race_button = QPushButton("Race variants…")
        self.race_button.setObjectName("raceButton")
        self.race_button.setToolTip(
            "Train 2 to 5 values of one setting side by side, from the same initial weights"
        )
        self.race_button.clicked.connect(self.ask_race)
        self.stop_race_button = QPushButton("Stop race")
        self.stop_race_button.clicked.connect(self.stop_race)
        self.stop_race_button.setEnabled(False)
        self.race_label = QLabel()
        self.race_label.setObjectName("raceProgress")
        self.race_label.setWordWrap(True)
        self.race: RaceRunner | None = None
        self._race_setting = ""
        buttons = QGridLayout()
        buttons.addWidget(self.design_button, 0, 0)
        buttons.addWidget(self.delete_button, 0, 1)
        buttons.addWidget(self.initial_button, 1, 0, 1, 2)
        buttons.addWidget(self.race_button, 2, 0)
        buttons.addWidget(self.stop_race_button, 2, 1)
        buttons.addWidget(self.race_label, 3, 0, 1, 2)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setWidget(body)
        self._sync_buttons()

    # ----------------------------------------------------------------- keeping

    def record(
        self,
        trainer: Trainer,
        keep: bool,
        previous: Snapshot | None,
        runs: RunList | None = None,
        note: str = "",
        initial: Weights | None = None,
    ) -> None:
        """List the run the window is installing: in the session's `runs` when it brings
        them, after the previous run (its curves up to `previous`) when that is `keep`t for
        comparison, else in a new list. `initial`: the weights it started from."""
        if runs is not None:
            self.runs = runs
        elif keep:
            if previous is not None and self.runs.current is not None:
                self.on_snapshot(previous)
        else:
            self.runs = RunList()
        if runs is None or runs.current is None:
            run = self.runs.add(trainer.design, note, initial)
            self.runs.current = run.id
        self.changed()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """The current run's curves so far (cheap: the snapshot's own copies)."""
        current = self.runs.current
        if current is not None:
            self.runs.update(current, snapshot.history, snapshot.step_history, snapshot.step)
            self.update_steps()

    def changed(self) -> None:
        """After any change to the list: the table and the plots' other runs."""
        score = self.window.plots.export_name("score")
        overlays = [
            Overlay(
                run.id,
                f"run {run.id}",
                run_color(run),
                {name: (x, y) for name, (x, y, _what) in overlay_series(run, score).items()},
            )
            for run in self.runs
            if run.visible and run.id != self.runs.current
        ]
        self.window.plots.set_overlays(overlays)
        self.refresh()

    # ----------------------------------------------------------------- showing

    def refresh(self) -> None:
        """Fill the table from `window.runs` (newest last)."""
        runs = self.runs
        selected = self.selected()
        self._filling = True
        self.table.setRowCount(len(runs))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, run in enumerate(runs):
            current = run.id == runs.current
            name = QTableWidgetItem(run.name + ("  (training)" if current else ""))
            number = QTableWidgetItem(str(run.id))
            number.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            number.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            name.setData(Qt.ItemDataRole.UserRole, run.id)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            flags |= Qt.ItemFlag.ItemIsEditable
            if not current:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
                name.setCheckState(
                    Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked
                )
            name.setFlags(flags)
            if not current:  # the current run's curves are the plots' own train and test
                name.setForeground(QBrush(run_color(run)))
            name.setToolTip(f"run {run.id}: {run.name}" + (f"\n{run.note}" if run.note else ""))
            if current:
                name.setFont(bold)
            steps = QTableWidgetItem(f"{run.steps:,}")
            steps.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            steps.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, NUMBER, number)
            self.table.setItem(row, NAME, name)
            self.table.setItem(row, STEPS, steps)
            if run.id == selected:
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        self._filling = False
        self._sync_buttons()

    def update_steps(self) -> None:
        """Only the current run's step count (cheap: called while it trains)."""
        runs = self.runs
        for row, run in enumerate(runs):
            if run.id == runs.current:
                item = self.table.item(row, STEPS)
                text = f"{run.steps:,}"
                if item is not None and item.text() != text:
                    item.setText(text)

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), NAME)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, run_id: int) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, NAME).data(Qt.ItemDataRole.UserRole) == run_id:
                self.table.selectRow(row)

    # ----------------------------------------------------------------- acting

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != NAME:
            return
        runs = self.runs
        run = runs.get(item.data(Qt.ItemDataRole.UserRole))
        if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            runs.set_visible(run.id, item.checkState() == Qt.CheckState.Checked)
        text = item.text().removesuffix("  (training)")
        if text != run.name:
            runs.rename(run.id, text)
        self.changed()

    def delete_selected(self) -> None:
        run_id = self.selected()
        if run_id is None or run_id == self.runs.current:
            return
        self.runs.remove(run_id)
        self.changed()

    def show_design(self) -> None:
        run_id = self.selected()
        if run_id is not None:
            DesignDialog(self.window, self.runs.get(run_id)).open()

    def start_from_selected(self) -> None:
        """A new run of the window's design from the selected run's initial weights."""
        run_id = self.selected()
        if run_id is None:
            return
        run = self.runs.get(run_id)
        design = self.window.document.design
        try:
            trainer = Trainer(design, data=self.window.data_loading.data_for(design))
            trainer.network.load_weights(*run.initial)
        except DataNotLoadedError as waiting:  # a new design's data: read it first
            self.window.data_loading.load_then(
                waiting, self.start_from_selected, self.window.banner.show_message
            )
            return
        except (DesignError, OSError, ValueError) as error:
            self.window.banner.show_message(
                f"Cannot start from the initial weights of run {run.id}: {error}"
            )
            return
        self.window.run.install(trainer, keep_ghost=True, note=f"initial weights of run {run.id}")

    # ----------------------------------------------------------------- racing

    def ask_race(self) -> None:
        dialog = RaceDialog(self.window.document.design, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_race(dialog.designs, dialog.epochs.value(), dialog.setting_name())

    def start_race(self, designs: list[Design], epochs: int, setting: str) -> None:
        """Train `designs` in the background from the current run's initial weights (their
        own for an initializer race, or when the shapes differ); each arrives as a run."""
        if self.race is not None or self.window.worker.dataset is None:
            return
        current = self.runs.get(self.runs.current) if self.runs.current else None
        initial = current.initial if current is not None else None
        shapes = designs[0].layer_sizes == (current.design.layer_sizes if current else None)
        if not SETTINGS[setting].shares_weights or not shapes:
            initial = None
        self._race_setting = SETTINGS[setting].label
        self.race = RaceRunner(designs, self.window.worker.dataset, epochs, initial)
        self.race.progress.connect(self._on_race_progress)
        self.race.variantDone.connect(self._on_variant)
        self.race.failed.connect(self._on_race_failed)
        self.race.done.connect(self._on_race_done)
        self.race.thread.finished.connect(self._on_race_thread_finished)
        self.race_button.setEnabled(False)
        self.stop_race_button.setEnabled(True)
        self.race_label.setText(f"Racing {len(designs)} values of the {self._race_setting}…")
        self.race.start()

    def stop_race(self, wait: bool = False) -> None:
        if self.race is not None:
            self.race.stop(wait)

    def _on_race_progress(self, variant: int, epoch: int, total: int) -> None:
        self.race_label.setText(
            f"Racing the {self._race_setting}: variant {variant + 1} of {total}, epoch {epoch}"
        )

    def _on_variant(self, result: RaceResult) -> None:
        note = f"race of {self._race_setting}" + (
            "" if result.state == "finished" else f", {result.state}"
        )
        run = self.runs.add(result.design, note, result.initial)
        self.runs.update(run.id, result.history, result.step_history, result.steps)
        self.changed()

    def _on_race_failed(self, message: str) -> None:
        self.window.banner.show_message(f"The race stopped: {message}")

    def _on_race_done(self) -> None:
        self.race_button.setEnabled(True)
        self.stop_race_button.setEnabled(False)
        self.race_label.setText("")

    def _on_race_thread_finished(self) -> None:
        self.race = None  # only now: a QThread must not be deleted while it runs

    def _sync_buttons(self) -> None:
        run_id = self.selected()
        runs = self.runs
        chosen = run_id is not None
        self.design_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen and run_id != runs.current)
        has_initial = chosen and runs.get(run_id).initial is not None
        self.initial_button.setEnabled(has_initial)


class DesignDialog(QDialog):
    """A run's design as its file holds it, what it changes from the first run, and a button
    to make it the window's design (undoable)."""

    def __init__(self, window: WindowApi, run: Run) -> None:
        super().__init__(window)
        self.setObjectName("runDesignDialog")
        self.setWindowTitle(f"Design of run {run.id}")
        self.resize(520, 560)
        first = window.runs_dock.runs.runs[0]
        changed = differences(first.design, run.design) if first is not run else []
        summary = QLabel(
            f"<b>{run.name}</b><br>"
            + ("Changes from the first run: " + "; ".join(changed) if changed else "")
        )
        summary.setWordWrap(True)
        text = QPlainTextEdit(dumps_design(run.design))
        text.setReadOnly(True)
        text.setObjectName("runDesignText")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        use = box.addButton("Use this design", QDialogButtonBox.ButtonRole.ActionRole)
        use.setToolTip("Make it the window's design (Edit › Undo goes back)")
        use.clicked.connect(lambda: self._use(window, run))
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(text, 1)
        layout.addWidget(box)

    def _use(self, window: WindowApi, run: Run) -> None:
        window.document.set_design(run.design, f"Use the design of run {run.id}")
        self.accept()
