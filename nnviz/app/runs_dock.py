"""The Runs panel: every run of the session with its colour, name, visibility and steps.

The list itself is core's `RunList` (`runs`); this panel keeps it as the window installs runs
(`record`, `on_snapshot`), shows it, and sends every change through it: rename (edit the name;
empty restores the automatic one), show or hide a run's curves (`Overlay`s in the plots),
delete, show its design (and use it), and start a new run of the current design from a run's
initial weights, so a comparison starts fair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

from nnviz.app.views.plots import Overlay
from nnviz.core.design import DesignError, dumps_design
from nnviz.core.runs import Run, RunList, Weights, differences, overlay_series
from nnviz.core.snapshot import Snapshot
from nnviz.core.trainer import Trainer

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow

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
NAME, STEPS = 0, 1


def run_color(run: Run) -> QColor:
    return RUN_COLORS[run.color % len(RUN_COLORS)]


class RunsDock(QDockWidget):
    """A table of the session's runs and the buttons that act on the selected one."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__("Runs", window)
        self.setObjectName("runsDock")
        self.window = window
        self.runs = RunList()
        self._filling = False
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(["Run (what differs from the first)", "Steps"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STEPS, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setToolTip(
            "Tick a run to draw its curves in the plots (in its colour); double-click a name "
            "to rename it (empty: the automatic name)"
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
        buttons = QGridLayout()
        buttons.addWidget(self.design_button, 0, 0)
        buttons.addWidget(self.delete_button, 0, 1)
        buttons.addWidget(self.initial_button, 1, 0, 1, 2)
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
                run.name,
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
        try:
            trainer = Trainer(self.window.document.design)
            trainer.network.load_weights(*run.initial)
        except (DesignError, OSError, ValueError) as error:
            self.window.banner.show_message(
                f"Cannot start from the initial weights of run {run.id}: {error}"
            )
            return
        self.window.install_run(trainer, keep_ghost=True, note=f"initial weights of run {run.id}")

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

    def __init__(self, window: MainWindow, run: Run) -> None:
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

    def _use(self, window: MainWindow, run: Run) -> None:
        window.document.set_design(run.design, f"Use the design of run {run.id}")
        self.accept()
