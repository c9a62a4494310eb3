"""Crash recovery: what a window was working on survives an abnormal exit.

Each running window owns one folder under `<data dir>/recovery/`, locked with a `QLockFile`
(which knows whether the process holding it is still alive). The folder holds the current
design (written shortly after every change), a note of its file path and whether it had unsaved
changes, and — every few seconds once the run has moved on — a session of the run, written by the
training thread. A clean exit deletes the folder. A folder whose owner is gone is a leftover of
a crash: the next window offers to restore it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
import weakref
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from nnviz.app.document import DesignDocument
from nnviz.app.worker import TrainingWorker
from nnviz.core.atomic import write_atomic
from nnviz.core.design import Design, DesignError, load_design, save_design
from nnviz.core.errors import first_line
from nnviz.core.session import load_session

RECOVERY_FOLDER = "recovery"
LOCK_NAME = "running.lock"
DESIGN_NAME = "design.json"
STATE_NAME = "state.json"
SESSION_NAME = "session.nnviz"
DESIGN_DELAY_MS = 1000  # a burst of edits (typing in a spin box) is written once
SESSION_INTERVAL_MS = 10_000
RETRY_MS = 5000  # a failed design autosave (full or read-only disk) is tried again this often


def _lock(folder: Path) -> QLockFile | None:
    """The folder's lock, taken now; None while a live process holds it."""
    lock = QLockFile(str(folder / LOCK_NAME))
    lock.setStaleLockTime(0)  # however old, a lock is stale only when its process is gone
    return lock if lock.tryLock(0) else None


class RecoveryStore:
    """This window's recovery folder, locked for as long as the window runs."""

    def __init__(self, root: Path) -> None:
        folder = root / uuid.uuid4().hex[:16]
        folder.mkdir(parents=True)
        lock = _lock(folder)
        if lock is None:
            raise OSError(f"{folder}: cannot lock the recovery folder")
        self.folder = folder
        self._lock: QLockFile | None = lock

    @property
    def session_path(self) -> Path:
        return self.folder / SESSION_NAME

    def save_design(self, design: Design, path: Path | None, modified: bool) -> None:
        save_design(design, self.folder / DESIGN_NAME)
        base_dir = design.base_dir
        state = {
            "path": str(path) if path is not None else None,
            "base_dir": str(base_dir) if base_dir is not None else None,
            "modified": modified,
        }
        write_atomic(self.folder / STATE_NAME, json.dumps(state).encode("utf-8"))

    def remove_session(self) -> None:
        self.session_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """The clean-exit path: unlock and delete the folder (idempotent)."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
            shutil.rmtree(self.folder, ignore_errors=True)


def _read_state(folder: Path) -> dict[str, Any]:
    """What the state note says, field by field; whatever cannot be read takes the safe side
    (no file path, and unsaved changes: the user decides)."""
    try:
        state = json.loads((folder / STATE_NAME).read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        state = None
    if not isinstance(state, dict):
        state = {}
    path, base_dir, modified = state.get("path"), state.get("base_dir"), state.get("modified")
    return {
        "path": Path(path) if isinstance(path, str) and path else None,
        "base_dir": Path(base_dir) if isinstance(base_dir, str) and base_dir else None,
        "modified": modified if isinstance(modified, bool) else True,
    }


def _newest_change(folder: Path) -> float:
    times = []
    for name in (DESIGN_NAME, SESSION_NAME, STATE_NAME):
        try:
            times.append((folder / name).stat().st_mtime)
        except OSError:
            continue
    return max(times, default=0.0)


class Leftover:
    """A crashed window's recovery folder, locked by this process until restored or discarded."""

    def __init__(self, folder: Path, lock: QLockFile) -> None:
        self.folder = folder
        self._lock = lock
        state = _read_state(folder)
        self.path: Path | None = state["path"]
        self.base_dir: Path | None = state["base_dir"]
        self.modified: bool = state["modified"]

    @property
    def session_path(self) -> Path | None:
        path = self.folder / SESSION_NAME
        return path if path.is_file() else None

    @property
    def worth_offering(self) -> bool:
        """Unsaved edits or a trained run: something a user would miss."""
        return self.modified or self.session_path is not None

    def design(self) -> Design:
        """The recovered design, its data paths resolving as they did; the session's copy when
        the design file cannot be read (raises DesignError when neither can). Without a
        readable note of the original folder, relative data paths resolve in the design's own
        folder, or else the recovery folder."""
        try:
            design = load_design(self.folder / DESIGN_NAME)
        except DesignError:
            session = self.session_path
            if session is None:
                raise
            design = load_session(session, base_dir=self.base_dir).design
        base_dir = self.base_dir or (self.path.parent if self.path is not None else None)
        return design if base_dir is None else dataclasses.replace(design, base_dir=base_dir)

    def release(self) -> None:
        """Leave it for a later launch."""
        self._lock.unlock()

    def discard(self) -> None:
        self._lock.unlock()
        shutil.rmtree(self.folder, ignore_errors=True)


def find_leftovers(root: Path) -> list[Leftover]:
    """Folders under `root` left by windows that did not exit cleanly, newest first.

    Nothing the user made is deleted here, whatever state the files are in: only a folder
    holding no more than the state note is removed.
    """
    try:
        folders = [folder for folder in root.iterdir() if folder.is_dir()]
    except OSError:
        return []
    found: list[tuple[float, Leftover]] = []
    for folder in folders:
        lock = _lock(folder)
        if lock is None:
            continue  # a live window's folder
        has_work = (folder / DESIGN_NAME).exists() or (folder / SESSION_NAME).exists()
        if not has_work:
            lock.unlock()
            if {p.name for p in folder.iterdir()} <= {STATE_NAME}:
                shutil.rmtree(folder, ignore_errors=True)  # only a note: nothing of the user's
            continue
        found.append((_newest_change(folder), Leftover(folder, lock)))
    return [leftover for _, leftover in sorted(found, key=lambda item: -item[0])]


class AutoSaver(QObject):
    """Keeps a `RecoveryStore` up to date with a document (debounced) and a run (periodic).

    A failed write (a full or read-only disk) is tried again until it works; `failed` says so
    once when autosaving stops working, `recovered` once when it works again.
    """

    failed = Signal(str)
    recovered = Signal()

    def __init__(
        self,
        store: RecoveryStore,
        document: DesignDocument,
        worker: TrainingWorker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._document = document
        self._worker = worker
        self._saved: tuple[weakref.ref, int] | None = None  # (trainer, step) of the last session
        self._pending: Future | None = None
        self._errors: dict[str, str | None] = {"design": None, "session": None}
        self.design_timer = QTimer(self)
        self.design_timer.setSingleShot(True)
        self.design_timer.setInterval(DESIGN_DELAY_MS)
        self.design_timer.timeout.connect(self.save_design_now)
        self.session_timer = QTimer(self)
        self.session_timer.setInterval(SESSION_INTERVAL_MS)
        self.session_timer.timeout.connect(self.save_session_now)
        for signal in (document.designChanged, document.modifiedChanged, document.pathChanged):
            signal.connect(self._schedule_design)
        self.save_design_now()
        self.session_timer.start()

    @property
    def last_error(self) -> str | None:
        """Why the last write failed, while autosaving does not work; None when it does."""
        return self._errors["design"] or self._errors["session"]

    def _report(self, part: str, error: BaseException | None) -> None:
        was = self.last_error
        self._errors[part] = None if error is None else first_line(error)
        now = self.last_error
        if now is not None and was is None:
            self.failed.emit(now)
        elif now is None and was is not None:
            self.recovered.emit()

    def _schedule_design(self, *_args) -> None:
        self.design_timer.start()  # restarts: a burst of changes is written once, after it

    def save_design_now(self) -> None:
        doc = self._document
        try:
            self.store.save_design(doc.design, doc.path, doc.is_modified)
        except (OSError, DesignError) as error:
            self._report("design", error)
            self.design_timer.start(RETRY_MS)
        else:
            self._report("design", None)
            self.design_timer.setInterval(DESIGN_DELAY_MS)

    def save_session_now(self) -> Future | None:
        """Ask the training thread to write the run, if it moved since the last time."""
        pending = self._pending
        if pending is not None:
            if not pending.done():
                return None
            error = pending.exception()
            self._report("session", error)
            self._pending = None
            if error is not None:
                self._saved = None  # not written: try again at the next tick
        trainer = self._worker.trainer
        if trainer is None:
            return None
        if trainer.step == 0:
            if self._saved is not None and self._saved[0]() is not trainer:
                self.store.remove_session()  # a new run has replaced the saved one
                self._saved = None
            return None
        if self._saved is not None and self._saved == (weakref.ref(trainer), trainer.step):
            return None
        self._saved = (weakref.ref(trainer), trainer.step)
        self._pending = self._worker.save_session(self.store.session_path, self._document.design)
        return self._pending

    def close(self) -> None:
        """Stop saving and delete the folder; call after the training thread has stopped."""
        self.design_timer.stop()
        self.session_timer.stop()
        self.store.discard()
