"""The File menu: new, open, save, revert, recent files, examples, sessions, drops, prompts."""

from __future__ import annotations

import dataclasses
import errno
import html
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from nnviz.app.main_window import MainWindow
from nnviz.core.design import default_design, load_design, save_design
from nnviz.core.examples import list_examples
from nnviz.core.session import load_session

WAIT_MS = 10_000


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    w.document.undo_stack.setClean()  # whatever a test answered, the window closes now
    w.close()
    assert not w.worker.thread.isRunning()


@pytest.fixture
def dialogs(monkeypatch):
    """The text of every error dialog shown."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    return shown


def latest(window: MainWindow):
    return window.worker.latest()


def rename(window: MainWindow, name: str) -> None:
    design = window.document.design
    assert window.document.set_design(dataclasses.replace(design, name=name), "Rename")


def save_to(window: MainWindow, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(window.files, "ask_save_path", lambda *args: path)
    window.actions["save_as"].trigger()
    assert window.document.path == path


def train_epoch(qtbot, window: MainWindow) -> None:
    target = window.worker.trainer.epoch + 1
    window.actions["epoch"].trigger()
    qtbot.waitUntil(
        lambda: latest(window).epoch == target and latest(window).state == "paused",
        timeout=WAIT_MS,
    )
    window.update_frame()


def run_state(window: MainWindow):
    """What must not change when a command is refused or fails."""
    doc = window.document
    trainer = window.worker.trainer
    return (doc.design, doc.path, doc.undo_stack.count(), doc.is_modified, trainer, trainer.step)


def test_save_then_open_gives_back_the_design(qtbot, window, tmp_path, monkeypatch, dialogs):
    rename(window, "Kept")
    path = tmp_path / "kept.json"
    save_to(window, monkeypatch, path)
    assert load_design(path).name == "Kept"
    window.actions["new"].trigger()
    assert window.document.design.name == default_design().name
    assert window.document.path is None
    monkeypatch.setattr(window.files, "ask_open_path", lambda *args: path)
    window.actions["open"].trigger()
    assert window.document.design.to_dict() == load_design(path).to_dict()
    assert window.document.path == path
    assert window.document.undo_stack.count() == 0
    assert dialogs == []


def test_save_as_updates_the_title_and_recent_files(qtbot, window, tmp_path, monkeypatch):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    save_to(window, monkeypatch, first)
    save_to(window, monkeypatch, second)
    name = window.document.design.name
    assert window.windowTitle() == f"nnviz — {name} (second.json)[*]"
    assert window.files.recent.paths()[:2] == [second, first]

    menu = window.menus["recent"]
    window.files.fill_recent_menu(menu)
    entries = [a for a in menu.actions() if a.data()]
    assert [Path(a.data()) for a in entries] == [second, first]
    assert all(a.isEnabled() for a in entries)
    first.unlink()
    window.files.fill_recent_menu(menu)
    entries = [a for a in menu.actions() if a.data()]
    assert entries[0].isEnabled() and not entries[1].isEnabled()
    assert "not found" in entries[1].text()
    clear = next(a for a in menu.actions() if a.text() == "Clear Menu")
    clear.trigger()
    assert window.files.recent.paths() == []


def test_recent_files_keep_ten_newest_first(qtbot, window, tmp_path):
    recent = window.files.recent
    for n in range(12):
        recent.add(tmp_path / f"d{n}.json")
    recent.add(tmp_path / "d5.json")
    paths = recent.paths()
    assert len(paths) == 10
    assert paths[0] == tmp_path / "d5.json"
    assert paths[1:3] == [tmp_path / "d11.json", tmp_path / "d10.json"]
    assert paths.count(tmp_path / "d5.json") == 1


def test_open_recent_opens_the_file(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "again.json"
    save_design(dataclasses.replace(window.document.design, name="Again"), path)
    window.files.recent.add(path)
    menu = window.menus["recent"]
    window.files.fill_recent_menu(menu)
    next(a for a in menu.actions() if a.data() == str(path)).trigger()
    assert window.document.design.name == "Again"
    assert window.document.path == path


def test_modified_mark_appears_after_an_edit_and_clears_on_save(
    qtbot, window, tmp_path, monkeypatch
):
    assert not window.isWindowModified()
    assert not window.actions["revert"].isEnabled()
    rename(window, "Changed")
    assert window.isWindowModified()
    assert window.windowTitle().startswith("nnviz — Changed")
    save_to(window, monkeypatch, tmp_path / "changed.json")
    assert not window.isWindowModified()
    rename(window, "Changed again")
    assert window.isWindowModified() and window.actions["revert"].isEnabled()
    window.actions["save"].trigger()  # has a path now: no dialog
    assert not window.isWindowModified()
    assert load_design(tmp_path / "changed.json").name == "Changed again"


def test_revert_asks_then_reloads_from_disk(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "revert.json"
    save_to(window, monkeypatch, path)
    original = window.document.design.name
    rename(window, "Not wanted")
    monkeypatch.setattr(window.files, "ask_revert", lambda name: False)
    window.actions["revert"].trigger()
    assert window.document.design.name == "Not wanted"
    monkeypatch.setattr(window.files, "ask_revert", lambda name: name == "revert.json")
    window.actions["revert"].trigger()
    assert window.document.design.name == original
    assert not window.isWindowModified()
    assert window.document.undo_stack.count() == 0


def _new(window: MainWindow, other: Path) -> None:
    window.actions["new"].trigger()


def _open(window: MainWindow, other: Path) -> None:
    window.open_path(other)


def _close(window: MainWindow, other: Path) -> None:
    window.close()


COMMANDS = {"new": _new, "open": _open, "close": _close}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("answer", ["save", "discard", "cancel"])
def test_unsaved_changes_are_asked_about(qtbot, window, tmp_path, monkeypatch, command, answer):
    mine, other = tmp_path / "mine.json", tmp_path / "other.json"
    save_design(dataclasses.replace(window.document.design, name="Other"), other)
    save_to(window, monkeypatch, mine)
    original = window.document.design.name
    rename(window, "Edited")
    before = run_state(window)
    asked: list[str] = []
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: asked.append(answer) or answer)

    COMMANDS[command](window, other)

    assert asked == [answer]
    if answer == "cancel":
        assert run_state(window) == before
        assert window.isWindowModified()
        assert window.worker.thread.isRunning()
        return
    assert load_design(mine).name == ("Edited" if answer == "save" else original)
    if command == "new":
        assert window.document.design.name == default_design().name
        assert window.document.path is None
    elif command == "open":
        assert window.document.design.name == "Other"
        assert window.document.path == other
    else:
        assert not window.worker.thread.isRunning()
    assert window.document.is_modified == (command == "close" and answer == "discard")


def test_an_unmodified_design_is_replaced_without_asking(qtbot, window, monkeypatch):
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: pytest.fail("asked"))
    window.actions["new"].trigger()
    window.close()
    assert not window.worker.thread.isRunning()


def test_save_with_nowhere_chosen_keeps_the_window_open(qtbot, window, monkeypatch):
    rename(window, "Unsaved")
    before = run_state(window)
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: "save")
    monkeypatch.setattr(window.files, "ask_save_path", lambda *args: None)  # dialog cancelled
    window.close()
    assert window.worker.thread.isRunning()
    assert run_state(window) == before


def test_a_bad_design_file_shows_a_dialog_and_changes_nothing(
    qtbot, window, tmp_path, monkeypatch, dialogs
):
    train_epoch(qtbot, window)
    rename(window, "Work in progress")
    before = run_state(window)
    asked: list[bool] = []
    monkeypatch.setattr(window.files, "ask_unsaved", lambda: asked.append(True) or "cancel")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnviz-design", "version": 1, "name": 3}')
    assert not window.open_path(bad)
    assert not window.open_path(tmp_path / "missing.json")
    assert len(dialogs) == 2
    assert dialogs[1] == "missing.json: file not found"
    assert dialogs[0].startswith("bad.json: ") and "\n" not in dialogs[0]
    assert str(tmp_path) not in dialogs[0]
    assert run_state(window) == before
    assert window.worker.trainer.step == before[-1] > 0
    assert asked == []  # a file that cannot be opened is reported before anything is asked


def test_a_bad_session_file_shows_a_dialog_and_changes_nothing(
    qtbot, window, tmp_path, monkeypatch, dialogs
):
    train_epoch(qtbot, window)
    rename(window, "Work in progress")
    before = run_state(window)
    not_zip = tmp_path / "broken.nnviz"
    not_zip.write_bytes(b"this is not a session")
    assert not window.open_path(not_zip)
    good = tmp_path / "good.nnviz"
    assert window.files.save_session(good)
    damaged = tmp_path / "damaged.nnviz"
    damaged.write_bytes(good.read_bytes()[:-200])
    assert not window.open_path(damaged)
    assert dialogs[0] == "broken.nnviz: not a session file (not a zip archive)"
    assert dialogs[1].startswith("damaged.nnviz: ") and "\n" not in dialogs[1]
    assert len(dialogs) == 2
    assert run_state(window) == before


def test_an_interrupted_save_leaves_the_old_file_whole(
    qtbot, window, tmp_path, monkeypatch, dialogs
):
    path = tmp_path / "whole.json"
    save_to(window, monkeypatch, path)
    old = path.read_bytes()
    rename(window, "Half written")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", full_disk)
        window.actions["save"].trigger()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["whole.json"]
    assert dialogs == [f"whole.json: {os.strerror(errno.ENOSPC)}"]
    assert window.isWindowModified() and window.document.is_modified


def test_a_failed_save_keeps_the_document_modified(qtbot, window, tmp_path, monkeypatch, dialogs):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    rename(window, "Nowhere to go")
    monkeypatch.setattr(window.files, "ask_save_path", lambda *args: blocker / "x.json")
    assert not window.files.save_as()
    assert len(dialogs) == 1 and dialogs[0].startswith("x.json: ")
    assert window.document.path is None
    assert window.isWindowModified()


def _drop_events(path: Path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    return QDragEnterEvent(QPoint(20, 20), *args), QDropEvent(QPointF(20, 20), *args), mime


def test_dropping_a_design_file_opens_it(qtbot, window, tmp_path):
    path = tmp_path / "dropped.json"
    save_design(dataclasses.replace(window.document.design, name="Dropped"), path)
    enter, drop, _mime = _drop_events(path)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: window.document.path == path, timeout=WAIT_MS)
    assert window.document.design.name == "Dropped"


def test_other_files_are_not_accepted_as_drops(qtbot, window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    enter, _drop, _mime = _drop_events(path)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_session_save_then_open_resumes_where_it_stopped(qtbot, window, tmp_path, monkeypatch):
    train_epoch(qtbot, window)
    train_epoch(qtbot, window)
    saved_step = window.worker.trainer.step
    saved_weights = [w.copy() for w in latest(window).weights]
    path = tmp_path / "run.nnviz"
    monkeypatch.setattr(window.files, "ask_save_path", lambda *args: path)
    window.actions["save_session"].trigger()
    assert load_session(path).thumbnail is not None

    train_epoch(qtbot, window)  # train on, then come back
    on_weights = [w.copy() for w in latest(window).weights]
    assert window.worker.trainer.step > saved_step
    assert window.open_path(path)
    window.update_frame()
    assert window.worker.trainer.step == saved_step
    for restored, saved in zip(latest(window).weights, saved_weights, strict=True):
        np.testing.assert_array_equal(restored, saved)
    x, _ = window.plots.curves["loss:train"].getOriginalDataset()
    assert len(x) == 2  # the plots show the saved run's history
    assert window.document.path is None and not window.isWindowModified()
    assert window.files.recent.paths()[0] == path
    assert "(run.nnviz)" in window.windowTitle()  # which file this run came from

    train_epoch(qtbot, window)  # the same next steps as never stopping
    for resumed, expected in zip(latest(window).weights, on_weights, strict=True):
        np.testing.assert_array_equal(resumed, expected)


def test_session_save_while_training_keeps_training(qtbot, window, tmp_path):
    design = window.document.design
    training = dataclasses.replace(design.training, epochs=1_000_000)
    window.document.set_design(dataclasses.replace(design, training=training), "epochs")
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).step > 20, timeout=WAIT_MS)
    path = tmp_path / "live.nnviz"
    assert window.files.save_session(path)
    assert load_session(path).restore().step > 20
    step = window.worker.trainer.step
    qtbot.waitUntil(lambda: window.worker.trainer.step > step + 20, timeout=WAIT_MS)
    assert window.worker.is_playing


def test_a_session_reopens_with_the_learning_rate_changed_during_the_run(qtbot, window, tmp_path):
    """The design in the session is the one the panel showed, not the one the run began with."""
    train_epoch(qtbot, window)
    design = window.document.design
    params = dict(design.optimizer.params, learning_rate=0.0025)
    optimizer = dataclasses.replace(design.optimizer, params=params)
    window.document.set_design(dataclasses.replace(design, optimizer=optimizer), "lr")
    train_epoch(qtbot, window)
    assert window.worker.trainer.learning_rate == pytest.approx(0.0025)
    path = tmp_path / "live-lr.nnviz"
    assert window.files.save_session(path)
    window.document.set_design(design, "lr")  # back to the old rate, then reopen the session
    assert window.open_path(path)
    assert window.document.design.optimizer.params["learning_rate"] == pytest.approx(0.0025)
    window.update_frame()
    assert window.worker.trainer.learning_rate == pytest.approx(0.0025)


def test_examples_menu_opens_an_untitled_design_with_its_description(qtbot, window, monkeypatch):
    examples = list_examples()
    entries = window.menus["examples"].actions()
    assert [a.text() for a in entries] == [e.title for e in examples]
    example = next(e for e in examples if e.name == "xor")
    next(a for a in entries if a.text() == example.title).trigger()
    assert window.document.design == load_design(example.path)
    assert window.document.path is None
    assert html.escape(example.description) in window.banner.text()
    asked: list[str] = []
    monkeypatch.setattr(window.files, "ask_save_path", lambda *args: asked.append(args[0]))
    window.actions["save"].trigger()
    assert asked == ["Save design as"]


def test_session_save_after_the_run_finished(qtbot, window, tmp_path):
    design = window.document.design
    training = dataclasses.replace(design.training, epochs=1)
    window.document.set_design(dataclasses.replace(design, training=training), "epochs")
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).state == "finished", timeout=WAIT_MS)
    path = tmp_path / "done.nnviz"
    assert window.files.save_session(path)
    restored = load_session(path).restore()
    assert restored.epoch == 1 and restored.step == window.worker.trainer.step


def test_a_session_named_on_the_command_line_opens(qtbot, window, tmp_path):
    train_epoch(qtbot, window)
    path = tmp_path / "start.nnviz"
    assert window.files.save_session(path)
    step = window.worker.trainer.step
    other = MainWindow(str(path))
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.worker.trainer.step == step, timeout=WAIT_MS)
    assert other.document.design.to_dict() == window.worker.trainer.design.to_dict()
    other.close()


def test_a_bundled_example_opened_by_path_stays_untitled_so_save_cannot_overwrite_it(qtbot, window):
    example = next(e for e in list_examples() if e.name == "moons")
    assert window.files.open_path(example.path)
    assert window.document.path is None
    assert window.document.design == load_design(example.path)
    assert html.escape(example.description) in window.banner.text()
    assert window.banner.property("kind") == "info"  # a note, not a warning


def test_the_window_started_on_an_example_file_is_untitled(qtbot):
    example = next(e for e in list_examples() if e.name == "xor")
    started = MainWindow(str(example.path))
    qtbot.addWidget(started)
    try:
        assert started.document.path is None
        assert started.document.design == load_design(example.path)
        assert html.escape(example.description) in started.banner.text()
    finally:
        started.shutdown()
