"""The main window: build panel, network canvas, data view and plots around one training run.

The `DesignDocument` is the only truth about what the user built. When it changes, the window
either applies the change to the running trainer (learning rate, epoch budget, name) or starts a
fresh run (anything structural), keeping the old run's curves greyed in the plots. Training
runs in a `TrainingWorker` thread; a GUI timer pulls its latest snapshot once per frame, so the
window never blocks on training and never receives more than it can draw.

Actions and menus are described by tables (`ACTIONS`, `MENUS`, `SUBMENUS`) so new commands are
one entry and one method each; the File menu's logic lives in `FileActions` (`window.files`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.builder import BuildPanel
from nnviz.app.distributions_dock import DistributionsDock
from nnviz.app.document import DesignDocument
from nnviz.app.error_log import add_log_action
from nnviz.app.export_actions import ExportActions
from nnviz.app.file_actions import SESSION_SUFFIX, FileActions, file_error
from nnviz.app.icons import app_icon, icon
from nnviz.app.image_docks import ImageDocks
from nnviz.app.importer import DataImporter
from nnviz.app.inspection import InspectionTools
from nnviz.app.learning import install_learning
from nnviz.app.pace_control import pace_box
from nnviz.app.recording_ui import RecordingControl
from nnviz.app.runs_dock import RunsDock
from nnviz.app.selection import Selection, kept_selection
from nnviz.app.style import STATE_COLORS
from nnviz.app.timeline_panel import TimelinePanel
from nnviz.app.views.data_view import DataView
from nnviz.app.views.layer_space_view import LayerSpaceView, add_layer_space_dock
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.app.views.plots import PlotsPanel
from nnviz.app.worker import TrainingWorker
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError, default_design, load_design, needs_reset
from nnviz.core.errors import first_line, plain_words
from nnviz.core.examples import example_at, example_weights
from nnviz.core.optimizers import make_optimizer
from nnviz.core.pace import pace_named
from nnviz.core.readouts import fixed, percent
from nnviz.core.runs import RunList
from nnviz.core.snapshot import Snapshot
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer

BUILD_DOCK_MARGIN = 24  # room for the dock's scroll bar beside the panel's preferred width
MIN_BUILD_WIDTH = 300
FRAME_MS = 33  # the GUI pulls the latest snapshot at about 30 frames a second
# Turns within the canvas's snapshot cycle (0: it has just taken one, 1: the next is due) for
# the other costly redraws; past IDLE_PHASE the canvas is taking none and they need no turn.
DATA_TURN = (0.3, 0.6)
PLOTS_TURN = (0.6, 0.9)
LAYER_SPACE_TURN = (0.1, 0.3)
IDLE_PHASE = 1.5
# While training, the status bar's numbers change at most this often: each new text repaints
# its label (rich text, laid out again), and nobody reads a counter that changes 30 times a second.
STATUS_HZ = 5.0
STATUS_SLACK = 12  # pixels beyond the widest sample text, for fonts whose digits differ in width
# Each status field's fixed size: at least this width, and room for the widest text it shows
# in practice.
STATUS_FIELDS = {
    "state": (110, "<b>● finished</b>"),
    "epoch": (130, "epoch <b>8888888</b> / 8888888"),
    "step": (110, "step <b>888888888</b>"),
    "speed": (120, "888,888 steps/s"),
    "loss": (230, "loss <b>88.8888</b>  (test 88.8888)"),
    "score": (230, "accuracy <b>88.8%</b>  (test 88.8%)"),
}
# Errors that mean "this design cannot be trained" (bad data file, mismatched shapes, …).
RUN_ERRORS = (DesignError, OSError, ValueError)

ANIMATION_MODES = {
    "Forward + backward": "both",
    "Forward pass": "forward",
    "Backward pass": "backward",
    "Off (latest state)": "off",
}
TRACE_MODES = ("Batch mean", "One sample")


@dataclass(frozen=True)
class ActionSpec:
    text: str
    slot: str  # the MainWindow method the action triggers ("files.save": a FileActions one)
    shortcut: str | QKeySequence.StandardKey | None = None
    tip: str = ""
    icon: str | None = None
    checkable: bool = False


ACTIONS: dict[str, ActionSpec] = {
    "new": ActionSpec("&New", "files.new_design", QKeySequence.StandardKey.New, "A new design"),
    "open": ActionSpec(
        "&Open…",
        "files.open_dialog",
        QKeySequence.StandardKey.Open,
        "Open a design or session file",
        "open",
    ),
    "save": ActionSpec(
        "&Save", "files.save", QKeySequence.StandardKey.Save, "Save the design to its file"
    ),
    "save_as": ActionSpec(
        "Save &As…", "files.save_as", QKeySequence.StandardKey.SaveAs, "Save the design to a file"
    ),
    "revert": ActionSpec("Re&vert", "files.revert", None, "Reload the design from its file"),
    "import_data": ActionSpec(
        "&Import Data…", "importer.ask_file", "Ctrl+I", "Preview a CSV table, then train on it"
    ),
    "import_folder": ActionSpec(
        "Import Image &Folder…",
        "importer.ask_folder",
        None,
        "Preview a folder of pictures (one sub-folder per class), then train on it",
    ),
    "open_session": ActionSpec(
        "Open Sess&ion…", "files.open_session_dialog", None, "Open a saved training session"
    ),
    "save_session": ActionSpec(
        "Save Session…",
        "files.save_session_dialog",
        None,
        "Save the design and the trained run, to resume it later",
    ),
    "export_plots": ActionSpec(
        "&Plots…", "export_plots", None, "Every plot as PNG, SVG and CSV into a folder"
    ),
    "export_network": ActionSpec(
        "&Network Picture…", "export_network", None, "The network as a PNG or SVG picture"
    ),
    "export_plane": ActionSpec(
        "&Decision Plane…", "export_plane", None, "The decision plane as a PNG or SVG picture"
    ),
    "export_layer_space": ActionSpec(
        "&Layer Space…", "export_layer_space", None, "Every layer's view of the data, PNG or SVG"
    ),
    "export_history": ActionSpec(
        "Training &History CSV…", "export_history", None, "The training history as CSV"
    ),
    "export_weights": ActionSpec(
        "&Weights…", "export_weights", None, "The trained weights as a NumPy .npz file"
    ),
    "export_pytorch": ActionSpec(
        "As P&yTorch…",
        "export_pytorch",
        None,
        "A PyTorch script that rebuilds this network with its trained weights",
    ),
    "export_worked_example": ActionSpec(
        "Worked &Example (Markdown)…",
        "export_worked_example",
        None,
        "The next training step taken apart for the traced sample, as a worksheet",
    ),
    "export_figure": ActionSpec(
        "&Figure…",
        "export_figure",
        None,
        "One high-resolution picture: network, decision plane and loss side by side",
    ),
    "export_recording": ActionSpec(
        "&Recording…",
        "export_recording",
        None,
        "Record the canvas, the data view or the window as an animated GIF or WebP",
    ),
    "export_all": ActionSpec(
        "&All…", "export_all", None, "Plots, pictures, history, weights and PyTorch script"
    ),
    "quit": ActionSpec("&Quit", "close", QKeySequence.StandardKey.Quit, "Quit nnviz"),
    "play": ActionSpec(
        "&Play", "toggle_play", "Space", "Train continuously (Space)", "play", checkable=True
    ),
    "step": ActionSpec(
        "&Step one batch", "step_batch", "S", "Train one mini-batch, then pause (S)", "step"
    ),
    "epoch": ActionSpec(
        "Step one &epoch",
        "step_epoch",
        "E",
        "Train to the end of the epoch, then pause (E)",
        "epoch",
    ),
    "reset": ActionSpec(
        "&Reset", "reset_run", "R", "New random weights, back to step 0 (R)", "reset"
    ),
    "step_back": ActionSpec(
        "Step &back",
        "timeline_panel.step_back",
        "Shift+S",
        "Show the step before, from the timeline (Shift+S, when paused)",
    ),
}

# Menu title → action names; None is a separator. "undo"/"redo" come from the document; names
# in SUBMENUS are submenus that FileActions fills (Open Recent each time it opens).
MENUS: dict[str, tuple[str | None, ...]] = {
    "&File": (
        "new",
        "open",
        "recent",
        "examples",
        None,
        "import_data",
        "import_folder",
        None,
        "save",
        "save_as",
        "revert",
        None,
        "open_session",
        "save_session",
        None,
        "export",
        None,
        "quit",
    ),
    "&Edit": ("undo", "redo"),
    "&Train": ("play", "step", "epoch", "step_back", None, "reset"),
    "&View": (),  # filled with the docks' toggle actions
    "&Help": (),  # filled by install_learning
}
SUBMENUS: dict[str, str] = {
    "recent": "Open &Recent",
    "examples": "&Examples",
    "export": "E&xport",  # filled by ExportActions
}
TOOLBAR: tuple[str | None, ...] = ("play", "step", "epoch", "reset")


class Banner(QFrame):
    """An inline, non-blocking message above the network with an optional action button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(close)
        self._callback = None
        self.button.clicked.connect(self._on_button)
        self.hide()

    def show_message(
        self, text: str, button: str | None = None, callback=None, kind: str = "problem"
    ) -> None:
        """`kind` "problem" (a warning colour) or "info" (a neutral note, e.g. an example's
        description)."""
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
            self.label.style().unpolish(self.label)
            self.label.style().polish(self.label)
        self.label.setText(text)
        self.button.setVisible(button is not None)
        self.button.setText(button or "")
        self._callback = callback
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def _on_button(self) -> None:
        callback = self._callback
        self.hide()
        if callback is not None:
            callback()


class MainWindow(ExportActions, QMainWindow):
    """nnviz's window around one `DesignDocument` and one training run."""

    def __init__(self, design_path: str | None = None, *, recover: bool = False) -> None:
        """`design_path`: a design or session file to open; `recover`: autosave this window's
        work and offer what a crashed window left (the application does, tests may)."""
        super().__init__()
        self.setWindowIcon(app_icon())
        self.setDockNestingEnabled(True)
        self.setAcceptDrops(True)
        startup_error: str | None = None
        path = Path(design_path) if design_path else None
        session = path if path is not None and path.suffix.lower() == SESSION_SUFFIX else None
        example = example_at(path) if path is not None else None
        if example is not None:  # opened as an untitled copy, so Save never overwrites it
            path = None
        try:
            source = example.path if example is not None else path
            design = load_design(source) if source is not None and not session else default_design()
        except DesignError as error:
            startup_error = file_error(path, error)
            design, path = default_design(), None

        self.document = DesignDocument(design, path)
        self.worker = TrainingWorker()
        self.selection = Selection(self)  # observed by every view; see nnviz.app.selection
        self.canvas = NetworkCanvas()
        self.canvas.set_selection(self.selection)
        self.data_view = DataView(selection=self.selection)
        self.plots = PlotsPanel()
        self.layer_space = LayerSpaceView(selection=self.selection)
        self.build_panel = BuildPanel(self.document)
        self.timeline_panel = TimelinePanel(self)
        self.runs_dock = RunsDock(self)
        self.distributions_dock = DistributionsDock(self)
        self.banner = Banner()
        self.files = FileActions(self)
        self.importer = DataImporter(self)
        self.build_panel.dataset.readingOptionsRequested.connect(self.importer.preview_current)
        self._run_design: Design | None = None
        self._dataset: Dataset | None = None
        self._snapshot: Snapshot | None = None
        self._last_state: str | None = None
        self._status_time = -math.inf  # when the status bar's numbers were last replaced
        self._diverged_shown = False
        self.actions: dict[str, QAction] = {}
        self.menus = {}
        self.status: dict[str, QLabel] = {}

        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.recording = RecordingControl(self)
        self.layer_space_dock = add_layer_space_dock(self)
        self.inspection = InspectionTools(self)  # explorers, inspector, step-through
        install_learning(self)  # lessons, teacher mode, the optimizer playground
        add_log_action(self)  # Help › Show Log

        self.document.designChanged.connect(self._on_design_changed)
        self.document.modifiedChanged.connect(self.setWindowModified)
        self.document.modifiedChanged.connect(self._sync_file_actions)
        self.document.pathChanged.connect(self.update_title)
        self.document.pathChanged.connect(self._sync_file_actions)
        self.worker.failed.connect(self._on_worker_failed)
        self.selection.changed.connect(self._on_selection_changed)

        self.frame_timer = QTimer(self)
        self.frame_timer.setInterval(FRAME_MS)
        self.frame_timer.timeout.connect(self.update_frame)
        self.frame_timer.start()

        self.update_title()
        self._sync_file_actions()
        shipped = example_weights(example.name) if example is not None else None
        if self._start_run(design, weights=shipped) and path is not None and not session:
            self.files.recent.add(path)
        self._restore_size()
        if startup_error is not None:
            QTimer.singleShot(0, lambda: self.files.show_error("Cannot open", startup_error))
        if session is not None:
            QTimer.singleShot(0, lambda: self.files.open_path(session))
        if example is not None:
            self.files.show_example(example)
        if recover:
            QTimer.singleShot(0, self.files.start_recovery)

    # ------------------------------------------------------------------ layout
    def _build_central(self) -> None:
        self.data_view.setMinimumWidth(260)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.data_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 380])
        self.splitter = splitter
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.timeline_panel)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.build_dock = QDockWidget("Build", self)
        self.build_dock.setObjectName("build_dock")
        self.build_dock.setWidget(self.build_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.build_dock)
        self.plots_dock = QDockWidget("Training curves", self)
        self.plots_dock.setObjectName("plots_dock")
        self.plots_dock.setWidget(self.plots)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.plots_dock)
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.runs_dock)
        self.tabifyDockWidget(self.build_dock, self.runs_dock)
        self.build_dock.raise_()
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.distributions_dock)
        self.tabifyDockWidget(self.plots_dock, self.distributions_dock)
        self.plots_dock.raise_()
        for dock in (self.build_dock, self.plots_dock, self.runs_dock, self.distributions_dock):
            dock.setFeatures(features)
        self.image_docks = ImageDocks(self)

    def _build_actions(self) -> None:
        for name, spec in ACTIONS.items():
            action = QAction(spec.text, self)
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
            if spec.icon is not None:
                action.setIcon(icon(spec.icon))
            action.setCheckable(spec.checkable)
            action.triggered.connect(attrgetter(spec.slot)(self))
            self.addAction(action)  # shortcuts work even while the toolbar is hidden
            self.actions[name] = action
        self.actions["undo"] = self.document.undo_action(self)
        self.actions["redo"] = self.document.redo_action(self)
        self.actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        for title, names in MENUS.items():
            menu = bar.addMenu(title)
            self.menus[title.replace("&", "").lower()] = menu
            for name in names:
                if name is None:
                    menu.addSeparator()
                elif name in SUBMENUS:
                    self.menus[name] = menu.addMenu(SUBMENUS[name])
                else:
                    menu.addAction(self.actions[name])
        recent = self.menus["recent"]
        recent.aboutToShow.connect(lambda: self.files.fill_recent_menu(recent))
        self.files.fill_recent_menu(recent)
        self.files.fill_examples_menu(self.menus["examples"])
        self.fill_export_menu(self.menus["export"])
        view = self.menus["view"]
        view.addAction(self.build_dock.toggleViewAction())
        view.addAction(self.plots_dock.toggleViewAction())
        view.addAction(self.runs_dock.toggleViewAction())
        view.addAction(self.distributions_dock.toggleViewAction())
        for dock in self.image_docks.docks():
            view.addAction(dock.toggleViewAction())

    def _build_toolbar(self) -> None:
        bar = QToolBar("Training", self)
        bar.setObjectName("training_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name in TOOLBAR:
            if name is None:
                bar.addSeparator()
            else:
                bar.addAction(self.actions[name])
        bar.addSeparator()

        self.mode_box = QComboBox()
        self.mode_box.addItems(list(ANIMATION_MODES))
        self.mode_box.setToolTip("What the network view animates after each snapshot")
        self.mode_box.currentTextChanged.connect(
            lambda text: self.canvas.set_mode(ANIMATION_MODES[text])
        )
        self.speed_box = pace_box()
        self.speed_box.currentTextChanged.connect(self._on_pace_changed)
        self.trace_box = QComboBox()
        self.trace_box.addItems(list(TRACE_MODES))
        self.trace_box.setToolTip(
            "Colour neurons by the mean over the last mini-batch, or by one training sample"
        )
        self.trace_box.currentIndexChanged.connect(self._on_trace_changed)
        self.sample_box = QSpinBox()
        self.sample_box.setPrefix("#")
        self.sample_box.setMinimumWidth(80)
        self.sample_box.setToolTip("Which training sample to trace")
        self.sample_box.setEnabled(False)
        self.sample_box.valueChanged.connect(self._on_trace_changed)
        for label, widget in (
            ("Animate", self.mode_box),
            ("Speed", self.speed_box),
            ("Show", self.trace_box),
            (None, self.sample_box),
        ):
            if label is not None:
                bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        self.canvas.set_mode(ANIMATION_MODES[self.mode_box.currentText()])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _on_pace_changed(self, label: str) -> None:
        self.worker.set_pace(pace_named(label).steps_per_s)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        for name, (width, sample) in STATUS_FIELDS.items():
            label = QLabel(sample)
            self.status[name] = label
            bar.addPermanentWidget(label)
            label.ensurePolished()  # measured in the font the window's style gives it
            # A fixed size: a label whose size can change re-lays out the whole window (and
            # repaints it) with every new text, dozens of times a second while training.
            hint = label.sizeHint()
            label.setFixedSize(max(width, hint.width() + STATUS_SLACK), hint.height())
            label.clear()

    def _restore_size(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1600, 1000
        if screen is not None:
            width = min(width, int(screen.width() * 0.96))
            height = min(height, int(screen.height() * 0.94))
        self.resize(width, height)
        panel = self.build_panel.sizeHint().width() + BUILD_DOCK_MARGIN
        build = max(min(panel, width // 3), min(MIN_BUILD_WIDTH, width // 4))
        self.resizeDocks([self.build_dock], [build], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plots_dock], [max(210, height // 4)], Qt.Orientation.Vertical)
        self.splitter.setSizes([int(width * 0.5), int(width * 0.27)])

    # ------------------------------------------------------------------ runs
    def _start_run(self, design: Design, keep_ghost: bool = False, weights=None) -> bool:
        """A fresh, paused run of `design` (from `weights` ((W0, …), (b0, …)) if given); on
        failure the banner says why and nothing changes."""
        try:
            trainer = Trainer(design)
            if weights is not None:
                trainer.network.load_weights(*weights)
            self.install_run(trainer, keep_ghost)
        except RUN_ERRORS as error:
            self.banner.show_message(
                f"This design cannot be trained: {plain_words(first_line(error))}"
            )
            self.statusBar().showMessage(first_line(error), 10000)
            return False
        return True

    def install_run(
        self,
        trainer: Trainer,
        keep_ghost: bool = False,
        timeline: Timeline | None = None,
        runs: RunList | None = None,
        note: str = "",
    ) -> None:
        """Make `trainer` (new, or restored from a session) the window's paused run;
        `keep_ghost`: keep the previous run in the Runs list and plots; `timeline`: the record
        it continues (a branch), else a new one; `runs`: a session's runs; `note`: how the
        run started, for its name."""
        design = trainer.design
        previous = self.worker.latest()  # the old run's newest snapshot, for the runs list
        self.timeline_panel.attach(trainer, timeline)
        self.build_panel.editor.cache.keep(design.dataset, design.base_dir, trainer.data)
        self.distributions_dock.start_run(design, trainer.data)
        dataset = self.worker.restore(trainer)
        self.plots.start_run(dataset.task, len(design.layers))
        self.runs_dock.record(
            trainer, keep_ghost, previous, runs, note, self.timeline_panel.initial_weights()
        )
        self._run_design = design
        self._dataset = dataset
        self._diverged_shown = False
        self._last_state = None
        self.banner.hide()
        self.canvas.set_feature_names(dataset.feature_names)
        self.canvas.set_design(design)
        self.canvas.set_picture(dataset.picture)
        self.data_view.set_dataset(dataset)
        self.layer_space.set_dataset(dataset)
        self.image_docks.show_for(dataset)
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, max(len(dataset.x_train) - 1, 0))
        self.sample_box.blockSignals(False)
        kept = kept_selection(self.selection.state, trainer.network.layer_sizes, dataset)
        self.selection.set(**kept)
        self.worker.set_trace_sample(self.selection.sample)
        self._sync_play_action()
        self.update_frame()

    def _on_design_changed(self, old: Design, new: Design) -> None:
        self.update_title()
        if self._run_design is None or needs_reset(self._run_design, new):
            self._start_run(new, keep_ghost=True)
            return
        if _learning_rate(new) != _learning_rate(self._run_design):
            self.worker.set_learning_rate(_learning_rate(new))
        if new.training.epochs != self._run_design.training.epochs:
            self.worker.set_epochs(new.training.epochs)
        self._run_design = new

    def _on_worker_failed(self, message: str) -> None:
        self.banner.show_message(message)
        self.statusBar().showMessage(message, 10000)
        self.status["state"].setText(f"<b style='color:{STATE_COLORS['diverged']}'>● error</b>")
        self._sync_play_action()

    # ------------------------------------------------------------------ commands
    def toggle_play(self) -> None:
        self.timeline_panel.leave()  # training goes on from the present
        if self.worker.is_playing:
            self.worker.pause()
        else:
            self.worker.play()
        self._sync_play_action()

    def step_batch(self) -> None:
        if self.timeline_panel.step_forward():  # inside the past: the next recorded step
            return
        self.worker.step_batch()
        self._sync_play_action()

    def step_epoch(self) -> None:
        self.worker.step_epoch()
        self._sync_play_action()

    def reset_run(self) -> None:
        self._start_run(self.document.design, keep_ghost=True)

    def lower_learning_rate(self) -> None:
        """After a divergence: a tenth of the learning rate (undoable) and a fresh run."""
        design = self.document.design
        params = dict(design.optimizer.params)
        params["learning_rate"] = _learning_rate(design) / 10
        optimizer = dataclasses.replace(design.optimizer, params=params)
        lowered = dataclasses.replace(design, optimizer=optimizer)
        self.document.set_design(lowered, "Lower learning rate")
        self._start_run(lowered, keep_ghost=True)

    def open_path(self, path: str | Path) -> bool:
        """Open a design or session file; a bad one is reported in a dialog, changing nothing."""
        return self.files.open_path(path)

    def _on_trace_changed(self, *_args) -> None:
        sample = self.trace_box.currentIndex() == 1
        self.sample_box.setEnabled(sample)
        self.selection.set(sample=self.sample_box.value() if sample else None)

    def _on_selection_changed(self) -> None:
        """The toolbar's trace controls and the trainer follow the selection's sample."""
        if "sample" not in self.selection.last_changed:
            return
        sample = self.selection.sample
        for widget in (self.trace_box, self.sample_box):
            widget.blockSignals(True)
        self.trace_box.setCurrentIndex(0 if sample is None else 1)
        self.sample_box.setEnabled(sample is not None)
        if sample is not None:
            self.sample_box.setValue(sample)
        for widget in (self.trace_box, self.sample_box):
            widget.blockSignals(False)
        self.worker.set_trace_sample(sample)

    # ------------------------------------------------------------------ frames
    def update_frame(self) -> bool:
        """Pull the latest snapshot, if there is a new one, into every view; True if drawn.

        While training, the costly redraws take turns so that no frame does two of them: the
        canvas takes a snapshot at the start of its cycle (`update_phase`), the data view
        follows, then the plots, each with the newest snapshot there is by then.
        """
        snapshot = self.worker.take_latest()
        if snapshot is not None and self.timeline_panel.viewing is not None:
            self.timeline_panel.on_live(snapshot)  # a past moment is shown: the present waits
            return False
        if snapshot is None:
            if self._snapshot is not None and self._snapshot.state == "running":
                self._update_in_turn(self._snapshot, settled=False)
            return False
        changed = snapshot.state != self._last_state
        self._snapshot = snapshot
        self._last_state = snapshot.state
        self.canvas.set_snapshot(snapshot)
        self._update_in_turn(snapshot, settled=changed or snapshot.state != "running")
        now = time.perf_counter()
        if changed or snapshot.state != "running" or now - self._status_time >= 1 / STATUS_HZ:
            self._status_time = now
            self._update_status(snapshot)
            self.timeline_panel.on_live(snapshot)
            self.runs_dock.on_snapshot(snapshot)
            self.distributions_dock.on_snapshot(snapshot)
        if changed:
            self._sync_play_action()
            if snapshot.state == "diverged" and not self._diverged_shown:
                self._show_divergence(snapshot)
            elif snapshot.state == "finished" and snapshot.message:
                self.statusBar().showMessage(snapshot.message, 8000)
        return True

    def show_moment(self, snapshot: Snapshot) -> None:
        """Show one snapshot (a past moment from the timeline, or the present again) in the
        canvas, the data view, the image docks, the layer space and the status bar (the plots
        keep the whole run)."""
        self.canvas.set_snapshot(snapshot)
        self.data_view.set_snapshot(snapshot)
        self.image_docks.set_snapshot(snapshot, True)
        self.layer_space.set_snapshot(snapshot)
        self._update_status(snapshot)

    def _update_in_turn(self, snapshot: Snapshot, settled: bool) -> None:
        """The data view and the plots, each in its own part of the canvas's cycle (at once
        for a settled run, or when the canvas is not taking snapshots)."""
        phase = self.canvas.update_phase()
        idle = settled or phase >= IDLE_PHASE
        if idle or DATA_TURN[0] <= phase < DATA_TURN[1]:
            self.data_view.set_snapshot(snapshot)
            self.image_docks.set_snapshot(snapshot, settled)
        if idle or PLOTS_TURN[0] <= phase < PLOTS_TURN[1]:
            self.plots.set_snapshot(snapshot, force=settled)
        else:
            self.plots.hold(snapshot)
        if idle or LAYER_SPACE_TURN[0] <= phase < LAYER_SPACE_TURN[1]:
            self.layer_space.set_snapshot(snapshot)

    def _show_divergence(self, snapshot: Snapshot) -> None:
        self._diverged_shown = True
        lr = snapshot.learning_rate
        text = (
            f"<b>Training diverged.</b> {snapshot.message or ''}<br>"
            f"Lower the learning rate (now {lr:g}) and train again."
        )
        self.banner.show_message(
            text, f"Use learning rate {lr / 10:g} and reset", self.lower_learning_rate
        )
        self.statusBar().showMessage("Training diverged: lower the learning rate", 15000)

    def _sync_play_action(self) -> None:
        playing = self.worker.is_playing
        action = self.actions["play"]
        action.blockSignals(True)
        action.setChecked(playing)
        action.blockSignals(False)
        action.setText("&Pause" if playing else "&Play")
        action.setIcon(icon("pause" if playing else "play"))

    def _update_status(self, s: Snapshot) -> None:
        color = STATE_COLORS.get(s.state, "#5b6470")
        epochs = self.worker.trainer.epochs if self.worker.trainer is not None else 0
        regression = self._dataset is not None and self._dataset.task == "regression"
        score_name = "R²" if regression or "train_r2" in s.metrics else "accuracy"
        score_key = "r2" if score_name == "R²" else "accuracy"
        train_loss = s.metrics.get("train_loss", s.batch_loss)
        texts = {
            "state": f"<b style='color:{color}'>● {s.state}</b>",
            "epoch": f"epoch <b>{s.epoch}</b> / {epochs}",
            "step": f"step <b>{s.step}</b>",
            "speed": f"{s.steps_per_s:,.{1 if 0 < s.steps_per_s < 10 else 0}f} steps/s",
            "loss": "loss "
            + _pair(train_loss, s.metrics.get("test_loss"), partial(fixed, decimals=4)),
            "score": f"{score_name} "
            + _pair(
                s.metrics.get(f"train_{score_key}"),
                s.metrics.get(f"test_{score_key}"),
                percent if score_key == "accuracy" else partial(fixed, decimals=3),
            ),
        }
        for name, text in texts.items():
            label = self.status[name]
            if label.text() != text:
                label.setText(text)

    def update_title(self, *_args) -> None:
        """The design's name and its file: the design file, else the session it came from."""
        path = self.document.path or self.files.session_path
        where = f" ({path.name})" if path is not None else ""
        self.setWindowTitle(f"nnviz — {self.document.design.name}{where}[*]")
        self.setWindowFilePath(str(path) if path is not None else "")

    def _sync_file_actions(self, *_args) -> None:
        self.actions["revert"].setEnabled(
            self.document.path is not None and self.document.is_modified
        )

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self.files.dropped_file(mime) is not None or self.importer.dropped_data(mime):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self.files.dropped_file(event.mimeData())
        data = self.importer.dropped_data(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            # after the drop returns: a question asked inside it would hold up the drag's source
            QTimer.singleShot(0, lambda: self.files.open_path(path))
        elif data is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.importer.preview(data))

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the frame timer and the training thread, then drop the recovery data (a clean
        exit; idempotent)."""
        self.frame_timer.stop()
        self.runs_dock.stop_race(wait=True)
        self.worker.shutdown()
        self.files.stop_recovery()


def _learning_rate(design: Design) -> float:
    lr = design.optimizer.params.get("learning_rate")
    if lr is None:  # not given: the optimizer's own default
        lr = make_optimizer(design.optimizer).learning_rate
    return float(lr)


def _pair(train: float | None, test: float | None, fmt: Callable[[float], str]) -> str:
    """'<b>train</b> (test …)' with NaN and missing values shown as '–'."""

    def show(value: float | None) -> str:
        return fmt(value) if value is not None else "–"

    text = f"<b>{show(train)}</b>"
    if test is not None and math.isfinite(test):
        text += f"  (test {show(test)})"
    return text
