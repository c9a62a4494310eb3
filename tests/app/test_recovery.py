"""Crash recovery: autosaves while working, an offer to restore after a crash, none after a
clean exit. A crash is staged by copying a live window's recovery files (without its lock) into
a folder no running window owns: exactly what a killed process leaves behind."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnviz.app.file_actions import FileActions
from nnviz.app.main_window import MainWindow
from nnviz.app.recovery import (
    DESIGN_NAME,
    LOCK_NAME,
    RECOVERY_FOLDER,
    SESSION_NAME,
    find_leftovers,
)
from nnviz.core.design import Design, default_design, load_design, save_design
from nnviz.core.session import load_session

WAIT_MS = 10_000


@pytest.fixture
def root(private_user_data: Path) -> Path:
    return private_user_data / RECOVERY_FOLDER


@pytest.fixture
def offers(monkeypatch):
    """The text of every restore question; answered by `offers.answer` (Restore by default)."""

    class Offers(list):
        answer = True

    asked = Offers()

    def ask_restore(self, text: str) -> bool:
        asked.append(text)
        return asked.answer

    monkeypatch.setattr(FileActions, "ask_restore", ask_restore)
    return asked


def open_window(qtbot) -> MainWindow:
    window = MainWindow(recover=True)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.files.autosaver is not None, timeout=WAIT_MS)
    return window


def rename(window: MainWindow, name: str) -> None:
    design = window.document.design
    window.document.set_design(dataclasses.replace(design, name=name), "Rename")


def train_epoch(qtbot, window: MainWindow) -> None:
    target = window.worker.trainer.epoch + 1
    window.actions["epoch"].trigger()
    qtbot.waitUntil(
        lambda: window.worker.latest().epoch == target and window.worker.latest().state == "paused",
        timeout=WAIT_MS,
    )


def crash_copy(window: MainWindow, root: Path) -> Path:
    """Stage a crash: the window's recovery files in a folder whose owner is gone."""
    saver = window.files.autosaver
    saver.save_design_now()
    future = saver.save_session_now()
    if future is not None:
        future.result(timeout=WAIT_MS / 1000)
    left = root / "crashed"
    shutil.copytree(saver.store.folder, left, ignore=shutil.ignore_patterns(LOCK_NAME))
    return left


def test_edits_are_autosaved_shortly_after_they_happen(qtbot, offers):
    window = open_window(qtbot)
    store = window.files.autosaver.store
    rename(window, "Autosaved")
    qtbot.waitUntil(
        lambda: load_design(store.folder / DESIGN_NAME).name == "Autosaved", timeout=WAIT_MS
    )
    window.close()
    assert not store.folder.exists()
    assert offers == []


def test_training_is_autosaved_as_a_session(qtbot, offers):
    window = open_window(qtbot)
    saver = window.files.autosaver
    assert saver.save_session_now() is None  # nothing trained yet: nothing to keep
    train_epoch(qtbot, window)
    saver.save_session_now().result(timeout=WAIT_MS / 1000)
    assert load_session(saver.store.session_path).restore().step == window.worker.trainer.step
    assert saver.save_session_now() is None  # unchanged since: not written again
    window.actions["reset"].trigger()
    assert saver.save_session_now() is None
    assert not saver.store.session_path.exists()  # the reset run replaced the saved one
    window.close()


def test_restore_after_an_abnormal_exit(qtbot, tmp_path, root, offers, monkeypatch):
    crashed = open_window(qtbot)
    path = tmp_path / "mine.json"
    save_design(crashed.document.design, path)
    assert crashed.open_path(path)
    rename(crashed, "Unsaved work")
    train_epoch(qtbot, crashed)
    step = crashed.worker.trainer.step
    weights = [w.copy() for w in crashed.worker.latest().weights]
    crash_copy(crashed, root)
    crashed.close()

    window = open_window(qtbot)
    qtbot.waitUntil(lambda: len(offers) == 1, timeout=WAIT_MS)
    assert "Unsaved work" in offers[0] and "mine.json" in offers[0]
    assert window.document.design.name == "Unsaved work"
    assert window.document.path == path
    assert window.isWindowModified()
    assert window.worker.trainer.step == step
    window.update_frame()
    for restored, saved in zip(window.worker.latest().weights, weights, strict=True):
        np.testing.assert_array_equal(restored, saved)
    assert [p.name for p in root.iterdir()] == [window.files.autosaver.store.folder.name]
    window.close()


def test_discarding_the_offer_removes_the_leftover(qtbot, root, offers):
    crashed = open_window(qtbot)
    rename(crashed, "Not wanted")
    crash_copy(crashed, root)
    crashed.close()
    offers.answer = False
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: len(offers) == 1, timeout=WAIT_MS)
    assert window.document.design.name == default_design().name
    assert not window.isWindowModified()
    assert not (root / "crashed").exists()
    window.close()


def test_no_offer_after_a_clean_exit(qtbot, root, offers):
    first = open_window(qtbot)
    rename(first, "Saved or discarded")
    train_epoch(qtbot, first)
    first.files.autosaver.save_session_now().result(timeout=WAIT_MS / 1000)
    first.close()
    assert list(root.iterdir()) == []
    second = open_window(qtbot)
    qtbot.wait(50)
    assert offers == []
    second.close()


def test_a_running_window_is_not_taken_for_a_crash(qtbot, offers):
    first = open_window(qtbot)
    rename(first, "Still open")
    first.files.autosaver.save_design_now()
    second = open_window(qtbot)
    qtbot.wait(50)
    assert offers == []
    assert first.files.autosaver.store.folder.exists()
    second.close()
    first.close()


def test_a_leftover_with_nothing_unsaved_is_dropped_quietly(qtbot, root, offers):
    crashed = open_window(qtbot)
    left = crash_copy(crashed, root)
    assert not (left / SESSION_NAME).exists()
    crashed.close()
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: not left.exists(), timeout=WAIT_MS)
    assert offers == []
    window.close()


DAMAGED_STATES = {
    "truncated": b'{"path": "/home/me/mine.js',
    "empty": b"",
    "missing": None,
    "not UTF-8": b"\xff\xfe\x00{",
    "a list": b"[1, 2]",
    "wrong types": b'{"path": 5, "base_dir": ["x"], "modified": "yes"}',
}


@pytest.mark.parametrize("damage", DAMAGED_STATES, ids=list(DAMAGED_STATES))
def test_a_damaged_state_note_still_offers_the_work_and_deletes_nothing(
    qtbot, root, offers, damage
):
    crashed = open_window(qtbot)
    rename(crashed, "Precious")
    train_epoch(qtbot, crashed)
    left = crash_copy(crashed, root)
    crashed.close()
    state = left / "state.json"
    if DAMAGED_STATES[damage] is None:
        state.unlink()
    else:
        state.write_bytes(DAMAGED_STATES[damage])
    leftovers = find_leftovers(root)
    assert [x.folder for x in leftovers] == [left] and leftovers[0].worth_offering
    assert leftovers[0].design().name == "Precious"
    leftovers[0].release()
    window = open_window(qtbot)  # autosave starts, and the work is offered and restored
    qtbot.waitUntil(lambda: len(offers) == 1, timeout=WAIT_MS)
    assert window.document.design.name == "Precious" and window.worker.trainer.step > 0
    window.close()


def test_a_leftover_without_a_readable_design_is_restored_from_its_session(qtbot, root, offers):
    crashed = open_window(qtbot)
    rename(crashed, "In the session")
    train_epoch(qtbot, crashed)
    left = crash_copy(crashed, root)
    crashed.close()
    (left / DESIGN_NAME).write_bytes(b'{"format": "nnviz-des')
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: len(offers) == 1, timeout=WAIT_MS)
    assert window.document.design.name == "In the session"
    window.close()


def test_a_leftover_nothing_can_be_read_from_is_kept_and_the_user_told(qtbot, root, offers):
    left = root / "crashed"
    left.mkdir(parents=True)
    (left / DESIGN_NAME).write_bytes(b"\x00garbage")
    (left / SESSION_NAME).write_bytes(b"PK\x03\x04 not really a zip")
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: "cannot be read" in window.banner.text(), timeout=WAIT_MS)
    assert str(left) in window.banner.text()
    assert offers == []
    assert sorted(p.name for p in left.iterdir() if p.name != LOCK_NAME) == [
        DESIGN_NAME,
        SESSION_NAME,
    ]
    window.close()


def _kept(left: Path) -> list[str]:
    return sorted(p.name for p in left.iterdir() if p.name != LOCK_NAME)


def test_a_leftover_whose_data_is_gone_is_kept_when_restoring_fails(qtbot, tmp_path, root, offers):
    """Restore was asked for but cannot be done: the user's design and run must stay."""
    data = tmp_path / "points.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(40)))
    design = default_design().to_dict()
    design["inputs"] = 2
    design["dataset"] = {"name": "csv", "path": str(data)}
    path = tmp_path / "mine.json"
    save_design(Design.from_dict(design), path)
    crashed = MainWindow(str(path), recover=True)
    qtbot.addWidget(crashed)
    qtbot.waitUntil(lambda: crashed.files.autosaver is not None, timeout=WAIT_MS)
    rename(crashed, "Unsaved work")
    train_epoch(qtbot, crashed)
    left = crash_copy(crashed, root)
    crashed.close()
    before = _kept(left)
    data.unlink()  # the data file has gone since
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: "cannot be restored" in window.banner.text(), timeout=WAIT_MS)
    assert len(offers) == 1 and str(left) in window.banner.text()
    assert "points.csv" in window.banner.text()
    assert _kept(left) == before and SESSION_NAME in before
    window.close()


def test_a_leftover_with_an_unreadable_run_restores_the_design_and_keeps_the_run(
    qtbot, root, offers
):
    crashed = open_window(qtbot)
    rename(crashed, "Design survives")
    train_epoch(qtbot, crashed)
    left = crash_copy(crashed, root)
    crashed.close()
    (left / SESSION_NAME).write_bytes((left / SESSION_NAME).read_bytes()[:200])  # cut short
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: len(offers) == 1, timeout=WAIT_MS)
    assert window.document.design.name == "Design survives" and window.document.is_modified
    assert window.worker.trainer.step == 0  # the run could not be read: a fresh one
    assert "without its trained run" in window.banner.text() and str(left) in window.banner.text()
    assert SESSION_NAME in _kept(left)
    window.close()


def test_autosave_failures_are_shown_retried_and_their_end_announced(qtbot, offers, monkeypatch):
    window = open_window(qtbot)
    saver = window.files.autosaver
    store = saver.store
    real = store.save_design
    full = OSError(28, "No space left on device")

    def failing(*args):
        raise full

    monkeypatch.setattr(store, "save_design", failing)
    monkeypatch.setattr("nnviz.app.recovery.RETRY_MS", 50)
    rename(window, "Unprotected")
    qtbot.waitUntil(lambda: "Autosave cannot" in window.banner.text(), timeout=WAIT_MS)
    assert "No space left on device" in window.banner.text()
    monkeypatch.setattr(store, "save_design", real)  # the disk has room again: the retry works
    qtbot.waitUntil(lambda: window.banner.text() == "", timeout=WAIT_MS)
    assert "works again" in window.statusBar().currentMessage()
    assert load_design(store.folder / DESIGN_NAME).name == "Unprotected"
    window.close()


def test_a_failed_session_autosave_is_reported_and_written_at_the_next_tick(qtbot, offers):
    window = open_window(qtbot)
    saver = window.files.autosaver
    train_epoch(qtbot, window)
    saver.store.folder.joinpath(SESSION_NAME).mkdir()  # in the way: the write fails
    pending = saver.save_session_now()
    qtbot.waitUntil(pending.done, timeout=WAIT_MS)
    retry = saver.save_session_now()  # collects the failure, and tries the same step again
    assert retry is not None and "Autosave cannot" in window.banner.text()
    qtbot.waitUntil(retry.done, timeout=WAIT_MS)
    saver.store.folder.joinpath(SESSION_NAME).rmdir()
    saver.save_session_now().result(timeout=WAIT_MS / 1000)  # written this time
    assert saver.save_session_now() is None  # collects the success: nothing new to write
    assert saver.last_error is None and window.banner.text() == ""
    assert load_session(saver.store.session_path).restore().step == window.worker.trainer.step
    window.close()
