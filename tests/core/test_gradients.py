"""Finite-difference checks of every activation, loss and regularizer, alone and in a network."""

import numpy as np
import pytest
from math_helpers import OUTPUT_FOR_LOSS, make_design, numeric_gradient, targets_for

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.losses import LOSSES
from nnviz.core.network import Network
from nnviz.core.regularizers import REGULARIZERS

HIDDEN = [name for name in ACTIVATIONS.names() if not ACTIVATIONS.get(name).output_only]
RNG = np.random.default_rng(7)


def _away_from_kinks(shape, rng):
    """Inputs whose distance from 0 keeps central differences off ReLU-style corners."""
    z = rng.uniform(0.2, 2.5, size=shape)
    return z * rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_activation_backward_matches_finite_differences(name):
    act = ACTIVATIONS.get(name)
    z = _away_from_kinks((3, 5), RNG)
    grad_a = RNG.normal(size=z.shape)
    analytic = act.backward(z, act.forward(z), grad_a)
    numeric = numeric_gradient(lambda: float((act.forward(z) * grad_a).sum()), z)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", LOSSES.names())
def test_loss_gradient_matches_finite_differences(name):
    loss = LOSSES.get(name)
    outputs = 4
    output = RNG.uniform(0.1, 0.9, size=(6, outputs))
    if name == "cross_entropy":
        output /= output.sum(axis=1, keepdims=True)
    target = targets_for(name, RNG, 6, outputs)
    if name in ("mae", "huber"):
        target = output + _away_from_kinks(output.shape, RNG)
    numeric = numeric_gradient(lambda: loss.value(output, target), output)
    np.testing.assert_allclose(loss.grad(output, target), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in LOSSES.names() if LOSSES.get(n).requires_output])
def test_logit_form_agrees_with_the_probability_form(name):
    loss = LOSSES.get(name)
    act = ACTIVATIONS.get(loss.requires_output)
    z = RNG.normal(size=(5, 3))
    a = act.forward(z)
    target = targets_for(name, RNG, 5, 3)
    assert loss.value_from_logits(z, target) == pytest.approx(loss.value(a, target), rel=1e-12)
    numeric = numeric_gradient(lambda: loss.value_from_logits(z, target), z)
    np.testing.assert_allclose(loss.grad_logits(z, a, target), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_regularizer_gradient_matches_finite_differences(name):
    reg = REGULARIZERS.get(name)
    w = _away_from_kinks(20, RNG)
    grad = np.zeros_like(w)
    reg.add_grad(w, grad, 0.3)
    np.testing.assert_allclose(grad, numeric_gradient(lambda: reg.penalty(w, 0.3), w), rtol=1e-6)


def _network_cases():
    for loss in LOSSES.names():
        for hidden in HIDDEN:
            for reg in (None, *REGULARIZERS.names()):
                yield pytest.param(loss, hidden, reg, id=f"{loss}-{hidden}-{reg}")


@pytest.mark.parametrize(("loss", "hidden", "reg"), _network_cases())
def test_network_backward_matches_finite_differences(loss, hidden, reg):
    rng = np.random.default_rng(3)
    outputs = 1 if loss == "binary_cross_entropy" else 3
    design = make_design(
        sizes=(3, 4, outputs),
        activations=(hidden, OUTPUT_FOR_LOSS[loss]),
        loss=loss,
        regularization=(reg, 0.05) if reg else None,
    )
    net = Network(design, seed=1)
    net.params[:] = _away_from_kinks(net.params.shape, rng) * 0.6
    x = rng.normal(size=(5, 3))
    y = targets_for(loss, rng, 5, outputs)

    fwd = net.forward(x)
    bwd = net.backward(fwd, y)
    analytic = net.grad_params.copy()

    def total_loss() -> float:
        return net.backward(net.forward(x), y).loss

    numeric = numeric_gradient(total_loss, net.params)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)
    assert bwd.loss == pytest.approx(bwd.data_loss + net.penalty())

    # dLoss/dz of the hidden layer, per sample, by perturbing z itself
    z_hidden = fwd.pre[0].copy()

    def loss_from_hidden_z() -> float:
        a = net.activations[0].forward(z_hidden)
        z_out = a @ net.weights[1] + net.biases[1]
        out = net.activations[1].forward(z_out)
        return net.loss_value(out, y)

    numeric_dz = numeric_gradient(loss_from_hidden_z, z_hidden)
    np.testing.assert_allclose(net.backward(net.forward(x), y).pre[0], numeric_dz, atol=1e-7)


def test_backward_gradients_are_views_of_the_flat_buffer():
    net = Network(make_design(), seed=0)
    bwd = net.backward(net.forward(np.ones((2, 3))), np.zeros((2, 2)))
    assert np.shares_memory(bwd.weights[0], net.grad_params)
    assert np.shares_memory(net.weights[1], net.params)


def test_float32_network_stays_float32():
    net = Network(make_design(dtype="float32"), seed=0)
    fwd = net.forward(np.ones((2, 3)))
    bwd = net.backward(fwd, np.zeros((2, 2)))
    assert {a.dtype for a in (*fwd.post, *bwd.pre, *bwd.weights, net.params)} == {
        np.dtype("float32")
    }
