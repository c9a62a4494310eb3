"""One step's walkthrough against the engine: the trainer's real step, the hand formulas."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.trainer import Trainer
from nnviz.core.update_rules import RULES, update_rule
from nnviz.core.walkthrough import walk_step

HIDDEN = [name for name in ACTIVATIONS.names() if not ACTIVATIONS.get(name).output_only]
OUTPUT_FOR_LOSS = {
    "mse": ("sigmoid", 1),
    "mae": ("tanh", 1),
    "huber": ("linear", 1),
    "binary_cross_entropy": ("sigmoid", 1),
    "cross_entropy": ("softmax", 2),
}
OPTIMIZER_SPECS = [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5},
    {"name": "adagrad", "learning_rate": 0.05},
    {"name": "adam", "learning_rate": 0.02},
    {"name": "adamw", "learning_rate": 0.02},
]


def trainer(
    hidden="tanh",
    loss="binary_cross_entropy",
    optimizer=None,
    dtype="float64",
    regularization=None,
    dataset=None,
):
    act, units = OUTPUT_FOR_LOSS[loss]
    changes = {
        "layers": [
            {"units": 5, "activation": hidden},
            {"units": 3, "activation": hidden},
            {"units": units, "activation": act},
        ],
        "loss": loss,
        "optimizer": optimizer or {"name": "adam", "learning_rate": 0.02},
        "regularization": regularization,
        "training": {"dtype": dtype, "batch_size": 8},
    }
    if dataset:
        changes["dataset"] = dataset
    return Trainer(Design.from_dict(xor_design(**changes)))


def check_against_trainer(t: Trainer, steps: int = 3) -> None:
    """Walk, then take the real step: weights, batch and loss must be the trainer's exactly."""
    for _ in range(steps):
        params = t.network.params.copy()
        state = copy.deepcopy(t.optimizer.state)
        walk = t.walkthrough()
        np.testing.assert_array_equal(t.network.params, params)  # nothing touched
        for before, now in zip(state, t.optimizer.state, strict=True):
            for key in before:
                np.testing.assert_array_equal(before[key], now[key])
        t.step_batch()
        assert walk.batch == tuple(t._last_batch)
        assert walk.loss == t.batch_loss
        for k, layer in enumerate(walk.layers):
            assert layer.W_after.dtype == t.network.dtype
            np.testing.assert_array_equal(layer.W_after, t.network.weights[k])
            np.testing.assert_array_equal(layer.b_after, t.network.biases[k])
            grad_w, grad_b = t.network.split(t.network.grad_params)
            np.testing.assert_array_equal(layer.dL_dW, grad_w[k])
            np.testing.assert_array_equal(layer.dL_db, grad_b[k])
            for key, (w, b) in layer.state.items():
                if key in t.optimizer.state[0]:
                    stored_w, stored_b = t.network.split(t.optimizer.state[0][key])
                    np.testing.assert_array_equal(w, stored_w[k])
                    np.testing.assert_array_equal(b, stored_b[k])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_matches_the_trainers_step(hidden, dtype):
    check_against_trainer(trainer(hidden=hidden, dtype=dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", LOSSES.names())
def test_every_loss_matches_the_trainers_step(loss, dtype):
    check_against_trainer(
        trainer(loss=loss, dtype=dtype, regularization={"kind": "l2", "rate": 0.01})
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", OPTIMIZER_SPECS, ids=lambda s: "-".join(map(str, s.values())))
def test_optimizers_match_the_trainers_step(spec, dtype):
    check_against_trainer(trainer(optimizer=spec, dtype=dtype), steps=4)


def test_walking_leaves_training_exactly_as_it_was():
    """Asked before every step, across epoch boundaries (new shuffles), with a rate change
    pending: the run takes the same steps as one never asked."""
    walked, plain = trainer(), trainer()
    walked.set_learning_rate(0.005)
    plain.set_learning_rate(0.005)
    for _ in range(2 * walked.batches_per_epoch + 3):
        walk = walked.walkthrough(sample=7)
        walked.step_batch()
        plain.step_batch()
        assert walk.learning_rate == walked.learning_rate
    np.testing.assert_array_equal(walked.network.params, plain.network.params)
    assert walked._rng.bit_generator.state == plain._rng.bit_generator.state


def test_regression_step_and_sample_outside_the_batch():
    t = trainer(
        hidden="relu",
        loss="mse",
        dataset={"name": "plane", "samples": 60, "noise": 0.1, "test_fraction": 0.2, "seed": 0},
    )
    t.step_batch()
    rows, _ = t.next_batch()
    outside = next(i for i in range(len(t.data.x_train)) if i not in rows)
    walk = t.walkthrough(sample=outside)
    assert not walk.in_batch and walk.sample == outside
    check_hand_formulas(t, walk)
    check_against_trainer(t, steps=1)


def check_hand_formulas(t: Trainer, walk) -> None:
    """z = a_in·W + b, a = f(z), ∂ℓ/∂a from the next layer, ∂ℓ/∂z = ∂ℓ/∂a·f′(z) (softmax: its
    Jacobian), per-sample ∂ℓ/∂W = a_in ⊗ ∂ℓ/∂z, batch ∂L/∂W = mean of those + ∂R/∂W."""
    f32 = t.network.dtype == np.float32
    tol = {"rtol": 1e-4, "atol": 1e-6} if f32 else {"rtol": 1e-10, "atol": 1e-12}
    layers = walk.layers
    np.testing.assert_array_equal(layers[0].a_in, t._x[walk.sample])
    for k, layer in enumerate(layers):
        act = ACTIVATIONS.get(layer.activation)
        np.testing.assert_allclose(layer.z, layer.a_in @ layer.W + layer.b, **tol)
        np.testing.assert_allclose(layer.a, act.forward(layer.z[None])[0], **tol)
        chain = act.backward(layer.z[None], layer.a[None], layer.dL_da[None])[0]
        np.testing.assert_allclose(layer.dL_dz, chain, **tol)
        np.testing.assert_allclose(layer.sample_dL_dW, np.outer(layer.a_in, layer.dL_dz), **tol)
        if k + 1 < len(layers):
            nxt = layers[k + 1]
            np.testing.assert_allclose(layer.dL_da, nxt.W @ nxt.dL_dz, **tol)
            np.testing.assert_array_equal(nxt.a_in, layer.a)
    # the batch gradient is the mean of every batch sample's own terms, plus regularization
    per_sample = [
        walk_step(t.network, t.optimizer, t._x, t._y, walk.batch, row) for row in walk.batch
    ]
    rate = t.network.regularization_rate
    for k, layer in enumerate(layers):
        mean_w = np.mean([w.layers[k].sample_dL_dW for w in per_sample], axis=0)
        mean_b = np.mean([w.layers[k].sample_dL_db for w in per_sample], axis=0)
        reg = rate * layer.W if walk.regularization is not None else 0.0
        np.testing.assert_allclose(layer.dL_dW, mean_w + reg, **tol)
        np.testing.assert_allclose(layer.dL_db, mean_b, **tol)
    assert walk.data_loss == pytest.approx(np.mean([w.sample_loss for w in per_sample]), rel=1e-5)
    assert walk.loss == pytest.approx(walk.data_loss + walk.penalty, rel=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("hidden", "loss"),
    [(h, "binary_cross_entropy") for h in HIDDEN] + [("tanh", loss) for loss in LOSSES.names()],
)
def test_hand_formulas_hold(hidden, loss, dtype):
    t = trainer(hidden=hidden, loss=loss, dtype=dtype, regularization={"kind": "l2", "rate": 0.01})
    for _ in range(3):
        t.step_batch()
    check_hand_formulas(t, t.walkthrough(sample=int(t.next_batch()[0][2])))


def test_softmax_output_derivative_goes_through_its_jacobian():
    t = trainer(loss="cross_entropy", dtype="float64")
    walk = t.walkthrough()
    out = walk.layers[-1]
    p = out.a
    jacobian = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(out.dL_dz, jacobian @ out.dL_da, rtol=1e-12)
    # with a class index as target, ∂ℓ/∂z is p − one_hot
    one_hot = np.eye(len(p))[int(walk.target)]
    np.testing.assert_allclose(out.dL_dz, p - one_hot, rtol=1e-12)
    assert walk.sample_loss == pytest.approx(-np.log(p[int(walk.target)]))


def test_adam_state_and_bias_correction():
    t = trainer(optimizer={"name": "adam", "learning_rate": 0.02, "beta1": 0.8, "beta2": 0.9})
    t.step_batch()
    walk = t.walkthrough()
    layer = walk.layers[0]
    m, v = layer.state["exp_avg"][0], layer.state["exp_avg_sq"][0]
    np.testing.assert_allclose(layer.state["m_hat"][0], m / (1 - 0.8**2))
    np.testing.assert_allclose(layer.state["v_hat"][0], v / (1 - 0.9**2))
    step = 0.02 * layer.state["m_hat"][0] / (np.sqrt(layer.state["v_hat"][0]) + 1e-8)
    np.testing.assert_allclose(layer.W - layer.W_after, step, rtol=1e-9, atol=1e-15)
    assert walk.rule.title == "Adam" and "m̂" in walk.rule.caption


def test_walk_step_refuses_bad_rows():
    t = trainer()
    with pytest.raises(IndexError, match="sample 999"):
        walk_step(t.network, t.optimizer, t._x, t._y, [0, 1], 999)
    with pytest.raises(IndexError, match="batch"):
        walk_step(t.network, t.optimizer, t._x, t._y, [0, 10_000], 0)
    with pytest.raises(ValueError, match="at least one"):
        walk_step(t.network, t.optimizer, t._x, t._y, [], 0)


def test_json_has_the_contract_fields():
    walk = trainer().walkthrough(sample=3)
    d = walk.to_json()
    assert {"step", "sample", "batch", "loss", "layers"} <= set(d)
    assert d["sample"] == 3 and d["step"] == 0 and len(d["batch"]) == 8
    for layer, raw in zip(d["layers"], walk.layers, strict=True):
        for key in ("W", "b", "z", "a", "dL_da", "dL_dz", "dL_dW", "dL_db", "W_after", "b_after"):
            np.testing.assert_array_equal(np.array(layer[key]), getattr(raw, key))
        assert np.array(layer["W"]).shape == (raw.fan_in, raw.units)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_has_a_rule_naming_its_real_state(name):
    assert name in RULES
    opt = OPTIMIZERS.get(name)(learning_rate=0.1)
    rule = update_rule(opt)
    assert rule.optimizer == name and "0.1" in rule.text
    stored = set(opt.buffers)
    for key in rule.buffers:
        assert key in stored or key in ("m_hat", "v_hat")
    assert rule.caption.startswith(rule.title)


def test_rules_follow_the_hyper_parameters():
    def rule(**spec):
        return update_rule(OPTIMIZERS.get(spec.pop("name"))(**spec))

    assert rule(name="sgd").lines == ("w ← w − η·g",)
    assert "v ← μ·v + g" in rule(name="sgd", momentum=0.9).lines[0]
    nesterov = rule(name="sgd", momentum=0.9, nesterov=True)
    assert nesterov.lines[-1] == "w ← w − η·(g + μ·v)" and "μ = 0.9" in nesterov.values
    assert rule(name="sgd", weight_decay=0.1).lines[0].startswith("g ← g + λ·w")
    assert rule(name="adamw").lines[0].startswith("w ← w·(1 − η·λ)")
    assert "λ = 0.01" in rule(name="adamw").values
    assert rule(name="rmsprop", momentum=0.5).buffers.keys() == {"square_avg", "momentum_buffer"}
    assert rule(name="rmsprop").buffers.keys() == {"square_avg"}


def assert_same_walk(ours, theirs) -> None:
    """Every number of two walkthroughs equal, bit for bit (the `taken` flag aside)."""
    for name in ("step", "sample", "batch", "in_batch", "loss", "data_loss", "penalty"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.sample_loss == theirs.sample_loss and ours.learning_rate == theirs.learning_rate
    assert (ours.rule.text, ours.rule.caption) == (theirs.rule.text, theirs.rule.caption)
    np.testing.assert_array_equal(ours.target, theirs.target)
    for mine, other in zip(ours.layers, theirs.layers, strict=True):
        for name in ("W", "b", "a_in", "z", "a", "dL_da", "dL_dz", "sample_dL_dW", "dL_dW"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(other, name), name)
        for name in ("sample_dL_db", "dL_db", "W_after", "b_after"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(other, name), name)
        assert mine.state.keys() == other.state.keys()
        for key, (w, b) in mine.state.items():
            np.testing.assert_array_equal(w, other.state[key][0], key)
            np.testing.assert_array_equal(b, other.state[key][1], key)


@pytest.mark.parametrize("spec", OPTIMIZER_SPECS, ids=lambda s: "-".join(map(str, s.values())))
def test_the_step_just_taken_reads_as_its_walkthrough_did_before_it(spec):
    """What the window shows after a step (the step taken) is the very walkthrough of that
    step asked for before it, across an epoch's new shuffle, a schedule and a rate change."""
    t = trainer(
        optimizer=spec,
        regularization={"kind": "l2", "rate": 0.01},
    )
    assert t.last_walkthrough() is None  # no step yet: the next one is shown
    assert not t.shown_walkthrough().taken
    for i in range(t.batches_per_epoch + 2):
        if i == 3:
            t.set_learning_rate(0.004)
        sample = int(t.next_batch()[0][-1]) if i % 2 else 5
        before = t.walkthrough(sample)
        t.step_batch()
        taken = t.last_walkthrough(sample)
        assert taken.taken and not before.taken
        assert_same_walk(taken, before)
        assert t.shown_walkthrough(sample).taken
    t.set_trace_sample(9)
    assert t.last_walkthrough().sample == 9  # the traced sample by default


def test_a_reopened_session_takes_its_last_step_apart_as_before(tmp_path):
    from nnviz.core.session import load_session, save_session

    t = trainer(loss="cross_entropy", optimizer={"name": "adam", "learning_rate": 0.02})
    for _ in range(4):
        t.step_batch()
    before = t.last_walkthrough(3)
    save_session(tmp_path / "run.nnviz", t)
    again = load_session(tmp_path / "run.nnviz").restore()
    assert_same_walk(again.last_walkthrough(3), before)


def test_no_last_step_after_a_divergence():
    t = trainer(hidden="linear", loss="huber", optimizer={"name": "sgd", "learning_rate": 1e300})
    with np.errstate(all="ignore"):
        while t.state != "diverged" and t.step < 50:
            t.step_batch()
    assert t.state == "diverged" and t.step >= 1
    assert t.last_walkthrough() is None and not t.shown_walkthrough().taken
