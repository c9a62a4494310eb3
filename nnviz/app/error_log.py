"""Errors that reach the window's top level: logged with their traceback, and said in a line.

An exception nobody caught (in a slot of the window, or in a background thread) would otherwise
only be printed to a terminal the user rarely has. `ErrorLog` writes it, with its traceback and
the time, to `nnviz.log` in the user's data folder (kept small: one old file beside it), and the
window's banner says what happened and where to look. Help › Show Log opens the file's end.
"""

from __future__ import annotations

import logging
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from nnviz.core.errors import first_line
from nnviz.core.user_data import user_data_dir

LOG_NAME = "nnviz.log"
LOG_BYTES = 1_000_000  # then the file starts again, the old one kept as nnviz.log.1
SHOWN_BYTES = 200_000  # of the log's end shown by Help › Show Log
LOG_SIZE = (760, 460)


def log_path() -> Path:
    return user_data_dir() / LOG_NAME


class ErrorLog(QObject):
    """Catches uncaught exceptions of this process (installed by `install`)."""

    reported = Signal(str)  # one line for the user, in the GUI thread

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.logger = logging.getLogger("nnviz")
        self._handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=1, delay=True)
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self.logger.addHandler(self._handler)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous
        self.logger.removeHandler(self._handler)
        self._handler.close()

    def handle(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
        where: str = "the window",
    ) -> None:
        """Log one uncaught exception with its traceback, and say it (Ctrl+C passes through)."""
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, error, trace)
            return
        line = first_line(error)
        self.logger.error("uncaught in %s: %s", where, line, exc_info=(kind, error, trace))
        self._handler.flush()
        self.reported.emit(
            f"Something went wrong inside nnviz ({line}). Your work is untouched; "
            f"the details are in Help › Show Log ({self.path})."
        )

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")


def show_log(parent: QWidget, path: Path | None = None) -> QDialog:
    """The end of the log in a read-only dialog (or a note that nothing was logged)."""
    path = path or log_path()
    try:
        with path.open("rb") as stream:
            stream.seek(max(0, path.stat().st_size - SHOWN_BYTES))
            text = stream.read().decode("utf-8", errors="replace")
    except OSError:
        text = ""
    dialog = QDialog(parent)
    dialog.setObjectName("logDialog")
    dialog.setWindowTitle("nnviz log")
    dialog.resize(*LOG_SIZE)
    layout = QVBoxLayout(dialog)
    note = QLabel(f"Errors nnviz could not handle, with their details: {path}")
    note.setWordWrap(True)
    note.setTextInteractionFlags(
        note.textInteractionFlags() | note.textInteractionFlags().TextSelectableByMouse
    )
    view = QPlainTextEdit(text or "Nothing has been logged: no error has reached the window.")
    view.setReadOnly(True)
    view.setFont(QFont("monospace"))
    view.moveCursor(view.textCursor().MoveOperation.End)
    layout.addWidget(note)
    layout.addWidget(view, 1)
    dialog.show()
    return dialog


def add_log_action(window) -> QAction:
    """Help › Show Log."""
    action = QAction("Show &Log", window)
    action.setObjectName("showLog")
    action.setStatusTip("The errors nnviz could not handle, with their details")
    action.triggered.connect(lambda: show_log(window))
    window.menus["help"].addAction(action)
    return action
