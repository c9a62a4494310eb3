"""The File menu's logic: new, open, save, revert, sessions, examples, recent files, recovery.

Every command that would replace the current design first reads and checks what replaces it
(a bad file is reported in a dialog and changes nothing), then asks about unsaved changes
(Save / Discard / Cancel; Cancel changes nothing), and only then swaps in the new design and
run together. The questions and file dialogs are small methods (`ask_unsaved`, `ask_open_path`,
…) so tests can answer them without a real dialog.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QBuffer, QIODevice, QMimeData, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from nnviz.app.recovery import RECOVERY_FOLDER, AutoSaver, Leftover, RecoveryStore, find_leftovers
from nnviz.app.settings import RecentFiles
from nnviz.app.window_api import WindowApi
from nnviz.core.data_cache import DataNotLoadedError
from nnviz.core.datasets import Dataset
from nnviz.core.design import (
    Design,
    DesignError,
    default_design,
    load_design,
    needs_reset,
    save_design,
)
from nnviz.core.errors import first_line
from nnviz.core.examples import (
    Example,
    example_at,
    example_weights,
    list_examples,
    load_example,
)
from nnviz.core.runs import RunList
from nnviz.core.session import SESSION_SUFFIX, load_session
from nnviz.core.trainer import Trainer
from nnviz.core.user_data import user_data_dir

Answer = Literal["save", "discard", "cancel"]

DESIGN_SUFFIX = ".json"
DESIGN_FILTER = "nnviz designs (*.json);;All files (*)"
SESSION_FILTER = f"nnviz sessions (*{SESSION_SUFFIX});;All files (*)"
OPEN_FILTER = (
    f"nnviz designs and sessions (*.json *{SESSION_SUFFIX});;"
    f"nnviz designs (*.json);;nnviz sessions (*{SESSION_SUFFIX});;All files (*)"
)
# What opening a file can raise for a bad file: reported, never a crash.
OPEN_ERRORS = (DesignError, OSError, ValueError)
SAVE_ERRORS = (DesignError, OSError)
SESSION_SAVE_TIMEOUT_S = 30.0
THUMBNAIL_PX = 256


@dataclass(frozen=True)
class Opened:
    """A design and its run, read and checked, ready to replace the current ones."""

    design: Design
    trainer: Trainer
    path: Path | None  # the document's file; None for untitled (examples, sessions, New)
    keep_ghost: bool = True  # keep the old run in the Runs list and plots
    message: str | None = None  # shown in the status bar once open
    runs: RunList | None = None  # a session's runs
    session: Path | None = None  # the session file it came from (the title names it)


def file_error(path: Path, error: BaseException) -> str:
    """'<file name>: <problem>' on one line, the form the command line uses."""
    if isinstance(error, OSError):
        name = Path(error.filename).name if error.filename else ""
        # the file itself, or the temporary file a save writes beside it, goes without saying
        where = f"{name}: " if name and not name.lstrip(".").startswith(path.name) else ""
        text = f"{where}{error.strerror or error}"
    else:
        text = first_line(error)
    for prefix in {str(path), str(path.absolute())}:
        if text.startswith(f"{prefix}: "):
            text = text[len(prefix) + 2 :]
    return f"{path.name}: {text}"


def widget_png(widget: QWidget, size: int = THUMBNAIL_PX) -> bytes:
    """A small PNG of a widget as it looks now (a session's thumbnail)."""
    picture = widget.grab()
    if picture.isNull():
        return b""
    picture = picture.scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")
    return bytes(buffer.data())


DataFor = Callable[[Design], Dataset]  # the window's datasets (see `DataLoading.data_for`)


def _read_design(path: Path, data_for: DataFor) -> Opened:
    design = load_design(path)
    return Opened(design, Trainer(design, data=data_for(design)), path)


def _read_session(path: Path, data_for: DataFor) -> Opened:
    session = load_session(path)
    trainer = session.restore(data_for(session.design))
    message = f"Session {path.name}: step {trainer.step}, epoch {trainer.epoch}"
    return Opened(
        session.design,
        trainer,
        None,
        keep_ghost=False,
        message=message,
        runs=session.runs,
        session=path,
    )


# File suffix → reader; anything else is read as a design.
READERS: dict[str, Callable[[Path, DataFor], Opened]] = {SESSION_SUFFIX: _read_session}


def read_file(path: Path, data_for: DataFor) -> Opened:
    return READERS.get(path.suffix.lower(), _read_design)(path, data_for)


class FileActions(QObject):
    """The File menu of one main window."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window)
        self.window = window
        self.recent = RecentFiles()
        self.session_path: Path | None = None
        self.autosaver: AutoSaver | None = None

    # ------------------------------------------------------------------ questions
    def ask_unsaved(self) -> Answer:
        """Save / Discard / Cancel for the current design's unsaved changes."""
        name = self.window.document.design.name
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            f"Save the changes to “{name}”?",
            buttons,
            self.window,
        )
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answers: dict[int, Answer] = {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }
        return answers.get(box.exec(), "cancel")

    def ask_revert(self, name: str) -> bool:
        answer = QMessageBox.question(
            self.window,
            "Revert",
            f"Discard your changes and reload {name} from disk?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def ask_restore(self, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Recover", text, parent=self.window)
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(restore)
        box.exec()
        return box.clickedButton() is restore

    def ask_open_path(self, title: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self._start_dir(), filters)
        return Path(path) if path else None

    def ask_save_path(self, title: str, filters: str, start: Path | None) -> Path | None:
        start_text = str(start) if start is not None else self._start_dir()
        path, _ = QFileDialog.getSaveFileName(self.window, title, start_text, filters)
        return Path(path) if path else None

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def _start_dir(self) -> str:
        path = self.window.document.path or self.session_path
        if path is not None:
            return str(path.parent)
        recent = self.recent.paths()
        return str(recent[0].parent) if recent else ""

    # ------------------------------------------------------------------ unsaved changes
    def maybe_save(self) -> bool:
        """True when the current design may be replaced (saved, discarded or unmodified)."""
        if not self.window.document.is_modified:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ commands
    def new_design(self) -> bool:
        return self._replace(lambda: _fresh(default_design(), self._data_for))

    def open_dialog(self) -> bool:
        path = self.ask_open_path("Open design or session", OPEN_FILTER)
        return path is not None and self.open_path(path)

    def open_session_dialog(self) -> bool:
        path = self.ask_open_path("Open session", SESSION_FILTER)
        return path is not None and self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a design or session file (by its suffix); True once it is the current one."""
        path = Path(path)
        example = example_at(path)
        if example is not None:
            return self.open_example(example)
        if not self._replace(lambda: read_file(path, self._data_for), error_path=path):
            return False
        self.recent.add(path)
        return True

    def open_example(self, example: Example) -> bool:
        """An example as an untitled design (Save asks where), its description in the banner;
        it starts from the weights it ships, if any."""
        name = example.name

        def opened() -> Opened:
            return _fresh(load_example(name), self._data_for, example_weights(name))

        if not self._replace(opened, error_path=example.path):
            return False
        self.show_example(example)
        return True

    def open_untitled(self, design: Design, weights=None, ask: bool = True) -> bool:
        """A design made elsewhere (a lesson's) as an untitled design, starting from
        `weights` ((W0, W1, …), (b0, b1, …)) if given; asks about unsaved changes first
        unless `ask` is False. True once it is the current one."""
        return self._replace(lambda: _fresh(design, self._data_for, weights), ask=ask)

    def show_example(self, example: Example) -> None:
        text = f"<b>{html.escape(example.title)}</b> — {html.escape(example.description)}"
        self.window.banner.show_message(text, kind="info")

    def revert(self) -> bool:
        doc = self.window.document
        path = doc.path
        if path is None or not doc.is_modified or not self.ask_revert(path.name):
            return False
        return self._replace(lambda: read_file(path, self._data_for), path, ask=False)

    def save(self) -> bool:
        path = self.window.document.path
        return self.save_as() if path is None else self._write(path)

    def save_as(self) -> bool:
        doc = self.window.document
        start = doc.path or Path(self._start_dir(), f"{_file_stem(doc.design.name)}.json")
        path = self.ask_save_path("Save design as", DESIGN_FILTER, start)
        if path is None:
            return False
        return self._write(path if path.suffix else path.with_suffix(DESIGN_SUFFIX))

    def save_session_dialog(self) -> bool:
        doc = self.window.document
        stem = self.session_path or Path(self._start_dir(), _file_stem(doc.design.name))
        start = stem.with_suffix(SESSION_SUFFIX)
        path = self.ask_save_path("Save session", SESSION_FILTER, start)
        if path is None:
            return False
        return self.save_session(path if path.suffix else path.with_suffix(SESSION_SUFFIX))

    def save_session(self, path: Path) -> bool:
        """Write the run (from the training thread) with a thumbnail of the network."""
        thumbnail = widget_png(self.window.canvas)
        runs = self.window.runs_dock.runs.copy()
        future = self.window.worker.save_session(
            path, self.window.document.design, thumbnail or None, runs
        )
        try:
            future.result(timeout=SESSION_SAVE_TIMEOUT_S)
        except FutureTimeout:
            self.show_error("Cannot save session", f"{path.name}: the training thread is busy")
            return False
        except (*SAVE_ERRORS, RuntimeError, ValueError) as error:
            self.show_error("Cannot save session", file_error(path, error))
            return False
        self.session_path = path
        self.recent.add(path)
        self.window.statusBar().showMessage(f"Saved session {path}", 5000)
        return True

    # ------------------------------------------------------------------ drag and drop
    def dropped_file(self, mime: QMimeData) -> Path | None:
        """The first local design or session file among dropped URLs."""
        suffixes = {DESIGN_SUFFIX, *READERS}
        for url in mime.urls() if mime.hasUrls() else ():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.suffix.lower() in suffixes:
                    return path
        return None

    # ------------------------------------------------------------------ menus
    def fill_recent_menu(self, menu: QMenu) -> None:
        """Newest first; files that have gone are shown disabled. Ends with "Clear Menu"."""
        menu.clear()
        menu.setToolTipsVisible(True)  # the full path of each entry
        paths = self.recent.paths()
        for n, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{n % 10} {path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setData(str(path))
            if path.is_file():
                action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
            else:
                action.setEnabled(False)
                action.setText(f"{action.text()} (not found)")
        if paths:
            menu.addSeparator()
        clear = menu.addAction("Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.recent.clear)

    def fill_examples_menu(self, menu: QMenu) -> None:
        menu.clear()
        for example in list_examples():
            action = QAction(example.title, menu)
            action.setStatusTip(example.description)
            action.setToolTip(example.description)
            action.triggered.connect(lambda _checked=False, e=example: self.open_example(e))
            menu.addAction(action)

    # ------------------------------------------------------------------ crash recovery
    def start_recovery(self) -> None:
        """Autosave this window from now on and offer what a crashed window left behind.

        Autosaving starts first: nothing a leftover holds can keep it from starting.
        """
        root = user_data_dir() / RECOVERY_FOLDER
        try:
            store = RecoveryStore(root)
        except OSError as error:
            self.window.statusBar().showMessage(f"Crash recovery is off: {error}", 10000)
        else:
            self.autosaver = AutoSaver(store, self.window.document, self.window.worker, self)
            self.autosaver.failed.connect(self._autosave_failed)
            self.autosaver.recovered.connect(self._autosave_recovered)
            if self.autosaver.last_error is not None:
                self._autosave_failed(self.autosaver.last_error)
        leftovers = find_leftovers(root)
        offer = next((left for left in leftovers if left.worth_offering), None)
        for leftover in leftovers:
            if not leftover.worth_offering:
                leftover.discard()
            elif leftover is not offer:
                leftover.release()  # offered at a later launch
        if offer is not None:
            self.offer_recovery(offer)

    def _autosave_failed(self, problem: str) -> None:
        self.window.banner.show_message(
            f"Autosave cannot write its recovery copy ({problem}). If nnviz stops unexpectedly, "
            "recent changes may be lost; save your work. Autosave keeps trying."
        )

    def _autosave_recovered(self) -> None:
        if self.window.banner.text().startswith("Autosave cannot"):
            self.window.banner.hide()
        self.window.statusBar().showMessage("Autosave works again: your work is protected.", 10000)

    def offer_recovery(self, leftover: Leftover) -> bool:
        """Restore / Discard for a crashed window's work. Discarding, or a complete restore,
        removes the leftover; whatever could not be read or restored is kept where it is, and
        the user told where."""
        try:
            design = leftover.design()
        except OPEN_ERRORS as error:
            self._keep(leftover, f"cannot be read ({first_line(error)})")
            return False
        where = f" ({leftover.path.name})" if leftover.path is not None else ""
        run = " and its trained run" if leftover.session_path is not None else ""
        text = (
            f"nnviz did not exit cleanly last time. Restore the design “{design.name}”{where}{run}?"
        )
        if not self.ask_restore(text):
            leftover.discard()
            return False
        try:
            trainer, lost = self._recovered_run(leftover, design)
            opened = Opened(design, trainer, leftover.path, keep_ghost=False)
        except OPEN_ERRORS as error:
            self._keep(leftover, f"cannot be restored ({file_error(leftover.folder, error)})")
            return False
        self._install(opened)
        self.window.document.mark_modified()
        if lost is None:
            leftover.discard()
        else:
            self._keep(leftover, f"was restored without its trained run ({lost})")
        return True

    def _recovered_run(self, leftover: Leftover, design: Design) -> tuple[Trainer, str | None]:
        """The leftover's trained run, or a fresh one for `design` and why the run was lost
        (None: nothing lost — no session, or one of an older design the user has changed)."""
        session = leftover.session_path
        # Read here, not in the background: the leftover is discarded or kept right after.
        data = self.window.data_loading.cache.get
        if session is not None:
            try:
                saved = load_session(session, base_dir=design.base_dir)
                if not needs_reset(saved.design, design):
                    return saved.restore(data(saved.design.dataset, saved.design.base_dir)), None
            except OPEN_ERRORS as error:
                return Trainer(design, data(design.dataset, design.base_dir)), first_line(error)
        return Trainer(design, data(design.dataset, design.base_dir)), None

    def _keep(self, leftover: Leftover, what: str) -> None:
        """Leave a leftover in place for a later launch and say so in the banner."""
        leftover.release()
        self.window.banner.show_message(
            f"Work left by a window that did not exit cleanly {what}. "
            f"It is kept in {leftover.folder}."
        )

    def stop_recovery(self) -> None:
        """The clean exit: delete this window's recovery data."""
        if self.autosaver is not None:
            self.autosaver.close()
            self.autosaver = None

    # ------------------------------------------------------------------ internals
    def _replace(
        self, read: Callable[[], Opened], error_path: Path | None = None, ask: bool = True
    ) -> bool:
        """Read (errors → dialog, nothing changes), ask about unsaved changes, then install.

        Data slow to read (full MNIST, a large file, a folder of pictures not decoded yet) is
        read in the background first, with its progress in the status bar; the window keeps
        running meanwhile and Cancel leaves it as it was."""
        try:
            opened = read()
        except DataNotLoadedError as waiting:  # read the data first, then open it
            if ask and not self.maybe_save():
                return False
            self.window.data_loading.load_then(
                waiting,
                lambda: self._replace(read, error_path, ask=False),
                lambda reason: self.show_error("Cannot open", self._where(error_path, reason)),
            )
            return True
        except OPEN_ERRORS as error:
            text = file_error(error_path, error) if error_path is not None else str(error)
            self.show_error("Cannot open", text)
            return False
        if ask and not self.maybe_save():
            return False
        self._install(opened)
        return True

    def _data_for(self, design: Design) -> Dataset:
        return self.window.data_loading.data_for(design)

    @staticmethod
    def _where(path: Path | None, reason: str) -> str:
        return f"{path.name}: {reason}" if path is not None else reason

    def _install(self, opened: Opened) -> None:
        self.window.run.install(opened.trainer, keep_ghost=opened.keep_ghost, runs=opened.runs)
        self.session_path = opened.session
        self.window.document.load(opened.design, opened.path)
        self.window.update_title()
        if opened.message:
            self.window.statusBar().showMessage(opened.message, 8000)

    def _write(self, path: Path) -> bool:
        doc = self.window.document
        try:
            save_design(doc.design, path)
        except SAVE_ERRORS as error:
            self.show_error("Cannot save", file_error(path, error))
            return False
        doc.mark_saved(path)
        self.recent.add(path)
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        return True


def _fresh(design: Design, data_for: DataFor, weights=None) -> Opened:
    trainer = Trainer(design, data=data_for(design))
    if weights is not None:
        trainer.network.load_weights(*weights)
    return Opened(design, trainer, None)


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip()
    return stem.replace(" ", "_").lower() or "design"
