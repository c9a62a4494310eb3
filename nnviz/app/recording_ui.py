"""File › Export › Recording: the settings dialog, and the status bar's recording indicator
with its Stop button, for one window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from nnviz.app.recording import (
    FPS_RANGE,
    SECONDS_RANGE,
    WIDTH_RANGE,
    Recorder,
    RecordingSettings,
)

TARGETS = {
    "canvas": "Network canvas",
    "data": "Data view",
    "layer_space": "Layer space",
    "window": "Whole window",
}


class RecordingDialog(QDialog):
    """Which view, frame rate, width and length (the file is asked for after)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record")
        self.target = QComboBox()
        for key, title in TARGETS.items():
            self.target.addItem(title, key)
        self.fps = _spin(*FPS_RANGE, 10, " frames/s")
        self.width = _spin(*WIDTH_RANGE, 800, " px wide")
        self.seconds = _spin(*SECONDS_RANGE, 10, " s")
        form = QFormLayout(self)
        form.addRow("Record", self.target)
        form.addRow("Frame rate", self.fps)
        form.addRow("Size", self.width)
        form.addRow("Length", self.seconds)
        note = QLabel("Recording starts at once; Stop in the status bar ends it early.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def settings(self, path: Path) -> RecordingSettings:
        return RecordingSettings(
            self.target.currentData(),
            path,
            self.fps.value(),
            self.width.value(),
            self.seconds.value(),
        )


class RecordingControl:
    """Starts recordings of a window's views and shows one while it runs."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.recorder: Recorder | None = None
        self.indicator = QLabel()
        self.indicator.setObjectName("recordingIndicator")
        self.indicator.setStyleSheet("color: rgb(200, 30, 30); font-weight: bold;")
        self.stop_button = QPushButton("Stop recording")
        self.stop_button.setObjectName("stopRecording")
        self.stop_button.clicked.connect(self.stop)
        bar = window.statusBar()
        bar.addWidget(self.indicator)
        bar.addWidget(self.stop_button)
        self._show(False)

    def target_widget(self, target: str) -> QWidget:
        window = self.window
        views = {
            "canvas": window.canvas,
            "data": window.data_view,
            "layer_space": window.layer_space,
        }
        return views.get(target, window)

    def start(self, settings: RecordingSettings) -> Recorder:
        if self.recorder is not None and self.recorder.recording:
            self.recorder.stop()
        if settings.target == "layer_space":  # a hidden tab is neither computed nor drawn
            self.window.layer_space_dock.show()
            self.window.layer_space_dock.raise_()
        recorder = Recorder(self.target_widget(settings.target), settings)
        recorder.progressed.connect(self._on_progress)
        recorder.saved.connect(self._on_saved)
        recorder.failed.connect(self._on_failed)
        self.recorder = recorder
        self._show(True)
        recorder.start()
        return recorder

    def stop(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()
        self._show(False)

    def _show(self, on: bool) -> None:
        self.indicator.setVisible(on)
        self.stop_button.setVisible(on)

    def _on_progress(self, done: int, wanted: int) -> None:
        fps = self.recorder.settings.fps
        self.indicator.setText(f"● REC {done / fps:.1f} / {wanted / fps:.0f} s")
        if done >= wanted:
            self._show(False)
            self.window.statusBar().showMessage("Writing the recording…", 4000)

    def _on_saved(self, path: str) -> None:
        self._show(False)
        self.window.statusBar().showMessage(f"Wrote {path}", 6000)

    def _on_failed(self, reason: str) -> None:
        self._show(False)
        QMessageBox.warning(self.window, "Recording failed", reason)


def _spin(lo: int, hi: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSuffix(suffix)
    return box
