"""Every activation: its derivative against finite differences, its range and its flags."""

import math
import warnings

import numpy as np
import pytest
from math_helpers import numeric_gradient

from nnviz.core.activations import ACTIVATIONS

ELEMENTWISE = [name for name in ACTIVATIONS.names() if ACTIVATIONS.get(name).elementwise]


def _away_from_kinks(shape, rng):
    """Inputs at least 0.2 from 0, so central differences never straddle ReLU's corner."""
    return rng.uniform(0.2, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_backward_matches_finite_differences(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    act = ACTIVATIONS.get(name)
    z = _away_from_kinks((4, 5), rng)
    grad_a = rng.normal(size=z.shape)
    analytic = act.backward(z, act.forward(z), grad_a)
    # d/dz of Σ a(z)·grad_a is exactly the vector-Jacobian product backward computes
    numeric = numeric_gradient(lambda: float((act.forward(z) * grad_a).sum()), z)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_is_the_backward_of_a_unit_gradient(name):
    act = ACTIVATIONS.get(name)
    z = _away_from_kinks((3, 4), np.random.default_rng(1))
    a = act.forward(z)
    np.testing.assert_allclose(act.derivative(z, a), act.backward(z, a, np.ones_like(z)))


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_backward_does_not_modify_its_inputs(name):
    act = ACTIVATIONS.get(name)
    z = _away_from_kinks((3, 4), np.random.default_rng(2))
    a = act.forward(z)
    grad_a = np.ones_like(z)
    copies = [z.copy(), a.copy(), grad_a.copy()]
    act.backward(z, a, grad_a)
    for before, after in zip(copies, (z, a, grad_a), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_extremes_stay_finite_without_warnings(name, dtype):
    act = ACTIVATIONS.get(name)
    z = np.array([[-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z)
        grad = act.backward(z, a, np.ones_like(z))
    assert a.dtype == dtype and grad.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(grad).all()


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_outputs_stay_inside_the_declared_range(name):
    act = ACTIVATIONS.get(name)
    z = np.random.default_rng(3).normal(scale=5.0, size=(50, 6))
    a = act.forward(z)
    if act.output_range is None:
        assert a.max() > 5.0  # unbounded above
    else:
        low, high = act.output_range
        assert low <= a.min() and a.max() <= high


def test_flags_describe_each_activation():
    assert {n for n in ACTIVATIONS.names() if ACTIVATIONS.get(n).output_only} == {"softmax"}
    dying = {n for n in ACTIVATIONS.names() if ACTIVATIONS.get(n).can_die}
    assert {"relu", "leaky_relu"} <= dying
    assert dying.isdisjoint({"linear", "sigmoid", "tanh", "softplus", "softmax"})
    assert ACTIVATIONS.get("sigmoid").output_range == (0.0, 1.0)
    assert ACTIVATIONS.get("tanh").output_range == (-1.0, 1.0)
    assert ACTIVATIONS.get("softmax").output_range == (0.0, 1.0)
    assert not ACTIVATIONS.get("softmax").elementwise


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_entry_has_a_one_line_description(name):
    text = ACTIVATIONS.description(name)
    assert text and "\n" not in text and len(text) < 120


REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "gelu": lambda z: 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "softplus": lambda z: z if z > 20 else math.log1p(math.exp(z)),
    "silu": lambda z: z / (1 + math.exp(-z)),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_matches_the_textbook_formula(name):
    z = np.array([[-25.0, -3.0, -0.5, 0.0, 0.5, 3.0, 19.0, 21.0]])
    expected = [REFERENCE[name](v) for v in z[0]]
    np.testing.assert_allclose(ACTIVATIONS.get(name).forward(z)[0], expected, rtol=1e-14)


def test_every_elementwise_activation_has_a_reference():
    assert set(REFERENCE) == set(ELEMENTWISE)


def test_sigmoid_is_exact_far_into_both_tails():
    z = np.array([[-700.0, -40.0, 40.0]])
    a = ACTIVATIONS.get("sigmoid").forward(z)
    np.testing.assert_allclose(a[0, :2], np.exp([-700.0, -40.0]), rtol=1e-14)
    assert a[0, 2] == 1.0


def test_softmax_rows_are_probabilities_and_shift_invariant():
    act = ACTIVATIONS.get("softmax")
    z = np.random.default_rng(4).normal(size=(5, 4))
    a = act.forward(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    np.testing.assert_allclose(act.forward(z + 500.0), a, rtol=1e-12)


def test_relu_passes_no_gradient_where_it_is_off():
    act = ACTIVATIONS.get("relu")
    z = np.array([[-1.0, 0.0, 2.0]])
    grad = act.backward(z, act.forward(z), np.full((1, 3), 5.0))
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 5.0]])
