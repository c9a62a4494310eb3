"""Optimizer state, live learning-rate changes and registry metadata."""

import itertools

import numpy as np
import pytest

from nnviz.core.optimizers import OPTIMIZERS, make_optimizer
from nnviz.core.schedules import SCHEDULES, make_schedule


def _run(opt, params, grads):
    for g in grads:
        opt.step(params, [g])
    return params[0]


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_state_dict_round_trip_gives_identical_next_steps(name):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=6) for _ in range(8)]
    spec = {"name": name, "learning_rate": 0.05}
    if name in ("sgd", "rmsprop"):
        spec["momentum"] = 0.9
    straight = _run(make_optimizer(spec), [np.ones(6)], grads)

    first = make_optimizer(spec)
    params = [np.ones(6)]
    _run(first, params, grads[:3])
    saved = {k: np.array(v) for k, v in first.state_dict().items()}
    resumed = make_optimizer(spec)
    resumed.load_state_dict(saved)
    np.testing.assert_array_equal(_run(resumed, params, grads[3:]), straight)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_live_learning_rate_change_scales_the_next_step(name):
    opt = make_optimizer({"name": name, "learning_rate": 0.1})
    p = [np.zeros(3)]
    opt.step(p, [np.ones(3)])
    opt.learning_rate = 0.0
    before = p[0].copy()
    opt.step(p, [np.ones(3)])
    np.testing.assert_array_equal(p[0], before)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_registry_entry_documents_itself(name):
    cls = OPTIMIZERS.get(name)
    assert OPTIMIZERS.description(name)
    assert "learning_rate" in cls.defaults
    assert repr(make_optimizer({"name": name})).startswith(cls.__name__)


def test_unknown_hyper_parameter_is_refused():
    with pytest.raises(ValueError, match="beta1"):
        make_optimizer({"name": "sgd", "beta1": 0.9})


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_schedule_starts_at_the_base_rate_and_never_grows(name):
    entry = SCHEDULES.get(name)
    params = {key: entry.defaults[key] for key in entry.required}
    rate = make_schedule({"name": name, **params}, 0.1, 50)
    rates = [rate(e) for e in range(50)]
    assert rates[0] == pytest.approx(0.1)
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(rates))
