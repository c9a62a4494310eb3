"""Sweeps follow real steps: every step at slow paces, sampled (and said so) when fast."""

from __future__ import annotations

import pytest

from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.pace import PACES
from nnviz.core.step_animation import (
    FILL,
    MAX_STEP_SPEED,
    AnimationPlan,
    plan_animation,
    step_caption,
    widest_captions,
)
from nnviz.core.update_rules import update_rule

SWEEP = 4.0  # seconds of one sweep at speed 1 (a network of three layers)


def test_slow_paces_give_every_step_its_own_sweep_fitted_between_steps():
    for pace in (0.5, 1.0, 2.0):
        plan = plan_animation(SWEEP, pace, measured_steps_per_s=pace)
        assert plan.every_step and plan.steps_per_sweep == 1.0
        # the sweep ends before the next step: duration / speed ≤ FILL × interval
        assert SWEEP / plan.speed <= FILL / pace + 1e-12
        assert plan.speed >= 1.0  # never slower than its natural pace
    assert plan_animation(0.5, 0.5, 0.5).speed == 1.0


def test_fast_paces_and_full_speed_sample_steps_and_say_how_many():
    plan = plan_animation(SWEEP, 10.0, measured_steps_per_s=9.5)
    assert not plan.every_step and plan.speed == 1.0
    assert plan.steps_per_sweep == pytest.approx(9.5 * SWEEP)
    full = plan_animation(SWEEP, None, measured_steps_per_s=2000.0)
    assert not full.every_step and full.steps_per_sweep == pytest.approx(8000.0)
    caption = step_caption(1234, "Forward pass", "Hidden 1", full, 0.5, "SGD: w ← w − η·g")
    assert caption == "Step 1,234 (one in ~8,000 shown) · Forward pass → Hidden 1"


def test_the_slowest_paces_on_the_menu_show_every_step():
    slow = [p for p in PACES if p.steps_per_s is not None and p.steps_per_s <= 1.0]
    assert slow
    for pace in slow:
        assert plan_animation(SWEEP, pace.steps_per_s, pace.steps_per_s).every_step
    assert SWEEP * 3.0 / FILL > MAX_STEP_SPEED  # "3 steps/s" already samples


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "sgd"},
        {"name": "sgd", "momentum": 0.9},
        {"name": "sgd", "momentum": 0.9, "nesterov": True},
        *({"name": name} for name in OPTIMIZERS.names() if name != "sgd"),
    ],
    ids=lambda s: "-".join(str(v) for v in s.values()),
)
def test_update_caption_names_the_optimizers_real_rule(spec):
    opt = OPTIMIZERS.get(spec.pop("name"))(**spec)
    rule = update_rule(opt).caption
    every = AnimationPlan(True, 2.0, 1.0)
    caption = step_caption(7, "Update weights", "", every, 0.25, rule)
    assert caption == f"Step 7 · Update · {rule}"
    assert rule.startswith(update_rule(opt).title)
    expected = {
        "SGD": "w ← w − η·g",
        "SGD with momentum": "w ← w − η·v",
        "SGD with Nesterov momentum": "w ← w − η·(g + μ·v)",
        "RMSprop": "g/(√s + ε)",
        "Adagrad": "g/(√s + ε)",
        "Adam": "m̂/(√v̂ + ε)",
        "AdamW": "m̂/(√v̂ + ε)",
    }[update_rule(opt).title]
    assert expected in caption


def test_captions_of_every_phase():
    every = AnimationPlan(True, 2.0, 1.0)
    assert (
        step_caption(3, "Loss", "", every, 0.123456, "r") == "Step 3 · Loss L = 0.1235 (batch mean)"
    )
    assert step_caption(3, "Backward pass", "Output", every, 0, "r") == (
        "Step 3 · Backward pass ← Output"
    )
    assert step_caption(3, "", "", every, 0, "r") == "Latest state · after step 3"
    assert step_caption(0, "Forward pass", "Hidden 1", every, 0, "r").startswith("Before the first")


def test_widest_captions_cover_every_caption():
    rule = "Adam: w ← w − η·m̂/(√v̂ + ε)"
    widest = widest_captions(["Input", "Hidden 1", "Output"], rule)
    longest = max(map(len, widest))
    plan = AnimationPlan(False, 1.0, 45_000.0)
    for phase, where in [("Forward pass", "Hidden 1"), ("Update weights", ""), ("Loss", "")]:
        assert len(step_caption(987_654, phase, where, plan, -1.5e-7, rule)) <= longest
