"""The Download button beside MNIST: a progress dialog, then the design uses the full set."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QPushButton

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


class ProgressSpy(QObject):
    """Sees every download dialog's progress on the GUI thread, after the dialog does.

    A dialog's slot replaced by a test function would run in the download's thread (PySide
    calls a function added to a class after its creation in the emitting thread), so the
    spy listens to the download job with a method of its own."""

    def __init__(self, monkeypatch, on_progress) -> None:
        super().__init__()
        self.on_progress = on_progress
        self.dialogs: list[DownloadDialog] = []
        start = DownloadDialog.start

        def watched(dialog) -> None:
            self.dialogs.append(dialog)
            dialog._job.progressed.connect(self.seen)
            start(dialog)

        monkeypatch.setattr(DownloadDialog, "start", watched)

    def seen(self, done: int, total: int) -> None:
        self.on_progress(self.dialogs[-1], done, total)


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


def test_cancel_keeps_the_subset_and_the_next_download_resumes(qtbot, panel, monkeypatch):
    from nnviz.app import download_dialog

    widget, doc = panel
    files, remote = small_set("mnist", n_train=2000)  # 1.5 MB of images: many chunks
    monkeypatch.setitem(downloads.REMOTE_SETS._entries, "mnist", Entry("mnist", remote, "t"))
    real, waited = download_dialog.download, []

    def paced(name, progress, cancel):
        """The first download waits, half a megabyte in, for the person to press Cancel."""

        def report(done: int, total: int) -> None:
            first = done > 500_000 and not waited
            if first:
                waited.append(done)
            progress(done, total)
            if first:
                cancel.wait(10)

        return real(name, report, cancel)

    monkeypatch.setattr(download_dialog, "download", paced)
    pressed = []

    def press_cancel(dialog, done: int, total: int) -> None:
        if waited and not pressed:  # the download waits: press Cancel, once
            pressed.append(done)
            dialog.findChild(QPushButton).click()

    spy = ProgressSpy(monkeypatch, press_cancel)
    folder = downloads.dataset_folder("mnist")
    part = folder / "train-images-idx3-ubyte.gz.part"
    with LocalServer(files) as server:
        monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
        widget.dataset.source_row.download.click()
        qtbot.waitUntil(lambda: spy.dialogs[0].outcome == "cancelled", timeout=WAIT_MS)
        assert pressed and doc.design.dataset.source in (None, "subset")
        assert "Cancelling" in spy.dialogs[0].labelText()
        kept = part.stat().st_size
        assert 0 < kept < len(files["train-images-idx3-ubyte.gz"])
        assert not (folder / "train-images-idx3-ubyte.gz").exists()
        widget.dataset.source_row.download.click()  # again: it goes on from the part kept
        qtbot.waitUntil(lambda: doc.design.dataset.source == "full", timeout=WAIT_MS)
        ranges = [r for name, r in server.served.requests if name.startswith("train-images")]
    assert ranges == [None, f"bytes={kept}-"]
    assert doc.design.dataset.source == "full"
    images = "train-images-idx3-ubyte.gz"
    assert (folder / images).read_bytes() == files[images] and not part.exists()


def test_a_broken_connection_is_reported_and_the_retry_resumes(qtbot, panel, monkeypatch):
    widget, doc = panel
    files, remote = small_set("mnist", n_train=2000)
    monkeypatch.setitem(downloads.REMOTE_SETS._entries, "mnist", Entry("mnist", remote, "t"))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    with LocalServer(files) as server:
        server.served.break_after["train-images-idx3-ubyte.gz"] = 300_000
        monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
        widget.dataset.source_row.download.click()
        qtbot.waitUntil(lambda: len(warnings) == 1, timeout=WAIT_MS)
        assert "what was fetched is kept" in warnings[0]
        assert doc.design.dataset.source in (None, "subset")
        widget.dataset.source_row.download.click()
        qtbot.waitUntil(lambda: doc.design.dataset.source == "full", timeout=WAIT_MS)
        ranges = [r for name, r in server.served.requests if name.startswith("train-images")]
    assert ranges == [None, "bytes=300000-"]
    assert doc.design.dataset.source == "full" and len(warnings) == 1
