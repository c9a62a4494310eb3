"""Recordings have the frames, size and length asked for, in every format offered; the
figure puts three views side by side."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from nnviz.app import recording
from nnviz.app.figure import FIGURE_SCALE, GAP, PANEL_SIZES, TITLE_H
from nnviz.app.main_window import MainWindow
from nnviz.app.recording import (
    FORMATS,
    Recorder,
    RecordingSettings,
    frame_durations,
    offered_formats,
)
from nnviz.app.recording_ui import NO_MP4, RecordingDialog
from nnviz.core.design import Design
from nnviz.core.registry import Entry
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design

WAIT_MS = 30_000


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


@pytest.fixture
def label(qtbot):
    """A view whose every frame differs (its text counts the frames grabbed)."""
    view = QLabel("frame 0")
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    return view


def read_video(path):
    """(frames, (width, height), fps) of a recording, read back from the file."""
    if path.suffix == ".mp4":
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(str(path))
        meta = reader.__next__()
        return sum(1 for _ in reader), tuple(meta["size"]), meta["fps"]
    with Image.open(path) as picture:
        durations = []
        for k in range(picture.n_frames):
            picture.seek(k)
            picture.load()  # WebP gives a frame's duration once it is decoded
            durations.append(picture.info["duration"])
        return picture.n_frames, picture.size, 1000 * picture.n_frames / sum(durations)


def record(qtbot, view, path, **settings) -> Recorder:
    recorder = Recorder(view, RecordingSettings("canvas", path, **settings))
    if isinstance(view, QLabel):
        recorder.progressed.connect(lambda done, _: view.setText(f"frame {done}"))
    with qtbot.waitSignal(recorder.saved, timeout=WAIT_MS) as saved:
        recorder.start()
    assert saved.args == [str(path)]
    return recorder


def test_every_format_is_offered_here():
    assert offered_formats() == [".gif", ".webp", ".mp4"]


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_a_recording_has_the_requested_frame_count_size_and_rate(qtbot, tmp_path, label, suffix):
    path = tmp_path / f"run{suffix}"
    record(qtbot, label, path, fps=10, width=320, seconds=1)
    frames, size, fps = read_video(path)
    assert (frames, size) == (10, (320, 240))
    assert fps == pytest.approx(10)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # nothing else left


def test_gif_frame_times_add_up_to_the_length_at_any_rate():
    durations = frame_durations(30, 30, 10)  # GIF counts hundredths of a second
    assert sum(durations) == 1000 and set(durations) == {30, 40}
    assert frame_durations(7, 7, 1) == [143, 143, 143, 142, 143, 143, 143]
    assert sum(frame_durations(25, 10, 10)) == 2500


def test_a_still_view_is_recorded_for_as_long_as_asked(qtbot, window, tmp_path):
    """A paused network gives identical frames: the GIF keeps them as one, as long as all."""
    path = tmp_path / "still.gif"
    record(qtbot, window.canvas, path, fps=10, width=320, seconds=1)
    with Image.open(path) as picture:
        durations = []
        for k in range(picture.n_frames):
            picture.seek(k)
            durations.append(picture.info["duration"])
        assert sum(durations) == 1000
        assert picture.size[0] == 320


def test_the_whole_window_is_recorded_to_scale(qtbot, window, tmp_path):
    path = tmp_path / "window.webp"
    record(qtbot, window, path, fps=5, width=600, seconds=1)
    frames, size, fps = read_video(path)
    assert size == (600, round(800 * 600 / 1200 / 2) * 2)
    assert frames / fps == pytest.approx(1.0)  # a still window's equal frames may merge


def test_an_encoder_that_falls_behind_skips_ticks_not_frames(qtbot, tmp_path, label, monkeypatch):
    held = threading.Event()
    original = recording.frame_from_pixels

    def slow(pixels, size):
        held.wait(WAIT_MS / 1000)
        return original(pixels, size)

    monkeypatch.setattr(recording, "frame_from_pixels", slow)
    monkeypatch.setattr(recording, "MAX_PENDING", 2)
    path = tmp_path / "behind.gif"
    recorder = Recorder(label, RecordingSettings("canvas", path, fps=30, width=200, seconds=1))
    recorder.progressed.connect(lambda done, _: label.setText(f"frame {done}"))
    recorder.start()
    qtbot.waitUntil(lambda: recorder.skipped >= 3, timeout=WAIT_MS)
    assert recorder.grabbed <= 3  # the queue held at most two (one more being encoded)
    held.set()
    with qtbot.waitSignal(recorder.saved, timeout=WAIT_MS):
        pass
    assert read_video(path)[0] == 30


def test_a_format_that_keeps_its_frames_is_limited_to_what_memory_allows(
    qtbot, tmp_path, label, monkeypatch
):
    monkeypatch.setattr(recording, "FRAME_BYTES", 200 * 150 * 4)  # four GIF frames of 200 px
    path = tmp_path / "short.gif"
    recorder = record(qtbot, label, path, fps=10, width=200, seconds=1)
    assert recorder.frame_count == 4 and read_video(path)[0] == 4
    dialog = RecordingDialog(lambda target: (400, 300))
    qtbot.addWidget(dialog)
    dialog.width.setValue(200)
    dialog.format.setCurrentIndex(dialog.format.findData(".gif"))
    assert dialog.seconds.maximum() == 1 and "0 s at most" not in dialog.summary.text()
    assert "keeps every frame in memory" in dialog.summary.text()
    dialog.format.setCurrentIndex(dialog.format.findData(".mp4"))
    assert dialog.seconds.maximum() == recording.SECONDS_RANGE[1]


def test_mp4_is_offered_only_where_it_can_be_written(qtbot, monkeypatch):
    mp4 = FORMATS.get(".mp4")
    unavailable = recording.RecordingFormat(mp4.title, mp4.write, 0, lambda: False)
    monkeypatch.setitem(FORMATS._entries, ".mp4", Entry(".mp4", unavailable, "t"))
    dialog = RecordingDialog(lambda target: (400, 300))
    qtbot.addWidget(dialog)
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == [".gif", ".webp"]
    assert any(NO_MP4 in label.text() for label in dialog.findChildren(QLabel))


def test_a_recording_that_cannot_be_written_says_why(qtbot, tmp_path, label):
    path = tmp_path / "missing folder" / "run.gif"
    recorder = Recorder(label, RecordingSettings("canvas", path, fps=10, width=200, seconds=1))
    with qtbot.waitSignal(recorder.failed, timeout=WAIT_MS) as failed:
        recorder.start()
    assert failed.args[0].startswith("run.gif: ") and "\n" not in failed.args[0]
    assert not path.parent.exists()


def test_the_indicator_shows_while_recording_and_stop_ends_it_early(qtbot, window, tmp_path):
    control = window.recording
    path = tmp_path / "window.gif"
    recorder = control.start(RecordingSettings("window", path, fps=5, width=400, seconds=60))
    assert control.indicator.isVisibleTo(window) and control.stop_button.isVisibleTo(window)
    assert control.indicator.text() == "● REC 0.2 / 60 s"  # its first frame, taken at once
    with qtbot.waitSignal(recorder.progressed, timeout=10000):
        pass
    assert control.indicator.text().startswith("● REC ")
    with qtbot.waitSignal(recorder.saved, timeout=WAIT_MS):
        control.stop_button.click()
    assert not control.indicator.isVisibleTo(window)
    frames, size, _ = read_video(path)
    assert 2 <= frames < 300 and size[0] == 400


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
    assert np.mean([image.pixelColor(x, 200).red() for x in range(0, image.width(), 7)]) < 255


def test_frames_are_copies_of_the_screen_where_they_show_what_a_repaint_shows(qtbot, window):
    grabber = recording.Grabber(window.canvas)
    first = grabber()
    assert grabber.from_screen  # the offscreen platform copies what it shows
    again, painted = grabber(), window.canvas.grab().toImage()  # pictures outlive their pixels
    shown, drawn = recording.image_pixels(again), recording.image_pixels(painted)
    assert shown.shape == drawn.shape == recording.image_pixels(first).shape
    assert np.abs(shown[..., :3].astype(int) - drawn[..., :3]).mean() < recording.SAME_PICTURE


def test_a_screen_that_shows_something_else_is_not_recorded(qtbot, window, monkeypatch):
    black = QImage(window.canvas.size(), QImage.Format.Format_RGB32)
    black.fill(0)
    monkeypatch.setattr(recording.Grabber, "_from_screen", lambda self: black)
    grabber = recording.Grabber(window.canvas)
    grabber()
    assert grabber.from_screen is False  # every frame is a repaint of the view
    frame = grabber()
    assert recording.image_pixels(frame)[..., :3].mean() > 100  # the canvas is mostly white


def test_the_layer_space_is_recorded_with_its_tab_brought_forward(qtbot, window, tmp_path):
    from nnviz.app.recording_ui import TARGETS, RecordingDialog

    dialog = RecordingDialog(window.recording.view_size, window)
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
    assert recorder.size == (200, 150)
    frames, size, _ = read_video(path)
    assert (frames, size) == (10, (200, 150))  # Pillow refuses frames of mixed sizes
