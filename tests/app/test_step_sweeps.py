"""The canvas animates real steps: one sweep per step at a slow pace, none without a step."""

from __future__ import annotations

import dataclasses

import pytest
from design_factory import xor_design

from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer


@pytest.fixture
def canvas(canvas):
    """The shared canvas, animating forward, loss, backward and update."""
    canvas.set_mode("both")
    return canvas


def snapshots(pace: float | None, steps: int, optimizer=None):
    """A trainer's snapshot after each of `steps` steps, as the loop publishes them."""
    t = Trainer(Design.from_dict(xor_design(optimizer=optimizer or {"name": "adam"})))
    t.grid_resolution = None
    t.pacer.set_steps_per_s(pace)
    t.state = "running"
    out = []
    for _ in range(steps):
        t.step_batch()
        out.append(t.snapshot())
    return out


def finish_sweep(canvas: NetworkCanvas) -> None:
    """Play the sweep under way to its end, as the canvas's timer would."""
    canvas._sweep.advance(60.0)
    canvas._tick()


def test_nothing_moves_without_a_step_and_a_step_plays_once(canvas):
    first, second = snapshots(1.0, 2)
    canvas.set_snapshot(dataclasses.replace(first, state="paused"))
    assert canvas.current_frame().phase == "Forward pass"
    assert canvas.caption().startswith("Step 1 · Forward pass →")
    finish_sweep(canvas)
    assert canvas.caption() == "Latest state · after step 1"
    canvas.set_snapshot(dataclasses.replace(first, state="paused"))  # the same step again
    assert canvas.current_frame().phase == ""
    canvas.set_snapshot(dataclasses.replace(second, state="paused"))  # Step pressed
    assert canvas.caption().startswith("Step 2 · Forward pass")


def test_at_a_slow_pace_each_step_keeps_its_numbers_through_its_own_sweep(canvas):
    first, second = snapshots(1.0, 2)
    canvas.set_snapshot(first)
    canvas._sweep.advance(0.1)
    canvas.set_snapshot(second)  # arrives while step 1 is still being swept
    assert canvas.caption().startswith("Step 1 ·")
    assert canvas._snapshot is first
    finish_sweep(canvas)
    assert canvas._snapshot is second
    assert canvas.caption().startswith("Step 2 · Forward pass")


def test_sweep_phases_name_the_loss_and_the_optimizers_rule(canvas):
    (s,) = snapshots(0.5, 1, optimizer={"name": "sgd", "momentum": 0.9, "learning_rate": 0.1})
    canvas.set_snapshot(s)
    seen = []
    for _ in range(400):
        canvas._sweep.advance(0.02)
        seen.append(canvas.caption())
    assert f"Step 1 · Loss L = {s.batch_loss:.4g} (batch mean)" in seen
    assert "Step 1 · Update · SGD with momentum: v ← μ·v + g, w ← w − η·v" in seen
    order = [c.split(" · ")[1].split(" ")[0] for c in seen if c.startswith("Step")]
    phases = list(dict.fromkeys(order))
    assert phases == ["Forward", "Loss", "Backward", "Update"]


def test_at_full_speed_sweeps_sample_steps_and_say_so(canvas):
    snaps = snapshots(None, 3)
    fast = [dataclasses.replace(s, steps_per_s=2000.0) for s in snaps]
    canvas.set_snapshot(fast[0])
    canvas._adopted_at = -1e9  # the next snapshot is due (no throttle) …
    canvas.set_snapshot(fast[1])
    assert canvas._snapshot is fast[1]  # … and shown at once, mid-sweep
    assert "shown)" in canvas.caption() and canvas.caption().startswith("Step 2 (one in ~")
