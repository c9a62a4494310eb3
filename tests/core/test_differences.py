"""A run's automatic name says what really differs from the first run, defaults included."""

import pytest
from design_factory import xor_design

from nnviz.core.design import Design
from nnviz.core.differences import auto_name, differences


def design(**changes) -> Design:
    return Design.from_dict(xor_design(**changes))


SGD = design(optimizer={"name": "sgd", "learning_rate": 0.03})
ADAM = design(optimizer={"name": "adam", "learning_rate": 0.03})


@pytest.mark.parametrize(
    ("base", "changes", "expected"),
    [
        (
            SGD,
            {"optimizer": {"name": "adam", "learning_rate": 0.1}},
            ["optimizer sgd → adam", "learning rate 0.03 → 0.1"],
        ),
        (  # a setting left out is its real default, not "default"
            SGD,
            {"optimizer": {"name": "adam"}},
            ["optimizer sgd → adam", "learning rate 0.03 → 0.001"],
        ),
        (SGD, {"optimizer": {"momentum": 0.9}}, ["momentum 0 → 0.9"]),
        (
            SGD,
            {"optimizer": {"momentum": 0.9, "nesterov": True}},
            ["momentum 0 → 0.9", "nesterov off → on"],
        ),
        (  # a new optimizer's own settings come with it; adam's betas are not listed
            ADAM,
            {"optimizer": {"name": "sgd", "learning_rate": 0.03, "momentum": 0.9}},
            ["optimizer adam → sgd with momentum 0.9"],
        ),
        (ADAM, {"optimizer": {"beta2": 0.99}}, ["beta2 0.999 → 0.99"]),
        (
            SGD,
            {"layers": [{"units": 6, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}]},
            ["activation tanh → relu"],
        ),
        (
            SGD,
            {
                "layers": [
                    {"units": 16, "activation": "tanh"},
                    {"units": 1, "activation": "sigmoid"},
                ]
            },
            ["hidden layers 6 → 16"],
        ),
        (SGD, {"training": {"batch_size": 32}}, ["batch size 10 → 32"]),
        (SGD, {"training": {"dtype": "float32"}}, ["dtype float64 → float32"]),
        (
            SGD,
            {"training": {"schedule": {"name": "step", "step_size": 5}}},
            ["schedule none → step (step size 5)"],
        ),
        (
            SGD,
            {"regularization": {"kind": "l2", "rate": 0.001}},
            ["regularization none → l2 0.001"],
        ),
        (SGD, {"initializer": "he_normal"}, ["initializer xavier_uniform → he_normal"]),
        (SGD, {"dataset": {"noise": 0.1}}, ["noise 0 → 0.1"]),
        (
            SGD,
            {"dataset": {"name": "circle", "samples": 200, "test_fraction": 0.25, "seed": 1}},
            ["dataset xor → circle"],
        ),
        (SGD, {"name": "renamed", "meta": {"note": "x"}}, []),
    ],
)
def test_differences_name_what_changed_with_real_values(base, changes, expected):
    d = base.to_dict()
    for key, value in changes.items():  # a part given with a name replaces the part
        keep = isinstance(value, dict) and "name" not in value and isinstance(d.get(key), dict)
        d[key] = {**d[key], **value} if keep else value
    assert differences(base, Design.from_dict(d)) == expected


def test_a_run_is_named_by_its_differences_from_the_first():
    adam = design(optimizer={"name": "adam", "learning_rate": 0.1})
    assert auto_name(SGD, adam, "") == "optimizer sgd → adam, learning rate 0.03 → 0.1"
    assert auto_name(SGD, SGD, "from run 1 at step 40") == "same design; from run 1 at step 40"
    assert auto_name(None, SGD, "") == "first run"
