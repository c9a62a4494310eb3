"""The timeline under the canvas: scrub the run's recorded past, step back, resume from there.

Every run the window installs gets a `Timeline` (core) that records it as it trains. Moving the
slider pauses training and shows the chosen moment: a scratch trainer of the same design and
data is put in that moment's state (`Timeline.snapshot_at`, exact) and its snapshot goes to the
canvas, the data view and the status bar, while every plot keeps the whole run with a cursor at
that step. "Resume from here" branches: a new run continues from the moment exactly as the old
one did (or with the learning rate the user set while looking at that moment), and the
abandoned future stays as a run in the Runs panel and the plots. "Live" (or Play) returns to
the present.
"""

from __future__ import annotations

from concurrent.futures import Future

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from nnviz.app.views.plot_cursor import PlotCursors
from nnviz.app.window_api import WindowApi
from nnviz.core.design import needs_reset
from nnviz.core.optimizers import make_optimizer
from nnviz.core.runs import Weights
from nnviz.core.snapshot import Snapshot
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer

LABEL_SAMPLE = "step 888888888 of 888888888 · epoch 8888888"


class TimelinePanel(QWidget):
    """The slider, where it stands, and the buttons to go back to the present or branch."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__()
        self.window = window
        self.timeline: Timeline | None = None
        self.viewing: Snapshot | None = None  # the past moment shown, None for the present
        self._live: Snapshot | None = None
        self._viewer: Trainer | None = None  # scratch trainer that rebuilds moments
        self._pending: int | None = None
        self._syncing = False  # the slider is being set from the state, not by the user
        self._entry_design = window.document.design  # the design when the past was entered
        self.cursors = PlotCursors(window.plots)
        self.cursors.stepRequested.connect(self.show_step)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_slider)
        self.label = QLabel()
        self.label.setObjectName("timelineLabel")
        # a fixed size: a label that resized with its text would re-lay out the window
        self.label.setFixedWidth(self.label.fontMetrics().horizontalAdvance(LABEL_SAMPLE) + 8)
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Back to the present (the newest step); Play does it too")
        self.live_button.clicked.connect(self.leave)
        self.resume_button = QPushButton("Resume from here")
        self.resume_button.setObjectName("resumeFromHere")
        self.resume_button.setToolTip(
            "Continue training from the moment shown, exactly as the run went on from it; the "
            "run's later steps stay in the plots as the previous run"
        )
        self.resume_button.clicked.connect(self.resume_here)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        title = QLabel("Timeline")
        title.setToolTip("Rewind: the run's recorded past")
        layout.addWidget(title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        layout.addWidget(self.resume_button)
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.timeout.connect(self._show_pending)
        self._sync()

    # ----------------------------------------------------------------- runs

    def attach(self, trainer: Trainer, timeline: Timeline | None = None) -> None:
        """Record `trainer` (new to every thread: call before the worker gets it), in
        `timeline` when it continues one (a branch)."""
        self.viewing = None
        self._live = None
        self._viewer = None
        self.timeline = timeline if timeline is not None else Timeline()
        self.timeline.attach(trainer)
        self.cursors.set_cursor(None)
        self._sync()

    def on_live(self, snapshot: Snapshot) -> None:
        """A new snapshot of the running trainer: the slider's end moves with it."""
        self._live = snapshot
        self.cursors.set_run(snapshot.batches_per_epoch, snapshot.step)
        self._sync()

    def initial_weights(self) -> Weights | None:
        """The weights the run started from (its step 0), when the record holds them."""
        first = self.timeline.moment(0) if self.timeline is not None else None
        if first is None or first.step != 0:
            return None
        return tuple(first.state["weights"]), tuple(first.state["biases"])

    # ----------------------------------------------------------------- moving in time

    def show_step(self, step: int) -> None:
        """Show the run after `step` steps (paused); the present itself returns to live."""
        live, timeline = self._live, self.timeline
        if live is None or timeline is None:
            return
        if step >= live.step:
            self.leave()
            return
        first = timeline.moment(step)
        if first is None:
            return
        if self.window.worker.is_playing:
            self.window.toggle_play()  # pauses, and the Play button says so
        viewer = self._scratch()
        if self.viewing is None:  # entering the past: what a later edit is compared with
            self._entry_design = self.window.document.design
        self.viewing = timeline.snapshot_at(viewer, step, self.window.worker.latest())
        self.window.show_moment(self.viewing)
        self.cursors.set_cursor(self.viewing.step)
        self._sync()

    def step_back(self) -> None:
        """One step back from the moment shown (Shift+S), when training is paused."""
        if self.window.worker.is_playing or self._live is None:
            return
        current = self.viewing.step if self.viewing is not None else self._live.step
        if current > 0:
            self.show_step(current - 1)

    def step_forward(self) -> bool:
        """One step forward inside the past (S while a past moment is shown); False when the
        present is shown (the run trains instead)."""
        if self.viewing is None:
            return False
        self.show_step(self.viewing.step + 1)
        return True

    def leave(self) -> None:
        """Back to the present."""
        if self.viewing is None:
            return
        self.viewing = None
        self.cursors.set_cursor(None)
        latest = self.window.worker.latest()
        if latest is not None:
            self.window.show_moment(latest)
        self._sync()

    def resume_here(self) -> None:
        """Branch: a new run from the moment shown; the old run stays in the Runs list."""
        shown, timeline, live = self.viewing, self.timeline, self.window.worker.trainer
        if shown is None or timeline is None or live is None:
            return
        design = self.window.document.design  # with edits made while looking at the past
        if needs_reset(live.design, design):
            design = live.design
        trainer = Trainer(design, data=live.data, seed=live.seed)
        trainer.set_trace_sample(live.trace_sample)
        timeline.restore(trainer, shown.step, self.window.worker.latest())
        rate = make_optimizer(design.optimizer).learning_rate
        if rate != make_optimizer(self._entry_design.optimizer).learning_rate:
            trainer.set_learning_rate(rate)  # "what if I had changed it then?"
        runs = self.window.runs_dock.runs
        note = f"from run {runs.current} at step {shown.step}" if runs.current else ""
        self.window.run.install(
            trainer, keep_ghost=True, timeline=timeline.truncated(shown.step), note=note
        )

    def walkthrough(self, sample: int | None) -> Future:
        """The moment's own step taken apart (as `Trainer.shown_walkthrough`: its last step, or
        the next when that is not known), for the inspector; computed here at once, from the
        scratch trainer in the moment's state."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(self._viewer.shown_walkthrough(sample))
        except Exception as error:  # handed to the inspector, which says why
            future.set_exception(error)
        return future

    # ----------------------------------------------------------------- inside

    def _scratch(self) -> Trainer:
        live = self.window.worker.trainer
        if self._viewer is None or self._viewer.design is not live.design:
            self._viewer = Trainer(live.design, data=live.data, seed=live.seed)
            self._viewer.grid_resolution = live.grid_resolution
        self._viewer.set_trace_sample(live.trace_sample)
        return self._viewer

    def _on_slider(self, value: int) -> None:
        if self._syncing:
            return
        self._pending = value
        self._coalesce.start(0)  # one moment per turn of the event loop, however fast it moves

    def _show_pending(self) -> None:
        step, self._pending = self._pending, None
        if step is None or self.timeline is None:
            return
        nearest = self.timeline.nearest(step)
        self.show_step(step if nearest is None else nearest)

    def _sync(self) -> None:
        """Slider, label, buttons and tooltip from the state."""
        live = self._live
        last = live.step if live is not None else 0
        shown = self.viewing.step if self.viewing is not None else last
        if not self.slider.isSliderDown():  # the user's drag wins
            self._syncing = True
            self.slider.setRange(0, last)
            self.slider.setValue(shown)
            self._syncing = False
        self.slider.setEnabled(last > 0)
        past = self.viewing is not None
        self.live_button.setEnabled(past)
        self.resume_button.setEnabled(past)
        if live is None:
            self.label.setText("")
        else:
            epoch = self.viewing.epoch if past else live.epoch
            where = f"step {shown} of {last}" if past else f"step {last} (live)"
            self.label.setText(f"{where} · epoch {epoch}")
        timeline = self.timeline
        if timeline is not None:
            self.slider.setToolTip(
                f"Rewind: drag to show an earlier moment of this run (training pauses).\n"
                f"{len(timeline):,} moments recorded in {timeline.nbytes / 2**20:.1f} MB of "
                f"its {timeline.budget_bytes / 2**20:.0f} MB budget: every step near the "
                "present, thinner further back."
            )
