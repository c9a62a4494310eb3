"""The window's frames: about 30 times a second the newest snapshot, if there is one, goes to
every view, the costly redraws taking turns.

The canvas takes a snapshot at the start of its cycle (`update_phase`: 0 when it has just taken
one, 1 when the next is due); the data view, the plots and the layer space each redraw in their
own part of that cycle, so no frame does two costly redraws, and all at once for a settled run
(paused, finished) or when the canvas takes none. The status bar, the timeline, the runs list
and the distributions change at most `STATUS_HZ` times a second while training.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QTimer

from nnviz.app.status_fields import StatusFields
from nnviz.core.snapshot import Snapshot

FRAME_MS = 33
# Turns within the canvas's snapshot cycle for the other costly redraws; past IDLE_PHASE the
# canvas is taking none and they need no turn.
DATA_TURN = (0.3, 0.6)
PLOTS_TURN = (0.6, 0.9)
LAYER_SPACE_TURN = (0.1, 0.3)
IDLE_PHASE = 1.5
# Each new status text repaints its label (rich text, laid out again), and nobody reads a
# counter that changes 30 times a second.
STATUS_HZ = 5.0
FINISHED_MESSAGE_MS = 8000


class FrameLoop(QObject):
    """Owned by the main window as `window.frames`; `timer` drives it."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.status = StatusFields(window.statusBar())
        self._snapshot: Snapshot | None = None
        self._last_state: str | None = None
        self._status_time = -math.inf  # when the status bar's numbers were last replaced
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.update)

    @property
    def snapshot(self) -> Snapshot | None:
        """The newest snapshot the views were given (what an export shows)."""
        return self._snapshot

    def new_run(self) -> None:
        """The next snapshot is a new run's: every view takes it as a change of state."""
        self._last_state = None

    def update(self) -> bool:
        """Pull the latest snapshot, if there is a new one, into every view; True if drawn."""
        window = self.window
        snapshot = window.worker.take_latest()
        if snapshot is not None and window.timeline_panel.viewing is not None:
            window.timeline_panel.on_live(snapshot)  # a past moment is shown: the present waits
            return False
        if snapshot is None:
            if self._snapshot is not None and self._snapshot.state == "running":
                self.update_in_turn(self._snapshot, settled=False)
            return False
        changed = snapshot.state != self._last_state
        self._snapshot = snapshot
        self._last_state = snapshot.state
        window.canvas.set_snapshot(snapshot)
        self.update_in_turn(snapshot, settled=changed or snapshot.state != "running")
        now = time.perf_counter()
        if changed or snapshot.state != "running" or now - self._status_time >= 1 / STATUS_HZ:
            self._status_time = now
            self.show_status(snapshot)
            window.timeline_panel.on_live(snapshot)
            window.runs_dock.on_snapshot(snapshot)
            window.distributions_dock.on_snapshot(snapshot)
        if changed:
            window.sync_play_action()
            if snapshot.state == "diverged":
                window.run.show_divergence(snapshot)
            elif snapshot.state == "finished" and snapshot.message:
                window.statusBar().showMessage(snapshot.message, FINISHED_MESSAGE_MS)
        return True

    def update_in_turn(self, snapshot: Snapshot, settled: bool) -> None:
        """The data view, the plots and the layer space, each in its own part of the canvas's
        cycle (at once for a settled run, or when the canvas is not taking snapshots)."""
        window = self.window
        phase = window.canvas.update_phase()
        idle = settled or phase >= IDLE_PHASE
        if idle or DATA_TURN[0] <= phase < DATA_TURN[1]:
            window.data_view.set_snapshot(snapshot)
            window.image_docks.set_snapshot(snapshot, settled)
        if idle or PLOTS_TURN[0] <= phase < PLOTS_TURN[1]:
            window.plots.set_snapshot(snapshot, force=settled)
        else:
            window.plots.hold(snapshot)
        if idle or LAYER_SPACE_TURN[0] <= phase < LAYER_SPACE_TURN[1]:
            window.layer_space.set_snapshot(snapshot)

    def show_moment(self, snapshot: Snapshot) -> None:
        """One snapshot (a past moment from the timeline, or the present again) in the canvas,
        the data view, the image docks, the layer space and the status bar (the plots keep the
        whole run)."""
        window = self.window
        window.canvas.set_snapshot(snapshot)
        window.data_view.set_snapshot(snapshot)
        window.image_docks.set_snapshot(snapshot, True)
        window.layer_space_dock.show_moment(snapshot)
        self.show_status(snapshot)

    def show_status(self, snapshot: Snapshot) -> None:
        trainer = self.window.worker.trainer
        dataset = self.window.run.dataset
        regression = dataset is not None and dataset.task == "regression"
        self.status.show(snapshot, trainer.epochs if trainer is not None else 0, regression)
