"""The window's training run from start to end: starting one for a design, installing one (new,
branched from the timeline, or restored from a session), following the design's edits, and
the end of a run that diverged or failed.

An edit the running trainer can take (learning rate, epoch budget, name) is applied to it; any
other edit starts a fresh run, the old one kept in the Runs list and greyed in the plots. While
a past moment of the timeline is shown, an edit a branch from it can take waits for "Resume
from here" (`TimelinePanel.holds_edits`), and applies as any edit does back in the present
(`apply_design`). A design that cannot be trained is said in the banner and changes nothing.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject

from nnviz.app.selection import kept_selection
from nnviz.app.style import STATE_COLORS
from nnviz.core.data_cache import DataNotLoadedError
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError, needs_reset
from nnviz.core.errors import first_line, plain_words
from nnviz.core.optimizers import learning_rate_of
from nnviz.core.readouts import evaluation_note
from nnviz.core.runs import RunList
from nnviz.core.snapshot import Snapshot
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer

# Errors that mean "this design cannot be trained" (bad data file, mismatched shapes, …).
RUN_ERRORS = (DesignError, OSError, ValueError)
MESSAGE_MS = 10_000
DIVERGED_MESSAGE_MS = 15_000


class RunLifecycle(QObject):
    """Owned by the main window as `window.run`; the window's helpers install runs through it."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.design: Design | None = None  # the design the current run trains
        self.dataset: Dataset | None = None
        self.diverged_shown = False
        window.document.designChanged.connect(self._on_design_changed)
        window.worker.failed.connect(self._on_failed)

    def start(self, design: Design, keep_ghost: bool = False, weights=None) -> bool:
        """A fresh, paused run of `design` (from `weights` ((W0, …), (b0, …)) if given); on
        failure the banner says why and nothing changes. Data that is slow to read (full
        MNIST) is read in the background first, the status bar showing how far."""
        loading = self.window.data_loading
        try:
            trainer = Trainer(design, data=loading.data_for(design))
            if weights is not None:
                trainer.network.load_weights(*weights)
            self.install(trainer, keep_ghost)
        except DataNotLoadedError as waiting:
            loading.load_then(
                waiting, lambda: self.start(design, keep_ghost, weights), self._cannot_train
            )
        except RUN_ERRORS as error:
            self._cannot_train(first_line(error))
            return False
        return True

    def _cannot_train(self, reason: str) -> None:
        self.window.banner.show_message(f"This design cannot be trained: {plain_words(reason)}")
        self.window.statusBar().showMessage(reason, MESSAGE_MS)

    def install(
        self,
        trainer: Trainer,
        keep_ghost: bool = False,
        timeline: Timeline | None = None,
        runs: RunList | None = None,
        note: str = "",
    ) -> None:
        """Make `trainer` (new, or restored from a session) the window's paused run;
        `keep_ghost`: keep the previous run in the Runs list and plots; `timeline`: the record
        it continues (a branch), else a new one; `runs`: a session's runs; `note`: how the
        run started, for its name."""
        window = self.window
        design = trainer.design
        window.data_loading.forget()  # a run installed while another's data loads replaces it
        previous = window.worker.latest()  # the old run's newest snapshot, for the runs list
        window.timeline_panel.attach(trainer, timeline)
        window.distributions_dock.start_run(design, trainer.data)
        dataset = window.worker.restore(trainer)
        evaluated_on = trainer.evaluated_on()
        window.plots.start_run(dataset.task, len(design.layers), evaluated_on)
        for name in ("loss", "score"):
            window.status[name].setToolTip(evaluation_note(evaluated_on))
        window.runs_dock.record(
            trainer, keep_ghost, previous, runs, note, window.timeline_panel.initial_weights()
        )
        self.design = design
        self.dataset = dataset
        self.diverged_shown = False
        window.frames.new_run()
        window.banner.hide()
        window.canvas.set_feature_names(dataset.feature_names)
        window.canvas.set_design(design)
        window.canvas.set_picture(dataset.picture)
        window.data_view.set_dataset(dataset)
        window.layer_space.set_dataset(dataset)
        window.image_docks.show_for(dataset)
        window.set_sample_range(len(dataset.x_train))
        kept = kept_selection(window.selection.state, trainer.network.layer_sizes, dataset)
        window.selection.set(**kept)
        window.worker.set_trace_sample(window.selection.sample)
        window.sync_play_action()
        window.update_frame()

    def reset(self) -> None:
        """New random weights, back to step 0; the old run stays in the Runs list."""
        self.start(self.window.document.design, keep_ghost=True)

    def lower_learning_rate(self) -> None:
        """After a divergence: a tenth of the learning rate (undoable) and a fresh run."""
        document = self.window.document
        design = document.design
        params = dict(design.optimizer.params)
        params["learning_rate"] = learning_rate_of(design.optimizer) / 10
        optimizer = dataclasses.replace(design.optimizer, params=params)
        lowered = dataclasses.replace(design, optimizer=optimizer)
        document.set_design(lowered, "Lower learning rate")
        self.start(lowered, keep_ghost=True)

    def show_divergence(self, snapshot: Snapshot) -> None:
        """Once per run: where it diverged, and a one-click fix (a tenth of the rate)."""
        if self.diverged_shown:
            return
        self.diverged_shown = True
        lr = snapshot.learning_rate
        text = (
            f"<b>Training diverged.</b> {snapshot.message or ''}<br>"
            f"Lower the learning rate (now {lr:g}) and train again."
        )
        self.window.banner.show_message(
            text, f"Use learning rate {lr / 10:g} and reset", self.lower_learning_rate
        )
        self.window.statusBar().showMessage(
            "Training diverged: lower the learning rate", DIVERGED_MESSAGE_MS
        )

    def apply_design(self) -> None:
        """The run follows the window's design again (edits held while a past moment was
        shown): a learning rate or epoch budget changes it, anything else starts a fresh run."""
        design = self.window.document.design
        if self.design is not None and design != self.design:
            self._on_design_changed(self.design, design)

    def _on_design_changed(self, _old: Design, new: Design) -> None:
        if self.design is not None and self.window.timeline_panel.holds_edits(self.design, new):
            return  # for a branch from the past moment shown (or the run, back in the present)
        if self.design is None or needs_reset(self.design, new):
            self.start(new, keep_ghost=True)
            return
        worker = self.window.worker
        if learning_rate_of(new.optimizer) != learning_rate_of(self.design.optimizer):
            worker.set_learning_rate(learning_rate_of(new.optimizer))
        if new.training.epochs != self.design.training.epochs:
            worker.set_epochs(new.training.epochs)
        self.design = new
        self.window.runs_dock.follow_design(new)

    def _on_failed(self, message: str) -> None:
        window = self.window
        window.banner.show_message(message)
        window.statusBar().showMessage(message, MESSAGE_MS)
        window.status["state"].setText(f"<b style='color:{STATE_COLORS['diverged']}'>● error</b>")
        window.sync_play_action()
