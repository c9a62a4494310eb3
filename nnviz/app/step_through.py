"""Step-through: the next training step walked phase by phase, above the network.

Start it (Train › Step Through, T) and the run pauses; the trainer computes the next step's
walkthrough (on copies), cut into phases by `nnviz.core.step_phases`: forward layer by layer,
the loss, backward layer by layer, the update. Next / Back (→ / ←) move between them. The canvas
draws the walked step itself for its sample (activations in the forward phases and the loss,
∂ℓ/∂z and ∂L/∂w backward, the weights after the update in the last), keeps the phase's layers
lit and dims the rest; the selection moves to that layer and the inspector shows the same step,
so the caption, the canvas's hover numbers and the inspector agree. Next on the update takes
the step itself: one ordinary `step_batch`, so the network ends exactly where a normal step
would have put it, and training goes on from there.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from nnviz.app.views.animation import BACKWARD, DIM, FORWARD, Frame
from nnviz.core.step_phases import (
    ANIMATION_PHASES,
    Phase,
    phase_caption,
    phase_snapshot,
    step_phases,
)
from nnviz.core.walkthrough import Walkthrough

# How the canvas draws each kind of phase: the state of the columns not yet reached and of
# those reached (up to the phase's front), the direction the pass goes, the update's flash.
CANVAS_FRAMES = {
    "forward": (DIM, FORWARD, 1, 0.0),
    "loss": (FORWARD, FORWARD, 1, 0.0),
    "backward": (FORWARD, BACKWARD, -1, 0.0),
    "update": (FORWARD, FORWARD, 1, 1.0),
}


def canvas_frame(phase: Phase) -> Frame:
    """The still frame the canvas shows during `phase`."""
    base, wave, direction, flash = CANVAS_FRAMES[phase.kind]
    return Frame(base, wave, phase.front, direction, flash, ANIMATION_PHASES[phase.kind])


class _Bridge(QObject):
    done = Signal(object)  # the Future of a walkthrough, to the GUI thread


class StepThrough(QFrame):
    """The step-through bar; `start`, `next`, `back`, `stop`."""

    finished = Signal(int)  # the step the network has reached (after the update was applied)
    walkChanged = Signal(object)  # noqa: N815 - the Walkthrough walked, or None once it ends

    def __init__(self, window) -> None:
        super().__init__()
        self.setObjectName("stepThrough")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "QFrame#stepThrough { background: #f3f7fb; border: 1px solid #c9d8e6; "
            "border-radius: 4px; }"
        )
        self.window = window
        self.walk: Walkthrough | None = None
        self.phases: tuple[Phase, ...] = ()
        self._units: dict[int, int] = {}  # per layer, the neuron the captions quote
        self.index = 0
        self._applying = False
        self._canvas_mode: str | None = None  # the canvas's animation, restored at the end
        self.count = QLabel()
        self.count.setStyleSheet("color: #5b6470;")
        self.title = QLabel()
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.stop_button = QPushButton("Stop")
        self.back_button.setToolTip("The phase before (←)")
        self.next_button.setToolTip("The next phase (→); on the update, take the step")
        self.stop_button.setToolTip("Leave the step-through without taking the step (Esc)")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.stop_button.clicked.connect(self.stop)
        text = QVBoxLayout()
        text.setSpacing(2)
        heading = QHBoxLayout()
        heading.addWidget(self.count)
        heading.addWidget(self.title, 1)
        text.addLayout(heading)
        text.addWidget(self.caption)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 8, 6)
        row.addLayout(text, 1)
        for button in (self.back_button, self.next_button, self.stop_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._bridge = _Bridge()
        self._bridge.done.connect(self._on_walk)
        self._keys = []
        for key, slot in ((Qt.Key.Key_Right, self.next), (Qt.Key.Key_Left, self.back)):
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.activated.connect(slot)
            shortcut.setEnabled(False)
            self._keys.append(shortcut)
        escape_key = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        escape_key.activated.connect(self.stop)
        escape_key.setEnabled(False)
        self._keys.append(escape_key)
        self.hide()

    # ------------------------------------------------------------------ commands
    def active(self) -> bool:
        return not self.isHidden()

    def start(self) -> None:
        """Pause the run and walk its next step from the first phase."""
        window = self.window
        if window.worker.is_playing:
            window.toggle_play()
        sample = window.selection.sample
        future = window.worker.call_on_trainer(lambda trainer: trainer.walkthrough(sample))
        future.add_done_callback(self._bridge.done.emit)

    def _on_walk(self, future) -> None:
        if future.cancelled() or future.exception() is not None:
            error = "the training thread has stopped" if future.cancelled() else future.exception()
            self.window.statusBar().showMessage(f"Cannot step through: {error}", 8000)
            return
        self.walk = future.result()
        # The captions quote the neuron each phase selects: the chosen one's index, in range.
        chosen = self.window.selection.neuron or 0
        self._units = {
            k: min(chosen, layer.units - 1) for k, layer in enumerate(self.walk.layers, start=1)
        }
        self.phases = step_phases(self.walk, self._units)
        if self._canvas_mode is None:
            self._canvas_mode = self.window.canvas.mode()
            self.window.canvas.set_mode("off")  # the phases, not the sweep, say what happens
        self.index = 0
        self._applying = False
        for shortcut in self._keys:
            shortcut.setEnabled(True)
        self.show()
        self.walkChanged.emit(self.walk)
        self._show_phase()

    def next(self) -> None:
        if not self.active() or self._applying:
            return
        if self.index < len(self.phases) - 1:
            self.index += 1
            self._show_phase()
            return
        self._apply()

    def back(self) -> None:
        if self.active() and not self._applying and self.index > 0:
            self.index -= 1
            self._show_phase()

    def stop(self) -> None:
        """Leave without taking the step."""
        self._close()

    # ------------------------------------------------------------------ showing
    def _show_phase(self) -> None:
        phase = self.phases[self.index]
        last = self.index == len(self.phases) - 1
        self.count.setText(f"Step-through {self.index + 1}/{len(self.phases)}")
        self.title.setText(f"<b>{escape(phase.title)}</b>")
        self.caption.setText(phase.text)
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setText("Take the step ▶" if last else "Next ▶")
        canvas = self.window.canvas
        latest = self.window.worker.latest()
        if latest is not None:
            snapshot = phase_snapshot(latest, self.walk, phase)
            canvas.show_phase(snapshot, canvas_frame(phase), phase_caption(self.walk, phase))
        canvas.set_spotlight(phase.columns)
        if phase.layer is not None:  # the neuron the caption quotes
            self.window.selection.set(layer=phase.layer, neuron=self._units[phase.layer], link=None)

    def _apply(self) -> None:
        """Take the step the phases showed: one ordinary training step."""
        latest = self.window.worker.latest()
        if latest is None or latest.step != self.walk.step or self.window.worker.is_playing:
            self.window.statusBar().showMessage(
                "The run has moved on since this step was taken apart: start again", 8000
            )
            self._close()
            return
        self._applying = True
        self.next_button.setEnabled(False)
        self.caption.setText("Taking the step…")
        self.window.step_batch()

    def on_snapshot(self, snapshot) -> None:
        """The run's latest snapshot: once the applied step has arrived, the walk is over; a
        run that moved on by itself (Play, Step) ends it without taking the step."""
        if self.active() and not self._applying and snapshot.step != self.walk.step:
            self._close()
            self.window.statusBar().showMessage(
                "Step-through left: the run moved on to another step", 8000
            )
            return
        if self._applying and snapshot.step >= self.walk.step + 1 and snapshot.state != "running":
            step = snapshot.step
            self._close()
            self.window.statusBar().showMessage(
                f"Step {step} taken: the network is where one ordinary step puts it. "
                "Play or Step goes on from here.",
                8000,
            )
            self.finished.emit(step)

    def _close(self) -> None:
        self._applying = False
        self.next_button.setEnabled(True)
        for shortcut in self._keys:
            shortcut.setEnabled(False)
        canvas = self.window.canvas
        canvas.show_phase(None)
        canvas.set_spotlight(None)
        if self._canvas_mode is not None:
            canvas.set_mode(self._canvas_mode)
            self._canvas_mode = None
        was_active = not self.isHidden()
        self.hide()
        if was_active:
            self.walkChanged.emit(None)
