"""The Download button beside MNIST: a progress dialog, then the design uses the full set."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox

from nnviz.app.builder import BuildPanel
from nnviz.app.document import DesignDocument
from nnviz.app.download_dialog import STEPS, DownloadDialog
from nnviz.core import downloads
from nnviz.core.design import Design
from nnviz.core.examples import load_example
from nnviz.core.registry import Entry
from nnviz.core.user_data import DATA_DIR_ENV
from tests.fake_downloads import small_set
from tests.local_server import LocalServer

WAIT_MS = 30_000


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    doc = DesignDocument(load_example("mnist"))
    widget = BuildPanel(doc)
    qtbot.addWidget(widget)
    widget.show()
    return widget, doc


def test_mnist_shows_its_source_and_a_download_button(panel):
    widget, _ = panel
    row = widget.dataset.source_row
    assert row.isVisibleTo(widget)
    assert row.source.value() == "subset"
    assert row.download.isEnabled() and row.download.text() == "Download…"


def test_download_then_the_full_set_is_chosen(qtbot, panel, monkeypatch):
    widget, doc = panel
    files, remote = small_set("mnist")
    monkeypatch.setitem(downloads.REMOTE_SETS._entries, "mnist", Entry("mnist", remote, "t"))
    shown = []  # (the progress bar's value, the thread that set it)
    original = DownloadDialog.setValue

    def recorded(dialog, value: int) -> None:
        shown.append((value, threading.current_thread()))
        original(dialog, value)

    # (Not a replacement of the progress slot: PySide calls a replaced slot in the download's
    # own thread, and widgets touched from there crash the window.)
    monkeypatch.setattr(DownloadDialog, "setValue", recorded)
    with LocalServer(files) as server:
        monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
        widget.dataset.source_row.download.click()  # the window goes on while it downloads
        qtbot.waitUntil(lambda: doc.design.dataset.source == "full", timeout=WAIT_MS)
    assert shown and shown[-1][0] == STEPS  # the bar reached its end
    assert {thread for _, thread in shown} == {threading.main_thread()}
    row = widget.dataset.source_row
    assert row.download.text() == "Downloaded" and not row.download.isEnabled()


def test_offline_download_says_why_and_keeps_the_subset(qtbot, panel, monkeypatch):
    widget, doc = panel
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    monkeypatch.setenv(downloads.MIRROR_ENV, "http://127.0.0.1:9/")
    widget.dataset.source_row.download.click()
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    assert len(warnings) == 1 and "offline or unreachable" in warnings[0]
    assert doc.design.dataset.source in (None, "subset")
    assert isinstance(doc.design, Design)
