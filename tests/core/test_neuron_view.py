"""A neuron's view of one step adds up as a learner checks it by hand, with the engine's numbers:
z = Σ aᵢwᵢ + b, a = f(z), ∂ℓ/∂a = Σⱼ wⱼ·∂ℓ/∂zⱼ, ∂ℓ/∂z = ∂ℓ/∂a·f′(z) (softmax: its Jacobian),
∂ℓ/∂wᵢ = aᵢ·∂ℓ/∂z, and the weights after are the ones an ordinary step leaves."""

from __future__ import annotations

import numpy as np
import pytest
from design_factory import XOR, merged

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.neuron_view import neuron_view
from nnviz.core.trainer import Trainer

DESIGNS = {
    "tanh-bce-adam": merged(XOR),
    "relu-softmax-sgd-momentum": merged(
        XOR,
        layers=[{"units": 5, "activation": "relu"}, {"units": 2, "activation": "softmax"}],
        loss="cross_entropy",
        optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    ),
    "sigmoid-mse-regression": merged(
        XOR,
        layers=[{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        optimizer={"name": "sgd", "learning_rate": 0.05},
        regularization={"kind": "l2", "rate": 0.01},
        dataset={"name": "plane", "samples": 100, "test_fraction": 0.2},
    ),
}


@pytest.fixture(params=list(DESIGNS))
def trainer(request):
    t = Trainer(Design.from_dict(DESIGNS[request.param]))
    for _ in range(4):
        t.step_batch()
    return t


def test_every_neuron_adds_up_and_matches_the_engine(trainer):
    walk = trainer.walkthrough(sample=3)
    for layer in range(1, len(walk.layers) + 1):
        step = walk.layers[layer - 1]
        for unit in range(step.units):
            view = neuron_view(walk, layer, unit)
            sizes = [abs(t.product) for t in view.terms]
            assert sizes == sorted(sizes, reverse=True)
            assert sorted(t.source for t in view.terms) == list(range(step.fan_in))
            for t in view.terms:
                assert t.product == t.a * t.w
            assert view.weighted_sum + view.b == pytest.approx(view.z, abs=1e-12)
            assert view.z == step.z[unit] and view.a == step.a[unit]
            act = ACTIVATIONS.get(view.activation)
            if act.elementwise:
                assert view.a == act.forward(np.array([[view.z]]))[0, 0]
                assert view.dL_da * view.slope == pytest.approx(view.dL_dz, rel=1e-12, abs=1e-15)
            else:
                jacobian = view.a * (view.dL_da - view.softmax_sum)
                assert jacobian == pytest.approx(view.dL_dz, rel=1e-12, abs=1e-15)
            if view.is_output:
                assert view.back == ()
            else:
                total = sum(b.product for b in view.back)
                assert total == pytest.approx(view.dL_da, rel=1e-12, abs=1e-15)
            bias = view.params[-1]
            assert bias.source == -1 and bias.sample_grad == view.dL_dz
            by_source = sorted(view.terms, key=lambda t: t.source)
            for p, t in zip(view.params[:-1], by_source, strict=True):
                assert p.before == t.w
                assert p.sample_grad == pytest.approx(t.a * view.dL_dz, rel=1e-12, abs=1e-15)


def test_batch_gradients_and_update_are_the_ordinary_steps(trainer):
    walk = trainer.walkthrough(sample=0)
    view = neuron_view(walk, 1, 1)
    trainer.step_batch()
    w = trainer.network.weights[0][:, 1]
    for p in view.params[:-1]:
        assert p.after == w[p.source]  # bit for bit
        assert p.batch_grad == trainer._last_bwd.weights[0][p.source, 1]
    assert view.params[-1].after == trainer.network.biases[0][1]
    names = set(walk.rule.buffers.values())
    assert {symbol for symbol, _ in view.params[0].state} <= names


def test_bad_layer_or_unit_is_refused(trainer):
    walk = trainer.walkthrough()
    with pytest.raises(IndexError, match="layer 0"):
        neuron_view(walk, 0, 0)
    with pytest.raises(IndexError, match="unit 99"):
        neuron_view(walk, 1, 99)


def test_set_parameter_changes_one_value_and_shows_the_next_steps_pass_with_it():
    t = Trainer(Design.from_dict(DESIGNS["tanh-bce-adam"]))
    t.step_batch()
    assert t.shown_walkthrough().taken  # the step just taken
    old = t.set_parameter(1, 0, 2, 0.75)
    assert t.network.weights[0][0, 2] == 0.75
    bias = float(t.network.biases[0][2])
    assert t.set_parameter(1, -1, 2, -0.5) == bias
    assert t.network.biases[0][2] == -0.5
    rows = t.next_batch()[0]
    again = t.network.forward(t._x[rows])
    snap = t.snapshot()
    assert not snap.last_step
    np.testing.assert_allclose(snap.pre[0], again.pre[0].mean(axis=0))  # not the stale pass
    shown = t.shown_walkthrough()
    assert not shown.taken and shown.step == 1 and shown.layers[0].W[0, 2] == 0.75
    assert t.last_walkthrough() is None
    assert t.set_parameter(1, 0, 2, old) == 0.75
