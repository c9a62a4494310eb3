"""Downloading a data set from the window: a progress dialog with Cancel, the work in a thread.

The download itself is `nnviz.core.downloads.download` (checksums, resume, atomic keep); this
module only runs it off the GUI thread and shows its progress. Cancel sets the download's event;
the partial file stays to resume from next time. Failures (offline, a wrong file) end with the
download's one-line message.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from nnviz.core.downloads import REMOTE_SETS, DownloadCancelledError, DownloadError, download
from nnviz.core.errors import first_line

STEPS = 1000  # the progress bar's resolution


class _Job(QObject):
    progressed = Signal(int, int)
    done = Signal(str)  # "" on success, else the one-line reason ("cancelled" when cancelled)

    def __init__(self, name: str, cancel: threading.Event) -> None:
        super().__init__()
        self.name = name
        self.cancel = cancel

    def run(self) -> None:
        try:
            download(self.name, self.progressed.emit, self.cancel)
        except DownloadCancelledError:
            self.done.emit("cancelled")
        except (DownloadError, OSError) as error:
            self.done.emit(str(error))
        except Exception as error:  # the dialog must end whatever happened: say what did
            self.done.emit(f"internal error: {first_line(error) or type(error).__name__}")
        else:
            self.done.emit("")


class DownloadDialog(QProgressDialog):
    """Downloads one registered set, window-modal but without a nested event loop (`open`, not
    `exec`); `ended` says how it went: "" done, "cancelled", or why not (also `outcome`)."""

    ended = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        title = REMOTE_SETS.get(name).title
        super().__init__(f"Downloading {title}…", "Cancel", 0, STEPS, parent)
        self.setObjectName("downloadDialog")
        self.setWindowTitle(f"Download {title}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.outcome: str | None = None
        self._title = title
        self._cancel = threading.Event()
        self._thread = QThread()
        self._job = _Job(name, self._cancel)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.progressed.connect(self._on_progress)
        self._job.done.connect(self._on_done)
        # Cancel (the button, Escape, closing the dialog) asks the download to stop and waits
        # for it: the dialog ends only once its thread has, so nothing is destroyed running.
        self.canceled.disconnect(self.cancel)
        self.canceled.connect(self._ask_to_stop)

    def start(self) -> None:
        self.setValue(0)
        self._thread.start()

    def reject(self) -> None:
        self._ask_to_stop()

    def closeEvent(self, event) -> None:
        event.ignore()
        self._ask_to_stop()

    def _ask_to_stop(self) -> None:
        if self.outcome is None and not self._cancel.is_set():
            self._cancel.set()
            self.setLabelText(f"Cancelling the download of {self._title}…")

    def _on_progress(self, done: int, total: int) -> None:
        self.setValue(round(STEPS * done / total) if total else 0)
        if not self._cancel.is_set():  # else it keeps saying that it is cancelling
            self.setLabelText(
                f"Downloading {self._title}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
            )

    def _on_done(self, outcome: str) -> None:
        self.outcome = outcome
        self._thread.quit()
        self._thread.wait()
        self.done(0)
        self.ended.emit(outcome)
