"""The network: gradients of every layer against finite differences for every valid
activation × loss × regularizer combination, and the engine's behaviour contracts."""

import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from math_helpers import make_design, numeric_gradient

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.network import Network
from nnviz.core.regularizers import REGULARIZERS

HIDDEN = [n for n in ACTIVATIONS.names() if ACTIVATIONS.get(n).elementwise]
KINKED = {"relu", "leaky_relu"}  # derivative jumps at 0
REGS = (None, *REGULARIZERS.names())


def _outputs_for(loss):
    needed = LOSSES.get(loss).requires_output
    return [needed] if needed else list(ACTIVATIONS.names())


def _combos():
    """Every (loss, regularizer) pair; the test loops over every hidden activation."""
    for loss in LOSSES.names():
        for reg in REGS:
            yield pytest.param(loss, reg, id=f"{loss}-{reg}")


def _targets(loss, rng, batch, outputs):
    if loss == "cross_entropy":
        return rng.integers(0, outputs, size=batch)
    if loss == "binary_cross_entropy":
        return rng.uniform(0, 1, size=(batch, outputs))
    return rng.normal(size=(batch, outputs))


def _safe_case(design, loss, rng):
    """A network, inputs and targets whose values keep central differences off every kink."""
    for _ in range(100):
        net = Network(design, seed=int(rng.integers(1000)))
        net.params[:] = rng.normal(scale=0.7, size=net.n_params)
        x = rng.normal(size=(4, design.inputs))
        y = _targets(loss, rng, 4, net.outputs)
        fwd = net.forward(x)
        kinked = [z for z, act in zip(fwd.pre, net.activation_names, strict=True) if act in KINKED]
        ok = all(np.abs(z).min() > 1e-3 for z in kinked)
        if loss in ("mae", "huber"):
            gap = np.abs(fwd.output - y)
            ok = ok and gap.min() > 1e-3 and np.abs(gap - 1.0).min() > 1e-3
        if design.regularization is not None and design.regularization.kind == "l1":
            ok = ok and np.abs(net.params[: net.n_weights]).min() > 1e-3
        if ok:
            return net, x, y
    raise AssertionError("no kink-free case found")


def _loss_from(net, k, y, z=None, a=None):
    """The data loss computed from layer k's z (or a) onwards."""
    if z is not None:
        a = net.activations[k].forward(z)
    for j in range(k + 1, net.n_layers):
        a = net.activations[j].forward(a @ net.weights[j] + net.biases[j])
    return net.loss_value(a, y)


@pytest.mark.parametrize(("loss", "reg"), list(_combos()))
def test_every_gradient_matches_finite_differences(loss, reg):
    """Every hidden activation × loss × regularizer; the output activation cycles through
    all those the loss accepts, so each is covered too."""
    rng = np.random.default_rng(zlib.crc32(f"{loss}{reg}".encode()))
    outputs = 1 if loss == "binary_cross_entropy" else 3
    choices = _outputs_for(loss)
    for i, hidden in enumerate(HIDDEN):
        output = choices[(i + 3 * REGS.index(reg)) % len(choices)]
        design = make_design(
            sizes=(3, 4, 3, outputs),
            activations=(hidden, hidden, output),
            loss=loss,
            regularization=(reg, 0.05) if reg else None,
        )
        _check_against_finite_differences(
            *_safe_case(design, loss, rng), where=f"hidden {hidden}, output {output}"
        )


def _check_against_finite_differences(net, x, y, where):
    fwd = net.forward(x)
    bwd = net.backward(fwd, y)
    analytic = net.grad_params.copy()
    assert bwd.loss == pytest.approx(bwd.data_loss + net.penalty(), rel=1e-14)
    assert bwd.data_loss == pytest.approx(net.loss_value(fwd.output, y), rel=1e-10)

    def total_loss():
        return net.loss_value(net.predict(x), y) + net.penalty()

    numeric = numeric_gradient(total_loss, net.params)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=where)

    for k in range(net.n_layers):
        z, a = fwd.pre[k].copy(), fwd.post[k].copy()
        dz = numeric_gradient(lambda k=k, z=z: _loss_from(net, k, y, z=z), z)
        da = numeric_gradient(lambda k=k, a=a: _loss_from(net, k, y, a=a), a)
        np.testing.assert_allclose(bwd.pre[k], dz, rtol=1e-6, atol=1e-7, err_msg=where)
        np.testing.assert_allclose(bwd.post[k], da, rtol=1e-6, atol=1e-7, err_msg=where)


def test_every_output_activation_is_covered():
    seen = {
        (loss, _outputs_for(loss)[(i + 3 * r) % len(_outputs_for(loss))])
        for loss in LOSSES.names()
        for r in range(len(REGS))
        for i in range(len(HIDDEN))
    }
    assert seen == {(loss, out) for loss in LOSSES.names() for out in _outputs_for(loss)}


def test_layout_and_views():
    net = Network(make_design(sizes=(3, 4, 2)), seed=0)
    assert net.layer_sizes == (3, 4, 2)
    assert net.n_params == 3 * 4 + 4 * 2 + 4 + 2 == net.params.size
    assert net.n_weights == 20
    assert [w.shape for w in net.weights] == [(3, 4), (4, 2)]
    assert [b.shape for b in net.biases] == [(4,), (2,)]
    np.testing.assert_array_equal(net.params[:12], net.weights[0].ravel())
    np.testing.assert_array_equal(net.params[12:20], net.weights[1].ravel())
    net.biases[1][...] = 7.0
    np.testing.assert_array_equal(net.params[-2:], [7.0, 7.0])
    assert net.parameters()[0] is net.params and net.gradients()[0] is net.grad_params
    assert not any(b.any() for b in [np.zeros(1), *[b for b in net.biases[:1]]])


def test_biases_start_at_zero_and_seeds_reproduce():
    design = make_design(sizes=(3, 5, 2))
    a, b, c = Network(design, seed=3), Network(design, seed=3), Network(design, seed=4)
    assert not any(bias.any() for bias in a.biases)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_backward_gradients_are_views_overwritten_by_the_next_backward():
    net = Network(make_design(), seed=0)
    x = np.random.default_rng(0).normal(size=(4, 3))
    bwd = net.backward(net.forward(x), np.zeros((4, 2)))
    assert np.shares_memory(bwd.weights[0], net.grad_params)
    assert np.shares_memory(bwd.biases[1], net.grad_params)
    first = bwd.weights[0].copy()
    net.backward(net.forward(-x), np.ones((4, 2)))
    assert not np.array_equal(bwd.weights[0], first)


def test_forward_results_are_fresh_arrays():
    net = Network(make_design(), seed=0)
    rng = np.random.default_rng(1)
    fwd = net.forward(rng.normal(size=(4, 3)))
    kept = [a.copy() for a in (*fwd.pre, *fwd.post)]
    bwd = net.backward(fwd, np.zeros((4, 2)))
    kept_grads = [a.copy() for a in (*bwd.pre, *bwd.post)]
    other = net.forward(rng.normal(size=(4, 3)))
    net.backward(other, np.ones((4, 2)))
    for a, b in zip((*fwd.pre, *fwd.post, *bwd.pre, *bwd.post), kept + kept_grads, strict=True):
        np.testing.assert_array_equal(a, b)


def test_float32_network_stays_float32():
    net = Network(
        make_design(
            sizes=(3, 5, 4),
            activations=("relu", "softmax"),
            loss="cross_entropy",
            regularization=("l2", 0.01),
            dtype="float32",
        ),
        seed=0,
    )
    x = np.random.default_rng(0).normal(size=(6, 3))  # float64 in: converted
    fwd = net.forward(x)
    bwd = net.backward(fwd, np.array([0, 1, 2, 3, 0, 1]))
    arrays = (
        net.params,
        net.grad_params,
        fwd.input,
        *fwd.pre,
        *fwd.post,
        *bwd.pre,
        *bwd.post,
        *bwd.weights,
        *bwd.biases,
        *net.forward_grid(x),
    )
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert isinstance(bwd.loss, float) and np.isfinite(bwd.loss)


def test_predict_grid_and_loss_value_agree_with_forward():
    net = Network(
        make_design(
            sizes=(2, 6, 3, 1), activations=("tanh", "relu", "sigmoid"), loss="binary_cross_entropy"
        ),
        seed=2,
    )
    points = np.random.default_rng(3).uniform(-6, 6, size=(10_000, 2))
    fwd = net.forward(points)
    grid = net.forward_grid(points)
    assert [g.shape for g in grid] == [(10_000, 6), (10_000, 3), (10_000, 1)]
    for a, b in zip(grid, fwd.post, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.predict(points), fwd.output)
    y = (points[:, :1] > 0).astype(float)
    assert net.loss_value(fwd.output, y) == pytest.approx(net.backward(fwd, y).data_loss, rel=1e-9)


def test_targets_are_checked_and_shaped():
    net = Network(make_design(sizes=(3, 4, 1), activations=("tanh", "linear")), seed=0)
    fwd = net.forward(np.ones((5, 3)))
    flat = net.backward(fwd, np.arange(5.0)).loss  # (batch,) for one output becomes a column
    assert flat == net.backward(fwd, np.arange(5.0)[:, None]).loss
    with pytest.raises(ValueError, match="do not match"):
        net.backward(fwd, np.zeros((5, 2)))
    ce = Network(
        make_design(sizes=(3, 4, 3), activations=("tanh", "softmax"), loss="cross_entropy"), seed=0
    )
    with pytest.raises(ValueError, match="labels"):
        ce.backward(ce.forward(np.ones((5, 3))), np.zeros(4, dtype=int))


def test_inputs_of_the_wrong_width_are_refused():
    net = Network(make_design(), seed=0)
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        net.forward([[1.0, 2.0]])


def test_load_weights_checks_shapes_before_copying():
    net = Network(make_design(sizes=(3, 4, 2)), seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match="layer 1"):
        net.load_weights([np.ones((3, 4)), np.ones((4, 3))], [np.ones(4), np.ones(2)])
    np.testing.assert_array_equal(net.params, before)
    net.load_weights([np.ones((3, 4)), np.full((4, 2), 2.0)], [np.zeros(4), np.ones(2)])
    assert net.weights[1][0, 0] == 2.0 and net.biases[1][0] == 1.0


def test_impossible_designs_are_refused():
    with pytest.raises(ValueError, match="sigmoid output"):
        Network(make_design(activations=("tanh", "linear"), loss="binary_cross_entropy"))
    with pytest.raises(ValueError, match="output only"):
        Network(make_design(sizes=(3, 4, 2), activations=("softmax", "linear")))
    with pytest.raises(KeyError, match="valid:"):
        Network(make_design(activations=("tanh", "swish")))


def test_a_duck_typed_design_is_enough():
    design = SimpleNamespace(
        inputs=2,
        layers=[
            SimpleNamespace(units=3, activation="relu"),
            SimpleNamespace(units=1, activation="linear"),
        ],
        loss="mse",
        initializer="he_normal",
        regularization=None,
        training=SimpleNamespace(dtype="float64"),
    )
    net = Network(design, seed=0)
    assert net.predict(np.ones((2, 2))).shape == (2, 1)


def test_a_design_file_builds_the_documented_network():
    design = Design.from_dict(
        {
            "format": "nnviz-design",
            "version": 1,
            "name": "xor",
            "inputs": 2,
            "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
            "loss": "binary_cross_entropy",
            "optimizer": {"name": "adam", "learning_rate": 0.01},
            "initializer": "he_uniform",
            "regularization": {"kind": "l1", "rate": 0.001},
            "training": {"batch_size": 4, "epochs": 1, "dtype": "float32"},
            "dataset": {"name": "xor"},
        }
    )
    net = Network(design, seed=5)
    assert net.layer_sizes == (2, 8, 1) and net.dtype == np.float32
    assert np.abs(net.weights[0]).max() <= np.sqrt(6 / 2)
    text = repr(net)
    assert "2 inputs" in text and "8 tanh" in text and "binary_cross_entropy" in text
    assert str(net.n_params) in text and "float32" in text
