"""Thread-safe commands for a training loop that runs in another thread.

The loop's own thread never waits on a lock per step: commands set fields under a lock and raise a
plain `pending` flag that the loop reads for free; only then does it take the lock and collect
them. While paused the loop sleeps on an `Event`, which every command sets, so a paused trainer
uses no CPU and still answers at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Commands:
    """What the controlling thread asked for since the loop last looked."""

    stop: bool = False
    paused: bool | None = None  # None: unchanged
    steps: int | None = None  # run exactly this many batches, then pause
    to_epoch_end: bool = False  # run to the next epoch boundary, then pause


class Controls:
    """pause / resume / step / stop / learning-rate commands, callable from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._commands = Commands()
        self.pending = False  # read without the lock by the loop: a cheap "anything new?"
        # Kept apart from the other commands because it also applies outside `run()`:
        # `Trainer.step_batch` picks it up before its next update.
        self.requested_learning_rate: float | None = None

    def _post(self, **changes) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self._commands, name, value)
            self.pending = True
        self._wake.set()

    def pause(self) -> None:
        self._post(paused=True, steps=None, to_epoch_end=False)

    def resume(self) -> None:
        self._post(paused=False, steps=None, to_epoch_end=False)

    play = resume

    def request_steps(self, n: int) -> None:
        """Train exactly `n` mini-batches, then pause."""
        if n < 1:
            raise ValueError(f"steps must be at least 1, not {n}")
        self._post(paused=False, steps=int(n), to_epoch_end=False)

    def request_epoch(self) -> None:
        """Train to the end of the current epoch (a whole epoch when at a boundary), then pause."""
        self._post(paused=False, steps=None, to_epoch_end=True)

    def refresh(self) -> None:
        """Wake the loop without changing what it does: a paused loop publishes its state again
        (e.g. after the traced sample changed), a running one carries on."""
        self._post()

    def stop(self) -> None:
        """End `run()` for good (it returns after the current step)."""
        self._post(stop=True)

    def set_learning_rate(self, learning_rate: float) -> None:
        if not learning_rate > 0:
            raise ValueError(f"learning rate must be positive, not {learning_rate}")
        with self._lock:
            self.requested_learning_rate = float(learning_rate)
            self.pending = True
        self._wake.set()

    def take_learning_rate(self) -> float | None:
        with self._lock:
            learning_rate, self.requested_learning_rate = self.requested_learning_rate, None
            return learning_rate

    def take(self) -> Commands:
        """Hand the accumulated commands to the loop and start afresh (loop thread only)."""
        with self._lock:
            commands, self._commands = self._commands, Commands(stop=self._commands.stop)
            self.pending = False
            return commands

    def wait(self, timeout: float | None = None) -> None:
        """Sleep until some command arrives (loop thread only)."""
        with self._lock:
            if self.pending:
                return
            self._wake.clear()
        self._wake.wait(timeout)
