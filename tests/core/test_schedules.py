"""Learning-rate schedules: closed forms, defaults and validation."""

import itertools
import math

import pytest

from nnviz.core.schedules import SCHEDULES, check_schedule_params, make_schedule
from nnviz.core.specs import ScheduleSpec


def _given(name):
    entry = SCHEDULES.get(name)
    return {key: entry.defaults[key] for key in entry.required}


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_starts_at_the_base_rate_and_never_grows_within_the_budget(name):
    rate = make_schedule({"name": name, **_given(name)}, 0.1, 50)
    rates = [rate(e) for e in range(50)]
    assert rates[0] == pytest.approx(0.1)
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(rates))


def test_closed_forms():
    step = make_schedule({"name": "step", "step_size": 3, "gamma": 0.5}, 0.8, 20)
    assert [step(e) for e in range(7)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]
    assert make_schedule({"name": "step", "step_size": 2}, 1.0, 20)(2) == pytest.approx(0.1)
    exponential = make_schedule({"name": "exponential", "gamma": 0.9}, 2.0, 20)
    assert exponential(3) == pytest.approx(2.0 * 0.9**3)
    cosine = make_schedule({"name": "cosine", "t_max": 10, "eta_min": 0.01}, 0.11, 20)
    assert cosine(5) == pytest.approx(0.01 + 0.1 * (1 + math.cos(math.pi / 2)) / 2)
    assert cosine(10) == pytest.approx(0.01)


def test_cosine_lasts_the_training_epochs_by_default():
    rate = make_schedule(ScheduleSpec("cosine", {}), 0.1, 40)
    assert rate(20) == pytest.approx(0.05)
    assert rate(40) == pytest.approx(0.0, abs=1e-15)


def test_none_is_constant():
    rate = make_schedule(None, 0.03, 10)
    assert [rate(e) for e in (0, 5, 99)] == [0.03, 0.03, 0.03]


def test_unknown_or_missing_parameters_are_refused():
    with pytest.raises(ValueError, match="takes no t_max"):
        make_schedule({"name": "step", "step_size": 2, "t_max": 3}, 0.1, 10)
    with pytest.raises(ValueError, match="needs gamma"):
        make_schedule({"name": "exponential"}, 0.1, 10)
    with pytest.raises(KeyError, match="valid: constant"):
        make_schedule({"name": "warmup"}, 0.1, 10)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("step", {}, "training.schedule.step_size: required key is missing"),
        ("step", {"step_size": 0}, "training.schedule.step_size: must be a whole number of at"),
        ("step", {"step_size": 2.5}, "training.schedule.step_size: must be a whole number"),
        ("exponential", {"gamma": 0}, "training.schedule.gamma: must be a number greater than 0"),
        ("exponential", {"gamma": 1.5}, "training.schedule.gamma: must be a number greater than"),
        ("cosine", {"eta_min": -1}, "training.schedule.eta_min: must be a number of at least 0"),
        ("cosine", {"gamma": 0.5}, "training.schedule.gamma: not a parameter of cosine"),
        ("constant", {"gamma": 0.5}, "training.schedule.gamma: not a parameter of constant"),
        ("linear", {}, "training.schedule.name: unknown schedule 'linear' (valid: constant"),
    ],
)
def test_check_schedule_params_names_the_field_and_the_rule(name, params, message):
    errors = check_schedule_params(name, params)
    assert len(errors) == 1
    assert errors[0].startswith(message)


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_defaults_are_valid_and_described(name):
    entry = SCHEDULES.get(name)
    given = {k: v for k, v in entry.defaults.items() if v is not None}
    assert check_schedule_params(name, given) == []
    assert set(entry.defaults) == set(entry.params)
    assert all(param.description for param in entry.params.values())
    text = SCHEDULES.description(name)
    assert text and "\n" not in text


def test_repr_names_the_schedule():
    assert "step" in repr(make_schedule({"name": "step", "step_size": 4}, 0.1, 10))
