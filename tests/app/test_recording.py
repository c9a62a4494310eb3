"""Recordings have the frames and size asked for; the figure puts three views side by side."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from nnviz.app.figure import FIGURE_SCALE, GAP, PANEL_SIZES, TITLE_H
from nnviz.app.main_window import MainWindow
from nnviz.app.recording import Recorder, RecordingSettings
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    trainer = Trainer(Design.from_dict(xor_design()))
    trainer.step_batch()
    window.run.install(trainer)
    return window


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_a_recording_has_the_requested_frame_count_and_size(qtbot, tmp_path, suffix):
    label = QLabel("frame 0")
    qtbot.addWidget(label)
    label.resize(400, 300)
    label.show()
    path = tmp_path / f"run{suffix}"
    recorder = Recorder(label, RecordingSettings("canvas", path, fps=10, width=320, seconds=1))
    recorder.progressed.connect(lambda done, _: label.setText(f"frame {done}"))
    with qtbot.waitSignal(recorder.saved, timeout=30000) as saved:
        recorder.start()
    assert saved.args == [str(path)]
    with Image.open(path) as picture:
        assert picture.n_frames == 10
        assert picture.size == (320, 240)


def test_a_still_view_is_recorded_for_as_long_as_asked(qtbot, window, tmp_path):
    """A paused network gives identical frames: the GIF keeps them as one, as long as all."""
    path = tmp_path / "still.gif"
    recorder = Recorder(window.canvas, RecordingSettings("canvas", path, 10, 320, 1))
    with qtbot.waitSignal(recorder.saved, timeout=30000):
        recorder.start()
    with Image.open(path) as picture:
        durations = []
        for k in range(picture.n_frames):
            picture.seek(k)
            durations.append(picture.info["duration"])
        assert sum(durations) == 1000
        assert picture.size[0] == 320


def test_the_indicator_shows_while_recording_and_stop_ends_it_early(qtbot, window, tmp_path):
    control = window.recording
    path = tmp_path / "window.gif"
    recorder = control.start(RecordingSettings("window", path, fps=5, width=400, seconds=60))
    assert control.indicator.isVisibleTo(window) and control.stop_button.isVisibleTo(window)
    with qtbot.waitSignal(recorder.progressed, timeout=10000):
        pass
    with qtbot.waitSignal(recorder.saved, timeout=30000):
        control.stop_button.click()
    assert not control.indicator.isVisibleTo(window)
    with Image.open(path) as picture:
        assert 2 <= picture.n_frames < 300
        assert picture.size[0] == 400


def test_export_figure_is_three_panels_side_by_side_at_high_resolution(window, tmp_path):
    from nnviz.app.figure import export_figure

    path = tmp_path / "figure.png"
    panels = [
        ("Network", window.canvas),
        ("Decision plane", window.data_view.plane.plot),
        ("Loss", window.plots.plot_widgets()["loss"]),
    ]
    export_figure(panels, path)
    image = QImage(str(path))
    width = sum(s.width() for s in PANEL_SIZES) + GAP * 4
    height = max(s.height() for s in PANEL_SIZES) + TITLE_H + 2 * GAP
    assert (image.width(), image.height()) == (
        round(width * FIGURE_SCALE),
        round(height * FIGURE_SCALE),
    )
    # the canvas keeps its own size on screen after the export
    assert window.canvas.width() > 0


def test_the_layer_space_is_recorded_with_its_tab_brought_forward(qtbot, window, tmp_path):
    from nnviz.app.recording_ui import TARGETS, RecordingDialog

    dialog = RecordingDialog(window)
    assert "Layer space" in [dialog.target.itemText(i) for i in range(dialog.target.count())]
    assert TARGETS["layer_space"] == "Layer space"
    assert not window.layer_space_dock.shown  # behind the training curves
    path = tmp_path / "layers.gif"
    settings = RecordingSettings("layer_space", path, fps=5, width=400, seconds=1)
    recorder = window.recording.start(settings)
    assert recorder.widget is window.layer_space and window.layer_space_dock.shown
    with qtbot.waitSignal(recorder.saved, timeout=30000):
        qtbot.waitUntil(lambda: window.layer_space.panel_count() == 3, timeout=10000)
    with Image.open(path) as picture:
        assert picture.n_frames >= 1 and picture.size[0] == 400
        picture.seek(picture.n_frames - 1)
        colours = picture.convert("RGB").getcolors(1 << 16)
    assert len(colours) > 20  # panels drawn, not a blank widget
    assert {frame.shape for frame in recorder.frames} == {recorder.frames[0].shape}


def test_a_view_resized_while_recorded_keeps_the_first_frames_size(qtbot, tmp_path):
    label = QLabel("frame 0")
    qtbot.addWidget(label)
    label.resize(400, 300)
    label.show()
    path = tmp_path / "resized.gif"
    recorder = Recorder(label, RecordingSettings("canvas", path, fps=10, width=200, seconds=1))
    recorder.progressed.connect(lambda done, _: label.resize(400, 300 + 40 * done))
    with qtbot.waitSignal(recorder.saved, timeout=30000):
        recorder.start()
    assert {frame.shape for frame in recorder.frames} == {(150, 200, 3)}
    with Image.open(path) as picture:
        assert picture.n_frames == 10 and picture.size == (200, 150)
