"""Training pace: a slow pace really spaces the steps out (on a fake clock, not the wall's)."""

from __future__ import annotations

import math

import pytest
from design_factory import xor_design

from nnviz.core.design import Design
from nnviz.core.pace import FULL_SPEED, PACES, Pacer, pace_named
from nnviz.core.trainer import Trainer


class FakeClock:
    """The loop's clock; waiting on it moves it on at once."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, controls, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def paced_trainer(steps_per_s: float | None) -> tuple[Trainer, FakeClock]:
    t = Trainer(Design.from_dict(xor_design(training={"epochs": 50})))
    t.grid_resolution = None
    clock = FakeClock()
    t.clock = clock
    t.pacer.sleep = clock.sleep
    t.pacer.set_steps_per_s(steps_per_s)
    return t, clock


def run_steps(t: Trainer, n: int) -> list[tuple[int, float]]:
    """Run `n` steps through the real loop; (step, time) of every snapshot it publishes."""
    seen: list[tuple[int, float]] = []

    def on_snapshot(snapshot) -> None:
        seen.append((snapshot.step, t.clock()))
        if snapshot.state == "paused":
            t.controls.stop()

    t.controls.request_steps(n)
    t.run(on_snapshot=on_snapshot, snapshot_hz=30.0)
    return seen


SLOW = [p for p in PACES if p.steps_per_s is not None]


@pytest.mark.parametrize("pace", SLOW, ids=lambda p: p.label)
def test_a_slow_pace_yields_that_many_steps_per_second(pace):
    t, clock = paced_trainer(pace.steps_per_s)
    start = clock.now
    run_steps(t, 21)
    assert t.step == 21
    # 21 steps are 20 intervals: the first goes at once
    assert clock.now - start == pytest.approx(20 / pace.steps_per_s)
    assert t.steps_per_s == 0.0  # reset once the run has stopped
    assert all(w <= 1 / pace.steps_per_s + 1e-12 for w in clock.waits)


def test_measured_rate_while_paced():
    t, _ = paced_trainer(2.0)
    rates = []
    seen = []

    def on_snapshot(snapshot) -> None:
        seen.append(snapshot.step)
        rates.append(snapshot.steps_per_s)
        if snapshot.state == "paused":
            t.controls.stop()

    t.controls.request_steps(12)
    t.run(on_snapshot=on_snapshot, snapshot_hz=30.0)
    # every step at two a second gets its own snapshot, and the rate reads 2 steps/s
    assert seen[:12] == list(range(1, 13))
    assert rates[10] == pytest.approx(2.0)


def test_full_speed_never_waits():
    t, clock = paced_trainer(None)
    start = clock.now
    run_steps(t, 30)
    assert t.step == 30 and clock.waits == [] and clock.now == start


def test_a_new_pace_applies_at_once():
    pacer = Pacer()
    pacer.set_steps_per_s(0.5)
    assert pacer.claim(10.0) == 0.0
    assert pacer.claim(10.5) == pytest.approx(1.5)
    pacer.set_steps_per_s(None)
    assert pacer.claim(10.5) == 0.0
    pacer.set_steps_per_s(4.0)
    assert pacer.claim(10.6) == 0.0  # not held back by the old two-second interval
    assert pacer.claim(10.6) == pytest.approx(0.25)


def test_late_steps_do_not_pile_up():
    """After a long pause the next steps keep the pace, not a burst to catch up."""
    pacer = Pacer()
    pacer.set_steps_per_s(1.0)
    assert pacer.claim(0.0) == 0.0
    assert pacer.claim(60.0) == 0.0
    assert pacer.claim(60.0) == pytest.approx(1.0)


def test_bad_paces_and_names():
    pacer = Pacer()
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="positive"):
            pacer.set_steps_per_s(bad)
    assert pace_named("Full speed") is FULL_SPEED
    with pytest.raises(ValueError, match="1 step/s"):
        pace_named("warp")
    assert [p.steps_per_s for p in PACES][:-1] == sorted(p.steps_per_s for p in PACES[:-1])
