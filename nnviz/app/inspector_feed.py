"""Feeds the neuron inspector: the walkthrough of the step the window shows, link histories
from the snapshots, and undoable weight edits sent to the trainer.

The inspector takes apart the same step as the canvas and its tooltips (`step_view.py`): the
last step taken, or before any (and after an edit) the next one. The walkthrough is computed by
the trainer itself (`Trainer.shown_walkthrough`, on copies) through the worker's
`call_on_trainer`, so the GUI never touches live arrays; its result comes back through a queued
signal. While a step-through runs, the inspector shows the step it walks instead (the next
one), so its phases, the canvas and the inspector quote the same numbers. One walkthrough holds
every layer, so choosing another neuron of the same step redraws at once. While training runs,
a new one is asked for at most every `RUNNING_S`.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from nnviz.app.inspector import InspectorDock
from nnviz.app.style import MUTED
from nnviz.core.class_names import class_name
from nnviz.core.link_history import LinkHistory
from nnviz.core.neuron_view import neuron_view
from nnviz.core.walkthrough import Walkthrough, step_scope

RUNNING_S = 0.5
SETTLED = ("paused", "finished", "stopped", "diverged", "idle")


class _Bridge(QObject):
    """Carries a result from the training thread to the GUI thread (a queued signal)."""

    done = Signal(object, object)  # request key, Walkthrough or the exception it raised


class _SetParameter(QUndoCommand):
    """One weight or bias set by hand; undo puts the old value back (same run only)."""

    def __init__(self, feed: InspectorFeed, where: tuple[int, int, int], old: float, new: float):
        layer, source, unit = where
        what = "bias" if source < 0 else "weight"
        super().__init__(f"Set {what} of layer {layer}, unit {unit + 1}")
        self._feed = feed
        self._trainer = feed.window.worker.trainer
        self._where, self._old, self._new = where, old, new

    def redo(self) -> None:
        self._feed.apply_parameter(self._trainer, self._where, self._new)

    def undo(self) -> None:
        self._feed.apply_parameter(self._trainer, self._where, self._old)


class InspectorFeed(QObject):
    """Keeps `dock` showing the selected neuron (and link) of the window's run."""

    walkthroughReady = Signal(object)  # noqa: N815 - a new Walkthrough arrived (GUI thread)

    def __init__(self, window, dock: InspectorDock) -> None:
        super().__init__(window)
        self.window = window
        self.dock = dock
        self.history = LinkHistory()
        self.walk: Walkthrough | None = None
        self.edits = 0  # parameter edits so far: a walkthrough from before one is stale
        self._walk_key = None
        self._pending = None
        self._drawn = None  # (walkthrough, (layer, neuron)) the dock shows
        self._walked: Walkthrough | None = None  # the step a step-through walks, while it runs
        self._asked_at = -math.inf
        self._trainer = None
        self._snapshot = None
        self._bridge = _Bridge()
        self._bridge.done.connect(self._on_done)
        window.selection.changed.connect(self._on_selection)
        dock.editRequested.connect(self.edit)
        dock.visibilityChanged.connect(self._on_visible)

    # ------------------------------------------------------------------ the run
    def set_run(self, trainer) -> None:
        self._trainer = trainer
        self.walk = self._walk_key = self._pending = None
        if trainer is not None:
            self.history.reset(trainer.network.layer_sizes)
        self._track_selected_link()

    def follow_step_through(self, walk: Walkthrough | None) -> None:
        """Show the step a step-through walks (None: it has ended; back to the shown step)."""
        self._walked = walk
        self._walk_key = None
        if walk is not None:
            self.walk = walk
            self.walkthroughReady.emit(walk)
        self.update()

    def set_snapshot(self, snapshot) -> None:
        self._snapshot = snapshot
        self.history.record(snapshot)
        self.update()

    def unit_name(self, column: int, unit: int) -> str:
        """A unit's short name within its column, as the inspector's tables list them: "x1" or
        "pixel (3, 4)" for inputs, "#3" (with its class, for outputs) for neurons."""
        name = self.window.canvas.unit_name(column, unit)
        if column == 0:
            return name.removeprefix("input ")
        return name[name.index("#") :] if "#" in name else name

    def column_name(self, column: int) -> str:
        """ "Input", "Hidden 2", "Output"."""
        if column == 0:
            return "Input"
        name = self.window.canvas.unit_name(column, 0)
        return name.split(" #")[0]

    def _key(self):
        s = self._snapshot
        return (id(self._trainer), s.step, self.window.selection.sample, self.edits)

    # ------------------------------------------------------------------ showing
    def _on_selection(self) -> None:
        selection = self.window.selection
        changed = selection.last_changed
        if {"layer", "neuron"} & changed and selection.neuron is not None:
            if self.dock.isHidden():
                self.dock.show()
            self.dock.raise_()
        self._track_selected_link()
        if changed - {"hovered_sample"}:
            self.update()

    def _on_visible(self, visible: bool) -> None:
        if visible:
            self.update()

    def _track_selected_link(self) -> None:
        link = self.window.selection.link
        if link is not None:
            self.history.track(link)
            if self._snapshot is not None:
                self.history.record_now(self._snapshot)

    def update(self) -> None:
        """Redraw from what is known, and ask for a fresh walkthrough when one is due."""
        if self.dock.isHidden() or self._snapshot is None or self._trainer is None:
            return
        selection = self.window.selection
        names = self.window.canvas.unit_name
        link = selection.link
        self.dock.show_link(
            link,
            names,
            self.history.series(link) if link is not None else None,
            self._snapshot,
        )
        if selection.layer is None or selection.neuron is None:
            self.dock.show_message(
                "Click a neuron on the network (or focus it and use the arrow keys) to see its "
                "part of the training step shown."
            )
            return
        if selection.layer == 0:
            self.dock.show_message(
                f"{names(0, selection.neuron)} is an input: it has no weights of its own. "
                "Choose a neuron of a hidden layer or of the output."
            )
            return
        key = self._key()
        if self._walked is None and key != self._walk_key:
            self._ask(key)
        if self.walk is not None:
            self._draw()

    def _ask(self, key) -> None:
        """Ask the trainer for the shown step's walkthrough, unless one is on its way or (while
        training) one was asked for less than RUNNING_S ago."""
        running = self._snapshot.state not in SETTLED
        now = time.perf_counter()
        if self._pending is not None or (running and now - self._asked_at < RUNNING_S):
            return
        self._pending, self._asked_at = key, now
        sample = self.window.selection.sample
        past = self.window.timeline_panel  # a moment of the timeline: its own step
        if past.viewing is not None:
            future = past.walkthrough(sample)
        else:
            future = self.window.worker.call_on_trainer(lambda t: t.shown_walkthrough(sample))
        future.add_done_callback(lambda f: self._bridge.done.emit(key, f))

    def _on_done(self, key, future) -> None:
        self._pending = None
        current = self._key() if self._snapshot is not None else None
        # Asked for another run, sample or before an edit: ask again. (A walkthrough from an
        # earlier step of a running run is still shown: the run has moved on meanwhile.)
        stale = current is None or (key[0], *key[2:]) != (current[0], *current[2:])
        if self._walked is not None:  # a step-through's walk is shown meanwhile
            return
        if future.cancelled() or stale:
            self.update()
            return
        error = future.exception()
        if error is not None:
            self.dock.show_message(f"The step cannot be taken apart: {error}")
            return
        self.walk, self._walk_key = future.result(), key
        self.walkthroughReady.emit(self.walk)
        self.update()

    def _draw(self) -> None:
        """The selected neuron of the current walkthrough (laid out again only when either
        changes: a new snapshot alone changes nothing the text shows)."""
        selection = self.window.selection
        walk = self.walk
        if selection.layer > len(walk.layers):
            return
        where = (selection.layer, selection.neuron, selection.link, self.past_step())
        same = self._drawn is not None and self._drawn[0] is walk and self._drawn[1] == where
        if self.dock.view is None or not same:
            self._drawn = (walk, where)
            view = neuron_view(walk, selection.layer, selection.neuron)
            self.dock.show_view(view, self.unit_name, self.column_name, self._context(walk))
            link = selection.link
            if link is not None and (link[0] + 1, link[2]) == (view.layer, view.unit):
                self.dock.choose_edit(link[1])  # a clicked link's weight is the one to edit
        state = self._snapshot.state
        self.dock.set_editable(not self.window.worker.is_playing and state in SETTLED)

    def _context(self, walk: Walkthrough) -> str:
        data = self.window.worker.dataset
        row = walk.sample
        if data.task == "classification":
            label = f"class {class_name(data.class_names, int(data.y_train[row]))}"
        else:
            target = np.ravel(data.y_train[row])
            label = "target " + ", ".join(f"{float(t):.4g}" for t in target)
        chosen = "" if self.window.selection.sample is not None else " (the batch's first; "
        chosen += "" if not chosen else "choose one in the data view)"
        batch = "in" if walk.in_batch else "not in"
        past = self.past_step()
        shown = walk.step + 1 if walk.taken else walk.step  # the moment that shows this step
        note = (
            ""
            if past is None or past != shown
            else f"<br><b>A past moment from the timeline (step {past}), not the live run.</b>"
        )
        return (
            f"sample #{row}{chosen} · {label} · {batch} the batch<br>"
            f"<span style='color:{MUTED.name()}'>{step_scope(walk)}</span>{note}"
        )

    def past_step(self) -> int | None:
        """The step of a past moment the window shows from its timeline, if it shows one."""
        panel = getattr(self.window, "timeline_panel", None)
        viewing = getattr(panel, "viewing", None)
        return None if viewing is None else int(viewing.step)

    # ------------------------------------------------------------------ editing
    def edit(self, layer: int, source: int, unit: int, value: float) -> None:
        """Set a weight (`source` ≥ 0) or bias (-1) of the paused run, as an undoable command."""
        if self.window.worker.is_playing or self._snapshot.state not in SETTLED:
            self.window.statusBar().showMessage("Pause training to edit a weight", 5000)
            return
        old = self.dock.view.value_now(source)
        if old == value:
            return
        command = _SetParameter(self, (layer, source, unit), old, value)
        self.window.document.undo_stack.push(command)

    def apply_parameter(self, trainer, where: tuple[int, int, int], value: float) -> None:
        """Send one parameter value to `trainer` (if it is still the run), then recompute."""
        if trainer is not self._trainer or trainer is None:
            return
        layer, source, unit = where
        self.window.worker.call_on_trainer(lambda t: t.set_parameter(layer, source, unit, value))
        self.edits += 1
        self.update()
