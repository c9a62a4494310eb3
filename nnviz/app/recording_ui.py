"""File › Export › Recording: the settings dialog, and the status bar's recording indicator
with its Stop button, for one window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
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
    FORMATS,
    FPS_RANGE,
    SECONDS_RANGE,
    WIDTH_RANGE,
    Recorder,
    RecordingSettings,
    frame_height,
    longest_seconds,
    offered_formats,
)

TARGETS = {
    "canvas": "Network canvas",
    "data": "Data view",
    "layer_space": "Layer space",
    "window": "Whole window",
}
NO_MP4 = "MP4 needs the optional imageio-ffmpeg: pip install 'nnviz[mp4]'"
DIALOG_WIDTH = 420


class RecordingDialog(QDialog):
    """Which view, file format, frame rate, width and length (the file is asked for after).

    `view_size(target)` gives a view's (width, height), so the dialog can say how large the
    frames will be and, for a format that keeps its frames until the end, how long it can be.
    """

    def __init__(
        self, view_size: Callable[[str], tuple[int, int]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record")
        self.setObjectName("recordingDialog")
        self.setMinimumWidth(DIALOG_WIDTH)
        self.view_size = view_size
        self.target = QComboBox()
        for key, title in TARGETS.items():
            self.target.addItem(title, key)
        self.format = QComboBox()
        self.format.setObjectName("recordingFormat")
        for suffix in offered_formats():
            self.format.addItem(f"{FORMATS.get(suffix).title} ({suffix})", suffix)
            self.format.setItemData(
                self.format.count() - 1, FORMATS.description(suffix), Qt.ItemDataRole.ToolTipRole
            )
        self.fps = _spin(*FPS_RANGE, 10, " frames/s")
        self.width = _spin(*WIDTH_RANGE, 800, " px wide")
        self.width.setSingleStep(2)
        self.seconds = _spin(*SECONDS_RANGE, 10, " s")
        self.summary = QLabel()
        self.summary.setObjectName("recordingSummary")
        self.summary.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Record", self.target)
        form.addRow("Format", self.format)
        form.addRow("Frame rate", self.fps)
        form.addRow("Size", self.width)
        form.addRow("Length", self.seconds)
        form.addRow(self.summary)
        if ".mp4" not in offered_formats():
            hint = QLabel(NO_MP4)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #5b6470;")
            form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for box in (self.target, self.format):
            box.currentIndexChanged.connect(self._update)
        for spin in (self.fps, self.width, self.seconds):
            spin.valueChanged.connect(self._update)
        self._update()

    def suffix(self) -> str:
        return self.format.currentData()

    def frame_size(self) -> tuple[int, int]:
        width = self.width.value() // 2 * 2
        return width, frame_height(*self.view_size(self.target.currentData()), width)

    def _update(self, *_args) -> None:
        """Say what will be recorded; keep the size within the view's (a larger frame would
        only be blurred) and the length within what the format can hold."""
        view_width = self.view_size(self.target.currentData())[0]
        self.width.setMaximum(max(WIDTH_RANGE[0], min(WIDTH_RANGE[1], view_width // 2 * 2)))
        size = self.frame_size()
        longest = longest_seconds(FORMATS.get(self.suffix()), self.fps.value(), size)
        self.seconds.setMaximum(min(SECONDS_RANGE[1], longest or SECONDS_RANGE[1]))
        frames = self.fps.value() * self.seconds.value()
        text = (
            f"{frames} frames of {size[0]} × {size[1]} pixels. Recording starts at once; "
            "Stop in the status bar ends it early."
        )
        if longest is not None and longest < SECONDS_RANGE[1]:
            text += (
                f" {FORMATS.get(self.suffix()).title} keeps every frame in memory until the "
                f"file is written: at this size and rate, {longest} s at most."
            )
        self.summary.setText(text)
        self.adjustSize()  # the summary may have grown a line

    def settings(self, path: Path) -> RecordingSettings:
        return RecordingSettings(
            self.target.currentData(),
            path,
            self.fps.value(),
            self.frame_size()[0],
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
        # A fixed width: a label that grows with its text re-lays out the status bar (and
        # repaints the window) ten times a second while recording.
        self.indicator.setText("● REC 888.8 / 888 s")
        self.indicator.ensurePolished()
        self.indicator.setFixedWidth(self.indicator.sizeHint().width() + 6)
        self.indicator.clear()
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

    def view_size(self, target: str) -> tuple[int, int]:
        """A view's size in the pixels a frame is grabbed in (twice its points on a HiDPI
        screen)."""
        widget = self.target_widget(target)
        ratio = widget.devicePixelRatioF()
        return round(widget.width() * ratio), round(widget.height() * ratio)

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
        self._show_time(0, recorder.frame_count)
        self._show(True)
        recorder.start()
        return recorder

    def stop(self) -> None:
        if self.recorder is not None and self.recorder.recording:
            self.recorder.stop()
            self.window.statusBar().showMessage("Writing the recording…", 4000)
        self._show(False)

    def _show(self, on: bool) -> None:
        self.indicator.setVisible(on)
        self.stop_button.setVisible(on)

    def _show_time(self, done: int, wanted: int) -> None:
        fps = self.recorder.settings.fps
        self.indicator.setText(f"● REC {done / fps:.1f} / {wanted / fps:.0f} s")

    def _on_progress(self, done: int, wanted: int) -> None:
        self._show_time(done, wanted)
        if done >= wanted:
            self._show(False)
            self.window.statusBar().showMessage("Writing the recording…", 4000)

    def _on_saved(self, path: str) -> None:
        self._show(False)
        self.window.statusBar().showMessage(f"Wrote {path}", 6000)

    def _on_failed(self, reason: str) -> None:
        self.stop()
        QMessageBox.warning(self.window, "Recording failed", reason)


def _spin(lo: int, hi: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setSuffix(suffix)
    return box
