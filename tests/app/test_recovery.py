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
from nnviz.app.recovery import DESIGN_NAME, LOCK_NAME, RECOVERY_FOLDER, SESSION_NAME
from nnviz.core.design import default_design, load_design, save_design
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
