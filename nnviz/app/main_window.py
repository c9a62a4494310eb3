"""The main window: build panel, network canvas, data view and plots around one training run.

The `DesignDocument` is the only truth about what the user built; the window's run follows it
(`RunLifecycle`, `window.run`). Training runs in a `TrainingWorker` thread; a GUI timer pulls its
latest snapshot once per frame (`FrameLoop`, `window.frames`, which also keeps the status bar),
so the window never blocks on training and never receives more than it can draw.

The window's parts are built here and live in their own modules: the commands as tables
(`window_actions`), the banner (`banner`), the File menu's logic (`FileActions`, `window.files`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSpinBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.banner import Banner
from nnviz.app.builder import BuildPanel
from nnviz.app.data_loading import DataLoading
from nnviz.app.distributions_dock import DistributionsDock
from nnviz.app.document import DesignDocument
from nnviz.app.error_log import add_log_action
from nnviz.app.export_actions import ExportActions
from nnviz.app.file_actions import SESSION_SUFFIX, FileActions, file_error
from nnviz.app.frame_loop import FrameLoop
from nnviz.app.icons import app_icon, icon
from nnviz.app.image_docks import ImageDocks
from nnviz.app.importer import DataImporter
from nnviz.app.inspection import InspectionTools
from nnviz.app.layer_space_dock import add_layer_space_dock
from nnviz.app.lazy_dock import LazyDock
from nnviz.app.learning import install_learning
from nnviz.app.pace_control import pace_box
from nnviz.app.recording_ui import RecordingControl
from nnviz.app.run_lifecycle import RunLifecycle
from nnviz.app.runs_dock import RunsDock
from nnviz.app.selection import Selection
from nnviz.app.timeline_panel import TimelinePanel
from nnviz.app.views.data_view import DataView
from nnviz.app.views.layer_space_view import LayerSpaceView
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.app.views.plots import PlotsPanel
from nnviz.app.window_actions import TOOLBAR, add_actions, add_menus
from nnviz.app.worker import TrainingWorker
from nnviz.core.design import DesignError, default_design, load_design
from nnviz.core.examples import example_at, example_weights
from nnviz.core.pace import pace_named
from nnviz.core.snapshot import Snapshot

BUILD_DOCK_MARGIN = 24  # room for the dock's scroll bar beside the panel's preferred width
MIN_BUILD_WIDTH = 300
ANIMATION_MODES = {
    "Forward + backward": "both",
    "Forward pass": "forward",
    "Backward pass": "backward",
    "Off (latest state)": "off",
}
TRACE_MODES = ("Batch mean", "One sample")


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
        self.data_loading = DataLoading(self)  # every dataset of the window, read once
        self.data_view = DataView(selection=self.selection)
        self.plots = PlotsPanel()
        self.layer_space = LayerSpaceView(selection=self.selection)
        self.build_panel = BuildPanel(
            self.document, self.data_loading.cache, self.data_loading.load_then
        )
        self.data_loading.settled.connect(self.build_panel.refresh)
        self.timeline_panel = TimelinePanel(self)
        self.runs_dock = RunsDock(self)
        self.distributions_dock = DistributionsDock(self)
        self.banner = Banner()
        self.files = FileActions(self)
        self.importer = DataImporter(self)
        self.build_panel.dataset.readingOptionsRequested.connect(self.importer.preview_current)
        self.frames = FrameLoop(self)  # the frame timer, the status bar
        self.frame_timer = self.frames.timer
        self.status = self.frames.status.labels
        self.run = RunLifecycle(self)  # starts, installs and ends runs

        self._build_central()
        self._build_docks()
        self.actions = add_actions(self)
        self.menus = add_menus(self)
        self._fill_menus()
        self._build_toolbar()
        self.recording = RecordingControl(self)
        self.layer_space_dock = add_layer_space_dock(self)
        self.inspection = InspectionTools(self)  # explorers, inspector, step-through
        install_learning(self)  # lessons, teacher mode, the optimizer playground
        add_log_action(self)  # Help › Show Log

        self.document.designChanged.connect(self.update_title)
        self.document.modifiedChanged.connect(self.setWindowModified)
        self.document.modifiedChanged.connect(self._sync_file_actions)
        self.document.pathChanged.connect(self.update_title)
        self.document.pathChanged.connect(self._sync_file_actions)
        self.selection.changed.connect(self._on_selection_changed)

        self.frame_timer.start()

        self.update_title()
        self._sync_file_actions()
        shipped = example_weights(example.name) if example is not None else None
        if self.run.start(design, weights=shipped) and path is not None and not session:
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

    def _fill_menus(self) -> None:
        recent = self.menus["recent"]
        recent.aboutToShow.connect(lambda: self.files.fill_recent_menu(recent))
        self.files.fill_recent_menu(recent)
        self.files.fill_examples_menu(self.menus["examples"])
        self.fill_export_menu(self.menus["export"])
        view = self.menus["view"]
        for dock in (self.build_dock, self.plots_dock, self.runs_dock, self.distributions_dock):
            view.addAction(dock.toggleViewAction())
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

    # ------------------------------------------------------------------ commands
    def toggle_play(self) -> None:
        self.timeline_panel.leave()  # training goes on from the present
        if self.worker.is_playing:
            self.worker.pause()
        else:
            self.worker.play()
        self.sync_play_action()

    def step_batch(self) -> None:
        if self.timeline_panel.step_forward():  # inside the past: the next recorded step
            return
        self.worker.step_batch()
        self.sync_play_action()

    def step_epoch(self) -> None:
        self.worker.step_epoch()
        self.sync_play_action()

    def open_path(self, path: str | Path) -> bool:
        """Open a design or session file; a bad one is reported in a dialog, changing nothing."""
        return self.files.open_path(path)

    def set_sample_range(self, samples: int) -> None:
        """The traced-sample box runs over a new run's `samples` training rows."""
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, max(samples - 1, 0))
        self.sample_box.blockSignals(False)

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

    def build_lazy_parts(self) -> None:
        """Build what the window builds only on first use (a lesson may point into it)."""
        for dock in self.findChildren(LazyDock):
            dock.widget()
        self.inspection.build_explorers()

    # ------------------------------------------------------------------ frames
    def update_frame(self) -> bool:
        """Pull the latest snapshot, if there is a new one, into every view (`FrameLoop`)."""
        return self.frames.update()

    def show_moment(self, snapshot: Snapshot) -> None:
        self.frames.show_moment(snapshot)

    def sync_play_action(self) -> None:
        playing = self.worker.is_playing
        action = self.actions["play"]
        action.blockSignals(True)
        action.setChecked(playing)
        action.blockSignals(False)
        action.setText("&Pause" if playing else "&Play")
        action.setIcon(icon("pause" if playing else "play"))

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
        self.data_loading.forget()  # a read still going stops at its next progress report
        self.runs_dock.stop_race(wait=True)
        self.worker.shutdown()
        self.files.stop_recovery()
