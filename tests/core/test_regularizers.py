"""Weight penalties: the formulas, their gradients, and that biases are never penalised."""

import numpy as np
import pytest
from math_helpers import make_design, numeric_gradient

from nnviz.core.network import Network
from nnviz.core.regularizers import REGULARIZERS


def test_penalties_follow_the_formulas():
    w = np.array([1.0, -2.0, 0.5, 0.0])
    assert REGULARIZERS.get("l2").penalty(w, 0.1) == pytest.approx(0.1 / 2 * (1 + 4 + 0.25))
    assert REGULARIZERS.get("l1").penalty(w, 0.1) == pytest.approx(0.1 * 3.5)


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 2.0, size=30) * rng.choice([-1.0, 1.0], size=30)
    reg = REGULARIZERS.get(name)
    grad = np.zeros_like(w)
    reg.add_grad(w, grad, 0.3)
    numeric = numeric_gradient(lambda: reg.penalty(w, 0.3), w)
    np.testing.assert_allclose(grad, numeric, rtol=1e-7)


def test_gradients_are_added_to_what_is_there():
    w = np.array([2.0, -1.0, 0.0])
    grad = np.ones(3)
    REGULARIZERS.get("l2").add_grad(w, grad, 0.5)
    np.testing.assert_allclose(grad, [2.0, 0.5, 1.0])
    grad = np.ones(3)
    REGULARIZERS.get("l1").add_grad(w, grad, 0.5)
    np.testing.assert_allclose(grad, [1.5, 0.5, 1.0])  # subgradient 0 at 0, like torch.sign


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_network_penalises_weights_only_and_reports_it_in_the_loss(name):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    plain = Network(make_design(activations=("tanh", "linear")), seed=4)
    bwd0 = plain.backward(plain.forward(x), y)
    grads0 = plain.grad_params.copy()
    net = Network(make_design(activations=("tanh", "linear"), regularization=(name, 0.2)), seed=4)
    bwd = net.backward(net.forward(x), y)
    n_w = net.n_weights
    reg = REGULARIZERS.get(name)
    penalty = reg.penalty(net.params[:n_w], 0.2)
    assert penalty > 0
    assert bwd.data_loss == pytest.approx(bwd0.data_loss, rel=1e-14)
    assert bwd.loss == pytest.approx(bwd.data_loss + penalty, rel=1e-14)
    assert net.penalty() == pytest.approx(penalty, rel=1e-14)
    np.testing.assert_array_equal(net.grad_params[n_w:], grads0[n_w:])  # biases untouched
    expected = grads0[:n_w].copy()
    reg.add_grad(net.params[:n_w], expected, 0.2)
    np.testing.assert_allclose(net.grad_params[:n_w], expected, rtol=1e-14)


@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_every_entry_has_a_one_line_description(name):
    text = REGULARIZERS.description(name)
    assert text and "\n" not in text and len(text) < 120
