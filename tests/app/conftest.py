"""Window tests: a window still holding edits when a test ends is closed without asking
(Discard); the tests of the unsaved-changes question answer it themselves. Every test already
has its own data folder (tests/conftest.py), so settings, recent files and recovery are private.
"""

from __future__ import annotations

import pytest

from nnviz.app.file_actions import FileActions
from nnviz.app.views.network_canvas import NetworkCanvas


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
