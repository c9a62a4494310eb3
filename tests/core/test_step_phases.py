"""The phases of a step come in the learner's order and quote the engine's numbers."""

from __future__ import annotations

import numpy as np
from design_factory import XOR, merged
from snapshot_factory import assert_same_layers

from nnviz.core.design import Design
from nnviz.core.step_phases import phase_caption, phase_snapshot, step_phases
from nnviz.core.trainer import Trainer


def test_forward_loss_backward_update_in_order_with_their_numbers():
    layers = [
        {"units": 4, "activation": "tanh"},
        {"units": 3, "activation": "relu"},
        {"units": 1, "activation": "sigmoid"},
    ]
    trainer = Trainer(Design.from_dict(merged(XOR, layers=layers)))
    trainer.step_batch()
    walk = trainer.walkthrough(sample=5)
    phases = step_phases(walk, {1: 2, 2: 2, 3: 0})
    kinds = [(p.kind, p.layer) for p in phases]
    assert kinds == [
        ("forward", 1),
        ("forward", 2),
        ("forward", 3),
        ("loss", 3),
        ("backward", 3),
        ("backward", 2),
        ("backward", 1),
        ("update", None),
    ]
    assert phases[0].columns == (0, 1) and phases[-1].columns == (0, 1, 2, 3)
    z = f"{walk.layers[1].z[2]:.4g}".replace("-", "−")
    assert "Hidden 2 #3" in phases[1].text and f"z = {z}" in phases[1].text
    assert f"ℓ = {walk.sample_loss:.4g}" in phases[3].text
    dz = f"{walk.layers[0].dL_dz[2]:.4g}".replace("-", "−")
    assert f"∂ℓ/∂z = {dz}" in phases[6].text
    assert "Adam" in phases[-1].title and "step 1 → 2" in phases[-1].text
    assert "Output" in phases[4].title and "starts at the loss" in phases[4].text


def test_a_phase_shows_the_walked_step_as_its_own_snapshot_will():
    """The update phase's snapshot is, number for number, the snapshot of the step once taken;
    the phases before it show the same pass with the weights not yet updated."""
    trainer = Trainer(Design.from_dict(merged(XOR, regularization={"kind": "l2", "rate": 0.01})))
    for _ in range(3):
        trainer.step_batch()
    trainer.set_trace_sample(4)
    before = trainer.snapshot()
    walk = trainer.walkthrough()
    phases = step_phases(walk)
    forward, update = (
        phase_snapshot(before, walk, phases[0]),
        phase_snapshot(before, walk, phases[-1]),
    )
    trainer.step_batch()
    taken = trainer.snapshot()
    assert (update.step, update.last_step) == (taken.step, True) == (4, True)
    assert (forward.step, forward.last_step) == (3, False)
    arrays = ("weights", "biases", "step_weights", "step_biases", "grad_weights", "grad_biases")
    trace = ("pre", "post", "grad_pre", "grad_post", "sample_grad_weights", "sample_grad_biases")
    assert_same_layers(update, taken, arrays + trace)
    np.testing.assert_array_equal(update.input, taken.input)
    assert update.batch_loss == taken.batch_loss and update.batch_size == taken.batch_size
    for ours, theirs in zip(forward.weights, update.step_weights, strict=True):
        np.testing.assert_array_equal(ours, theirs)  # not yet updated
    assert phase_caption(walk, phases[0]) == "Step 4 · Forward pass → Hidden 1"
    assert phase_caption(walk, phases[-1]) == f"Step 4 · Update · {walk.rule.caption}"
    assert phase_caption(walk, phases[2]) == f"Step 4 · Loss L = {walk.loss:.4g} (batch mean)"
    assert phase_caption(walk, phases[3]) == "Step 4 · Backward pass ← Output"
