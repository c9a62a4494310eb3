"""The sweep's clock: which part of the network is lit, and with what, at a given moment.

Pure timing, no Qt: the canvas starts a sweep when a training step has been taken, advances it
from a GUI timer and asks for the current `Frame`. A sweep plays once (forward pass, the loss,
backward pass, the update) and then rests on its last state until the next step starts one;
how fast it plays, and whether every step gets one, is `nnviz.core.step_animation`'s plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.core.step_animation import BACKWARD_PHASE, FORWARD_PHASE, LOSS_PHASE, UPDATE_PHASE

LAYER_SECONDS = 0.45
HOLD_SECONDS = 0.5
UPDATE_SECONDS = 0.6

# State names a region of the canvas can be drawn in.
DIM, FORWARD, BACKWARD = "dim", "forward", "backward"


@dataclass(frozen=True)
class Frame:
    """What to draw now: columns up to the front (in `direction`) in `wave`, the rest in `base`.

    `front` is measured in columns (0 = inputs, n_layers = outputs); `flash` in 0..1 brightens
    the links during the weight update.
    """

    base: str
    wave: str
    front: float
    direction: int
    flash: float
    phase: str

    def reached(self, column: float) -> bool:
        return (column <= self.front + 1e-9) if self.direction > 0 else column >= self.front - 1e-9


@dataclass(frozen=True)
class _Phase:
    name: str
    seconds_per_layer: float
    fixed_seconds: float
    base: str
    wave: str
    direction: int


def _sweep(name: str, base: str, wave: str, direction: int) -> _Phase:
    return _Phase(name, LAYER_SECONDS, 0.0, base, wave, direction)


def _hold(name: str, state: str, seconds: float = HOLD_SECONDS) -> _Phase:
    return _Phase(name, 0.0, seconds, state, state, 1)


MODES: dict[str, tuple[_Phase, ...]] = {
    "forward": (_sweep(FORWARD_PHASE, DIM, FORWARD, 1), _hold(FORWARD_PHASE, FORWARD, 0.9)),
    "backward": (
        _sweep(BACKWARD_PHASE, DIM, BACKWARD, -1),
        _hold(BACKWARD_PHASE, BACKWARD, 0.9),
    ),
    "both": (
        _sweep(FORWARD_PHASE, DIM, FORWARD, 1),
        _hold(LOSS_PHASE, FORWARD, 0.35),
        _sweep(BACKWARD_PHASE, FORWARD, BACKWARD, -1),
        _hold(BACKWARD_PHASE, BACKWARD, 0.35),
        _Phase(UPDATE_PHASE, 0.0, UPDATE_SECONDS, FORWARD, FORWARD, 1),
    ),
    "off": (),
}


def _ease(t: float) -> float:
    """Smoothstep: the wave lingers on each column so layers light up one at a time."""
    return t * t * (3.0 - 2.0 * t)


class Sweep:
    """The animation clock for a network of `n_layers` trainable layers: `start()` plays one
    sweep of the mode's phases, after which it rests on the last one's final state."""

    def __init__(self, n_layers: int = 1) -> None:
        self._n_layers = max(n_layers, 1)
        self._mode = "both"
        self._speed = 1.0
        self._index = 0
        self._elapsed = 0.0
        self._running = False

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def running(self) -> bool:
        """A sweep is playing (False at rest, and always in mode "off")."""
        return self._running

    def set_mode(self, mode: str) -> None:
        """Change what a sweep shows; a sweep under way starts again in the new mode."""
        if mode not in MODES:
            raise ValueError(f"unknown animation mode {mode!r}; valid: {', '.join(MODES)}")
        self._mode = mode
        if self._running:
            self.start()

    def set_speed(self, factor: float) -> None:
        self._speed = min(max(float(factor), 0.05), 20.0)

    def set_layers(self, n_layers: int) -> None:
        self._n_layers = max(n_layers, 1)
        self._running = False

    def start(self) -> None:
        """Play one sweep from its beginning."""
        self._index = 0
        self._elapsed = 0.0
        self._running = bool(MODES[self._mode])

    def duration(self) -> float:
        """Seconds one sweep of the current mode takes at speed 1."""
        return sum(self._duration(phase) for phase in MODES[self._mode])

    def _duration(self, phase: _Phase) -> float:
        return phase.fixed_seconds + phase.seconds_per_layer * self._n_layers

    def advance(self, seconds: float) -> None:
        if not self._running:
            return
        phases = MODES[self._mode]
        self._elapsed += max(seconds, 0.0) * self._speed
        while self._elapsed >= self._duration(phases[self._index]):
            self._elapsed -= self._duration(phases[self._index])
            self._index += 1
            if self._index == len(phases):  # the sweep is over: rest on its last state
                self._running = False
                return

    def frame(self) -> Frame:
        phases = MODES[self._mode]
        if not self._running:
            state = phases[-1].wave if phases else FORWARD
            return Frame(state, state, float(self._n_layers), 1, 0.0, "")
        phase = phases[self._index]
        if phase.seconds_per_layer == 0.0:
            progress = self._elapsed / phase.fixed_seconds
            flash = 1.0 - progress if phase.name == UPDATE_PHASE else 0.0
            return Frame(phase.base, phase.wave, float(self._n_layers), 1, flash, phase.name)
        done = self._elapsed / phase.seconds_per_layer
        whole = int(done)
        front = whole + _ease(done - whole)
        if phase.direction < 0:
            front = self._n_layers - front
        return Frame(phase.base, phase.wave, front, phase.direction, 0.0, phase.name)
