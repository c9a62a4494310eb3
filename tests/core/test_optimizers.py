"""Optimizers: hand-checked updates, saved and resumed state, live learning rate, validation."""

import io
import math

import numpy as np
import pytest

from nnviz.core.optimizers import (
    HYPER_PARAMETERS,
    OPTIMIZERS,
    TORCH_NAMES,
    check_optimizer_params,
    make_optimizer,
)
from nnviz.core.specs import OptimizerSpec

# torch.optim's defaults under the design's names
TORCH_DEFAULTS = {
    "sgd": {"learning_rate": 1e-3, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "rmsprop": {
        "learning_rate": 1e-2,
        "rho": 0.99,
        "epsilon": 1e-8,
        "momentum": 0.0,
        "weight_decay": 0.0,
    },
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-10, "weight_decay": 0.0},
    "adam": {
        "learning_rate": 1e-3,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "weight_decay": 0.0,
    },
    "adamw": {
        "learning_rate": 1e-3,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "weight_decay": 1e-2,
    },
}

# Variants with every feature switched on, so each code path is exercised
VARIANTS = [
    ("sgd", {"learning_rate": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("adagrad", {"learning_rate": 0.1, "weight_decay": 0.01}),
    ("adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.3}),
]
IDS = [f"{name}-{'-'.join(params)}" for name, params in VARIANTS]


def test_defaults_are_torchs():
    assert {name: dict(OPTIMIZERS.get(name).defaults) for name in OPTIMIZERS} == TORCH_DEFAULTS


def test_every_hyper_parameter_is_described_and_named_for_torch():
    keys = {key for name in OPTIMIZERS for key in OPTIMIZERS.get(name).defaults}
    assert keys == set(HYPER_PARAMETERS) == set(TORCH_NAMES)
    assert all(HYPER_PARAMETERS[key].description for key in keys)


def _run(opt, params, grads):
    for g in grads:
        opt.step(params, [gi.copy() for gi in g])
    return params


def _problem(seed=1, steps=8):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(steps)]
    return params, grads


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=IDS)
def test_state_dict_round_trip_through_npz_gives_identical_next_steps(name, params):
    start, grads = _problem()
    spec = {"name": name, **params}
    straight = _run(make_optimizer(spec), [p.copy() for p in start], grads)

    first = make_optimizer(spec)
    resumed_params = _run(first, [p.copy() for p in start], grads[:3])
    buffer = io.BytesIO()
    np.savez(buffer, **first.state_dict())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        resumed = make_optimizer(spec)
        resumed.load_state_dict(dict(saved))
    _run(resumed, resumed_params, grads[3:])
    for a, b in zip(resumed_params, straight, strict=True):
        np.testing.assert_array_equal(a, b)


def test_state_dict_is_a_copy():
    opt = make_optimizer({"name": "adam"})
    p = [np.zeros(3)]
    opt.step(p, [np.ones(3)])
    saved = opt.state_dict()
    opt.step(p, [np.ones(3)])
    assert saved["steps"] == 1
    assert not np.array_equal(saved["0.exp_avg"], opt.state[0]["exp_avg"])


def test_incomplete_state_is_refused():
    opt = make_optimizer({"name": "adam"})
    opt.step([np.zeros(2)], [np.ones(2)])
    saved = opt.state_dict()
    del saved["0.exp_avg_sq"]
    with pytest.raises(ValueError, match="exp_avg_sq"):
        make_optimizer({"name": "adam"}).load_state_dict(saved)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_live_learning_rate_change_takes_effect_on_the_next_step(name):
    opt = make_optimizer({"name": name, "learning_rate": 0.1, "weight_decay": 0.0})
    p = [np.zeros(3)]
    opt.step(p, [np.ones(3)])
    assert p[0][0] < 0
    opt.learning_rate = 0.0
    before = p[0].copy()
    opt.step(p, [np.ones(3)])
    np.testing.assert_array_equal(p[0], before)
    opt.learning_rate = 0.2
    opt.step(p, [np.ones(3)])
    assert (p[0] < before).all()


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=IDS)
def test_step_updates_every_array_in_place_and_leaves_gradients_alone(name, params):
    start, grads = _problem(steps=2)
    arrays = [p.copy() for p in start]
    ids = [id(a) for a in arrays]
    opt = make_optimizer({"name": name, **params})
    for g in grads:
        kept = [gi.copy() for gi in g]
        opt.step(arrays, g)
        for a, b in zip(g, kept, strict=True):
            np.testing.assert_array_equal(a, b)
    assert [id(a) for a in arrays] == ids
    assert all(not np.array_equal(a, s) for a, s in zip(arrays, start, strict=True))


def test_first_steps_by_hand():
    g = np.array([0.5, -2.0])

    def first(name, **params):
        p = [np.array([1.0, 1.0])]
        make_optimizer({"name": name, **params}).step(p, [g])
        return p[0]

    np.testing.assert_allclose(first("sgd", learning_rate=0.1), 1 - 0.1 * g)
    np.testing.assert_allclose(
        first("sgd", learning_rate=0.1, weight_decay=0.5), 1 - 0.1 * (g + 0.5)
    )
    # Adam's first step is lr·sign(g) up to ε; Adagrad's is lr·g/|g|
    np.testing.assert_allclose(first("adam", learning_rate=0.1), 1 - 0.1 * np.sign(g), rtol=1e-7)
    np.testing.assert_allclose(first("adagrad", learning_rate=0.1), 1 - 0.1 * np.sign(g))
    # RMSprop: v = (1 − ρ)g², step = lr·g/(√v + ε)
    expected = 1 - 0.01 * g / (np.sqrt(0.01 * g * g) + 1e-8)
    np.testing.assert_allclose(first("rmsprop", learning_rate=0.01), expected, rtol=1e-12)
    # AdamW shrinks the weights by lr·wd before the Adam step
    np.testing.assert_allclose(
        first("adamw", learning_rate=0.1, weight_decay=0.5),
        (1 - 0.1 * 0.5) - 0.1 * np.sign(g),
        rtol=1e-7,
    )


def test_sgd_momentum_by_hand():
    opt = make_optimizer({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9})
    p = [np.zeros(1)]
    opt.step(p, [np.ones(1)])  # buffer = g
    opt.step(p, [np.ones(1)])  # buffer = 0.9·1 + 1
    np.testing.assert_allclose(p[0], [-0.1 - 0.19])
    nesterov = make_optimizer(
        {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True}
    )
    q = [np.zeros(1)]
    nesterov.step(q, [np.ones(1)])  # g + 0.9·buffer = 1.9
    np.testing.assert_allclose(q[0], [-0.19])


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_float32_parameters_stay_float32(name):
    p = [np.ones(5, dtype=np.float32)]
    opt = make_optimizer({"name": name, "learning_rate": 0.1})
    for _ in range(3):
        opt.step(p, [np.full(5, 0.5, dtype=np.float32)])
    assert p[0].dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[0].values())


def test_make_optimizer_takes_a_spec_or_a_dict():
    from_spec = make_optimizer(OptimizerSpec("adam", {"learning_rate": 0.02, "beta1": 0.8}))
    from_dict = make_optimizer({"name": "adam", "learning_rate": 0.02, "beta1": 0.8})
    assert from_spec.learning_rate == from_dict.learning_rate == 0.02
    assert from_spec.hyper == from_dict.hyper
    assert from_spec.hyper["beta2"] == 0.999
    assert make_optimizer({"name": "rmsprop"}).learning_rate == 0.01


def test_unknown_names_and_hyper_parameters_are_refused():
    with pytest.raises(ValueError, match="beta1"):
        make_optimizer({"name": "sgd", "beta1": 0.9})
    with pytest.raises(KeyError, match="valid: sgd"):
        make_optimizer({"name": "lbfgs"})


def test_mismatched_parameter_lists_are_refused():
    opt = make_optimizer({"name": "adam"})
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="state for 1"):
        opt.step([np.zeros(2), np.zeros(2)], [np.ones(2), np.ones(2)])


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("sgd", {"momentum": 1.5}, "optimizer.momentum: must be a number from 0 to 1 (got 1.5)"),
        ("sgd", {"learning_rate": 0}, "optimizer.learning_rate: must be a number greater than 0"),
        ("sgd", {"nesterov": True}, "optimizer.nesterov: needs a momentum greater than 0"),
        ("sgd", {"nesterov": 1}, "optimizer.nesterov: must be true or false (got 1)"),
        ("sgd", {"beta1": 0.9}, "optimizer.beta1: not a parameter of sgd (valid: learning_rate"),
        ("adam", {"beta2": 1.0}, "optimizer.beta2: must be a number at least 0 and less than 1"),
        ("adam", {"epsilon": 0}, "optimizer.epsilon: must be a number greater than 0 (got 0)"),
        ("adam", {"learning_rate": "fast"}, "optimizer.learning_rate: must be a number"),
        ("adam", {"learning_rate": True}, "optimizer.learning_rate: must be a number"),
        ("adam", {"learning_rate": math.inf}, "optimizer.learning_rate: must be a finite"),
        ("rmsprop", {"rho": -0.1}, "optimizer.rho: must be a number at least 0 and less than 1"),
        ("adamw", {"weight_decay": -1}, "optimizer.weight_decay: must be a number of at least 0"),
        ("nadam", {}, "optimizer.name: unknown optimizer 'nadam' (valid: sgd, rmsprop"),
    ],
)
def test_check_optimizer_params_names_the_field_and_the_rule(name, params, message):
    errors = check_optimizer_params(name, params)
    assert len(errors) == 1
    assert errors[0].startswith(message)


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=IDS)
def test_check_optimizer_params_accepts_valid_settings(name, params):
    assert check_optimizer_params(name, params) == []
    assert check_optimizer_params(name, {"name": name, **OPTIMIZERS.get(name).defaults}) == []


def test_check_optimizer_params_reports_every_problem():
    errors = check_optimizer_params("sgd", {"momentum": 2, "beta1": 0.5, "learning_rate": -1})
    assert [e.split(":")[0] for e in errors] == [
        "optimizer.momentum",
        "optimizer.beta1",
        "optimizer.learning_rate",
    ]


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_registry_entry_documents_itself(name):
    cls = OPTIMIZERS.get(name)
    text = OPTIMIZERS.description(name)
    assert text and "\n" not in text and len(text) < 120
    assert cls.name == name
    assert repr(make_optimizer({"name": name})).startswith(f"{cls.__name__}(learning_rate=")
