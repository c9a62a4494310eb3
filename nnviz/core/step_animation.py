"""How the network view animates real training steps, and what its caption says.

A sweep (forward pass, the loss, backward pass, the update) plays once for a step that has been
taken; nothing moves while no step is taken. Whether every step gets its own sweep depends on
the pace: `plan_animation` fits one sweep into the time between two steps when that leaves it
watchable, and otherwise lets the sweeps sample the steps (each sweep shows the latest step
when it starts, and the caption says how many steps one sweep spans). `step_caption` writes
the caption: the step's number, the phase, the loss of the step, and under "update" the rule
the optimizer really applies (from `update_rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FILL = 0.85  # share of the time between two steps one sweep may take
MAX_STEP_SPEED = 12.0  # faster than this, a sweep is no longer worth following step by step

FORWARD_PHASE, LOSS_PHASE, BACKWARD_PHASE, UPDATE_PHASE = (
    "Forward pass",
    "Loss",
    "Backward pass",
    "Update weights",
)


@dataclass(frozen=True)
class AnimationPlan:
    """`every_step`: each step gets a whole sweep of its own (the view holds a step's numbers
    until its sweep ends); else sweeps sample steps, about `steps_per_sweep` apart. `speed` is
    the sweep's speed factor (1 = its natural pace)."""

    every_step: bool
    speed: float
    steps_per_sweep: float


def plan_animation(
    sweep_seconds: float, pace: float | None, measured_steps_per_s: float
) -> AnimationPlan:
    """How to animate steps: `sweep_seconds` is one sweep at speed 1, `pace` the steps a second
    training keeps to (None: full speed) and `measured_steps_per_s` how fast it really goes."""
    if pace is not None:
        needed = sweep_seconds * pace / FILL
        if needed <= MAX_STEP_SPEED:
            return AnimationPlan(True, max(needed, 1.0), 1.0)
    rate = measured_steps_per_s if pace is None else min(pace, measured_steps_per_s or pace)
    return AnimationPlan(False, 1.0, max(rate * sweep_seconds, 1.0))


def step_caption(
    step: int,
    phase: str,
    where: str,
    plan: AnimationPlan,
    loss: float,
    rule: str,
) -> str:
    """The caption of one moment of a sweep over step `step` (1-based; 0: no step taken yet).

    `where` names the layer the wave is at ("Hidden 1"), `rule` the optimizer's update rule
    in one line ("Adam: w ← w − η·m̂/(√v̂ + ε)")."""
    if step == 0:
        return "Before the first step: the forward pass only"
    if not phase:
        return f"State after step {step:,}"
    head = f"Step {step:,}"
    if not plan.every_step and plan.steps_per_sweep >= 2:
        head += f" (one in ~{_round(plan.steps_per_sweep)} shown)"
    if phase == FORWARD_PHASE:
        return f"{head} · Forward pass → {where}"
    if phase == LOSS_PHASE:
        value = f"{loss:.4g}" if math.isfinite(loss) else str(loss)
        return f"{head} · Loss L = {value} (batch mean)"
    if phase == BACKWARD_PHASE:
        return f"{head} · Backward pass ← {where}"
    return f"{head} · Update · {rule}"


def widest_captions(where: list[str], rule: str) -> list[str]:
    """Every caption shape with the widest numbers, for a header that keeps its layout."""
    plan = AnimationPlan(False, 1.0, 888_888.0)
    step = 8_888_888
    phases = [(FORWARD_PHASE, w) for w in where] + [(BACKWARD_PHASE, w) for w in where]
    phases += [(LOSS_PHASE, ""), (UPDATE_PHASE, ""), ("", "")]  # "": at rest
    captions = [step_caption(step, p, w, plan, -8.888e-88, rule) for p, w in phases]
    return [*captions, step_caption(0, "", "", plan, 0.0, rule)]


def _round(n: float) -> str:
    """A step count to two significant digits: 37, 1,200, 45,000."""
    if n < 10:
        return f"{n:.0f}"
    digits = math.floor(math.log10(n)) - 1
    return f"{round(n, -digits):,.0f}"
