"""How fast training goes: from one step every two seconds, slow enough to watch each step's
forward pass, loss, backward pass and update, to full speed.

`Pacer` is consulted by the training loop before every step: `claim(now)` either lets the step
go (0) and books its time, or says how many seconds are left until it may. The loop waits that
long on its controls (so a pause, a stop or a new pace wakes it at once) and asks again, so a
slow pace really slows training and steps stay evenly spaced. The clock is the loop's own
(`Trainer.clock`), and `sleep` can be replaced, so a test runs a paced loop on a fake clock.

`PACES` are the choices a window offers, slowest first; their `steps_per_s` are what the loop
keeps to (None: as fast as it can).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pace:
    """A named training speed: `steps_per_s` steps a second, or None for full speed."""

    label: str
    steps_per_s: float | None
    description: str


PACES: tuple[Pace, ...] = (
    Pace("1 step / 2 s", 0.5, "One step every two seconds: each pass and the update, unhurried"),
    Pace("1 step/s", 1.0, "One step a second: every step's forward, backward and update shown"),
    Pace("3 steps/s", 3.0, "A few steps a second: the animation shows one step in several"),
    Pace("10 steps/s", 10.0, "Ten steps a second: watch the loss and the weights drift"),
    Pace("100 steps/s", 100.0, "A hundred steps a second: the boundary forms as you watch"),
    Pace("Full speed", None, "As fast as the computer trains; the animation samples steps"),
)
FULL_SPEED = PACES[-1]


def pace_named(label: str) -> Pace:
    """The pace whose label is `label`; ValueError listing the labels if there is none."""
    for pace in PACES:
        if pace.label == label:
            return pace
    raise ValueError(f"unknown pace {label!r} (valid: {', '.join(p.label for p in PACES)})")


def _wait_on(controls: Any, seconds: float) -> None:
    controls.wait(seconds)


class Pacer:
    """Spaces training steps to at most `steps_per_s` a second (None: no limit).

    `steps_per_s` may be set from any thread (one attribute write); the loop picks it up at its
    next `claim`. `sleep(controls, seconds)` is how the loop waits: by default on the controls,
    which any command cuts short.
    """

    def __init__(self) -> None:
        self.steps_per_s: float | None = None
        self._next = -math.inf
        self.sleep: Callable[[Any, float], None] = _wait_on

    def set_steps_per_s(self, steps_per_s: float | None) -> None:
        if steps_per_s is not None and not (math.isfinite(steps_per_s) and steps_per_s > 0):
            raise ValueError(f"steps per second must be positive, not {steps_per_s}")
        self.steps_per_s = None if steps_per_s is None else float(steps_per_s)
        self._next = -math.inf  # a new pace starts now, not after the old interval

    def claim(self, now: float) -> float:
        """0 if a step may start at `now` (and it is booked), else the seconds left to wait."""
        rate = self.steps_per_s
        if rate is None:
            return 0.0
        if now < self._next:
            return self._next - now
        interval = 1.0 / rate
        # On schedule: the next slot follows this one; late (a pause, a slow step): from now.
        self._next = self._next + interval if now - self._next < interval else now + interval
        return 0.0
