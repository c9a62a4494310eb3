"""What a plot says under the mouse: the step and epoch there, and each curve's value.

Plots put epochs on their x axis (fractional inside an epoch: the running batch loss is
recorded a few times per epoch). Every epoch has the same number of steps, so step and epoch
convert exactly: step = epoch × batches_per_epoch. A curve's value is its recorded point
nearest to the mouse; when that point is of another step (epoch metrics are measured at the
end of each epoch), the read-out names its step, so no value passes for one it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

PER_LINE = 3  # values on one line of a read-out: three runs' curves still fit a small plot


def epoch_of(step: int, batches_per_epoch: int) -> float:
    """Where a step lies on an epoch axis."""
    return step / batches_per_epoch


def step_of(epoch: float, batches_per_epoch: int, last_step: int) -> int:
    """The step nearest to an epoch-axis position, within 0..last_step."""
    return int(min(max(round(epoch * batches_per_epoch), 0), last_step))


@dataclass(frozen=True)
class Readout:
    step: int
    epoch: float
    values: dict[str, float]  # curve name → its value at the nearest recorded point
    steps: dict[str, int]  # curve name → the step of that point

    def text(self, per_line: int = PER_LINE) -> str:
        """The step and epoch, then the values, `per_line` to a line (a plot is short)."""
        parts = []
        for name, value in self.values.items():
            at = self.steps[name]
            parts.append(f"{name}: {value:.4g}" + ("" if at == self.step else f" (step {at})"))
        lines = [f"step {self.step} · epoch {self.epoch:.2f}"]
        lines += ["   ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
        return "\n".join(lines)


def readout(
    epoch: float,
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    batches_per_epoch: int,
    last_step: int,
) -> Readout:
    """The step under `epoch` and each curve's finite value nearest to it (curves with none
    left out); `curves`: name → (epochs, values), epochs ascending."""
    step = step_of(epoch, batches_per_epoch, last_step)
    values, steps = {}, {}
    for name, (x, y) in curves.items():
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        finite = np.isfinite(y) & np.isfinite(x)
        if not finite.any():
            continue
        x, y = x[finite], y[finite]
        i = int(np.searchsorted(x, epoch))
        candidates = [j for j in (i - 1, i) if 0 <= j < len(x)]
        j = min(candidates, key=lambda k: abs(x[k] - epoch))
        values[name] = float(y[j])
        steps[name] = step_of(float(x[j]), batches_per_epoch, last_step)
    return Readout(step, epoch_of(step, batches_per_epoch), values, steps)
