"""Every loss: value and gradient against hand values and finite differences, logit forms."""

import warnings

import numpy as np
import pytest
from math_helpers import numeric_gradient

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.losses import LOSSES


def _case(name, rng, batch=6, outputs=3):
    """An output (a valid one for the loss) and a target, kept off the losses' kinks."""
    loss = LOSSES.get(name)
    if loss.requires_output:
        z = rng.normal(size=(batch, outputs))
        output = ACTIVATIONS.get(loss.requires_output).forward(z)
    else:
        output = rng.normal(size=(batch, outputs))
    if name == "cross_entropy":
        return output, rng.integers(0, outputs, size=batch)
    if name == "binary_cross_entropy":
        return output, rng.uniform(0, 1, size=output.shape)
    # |output − target| in [0.2, 0.8] ∪ [1.2, 3]: away from MAE's 0 and Huber's delta 1
    gap = rng.choice([rng.uniform(0.2, 0.8), rng.uniform(1.2, 3.0)], size=output.shape)
    return output, output + gap * rng.choice([-1.0, 1.0], size=output.shape)


@pytest.mark.parametrize("name", LOSSES.names())
def test_gradient_matches_finite_differences(name):
    loss = LOSSES.get(name)
    output, target = _case(name, np.random.default_rng(1))
    numeric = numeric_gradient(lambda: loss.value(output, target), output)
    np.testing.assert_allclose(loss.grad(output, target), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", LOSSES.names())
def test_value_and_grad_agree_with_the_separate_calls(name):
    loss = LOSSES.get(name)
    output, target = _case(name, np.random.default_rng(2))
    value, grad = loss.value_and_grad(output.copy(), target)
    assert value == pytest.approx(loss.value(output, target), rel=1e-14)
    np.testing.assert_allclose(grad, loss.grad(output, target), rtol=1e-14)


FUSED = [name for name in LOSSES.names() if LOSSES.get(name).requires_output]


def _logit_case(name, rng, labels=True):
    loss = LOSSES.get(name)
    outputs = 1 if name == "binary_cross_entropy" else 4
    z = rng.normal(scale=2.0, size=(5, outputs))
    a = ACTIVATIONS.get(loss.requires_output).forward(z)
    if name == "binary_cross_entropy":
        return loss, z, a, rng.integers(0, 2, size=z.shape).astype(float)
    if labels:
        return loss, z, a, rng.integers(0, outputs, size=5)
    return loss, z, a, rng.dirichlet(np.ones(outputs), size=5)


@pytest.mark.parametrize("labels", [True, False])
@pytest.mark.parametrize("name", FUSED)
def test_logit_form_matches_the_output_form_and_finite_differences(name, labels):
    loss, z, a, target = _logit_case(name, np.random.default_rng(3), labels)
    assert loss.value_from_logits(z, target) == pytest.approx(loss.value(a, target), rel=1e-12)
    numeric = numeric_gradient(lambda: loss.value_from_logits(z, target), z)
    np.testing.assert_allclose(loss.grad_logits(z, a, target), numeric, rtol=1e-6, atol=1e-10)
    value, dz, da = loss.fused(z, a, target)
    assert value == pytest.approx(loss.value_from_logits(z, target), rel=1e-12)
    np.testing.assert_allclose(dz, loss.grad_logits(z, a, target), rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(da, loss.grad(a, target), rtol=1e-13)


@pytest.mark.parametrize("name", FUSED)
def test_logit_gradient_is_p_minus_y_over_n(name):
    loss, z, a, target = _logit_case(name, np.random.default_rng(4))
    y = target if target.ndim == 2 else np.eye(z.shape[1])[target]
    n = z.size if name == "binary_cross_entropy" else z.shape[0]  # torch's mean
    np.testing.assert_allclose(loss.grad_logits(z, a, target), (a - y) / n, rtol=1e-14)


@pytest.mark.parametrize("name", FUSED)
def test_confident_mistakes_stay_finite_from_the_logits(name):
    loss = LOSSES.get(name)
    outputs = 1 if name == "binary_cross_entropy" else 3
    z = np.full((2, outputs), -800.0)
    z[:, 0] = 800.0
    target = np.zeros((2, outputs)) if outputs == 1 else np.array([1, 2])
    a = ACTIVATIONS.get(loss.requires_output).forward(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, dz, da = loss.fused(z, a, target)
    assert value == pytest.approx(1600.0 if outputs == 3 else 800.0, rel=1e-12)
    assert np.isfinite(dz).all() and np.isfinite(da).all()


def test_hand_computed_values():
    out = np.array([[1.0, 2.0], [3.0, 5.0]])
    y = np.array([[1.0, 0.0], [1.0, 4.0]])
    assert LOSSES.get("mse").value(out, y) == pytest.approx((0 + 4 + 4 + 1) / 4)
    assert LOSSES.get("mae").value(out, y) == pytest.approx((0 + 2 + 2 + 1) / 4)
    # Huber (delta 1): 0.5·d² below 1, d − 0.5 above
    assert LOSSES.get("huber").value(out, y) == pytest.approx((0 + 1.5 + 1.5 + 0.5) / 4)
    p = np.array([[0.8], [0.4]])
    bce = -(np.log(0.8) + np.log(0.6)) / 2
    assert LOSSES.get("binary_cross_entropy").value(p, np.array([[1.0], [0.0]])) == pytest.approx(
        bce
    )
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    ce = -(np.log(0.2) + np.log(0.8)) / 2
    assert LOSSES.get("cross_entropy").value(probs, np.array([1, 2])) == pytest.approx(ce)


def test_mae_gradient_at_a_perfect_prediction_is_zero():
    out = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(LOSSES.get("mae").grad(out, out.copy()), [[0.0, 0.0]])


def test_cross_entropy_labels_and_one_hot_rows_agree():
    loss, z, a, labels = _logit_case("cross_entropy", np.random.default_rng(5))
    rows = np.eye(z.shape[1])[labels]
    assert loss.value(a, labels) == pytest.approx(loss.value(a, rows), rel=1e-14)
    assert loss.value_from_logits(z, labels) == pytest.approx(
        loss.value_from_logits(z, rows), rel=1e-14
    )
    for got, expected in zip(loss.fused(z, a, labels), loss.fused(z, a, rows), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_output_activations_and_label_support_are_declared():
    required = {name: LOSSES.get(name).requires_output for name in LOSSES.names()}
    assert required == {
        "mse": None,
        "mae": None,
        "huber": None,
        "binary_cross_entropy": "sigmoid",
        "cross_entropy": "softmax",
    }
    assert [n for n in LOSSES.names() if LOSSES.get(n).takes_labels] == ["cross_entropy"]


@pytest.mark.parametrize("name", LOSSES.names())
def test_float32_in_float32_out(name):
    loss = LOSSES.get(name)
    output, target = _case(name, np.random.default_rng(6))
    output = output.astype(np.float32)
    if target.dtype.kind == "f":
        target = target.astype(np.float32)
    assert loss.grad(output, target).dtype == np.float32
    assert isinstance(loss.value(output, target), float)


@pytest.mark.parametrize("name", LOSSES.names())
def test_every_entry_has_a_one_line_description(name):
    text = LOSSES.description(name)
    assert text and "\n" not in text and len(text) < 120
