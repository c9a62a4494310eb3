"""A `Trainer` running in its own `QThread`, steered from the GUI thread.

While `Trainer.run` trains, the worker's own event loop is blocked, so queued slots would never
arrive: every command goes through the trainer's thread-safe `controls` (flags and an event),
and the worker's loop only wakes up between runs. Snapshots go the other way: the latest one is
kept under a lock (latest wins) and also announced with `snapshotReady`; the trainer produces at
most `SNAPSHOT_HZ` of them a second however fast it trains, so the GUI is never flooded and a GUI
timer can simply pull `take_latest()` once per frame.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from nnviz.core.datasets import Dataset
from nnviz.core.design import Design
from nnviz.core.runs import RunList
from nnviz.core.session import save_session
from nnviz.core.snapshot import Snapshot
from nnviz.core.trainer import Trainer

# The views need no more: the canvas takes a new snapshot at most 5 times a second, the plots and
# the status bar as rarely. Each snapshot copies every array on the training thread, and each new
# one costs the GUI thread a pass over every view.
SNAPSHOT_HZ = 10.0
# Training a small network holds the interpreter lock between short NumPy calls, and the GUI
# thread needs it for every Python callback Qt makes while painting: it waits up to one switch
# interval each time. 1 ms instead of Python's 5 keeps a frame from waiting on the trainer.
GIL_SWITCH_S = 0.001
# A run that ends ("finished", "diverged") waits for a command; these states never run again.
_ENDED = ("finished", "diverged")


class TrainingWorker(QObject):
    """Owns the training thread; all public methods are called from the GUI thread."""

    snapshotReady = Signal(object)  # noqa: N815 - Qt naming; Snapshot, ≤ SNAPSHOT_HZ a second
    failed = Signal(str)  # an unexpected error inside the training loop
    finished = Signal()  # the loop has ended (after shutdown)

    def __init__(self) -> None:
        super().__init__()  # no parent: a parented object cannot be moved to another thread
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._trainer: Trainer | None = None
        self._steps_per_s: float | None = None  # the pace every run trains at
        self._quitting = False
        self._resume = False  # play/step asked for since the loop last looked
        self._playing = False
        self._layer_space = False  # snapshots carry the layer space (a view shows it)
        self._latest: Snapshot | None = None
        self._fresh = False
        self._tasks: list[tuple[Callable[[Trainer], object], Future]] = []
        self.thread = QThread()
        self.thread.setObjectName("nnviz-training")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._loop)
        self.thread.start()

    # ------------------------------------------------------------------ GUI-thread API
    @property
    def trainer(self) -> Trainer | None:
        """The current trainer (read its plain attributes only; steer it through this worker)."""
        return self._trainer

    @property
    def dataset(self) -> Dataset | None:
        return self._trainer.data if self._trainer is not None else None

    @property
    def is_playing(self) -> bool:
        """What the GUI asked for last: training continuously (True) or paused."""
        return self._playing

    def reset(self, design: Design) -> Dataset:
        """Replace the run with a fresh, paused trainer for `design`.

        The trainer is built here first, so a design that cannot be trained raises (DesignError,
        OSError) and leaves the current run untouched.
        """
        return self.restore(Trainer(design))

    def restore(self, trainer: Trainer) -> Dataset:
        """Make `trainer` (new to every thread, e.g. from a saved session) the paused run."""
        trainer.controls.pause()
        trainer.show_layer_space(self._layer_space)
        trainer.pacer.set_steps_per_s(self._steps_per_s)
        first = trainer.snapshot()  # safe: no other thread has seen this trainer yet
        with self._lock:
            old, self._trainer = self._trainer, trainer
            self._latest, self._fresh = first, True
            self._resume = False
        self._playing = False
        if old is not None:
            old.controls.stop()
        self._wake.set()
        self.snapshotReady.emit(first)
        return trainer.data

    def play(self) -> None:
        self._command(lambda c: c.resume(), playing=True)

    def pause(self) -> None:
        self._command(lambda c: c.pause(), playing=False)

    def step_batch(self) -> None:
        """Train exactly one mini-batch, then pause."""
        self._command(lambda c: c.request_steps(1), playing=False)

    def step_epoch(self) -> None:
        """Train to the end of the current epoch, then pause."""
        self._command(lambda c: c.request_epoch(), playing=False)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Applies before the next update, without a reset."""
        trainer = self._trainer
        if trainer is not None:
            trainer.controls.set_learning_rate(learning_rate)

    def set_epochs(self, epochs: int) -> None:
        trainer = self._trainer
        if trainer is not None:
            trainer.set_epochs(epochs)

    def set_pace(self, steps_per_s: float | None) -> None:
        """Train at most `steps_per_s` steps a second (None: full speed), this run and the next;
        a run waiting for its next slow step takes the new pace at once."""
        self._steps_per_s = steps_per_s
        trainer = self._trainer
        if trainer is not None:
            trainer.pacer.set_steps_per_s(steps_per_s)
            trainer.controls.refresh()

    def set_trace_sample(self, index: int | None) -> None:
        """Trace one training sample (None: the batch mean); a paused run re-publishes at once."""
        trainer = self._trainer
        if trainer is None:
            return
        trainer.set_trace_sample(index)
        if not self._playing and trainer.state == "paused":
            trainer.controls.refresh()  # the paused loop publishes again

    def set_layer_space(self, on: bool) -> None:
        """Put the layer space into snapshots while a view shows it (it costs training time);
        when turned on, a run that is not training publishes one at once."""
        self._layer_space = bool(on)
        trainer = self._trainer
        if trainer is None:
            return
        trainer.show_layer_space(self._layer_space)
        if self._layer_space:
            self.call_on_trainer(self._republish)

    def _republish(self, trainer: Trainer) -> None:
        """Publish `trainer`'s state again (training thread, between steps)."""
        self._publisher(trainer)(trainer.snapshot())

    def take_latest(self) -> Snapshot | None:
        """The newest snapshot if it has not been taken yet, else None (never blocks for long)."""
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._latest

    def latest(self) -> Snapshot | None:
        with self._lock:
            return self._latest

    def call_on_trainer(self, task: Callable[[Trainer], object]) -> Future:
        """Run `task(trainer)` on the training thread between two steps; its result comes back
        in the `Future`. This is how the trainer's arrays are read without racing the loop."""
        future: Future = Future()
        with self._lock:
            if self._quitting:
                future.set_exception(RuntimeError("the training thread has stopped"))
                return future
            self._tasks.append((task, future))
            trainer = self._trainer
        self._wake.set()  # the loop runs tasks when it wakes between runs
        if (
            trainer is not None
            and not self._playing
            and trainer.state == "paused"
            and not trainer.controls.pending
        ):
            trainer.controls.refresh()  # a paused run publishes again, and tasks run then
        return future

    def save_session(
        self,
        path: str | Path,
        design: Design,
        thumbnail_png: bytes | None = None,
        runs: RunList | None = None,
    ) -> Future:
        """Write the current run to a session file from the training thread (see `Future`);
        `design` is the design as the window has it (live edits included); `runs`: the
        session's runs (a copy this thread alone reads)."""
        return self.call_on_trainer(
            lambda trainer: save_session(path, trainer, thumbnail_png, design, runs)
        )

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop training and end the thread; True once the thread has finished.

        The loop ends after the step it is taking (a run waiting for its next slow step wakes
        at once), so by default this waits for that: a thread still running when its `QThread`
        is deleted takes the whole program down. `timeout_ms` bounds the wait (tests)."""
        with self._lock:
            self._quitting = True
            trainer = self._trainer
        if trainer is not None:
            trainer.controls.stop()
        self._wake.set()
        self.thread.quit()
        finished = self.thread.wait() if timeout_ms is None else self.thread.wait(timeout_ms)
        self._cancel_tasks()
        return finished

    # ------------------------------------------------------------------ worker thread
    def _command(self, send, playing: bool) -> None:
        with self._lock:
            trainer = self._trainer
            self._resume = True
            self._playing = playing
        if trainer is not None:
            send(trainer.controls)
        self._wake.set()

    def _loop(self) -> None:
        """Run the current trainer whenever there is something to do; return on shutdown."""
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                if self._quitting:
                    break
                trainer = self._trainer
                resume, self._resume = self._resume, False
            self._run_tasks(trainer)
            if trainer is None or trainer.state == "stopped":
                continue
            if trainer.state in _ENDED:
                if not resume:
                    continue  # e.g. a learning-rate change after the end: wait for play/step
                if trainer.state == "finished" and trainer.epoch >= trainer.epochs:
                    trainer.set_epochs(trainer.epoch + trainer.design.training.epochs)
            try:
                trainer.run(on_snapshot=self._publisher(trainer), snapshot_hz=SNAPSHOT_HZ)
            except Exception as error:  # a fault in the loop must not kill the thread silently
                detail = traceback.format_exception_only(error)[-1].strip()
                self.failed.emit(f"training stopped by an internal error: {detail}")
            with self._lock:
                # The run consumed every command sent while it ran; only later ones restart it.
                self._resume = False
                if trainer is self._trainer:
                    self._playing = False  # finished or diverged on its own
        self.thread.quit()
        self.finished.emit()

    def _publisher(self, trainer: Trainer):
        """A snapshot callback for `trainer` that ignores it once a reset has replaced it."""

        def publish(snapshot: Snapshot) -> None:
            with self._lock:
                if trainer is not self._trainer:
                    return
                self._latest, self._fresh = snapshot, True
            self.snapshotReady.emit(snapshot)
            self._run_tasks(trainer)

        return publish

    def _run_tasks(self, trainer: Trainer | None) -> None:
        """Run the queued `call_on_trainer` tasks (training thread, while `trainer` is idle)."""
        if not self._tasks:
            return
        with self._lock:
            if trainer is None or trainer is not self._trainer:
                return
            tasks, self._tasks = self._tasks, []
        for task, future in tasks:
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(task(trainer))
            except Exception as error:
                future.set_exception(error)

    def _cancel_tasks(self) -> None:
        with self._lock:
            tasks, self._tasks = self._tasks, []
        for _task, future in tasks:
            if future.set_running_or_notify_cancel():
                future.set_exception(RuntimeError("the training thread has stopped"))
