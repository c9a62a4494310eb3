"""The phases of a step come in the learner's order and quote the engine's numbers."""

from __future__ import annotations

from design_factory import XOR, merged

from nnviz.core.design import Design
from nnviz.core.step_phases import step_phases
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
