"""Window tests: a window still holding edits when a test ends is closed without asking
(Discard); the tests of the unsaved-changes question answer it themselves. Every test already
has its own data folder (tests/conftest.py), so settings, recent files and recovery are private.

No test can wait on a question nobody answers: offscreen, a modal dialog's `exec()` (or a
static `QMessageBox.warning`, `QFileDialog.getOpenFileName`, …) would block the test forever.
Every one of them raises `UnansweredDialogError` instead, naming the dialog, so the test fails at
once; a test that expects a dialog replaces it with its answer (`monkeypatch.setattr`).
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QFileDialog,
    QFontDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QProgressDialog,
)

from nnviz.app.file_actions import FileActions
from nnviz.app.gui_gc import GuiGarbageCollector
from nnviz.app.views.network_canvas import NetworkCanvas

# Everything in Qt that waits in a nested event loop for a person's answer.
MODAL_CALLS: dict[type, tuple[str, ...]] = {
    QDialog: ("exec", "exec_"),
    QMessageBox: (
        "exec",
        "exec_",
        "warning",
        "information",
        "question",
        "critical",
        "about",
        "aboutQt",
    ),
    QFileDialog: (
        "exec",
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
        "getOpenFileUrl",
        "getSaveFileUrl",
    ),
    QInputDialog: ("exec", "getText", "getInt", "getDouble", "getItem", "getMultiLineText"),
    QColorDialog: ("exec", "getColor"),
    QFontDialog: ("exec", "getFont"),
    QProgressDialog: ("exec",),
    QMenu: ("exec", "exec_"),
    QDrag: ("exec", "exec_"),
}


class UnansweredDialogError(AssertionError):
    """A test reached a modal dialog it does not answer."""


def _refuse(owner: type, name: str):
    def refuse(*args, **_kwargs):
        shown = next((a for a in args if isinstance(a, str)), "")
        raise UnansweredDialogError(
            f"{owner.__name__}.{name} would wait forever for an answer ({shown!r}): "
            "answer it in the test with monkeypatch"
        )

    return refuse


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(monkeypatch):
    for owner, names in MODAL_CALLS.items():
        for name in names:
            if name in vars(owner):
                monkeypatch.setattr(owner, name, _refuse(owner, name))


@pytest.fixture(autouse=True)
def discard_unsaved_edits(monkeypatch):
    monkeypatch.setattr(FileActions, "ask_unsaved", lambda self: "discard")


@pytest.fixture
def canvas(qtbot):
    """A 1000×600 network canvas with its animation off, so what it shows is the snapshot."""
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.set_mode("off")
    return widget


@pytest.fixture
def still_window(qtbot):
    """A main window whose canvas does not animate: it shows each snapshot as it is."""
    from nnviz.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.canvas.set_mode("off")
    yield window
    window.close()


@pytest.fixture
def main_window(qtbot):
    """A window on the default design; closed (and its training thread joined) afterwards."""
    from nnviz.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    yield window
    window.close()
    assert not window.worker.thread.isRunning()


@pytest.fixture
def shown_window(qtbot, main_window):
    """The main window on screen at 1366×768 (a common laptop size)."""
    main_window.resize(1366, 768)
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


@pytest.fixture(autouse=True)
def garbage_collected_on_the_gui_thread(qapp):
    """As in the app (`launch.py`): reference cycles are collected by a GUI timer, never by a
    training, reading or recording thread that happens to allocate when a generation fills
    up, which would destroy widgets of earlier tests in that thread (a crash later, in
    whichever test touches them)."""
    collector = GuiGarbageCollector()
    collector.start()
    yield
    collector.stop(full=False)
