"""Reading that may take seconds — a design whose data is a large folder of pictures or a long
table — done in a worker thread while the window keeps drawing and a progress dialog says how
far it is.

`run_in_background` waits for the work in a local event loop, so the caller gets its result
(or its exception) as from a plain call; the dialog is window-modal, so nothing else can change
the window meanwhile, and it only appears when the work lasts (a small file never shows it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from nnviz.core.data_io import Progress, reporting_progress

PROGRESS_HZ = 20
SHOW_AFTER_MS = 400
DIALOG_WIDTH = 380  # room for the title of a long file name

T = TypeVar("T")


class CancelledError(Exception):
    """The person stopped a load (or nobody waits for it any more)."""


def throttled(stop: threading.Event, emit: Callable[[int, int], None]) -> Progress:
    """A core progress callback that passes on at most PROGRESS_HZ reports a second (and the
    last), and stops the load by raising CancelledError once `stop` is set."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if stop.is_set():
            raise CancelledError
        now = time.perf_counter()
        if now - last[0] >= 1 / PROGRESS_HZ or done == total:
            last[0] = now
            emit(done, total)

    return progress


class _Waiter(QObject):
    """Lives in the GUI thread: the worker's reports arrive here as queued signals."""

    progressed = Signal(int, int)
    finished = Signal()

    def __init__(self, dialog: QProgressDialog, loop: QEventLoop) -> None:
        super().__init__()
        self.dialog = dialog
        self.progressed.connect(self.show_progress)
        self.finished.connect(loop.quit)

    def show_progress(self, done: int, total: int) -> None:
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)


def run_in_background(parent: QWidget | None, title: str, work: Callable[[], T]) -> T:
    """`work()` in a worker thread (it must not touch Qt); its result, or its exception.

    Files and folders it reads report their progress to the dialog; Cancel stops them and
    raises CancelledError here."""
    dialog = QProgressDialog(f"{title}…", "Cancel", 0, 0, parent)
    dialog.setObjectName("backgroundProgress")
    dialog.setWindowTitle(title)
    dialog.setMinimumWidth(DIALOG_WIDTH)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    waiter = _Waiter(dialog, loop)
    stop = threading.Event()
    dialog.canceled.connect(stop.set)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            with reporting_progress(throttled(stop, waiter.progressed.emit)):
                outcome["result"] = work()
        except BaseException as error:  # handed to the caller, in its thread
            outcome["error"] = error
        waiter.finished.emit()

    thread = threading.Thread(target=run, daemon=True, name="nnviz-read")
    thread.start()
    loop.exec()
    thread.join()
    dialog.close()
    dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
