"""The explorers' curves are the registries' own functions, their shaded ranges the health
metrics' definitions, and the marked values the engine's forward pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from design_factory import XOR, merged

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.curves import (
    activation_curve,
    activation_use,
    forward_with,
    loss_curve,
    loss_marks,
)
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.metrics import dead_fraction, saturated_fraction
from nnviz.core.trainer import Trainer

KINKED = {"relu": 0.0, "leaky_relu": 0.0, "elu": 0.0, "softplus": 20.0}


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_activation_curve_is_the_registry_function_and_its_derivative(name):
    curve = activation_curve(name, (-5.0, 5.0), 1001)
    act = ACTIVATIONS.get(name)
    if act.elementwise:
        np.testing.assert_array_equal(curve.a, act.forward(curve.z[:, None])[:, 0])
    else:  # softmax of (z, 0): the logistic function
        np.testing.assert_allclose(curve.a, 1.0 / (1.0 + np.exp(-curve.z)), rtol=1e-12)
    numeric = np.gradient(curve.a, curve.z)
    smooth = np.abs(curve.z - KINKED.get(name, math.inf)) > 0.02
    np.testing.assert_allclose(curve.slope[smooth][1:-1], numeric[smooth][1:-1], atol=2e-4)
    assert curve.description == ACTIVATIONS.description(name)


def test_dead_and_saturated_ranges_follow_the_health_definitions():
    relu = activation_curve("relu", (-6.0, 6.0), 1201)
    assert len(relu.dead) == 1 and relu.dead[0][0] == -6.0 and relu.dead[0][1] == pytest.approx(0)
    assert relu.saturated == ()
    tanh = activation_curve("tanh", (-6.0, 6.0), 12001)
    edge = math.atanh(0.98)  # within 1 % of the range (0.02) of ±1
    assert [(round(lo, 2), round(hi, 2)) for lo, hi in tanh.saturated] == [
        (-6.0, round(-edge, 2)),
        (round(edge, 2), 6.0),
    ]
    assert tanh.dead == ()
    sigmoid = activation_curve("sigmoid", (-6.0, 6.0), 12001)
    assert sigmoid.saturated[1][0] == pytest.approx(math.log(0.99 / 0.01), abs=2e-3)
    for name in ("linear", "softplus", "softmax"):
        curve = activation_curve(name)
        assert curve.dead == () and curve.saturated == ()


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "gelu", "linear"])
def test_activation_use_counts_values_and_units_like_the_health_plot(name):
    rng = np.random.default_rng(2)
    z = rng.normal(0.0, 3.0, (64, 5))
    z[:, 0] = -np.abs(z[:, 0]) - 0.1  # a unit always on the negative side
    z[:, 1] = 8.0 + np.abs(z[:, 1])  # a unit far on the positive side
    use = activation_use(z, 1, name)
    a = ACTIVATIONS.get(name).forward(z)
    np.testing.assert_array_equal(use.a, a)
    assert use.samples == 64 and use.units == 5
    np.testing.assert_equal(use.dead_units, dead_fraction(a, name))
    np.testing.assert_equal(use.saturated_units, saturated_fraction(a, name))
    act = ACTIVATIONS.get(name)
    if act.can_die:
        assert use.dead_share == pytest.approx(np.mean(a <= 0))
        assert use.dead_units >= 0.2  # unit 0
    else:
        assert math.isnan(use.dead_share)
    if act.saturates:
        low, high = act.output_range
        near = (a <= low + 0.01 * (high - low)) | (a >= high - 0.01 * (high - low))
        assert use.saturated_share == pytest.approx(np.mean(near))
        assert use.saturated_units >= 0.2  # unit 1 sits at the top
    else:
        assert math.isnan(use.saturated_share)
    lo, hi = use.span()
    assert lo == -hi and hi >= 6.0 and np.all(np.abs(z) <= hi)


def test_forward_with_gives_a_trainers_own_forward_pass():
    trainer = Trainer(Design.from_dict(merged(XOR)))
    for _ in range(3):
        trainer.step_batch()
    snap = trainer.snapshot()
    x = trainer.data.x_train[:20]
    mine = forward_with(trainer.design, snap.weights, snap.biases, x)
    theirs = trainer.network.forward(x)
    for k in range(len(snap.weights)):
        np.testing.assert_array_equal(mine.pre[k], theirs.pre[k])
        np.testing.assert_array_equal(mine.post[k], theirs.post[k])


@pytest.mark.parametrize("name", LOSSES.names())
@pytest.mark.parametrize("target", [0, 1])
def test_loss_curve_is_one_samples_registry_loss_and_gradient(name, target):
    loss = LOSSES.get(name)
    curve = loss_curve(name, target, classes=3)
    if loss.needs_classes:
        assert curve.kind == "probability"
        assert 0.0 < curve.x[0] < curve.x[-1] < 1.0
        np.testing.assert_allclose(curve.loss, -np.log(curve.x), rtol=1e-9)  # −log p(target)
        np.testing.assert_allclose(curve.grad, -1.0 / curve.x, rtol=1e-9)
        return
        assert curve.kind == "value"
        i = len(curve.x) // 3
        expected = loss.value(np.array([[curve.x[i]]]), np.array([[float(target)]]))
        assert curve.loss[i] == expected
    numeric = np.gradient(curve.loss, curve.x)
    kink = np.abs(curve.x - target) > 0.02  # mae's corner at the target
    np.testing.assert_allclose(curve.grad[kink][2:-2], numeric[kink][2:-2], rtol=2e-2, atol=1e-3)
    assert curve.description == LOSSES.description(name)


def test_loss_marks_place_the_outputs_on_the_curve():
    output = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    labels = np.array([1, 0, 1])
    marks = loss_marks("cross_entropy", output, labels, labels, 1)
    assert marks.samples == 2
    np.testing.assert_allclose(marks.x, [0.7, 0.1])
    np.testing.assert_allclose(marks.loss, -np.log([0.7, 0.1]))
    bce = loss_marks("binary_cross_entropy", np.array([[0.9], [0.3]]), None, np.array([0, 0]), 0)
    np.testing.assert_allclose(bce.x, [0.1, 0.7])  # the probability given to class 0
    np.testing.assert_allclose(bce.loss, -np.log([0.1, 0.7]))
    mse = loss_marks("mse", np.array([[1.5], [-0.5]]), np.array([[1.0], [0.0]]), None, 2.0)
    np.testing.assert_allclose(mse.x, [2.5, 1.5])  # placed by their errors +0.5 and −0.5
    np.testing.assert_allclose(mse.loss, [0.25, 0.25])


def test_a_softmax_unit_is_drawn_against_its_own_score_with_the_others_fixed():
    logits = np.array([0.3, -1.2, 2.0])
    curve = activation_curve("softmax", (-4.0, 4.0), 801, logits, unit=1)
    probabilities = ACTIVATIONS.get("softmax").forward(logits[None, :].copy())[0]
    i = int(np.argmin(np.abs(curve.z - logits[1])))
    assert curve.z[i] == pytest.approx(logits[1])
    assert curve.a[i] == pytest.approx(probabilities[1], rel=1e-12)  # the point is on the curve
    p = curve.a
    np.testing.assert_allclose(curve.slope, p * (1.0 - p), rtol=1e-12)  # ∂a_j/∂z_j
