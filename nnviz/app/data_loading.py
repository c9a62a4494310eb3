"""Reading data off the GUI thread, with progress and Cancel.

Full MNIST, a long table or a folder of thousands of pictures takes seconds to read; the window
must not freeze meanwhile. Everything in the window that builds a run or checks a design's data
(opening a file, the Build panel, a reset, a new run) asks `DataLoading.data_for(design)` or the
shared `DataCache` for its dataset: one already in the cache, or quick to build, comes back at
once; one that is slow to build (`slow_to_build`) raises `DataNotLoadedError`, and the caller
hands what it wanted to do to `load_then`, which reads the data in a background thread while
the status bar shows how far it is (with Cancel) and then does it on the GUI thread. A newer
request, or Cancel, supersedes the one in progress: its thread stops at its next progress
report and its result is dropped.

`throttled` is the progress report every such reader passes to core (the import preview's
too): at most PROGRESS_HZ reports a second, and `CancelledError` once nobody waits any more.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton

from nnviz.core.data_cache import DataCache, DataNotLoadedError, loading_title
from nnviz.core.data_io import Progress
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.errors import first_line

STEPS = 1000  # the progress bar's resolution
PROGRESS_HZ = 20


class CancelledError(Exception):
    """Raised from a read's progress report when nobody waits for its result any more (Cancel,
    a newer read, the window closed): it stops the read in its thread."""


def throttled(stopped: Callable[[], bool], emit: Callable[[int, int], None]) -> Progress:
    """A core progress callback that passes on at most PROGRESS_HZ reports a second (and the
    last), and stops the read by raising CancelledError once `stopped()`."""
    last = [-float("inf")]

    def progress(done: int, total: int) -> None:
        if stopped():
            raise CancelledError
        now = time.perf_counter()
        if now - last[0] >= 1 / PROGRESS_HZ or done == total:
            last[0] = now
            emit(done, total)

    return progress


class DataLoading(QObject):
    """The window's datasets: a shared cache, and background reads of the slow ones."""

    progressed = Signal(int, int, int)  # generation, done, total
    finished = Signal(int, object)  # generation, the Dataset or the one-line reason it failed
    settled = Signal()  # a background read ended (read, failed or no longer waited for)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.cache = DataCache()
        self._generation = 0
        self._pending: tuple[Callable[[], None], Callable[[str], None]] | None = None
        self._reading: tuple[object, object] | None = None  # (spec, base_dir) being read
        self.label = QLabel()
        self.label.setObjectName("dataLoadingLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("dataLoadingProgress")
        self.bar.setRange(0, STEPS)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelDataLoading")
        self.cancel_button.clicked.connect(self.cancel)
        status = window.statusBar()
        for widget in (self.label, self.bar, self.cancel_button):
            status.addWidget(widget)
        self._show(False)
        self.progressed.connect(self._on_progress)  # emitted by the reading thread
        self.finished.connect(self._on_finished)

    @property
    def loading(self) -> bool:
        return self._pending is not None

    def data_for(self, design: Design) -> Dataset:
        """The design's dataset if it is ready or quick to build (a spec that cannot be built
        raises its DesignError); `DataNotLoadedError` if it must be read in the background."""
        try:
            return self.cache.quick_get(design.dataset, design.base_dir)
        except DataNotLoadedError as waiting:
            waiting.dtype = design.training.dtype  # converted in the background too
            raise

    def load_then(
        self, waiting: DataNotLoadedError, then: Callable[[], None], fail: Callable[[str], None]
    ) -> None:
        """Read the data `waiting` names in the background, then call `then()` (on the GUI
        thread, where `data_for` now answers at once); `fail(reason)` if it cannot be read.
        The current run is paused meanwhile: it is about to be replaced."""
        spec, base_dir = waiting.spec, waiting.base_dir
        self.window.worker.pause()
        if self._pending is not None and self._reading == (spec, base_dir):
            self._pending = (then, fail)  # the same data is being read: wait for it
            return
        self._generation += 1
        generation = self._generation
        self._pending = (then, fail)
        self._reading = (spec, base_dir)
        self.label.setText(f"Loading {loading_title(spec)}…")
        self.window.canvas.set_empty_text(f"Reading {loading_title(spec)}… (see the status bar)")
        self.bar.setValue(0)
        self._show(True)

        def emit(done: int, total: int) -> None:
            try:
                self.progressed.emit(generation, done, total)
            except RuntimeError:  # the window closed meanwhile: nobody waits any more
                raise CancelledError from None

        progress = throttled(lambda: generation != self._generation, emit)

        def read() -> None:
            try:
                result: object = self.cache.get(spec, base_dir, progress)
                if waiting.dtype is not None:  # the run's inputs: no copy on the GUI thread
                    result.inputs(waiting.dtype)
            except CancelledError:
                return
            except (DesignError, OSError, ValueError, MemoryError) as error:
                result = first_line(error) or type(error).__name__
            with contextlib.suppress(RuntimeError):  # the window may have closed meanwhile
                self.finished.emit(generation, result)

        threading.Thread(target=read, name="nnviz-data", daemon=True).start()

    def forget(self) -> None:
        """Drop the pending load quietly (a run was installed by other means meanwhile)."""
        waiting = self._pending is not None
        self._generation += 1
        self._pending = self._reading = None
        self._show(False)
        if waiting:
            self.settled.emit()

    def cancel(self) -> None:
        """Stop waiting for the data being read; the window stays as it is."""
        self.forget()
        self.window.statusBar().showMessage("Loading cancelled", 4000)

    def _on_progress(self, generation: int, done: int, total: int) -> None:
        if generation == self._generation and total > 0:
            self.bar.setValue(round(STEPS * min(done, total) / total))

    def _on_finished(self, generation: int, result: object) -> None:
        if generation != self._generation or self._pending is None:
            return
        then, fail = self._pending
        self._pending = self._reading = None
        self._show(False)
        self.settled.emit()
        if isinstance(result, Dataset):
            then()
        else:
            fail(str(result))

    def _show(self, on: bool) -> None:
        for widget in (self.label, self.bar, self.cancel_button):
            widget.setVisible(on)
        if not on:
            self.window.canvas.set_empty_text(None)
