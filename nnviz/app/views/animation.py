"""The sweep's clock: which part of the network is lit, and with what, at a given moment.

Pure timing, no Qt: the canvas advances it from a GUI timer and asks for the current `Frame`.
The values drawn always come from the latest snapshot; the sweep only decides *where* the
forward or backward wave has got to, so the picture never lags behind training.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "forward": (_sweep("Forward pass", DIM, FORWARD, 1), _hold("Forward pass", FORWARD, 0.9)),
    "backward": (_sweep("Backward pass", DIM, BACKWARD, -1), _hold("Backward pass", BACKWARD, 0.9)),
    "both": (
        _sweep("Forward pass", DIM, FORWARD, 1),
        _hold("Forward pass", FORWARD, 0.35),
        _sweep("Backward pass", FORWARD, BACKWARD, -1),
        _hold("Backward pass", BACKWARD, 0.35),
        _Phase("Update weights", 0.0, UPDATE_SECONDS, FORWARD, FORWARD, 1),
    ),
    "off": (),
}


def _ease(t: float) -> float:
    """Smoothstep: the wave lingers on each column so layers light up one at a time."""
    return t * t * (3.0 - 2.0 * t)


class Sweep:
    """The animation clock for a network of `n_layers` trainable layers."""

    def __init__(self, n_layers: int = 1) -> None:
        self._n_layers = max(n_layers, 1)
        self._mode = "both"
        self._speed = 1.0
        self._index = 0
        self._elapsed = 0.0

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def speed(self) -> float:
        return self._speed

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown animation mode {mode!r}; valid: {', '.join(MODES)}")
        self._mode = mode
        self.restart()

    def set_speed(self, factor: float) -> None:
        self._speed = min(max(float(factor), 0.05), 20.0)

    def set_layers(self, n_layers: int) -> None:
        self._n_layers = max(n_layers, 1)
        self.restart()

    def restart(self) -> None:
        self._index = 0
        self._elapsed = 0.0

    def _duration(self, phase: _Phase) -> float:
        return phase.fixed_seconds + phase.seconds_per_layer * self._n_layers

    def advance(self, seconds: float) -> None:
        phases = MODES[self._mode]
        if not phases:
            return
        self._elapsed += max(seconds, 0.0) * self._speed
        # Skip whole phases if a long pause (a hidden window) let time pile up.
        while self._elapsed >= self._duration(phases[self._index]):
            self._elapsed -= self._duration(phases[self._index])
            self._index = (self._index + 1) % len(phases)

    def frame(self) -> Frame:
        phases = MODES[self._mode]
        if not phases:
            return Frame(FORWARD, FORWARD, float(self._n_layers), 1, 0.0, "")
        phase = phases[self._index]
        if phase.seconds_per_layer == 0.0:
            progress = self._elapsed / phase.fixed_seconds
            flash = 1.0 - progress if phase.name == "Update weights" else 0.0
            return Frame(phase.base, phase.wave, float(self._n_layers), 1, flash, phase.name)
        done = self._elapsed / phase.seconds_per_layer
        whole = int(done)
        front = whole + _ease(done - whole)
        if phase.direction < 0:
            front = self._n_layers - front
        return Frame(phase.base, phase.wave, front, phase.direction, 0.0, phase.name)
