"""One state, one set of numbers: what a snapshot shows obeys the formulas checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from design_factory import xor_design
from snapshot_factory import assert_same_layers

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.session import load_session, save_session
from nnviz.core.step_view import link_lines, neuron_lines
from nnviz.core.trainer import Trainer

HIDDEN = [name for name in ACTIVATIONS.names() if not ACTIVATIONS.get(name).output_only]
PLANE = {"name": "plane", "samples": 80, "noise": 0.1, "test_fraction": 0.25, "seed": 0}
DESIGNS = {
    **{
        f"{h}-bce": {
            "layers": [{"units": 5, "activation": h}, {"units": 1, "activation": "sigmoid"}],
        }
        for h in HIDDEN
    },
    "softmax-ce-l2": {
        "layers": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "softmax"}],
        "loss": "cross_entropy",
        "regularization": {"kind": "l2", "rate": 0.01},
    },
    "regression-l1": {
        "layers": [{"units": 4, "activation": "relu"}, {"units": 1, "activation": "linear"}],
        "loss": "mse",
        "dataset": PLANE,
        "regularization": {"kind": "l1", "rate": 0.001},
    },
}
TOL = {"rtol": 1e-9, "atol": 1e-12}


def trainer(name: str, **changes) -> Trainer:
    d = {"optimizer": {"name": "adam", "learning_rate": 0.02}, **DESIGNS[name], **changes}
    t = Trainer(Design.from_dict(xor_design(**d)))
    t.grid_resolution = None
    return t


def check_sample_formulas(t: Trainer, s) -> None:
    """One sample: z = Σ w·a + b with the step's weights, a = f(z), the chain rule."""
    w, b = s.step_weights, s.step_biases
    np.testing.assert_array_equal(s.input, t._x[s.trace_sample])
    a_in = s.input
    for k in range(s.n_layers):
        act = ACTIVATIONS.get(t.network.activation_names[k])
        z, a = s.pre[k], s.post[k]
        np.testing.assert_allclose(z, a_in @ w[k] + b[k], **TOL)
        np.testing.assert_allclose(a, act.forward(z[None])[0], **TOL)
        chain = act.backward(z[None], a[None], s.grad_post[k][None])[0]
        np.testing.assert_allclose(s.grad_pre[k], chain, **TOL)  # softmax: its Jacobian
        if k + 1 < s.n_layers:
            np.testing.assert_allclose(s.grad_post[k], w[k + 1] @ s.grad_pre[k + 1], **TOL)
        np.testing.assert_allclose(s.sample_grad_weights[k], np.outer(a_in, s.grad_pre[k]))
        np.testing.assert_array_equal(s.sample_grad_biases[k], s.grad_pre[k])
        a_in = a


def check_batch(t: Trainer, s) -> None:
    """The batch gradient is the mean of each batch sample's own terms, plus regularization;
    the batch-mean trace is the mean of each sample's numbers."""
    assert s.trace_sample is None and s.sample_grad_weights is None
    rows = t._last_batch if t._last_bwd is not None else t.next_batch()[0]
    per_sample = []
    for row in rows:
        t.set_trace_sample(int(row))
        per_sample.append(t.snapshot())
    t.set_trace_sample(None)
    assert s.batch_size == len(rows)
    reg = t.network.regularizer
    for k in range(s.n_layers):
        mean_w = np.mean([p.sample_grad_weights[k] for p in per_sample], axis=0)
        if reg is not None:
            extra = np.zeros_like(s.step_weights[k])
            reg.add_grad(s.step_weights[k], extra, t.network.regularization_rate)
            mean_w = mean_w + extra
        np.testing.assert_allclose(s.grad_weights[k], mean_w, **TOL)
        for name in ("pre", "post", "grad_pre", "grad_post"):
            mean = np.mean([getattr(p, name)[k] for p in per_sample], axis=0)
            np.testing.assert_allclose(getattr(s, name)[k], mean, **TOL)
        # ∂L/∂b is exactly the mean ∂ℓ/∂z shown beside it
        np.testing.assert_array_equal(s.grad_biases[k], s.grad_pre[k])
    z_bar = s.input @ s.step_weights[0] + s.step_biases[0]  # linear: holds for the means
    np.testing.assert_allclose(s.pre[0], z_bar, **TOL)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_both_view_modes_obey_the_formulas_after_steps(name):
    t = trainer(name)
    for _ in range(3):
        t.step_batch()
    s = t.snapshot()
    assert s.last_step and s.step == 3
    check_batch(t, s)
    t.set_trace_sample(int(t._last_batch[1]))
    check_sample_formulas(t, t.snapshot())


@pytest.mark.parametrize("name", ["tanh-bce", "softmax-ce-l2", "regression-l1"])
def test_a_snapshot_is_the_step_the_walkthrough_described(name):
    """Walk step 4 for a sample, take it: the snapshot shows that very step."""
    t = trainer(name)
    for _ in range(3):
        t.step_batch()
    sample = int(t.next_batch()[0][0])
    walk = t.walkthrough(sample)
    t.step_batch()
    t.set_trace_sample(sample)
    s = t.snapshot()
    assert s.step == walk.step + 1
    for k, layer in enumerate(walk.layers):
        np.testing.assert_array_equal(s.step_weights[k], layer.W)
        np.testing.assert_array_equal(s.weights[k], layer.W_after)
        np.testing.assert_array_equal(s.grad_weights[k], layer.dL_dW)
        np.testing.assert_array_equal(s.grad_biases[k], layer.dL_db)
        for ours, theirs in ((s.pre, layer.z), (s.post, layer.a), (s.grad_pre, layer.dL_dz)):
            np.testing.assert_array_equal(ours[k], theirs)
        np.testing.assert_array_equal(s.grad_post[k], layer.dL_da)


def test_plain_sgd_weights_are_the_step_weights_minus_the_rate_times_the_gradient():
    t = trainer("sigmoid-bce", optimizer={"name": "sgd", "learning_rate": 0.3})
    t.step_batch()
    t.step_batch()
    s = t.snapshot()
    for k in range(s.n_layers):
        np.testing.assert_array_equal(s.weights[k], s.step_weights[k] - s.grad_weights[k] * 0.3)
        np.testing.assert_array_equal(s.biases[k], s.step_biases[k] - s.grad_biases[k] * 0.3)


def test_before_the_first_step_the_next_steps_pass_is_shown():
    t = trainer("tanh-bce")
    s = t.snapshot()
    assert not s.last_step and s.step == 0
    for k in range(s.n_layers):
        np.testing.assert_array_equal(s.step_weights[k], s.weights[k])
    assert any(np.abs(g).max() > 0 for g in s.grad_weights)  # not zeros
    check_batch(t, s)
    walk = t.walkthrough()
    np.testing.assert_array_equal(s.grad_weights[0], walk.layers[0].dL_dW)


@pytest.mark.parametrize("name", ["tanh-bce", "softmax-ce-l2", "regression-l1"])
def test_a_reopened_session_shows_its_last_step_not_zeros(tmp_path, name):
    t = trainer(name)
    for _ in range(5):
        t.step_batch()
    t.set_trace_sample(4)
    before = t.snapshot()
    save_session(tmp_path / "run.nnviz", t)
    again = load_session(tmp_path / "run.nnviz").restore()
    again.grid_resolution = None
    again.set_trace_sample(4)
    after = again.snapshot()
    assert after.last_step and after.step == 5 and after.batch_size == before.batch_size
    arrays = ("weights", "step_weights", "grad_weights", "grad_biases")
    trace = ("pre", "post", "grad_pre", "grad_post", "sample_grad_weights")
    assert_same_layers(after, before, arrays + trace)
    check_sample_formulas(again, after)
    again.set_trace_sample(None)
    check_batch(again, again.snapshot())
    # and it trains on exactly as the original
    t.step_batch()
    again.step_batch()
    np.testing.assert_array_equal(again.network.params, t.network.params)


def test_a_bad_saved_last_step_is_refused():
    t = trainer("tanh-bce")
    t.step_batch()
    state = t.state_dict()
    for key, bad, message in (
        ("step_params", np.zeros(3), "step_params"),
        ("step_params", np.full(t.network.n_params, np.nan), "step_params"),
        ("last_rows", np.array([10_000]), "last_rows"),
        ("last_rows", np.arange(t.batch_size + 1), "last_rows"),
    ):
        with pytest.raises(ValueError, match=message):
            t.load_state_dict({**state, key: bad})
    t.load_state_dict({**state, "step_params": None, "last_rows": None})  # an older file
    assert not t.snapshot().last_step


def test_an_edited_weight_shows_a_pass_with_the_edit_not_yet_updated():
    t = trainer("tanh-bce")
    t.step_batch()
    t.set_parameter(1, 0, 2, 0.5)
    s = t.snapshot()
    assert not s.last_step
    np.testing.assert_array_equal(s.step_weights[0], s.weights[0])
    assert s.step_weights[0][0, 2] == 0.5
    check_batch(t, s)


def test_tooltip_lines_say_what_each_number_is():
    t = trainer("tanh-bce")
    t.step_batch()
    mean = t.snapshot()
    lines = "\n".join(neuron_lines(mean, 0, 1, "tanh"))
    assert "(step 1, mean over its batch of 10)" in lines
    assert "mean a = mean of tanh(z)" in lines and "not tanh of the mean z" in lines
    assert "∂L/∂b" in lines and "mean of ∂ℓ/∂z over 10 samples" in lines
    b_used, b_now = mean.step_biases[0][1], mean.biases[0][1]
    assert f"b = {b_used:.3g} in this step's pass → {b_now:.3g} after its update" in lines
    t.set_trace_sample(7)
    one = t.snapshot()
    lines = "\n".join(neuron_lines(one, 0, 1, "tanh"))
    assert "(step 1, sample #7)" in lines and "∂ℓ/∂z = ∂ℓ/∂a · f′(z)" in lines
    assert f"∂ℓ/∂a = {one.grad_post[0][1]:.3g}" in lines
    link = "\n".join(link_lines(one, 0, 1, 2))
    assert f"∂ℓ/∂w = a·∂ℓ/∂z = {one.sample_grad_weights[0][1, 2]:.3g}  (sample #7)" in link
    assert f"∂L/∂w = {one.grad_weights[0][1, 2]:.3g}" in link


@pytest.mark.parametrize(
    ("name", "term"), [("softmax-ce-l2", "0.01·w"), ("regression-l1", "0.001·sign(w)")]
)
def test_a_penalised_weights_gradient_says_what_the_penalty_adds(name, term):
    """With a weight penalty ∂L/∂w is not the mean of a·∂ℓ/∂z alone: the tooltip says what is
    added, and the two parts add up to the number shown."""
    t = trainer(name)
    for _ in range(2):
        t.step_batch()
    s = t.snapshot()
    rate = t.network.regularization_rate
    link = "\n".join(link_lines(s, 0, 1, 2))
    assert f"over {s.batch_size} samples + {term} (" in link
    per_sample = []
    for row in t._last_batch:
        t.set_trace_sample(int(row))
        per_sample.append(t.snapshot().sample_grad_weights[0][1, 2])
    w = s.step_weights[0][1, 2]
    extra = rate * (w if term.endswith("·w") else np.sign(w))
    assert s.grad_weights[0][1, 2] == pytest.approx(np.mean(per_sample) + extra, rel=1e-12)
    assert "penalty" not in "\n".join(neuron_lines(s, 0, 1, "tanh"))  # biases never penalised
    assert "penalty" not in "\n".join(link_lines(trainer("tanh-bce").snapshot(), 0, 1, 2))


def test_a_softmax_units_tooltip_writes_its_jacobian_with_the_numbers():
    """∂ℓ/∂a · f′(z) does not hold for softmax: the tooltip writes the rule that does, with
    numbers that add up."""
    t = trainer("softmax-ce-l2")
    t.step_batch()
    t.set_trace_sample(3)
    s = t.snapshot()
    k, unit = 1, 0
    a, da, dz = s.post[k][unit], s.grad_post[k][unit], s.grad_pre[k][unit]
    coupled = float(np.dot(s.post[k], s.grad_post[k]))
    assert a * (da - coupled) == pytest.approx(dz, rel=1e-12)
    lines = "\n".join(neuron_lines(s, k, unit, "softmax"))
    assert "∂ℓ/∂a · f′(z)" not in lines
    expected = f"∂ℓ/∂z = a·(∂ℓ/∂a − Σₖ aₖ·∂ℓ/∂aₖ) = {a:.3g}·({da:.3g} − {coupled:.3g}) = {dz:.3g}"
    assert expected in lines
