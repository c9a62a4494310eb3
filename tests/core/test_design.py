"""Design files: round trips, atomic saves, and one clear line for every design that cannot work."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core import design as design_module
from nnviz.core.design import (
    Design,
    DesignError,
    default_design,
    dumps_design,
    load_design,
    save_design,
)
from nnviz.core.optimizers import HYPER_PARAMETERS, OPTIMIZERS, check_optimizer_params
from nnviz.core.schedules import SCHEDULES, check_schedule_params
from nnviz.core.specs import LayerSpec, OptimizerSpec

MINIMAL_TEXT = """\
{"format": "nnviz-design", "version": 1, "name": "Two spirals",
 "inputs": 2,
 "layers": [{"units": 8, "activation": "tanh"},
            {"units": 8, "activation": "tanh"},
            {"units": 1, "activation": "sigmoid"}],
 "loss": "binary_cross_entropy",
 "optimizer": {"name": "adam", "learning_rate": 0.01},
 "initializer": "xavier_uniform",
 "regularization": {"kind": "l2", "rate": 0.0001},
 "training": {"batch_size": 16, "epochs": 300, "seed": 0},
 "dataset": {"name": "spiral", "samples": 500, "noise": 0.1, "test_fraction": 0.3, "seed": 0}}
"""
MINIMAL: dict[str, Any] = json.loads(MINIMAL_TEXT)

FULL: dict[str, Any] = {
    "format": "nnviz-design",
    "version": 1,
    "name": "Blobs, four of them — ünïcode",
    "inputs": 3,
    "layers": [
        {"units": 16, "activation": "relu"},
        {"units": 4, "activation": "softmax"},
    ],
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "learning_rate": 1, "momentum": 0.9, "nesterov": True},
    "initializer": "xavier_uniform",
    "regularization": None,
    "training": {
        "batch_size": 32,
        "epochs": 50,
        "seed": 7,
        "dtype": "float32",
        "schedule": {"name": "cosine", "t_max": 40, "eta_min": 0},
        "target_loss": 0.05,
        "early_stopping": {"patience": 5, "min_delta": 0.001},
    },
    "dataset": {
        "name": "blobs",
        "classes": 4,
        "features": ["x1", "x2", "x1*x2"],
        "noise": 0,
        "standardize": True,
        "samples": 400,
    },
    "meta": {"description": "free text", "tags": ["a", {"deep": [1, 2.5, None, True]}]},
}


def canonical(d: dict[str, Any]) -> str:
    return json.dumps(d, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def edited(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the value at `path` replaced (or deleted for DELETE)."""
    d = copy.deepcopy(base)
    target = d
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


DELETE = object()


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [MINIMAL, FULL], ids=["minimal", "full"])
def test_from_dict_to_dict_from_dict_is_equal_and_to_dict_is_what_was_given(d):
    design = Design.from_dict(d)
    assert design.to_dict() == d
    assert Design.from_dict(design.to_dict()) == design
    assert Design.from_dict(copy.deepcopy(d)) == design
    assert hash(Design.from_dict(d)) == hash(design)


def test_minimal_example_loads_with_its_values_and_defaults(tmp_path):
    path = tmp_path / "spiral.json"
    path.write_text(MINIMAL_TEXT, encoding="utf-8")
    design = load_design(path)
    assert design.name == "Two spirals"
    assert design.layers == (LayerSpec(8, "tanh"), LayerSpec(8, "tanh"), LayerSpec(1, "sigmoid"))
    assert design.outputs == 1
    assert design.layer_sizes == (2, 8, 8, 1)
    assert design.n_params == (2 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1
    assert design.optimizer == OptimizerSpec("adam", {"learning_rate": 0.01})
    assert design.regularization.kind == "l2" and design.regularization.rate == 0.0001
    assert design.training.dtype == "float64" and design.training.schedule is None
    assert design.dataset.test_fraction == 0.3 and design.dataset.features is None
    assert design.meta == {}
    assert design.base_dir == tmp_path.absolute()


def test_defaults_are_not_written_back_but_regularization_always_is():
    d = edited(edited(MINIMAL, ("initializer",), DELETE), ("regularization",), DELETE)
    d = edited(d, ("training",), {"batch_size": 8, "epochs": 10})
    out = Design.from_dict(d).to_dict()
    assert "initializer" not in out and "meta" not in out
    assert out["regularization"] is None
    assert out["training"] == {"batch_size": 8, "epochs": 10}
    assert out["dataset"] == MINIMAL["dataset"]


def test_ints_stay_ints_and_floats_stay_floats():
    d = edited(MINIMAL, ("optimizer", "learning_rate"), 1)
    d = edited(d, ("dataset", "noise"), 0)
    d = edited(d, ("regularization", "rate"), 0.0)
    text = dumps_design(Design.from_dict(d))
    assert '"learning_rate": 1,' in text
    assert '"noise": 0,' in text
    assert '"rate": 0.0\n' in text


def test_canonical_text_survives_load_and_save_byte_for_byte(tmp_path):
    for d in (MINIMAL, FULL):
        path = tmp_path / "design.json"
        path.write_bytes(canonical(d).encode("utf-8"))
        before = path.read_bytes()
        save_design(load_design(path), path)
        assert path.read_bytes() == before


def test_any_accepted_file_is_stable_after_one_save(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(FULL, ensure_ascii=True) + "\n  ", encoding="utf-8")
    save_design(load_design(path), path)
    once = path.read_bytes()
    save_design(load_design(path), path)
    assert path.read_bytes() == once
    assert once.decode("utf-8") == canonical(FULL)


def test_edits_via_replace_are_written_and_checked_again():
    design = Design.from_dict(MINIMAL)
    reseeded = dataclasses.replace(
        design,
        initializer="xavier_uniform",
        training=dataclasses.replace(design.training, seed=5, dtype="float32"),
        meta={"note": ["x", {"y": 1}]},
    )
    out = reseeded.to_dict()
    assert out["training"] == {"batch_size": 16, "epochs": 300, "seed": 5, "dtype": "float32"}
    assert out["meta"] == {"note": ["x", {"y": 1}]}
    assert reseeded.validated() == reseeded
    broken = dataclasses.replace(design, training=dataclasses.replace(design.training, epochs=0))
    with pytest.raises(DesignError, match=r"^training\.epochs: must be an integer from 1"):
        broken.validated()


def test_a_design_is_immutable_all_the_way_down():
    design = Design.from_dict(FULL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.name = "other"
    with pytest.raises(TypeError):
        design.optimizer.params["learning_rate"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        design.meta["description"] = "changed"  # type: ignore[index]
    assert isinstance(design.meta["tags"], tuple)
    with pytest.raises(TypeError):
        design.meta["tags"][1]["deep"] = ()  # type: ignore[index]
    assert isinstance(design.layers, tuple) and isinstance(design.dataset.features, tuple)
    plain = dataclasses.replace(design, meta={"a": [1]})
    assert plain.meta == {"a": (1,)} and hash(plain)


def test_the_loaded_dict_is_not_kept():
    d = copy.deepcopy(FULL)
    design = Design.from_dict(d)
    d["meta"]["description"] = "changed later"
    d["optimizer"]["momentum"] = 0.1
    assert design.meta["description"] == "free text"
    assert design.optimizer.params["momentum"] == 0.9


# --- saving --------------------------------------------------------------------------------------


def test_save_is_atomic_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "design.json"
    save_design(Design.from_dict(MINIMAL), path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(design_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        save_design(Design.from_dict(FULL), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["design.json"]


def test_save_is_atomic_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "design.json"
    path.write_text("old contents", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(design_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_design(Design.from_dict(MINIMAL), path)
    assert path.read_text(encoding="utf-8") == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["design.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "design.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o640)
    save_design(Design.from_dict(MINIMAL), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_refuses_a_design_that_cannot_load(tmp_path):
    design = Design.from_dict(MINIMAL)
    broken = dataclasses.replace(design, layers=())
    path = tmp_path / "broken.json"
    with pytest.raises(DesignError, match=r"^layers: must hold from 1 to 32 layers \(got 0\)"):
        save_design(broken, path)
    assert not path.exists()


def test_default_design_is_the_bundled_spiral_example_with_nothing_lost():
    design = default_design()
    assert design.dataset.name == "spiral"
    path = design.base_dir / "spiral.json"
    assert design.to_dict() == json.loads(path.read_text(encoding="utf-8"))


# --- bad designs ---------------------------------------------------------------------------------

BLOBS = edited(
    edited(MINIMAL, ("dataset",), {"name": "blobs", "samples": 300}),
    ("layers",),
    [{"units": 8, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
)
BLOBS = edited(BLOBS, ("loss",), "cross_entropy")
PLANE = edited(edited(MINIMAL, ("dataset",), {"name": "plane"}), ("loss",), "mse")
PLANE = edited(PLANE, ("layers", 2, "activation"), "linear")
DEEP_META: Any = "bottom"
for _ in range(40):
    DEEP_META = [DEEP_META]

BAD = [
    # top level
    ((), None, "design: must be a JSON object (got null)"),
    ((), [MINIMAL], "design: must be a JSON object (got a list)"),
    ((), "design", "design: must be a JSON object (got 'design')"),
    (("colour",), "red", "colour: unknown key (valid: name, inputs, layers, loss, optimizer"),
    (("loss",), DELETE, "loss: required key is missing"),
    (("format",), "nnviz", "format: must be 'nnviz-design' (got 'nnviz')"),
    (("version",), 2, "version: unsupported version 2 (this nnviz reads version 1)"),
    (("version",), True, "version: unsupported version true"),
    (("name",), 5, "name: must be a string (got 5)"),
    (("name",), "n" * 201, "name: must be at most 200 characters long (got 201)"),
    (("inputs",), 0, "inputs: must be an integer from 1 to 1000000 (got 0)"),
    (("inputs",), 2_000_000, "inputs: must be an integer from 1 to 1000000 (got 2000000)"),
    (("inputs",), "2", "inputs: must be an integer from 1 to 1000000 (got '2')"),
    (
        ("inputs",),
        3,
        "inputs: the dataset 'spiral' gives 2 inputs, the design has 3",
    ),
    # layers
    (("layers",), [], "layers: must hold from 1 to 32 layers (got 0)"),
    (("layers",), [{"units": 2, "activation": "relu"}] * 33, "layers: must hold from 1 to 32"),
    (("layers",), {"units": 1}, "layers: must be a list (got an object)"),
    (("layers", 0), "dense", "layers[0]: must be a JSON object (got 'dense')"),
    (("layers", 1, "units"), 0, "layers[1].units: must be an integer from 1 to 4096 (got 0)"),
    (("layers", 1, "units"), 4097, "layers[1].units: must be an integer from 1 to 4096"),
    (("layers", 0, "units"), True, "layers[0].units: must be an integer from 1 to 4096 (got true)"),
    (("layers", 0, "units"), 8.0, "layers[0].units: must be an integer from 1 to 4096 (got 8.0)"),
    (("layers", 0, "units"), 10**500, "(got a very large integer)"),
    (("layers", 0, "units"), None, "layers[0].units: must be an integer from 1 to 4096 (got null)"),
    (("layers", 0, "activation"), DELETE, "layers[0].activation: required key is missing"),
    (("layers", 0, "dropout"), 0.5, "layers[0].dropout: unknown key (valid: units, activation)"),
    (
        ("layers", 0, "activation"),
        "tanhh",
        "layers[0].activation: unknown activation 'tanhh' (valid: linear, relu",
    ),
    (("layers", 0, "activation"), 3, "layers[0].activation: must be one of: linear, relu"),
    (
        ("layers", 0, "activation"),
        "softmax",
        "layers[0].activation: softmax is only allowed in the last layer",
    ),
    (
        ("layers", 2, "activation"),
        "softmax",
        "layers[2].units: a softmax layer needs at least 2 units (got 1)",
    ),
    # loss and output layer
    (("loss",), "hinge", "loss: unknown loss 'hinge' (valid: "),
    (("loss",), "cross_entropy", "loss: cross_entropy needs a softmax output layer"),
    (
        ("layers", 2, "activation"),
        "tanh",
        "loss: binary_cross_entropy needs a sigmoid output layer (layers[2] uses tanh)",
    ),
    # optimizer
    (("optimizer",), "adam", "optimizer: must be a JSON object (got 'adam')"),
    (("optimizer", "name"), DELETE, "optimizer.name: required key is missing"),
    (("optimizer", "name"), "lbfgs", "optimizer.name: unknown optimizer 'lbfgs' (valid: "),
    (("optimizer", "momentum"), 0.9, "optimizer.momentum: not a parameter of adam (valid: "),
    (("optimizer", "learning_rate"), 0, "optimizer.learning_rate: must be a number greater than 0"),
    (("optimizer", "learning_rate"), -0.1, "must be a number greater than 0 (got -0.1)"),
    (
        ("optimizer", "learning_rate"),
        math.nan,
        "optimizer.learning_rate: must be a finite number greater than 0 (got nan)",
    ),
    (("optimizer", "learning_rate"), math.inf, "must be a finite number greater than 0 (got inf)"),
    (("optimizer", "learning_rate"), 10**400, "must be a finite number"),
    (("optimizer", "learning_rate"), True, "optimizer.learning_rate: must be a number"),
    (("optimizer", "learning_rate"), "0.01", "(got '0.01')"),
    (
        ("optimizer", "beta1"),
        1.0,
        "optimizer.beta1: must be a number at least 0 and less than 1 (got 1.0)",
    ),
    (("optimizer", "epsilon"), 0, "optimizer.epsilon: must be a number greater than 0 (got 0)"),
    (("optimizer", "beta2"), -0.1, "optimizer.beta2: must be a number at least 0 and less than 1"),
    (("optimizer", "weight_decay"), -1, "optimizer.weight_decay: must be a number at least 0"),
    # initializer and regularization
    (("initializer",), "glorot", "initializer: unknown initializer 'glorot' (valid: "),
    (("initializer",), None, "initializer: must be one of: xavier_uniform"),
    (("regularization",), "l2", "regularization: must be a JSON object (got 'l2')"),
    (("regularization", "kind"), "l3", "regularization.kind: unknown regularization 'l3'"),
    (("regularization", "rate"), -1, "regularization.rate: must be a number at least 0 (got -1)"),
    (("regularization", "rate"), DELETE, "regularization.rate: required key is missing"),
    (("regularization", "lambda"), 0.1, "regularization.lambda: unknown key (valid: kind, rate)"),
    # training
    (("training", "batch_size"), 0, "training.batch_size: must be an integer from 1 to"),
    (("training", "epochs"), 0, "training.epochs: must be an integer from 1 to 1000000 (got 0)"),
    (("training", "epochs"), 1.5, "training.epochs: must be an integer from 1 to 1000000"),
    (("training", "epochs"), DELETE, "training.epochs: required key is missing"),
    (("training", "seed"), -1, "training.seed: must be an integer from 0 to 4294967295 (got -1)"),
    (("training", "lr"), 0.1, "training.lr: unknown key (valid: batch_size, epochs, seed, dtype"),
    (
        ("training", "dtype"),
        "float16",
        "training.dtype: unknown dtype 'float16' (valid: float64, float32)",
    ),
    (("training", "schedule"), "step", "training.schedule: must be a JSON object (got 'step')"),
    (("training", "schedule"), {"name": "warmup"}, "training.schedule.name: unknown schedule"),
    (("training", "schedule"), {"gamma": 0.5}, "training.schedule.name: required key is missing"),
    (
        ("training", "schedule"),
        {"name": "step"},
        "training.schedule.step_size: required key is missing (a parameter of step)",
    ),
    (
        ("training", "schedule"),
        {"name": "step", "step_size": 10, "gamma": 0},
        "training.schedule.gamma: must be a number greater than 0 and at most 1 (got 0)",
    ),
    (
        ("training", "schedule"),
        {"name": "exponential", "gamma": 1.5},
        "training.schedule.gamma: must be a number greater than 0 and at most 1 (got 1.5)",
    ),
    (
        ("training", "schedule"),
        {"name": "constant", "gamma": 0.5},
        "training.schedule.gamma: not a parameter of constant (valid: none)",
    ),
    (
        ("training", "schedule"),
        {"name": "cosine", "eta_min": -1},
        "training.schedule.eta_min: must be a number at least 0 (got -1)",
    ),
    (
        ("training", "schedule"),
        {"name": "cosine", "gamma": 0.5},
        "training.schedule.gamma: not a parameter of cosine (valid: t_max, eta_min)",
    ),
    (
        ("training", "schedule"),
        {"name": "cosine", "t_max": 0},
        "training.schedule.t_max: must be an integer from 1 to 1000000 (got 0)",
    ),
    (("training", "target_loss"), -1, "training.target_loss: must be a number at least 0"),
    (("training", "target_loss"), "low", "training.target_loss: must be a number"),
    (
        ("training", "early_stopping"),
        {"patience": 0},
        "training.early_stopping.patience: must be an integer from 1 to 1000000 (got 0)",
    ),
    (
        ("training", "early_stopping"),
        {"patience": 3, "delta": 0.1},
        "training.early_stopping.delta: unknown key (valid: patience, min_delta)",
    ),
    # dataset
    (("dataset",), "spiral", "dataset: must be a JSON object (got 'spiral')"),
    (("dataset", "name"), "cifar10", "dataset.name: unknown dataset 'cifar10' (valid: "),
    (("dataset", "shuffle"), True, "dataset.shuffle: unknown key (valid: name, samples"),
    (("dataset", "samples"), 0, "dataset.samples: must be an integer from 1 to 1000000 (got 0)"),
    (("dataset", "samples"), 2_000_000, "dataset.samples: must be an integer from 1 to 1000000"),
    (("dataset", "noise"), 0.6, "dataset.noise: must be a number from 0 to 0.5 (got 0.6)"),
    (("dataset", "noise"), None, "dataset.noise: must be a number from 0 to 0.5 (got null)"),
    (("dataset", "noise"), False, "dataset.noise: must be a number from 0 to 0.5 (got false)"),
    (
        ("dataset", "test_fraction"),
        1,
        "dataset.test_fraction: must be a number at least 0 and less than 1 (got 1)",
    ),
    (("dataset", "seed"), 1.0, "dataset.seed: must be an integer from 0 to 4294967295"),
    (("dataset", "standardize"), 1, "dataset.standardize: must be true or false (got 1)"),
    (("dataset", "features"), "x1", "dataset.features: must be a list (got 'x1')"),
    (("dataset", "features"), [], "dataset.features: must list from 1 to 7 features (got 0)"),
    (("dataset", "features"), ["x1", "x3"], "dataset.features[1]: unknown feature 'x3'"),
    (("dataset", "features"), ["x1", "x1"], "dataset.features[1]: 'x1' is listed twice"),
    (
        ("dataset", "features"),
        ["x1", "x2", "x1^2"],
        "inputs: the dataset 'spiral' with features (x1, x2, x1^2) gives 3 inputs, "
        "the design has 2",
    ),
    (("dataset", "classes"), 1, "dataset.classes: must be an integer from 2 to"),
    (("dataset", "path"), "data.csv", "dataset.path: "),
    (("dataset", "path"), 5, "dataset.path: must be a string (got 5)"),
    (("dataset", "task"), "clustering", "dataset.task: unknown task 'clustering'"),
    (("dataset",), {"name": "csv"}, "dataset.path: "),
    (("dataset",), {"name": "idx", "path": "images.idx"}, "dataset.labels_path: "),
    (("dataset",), {"name": "digits", "features": ["x1"]}, "dataset.features: "),
    (("dataset",), {"name": "digits"}, "inputs: the dataset 'digits' gives 64 inputs"),
    (
        ("dataset",),
        {"name": "csv", "path": "d.csv", "task": "regression"},
        "loss: binary_cross_entropy needs class labels, but 'csv' is a regression set",
    ),
    # meta is free-form but bounded
    (("meta",), [1, 2], "meta: must be a JSON object (got a list)"),
    (("meta",), {"x": math.nan}, "meta.x: numbers must be finite (got nan)"),
    (("meta",), {"x": [1, math.inf]}, "meta.x[1]: numbers must be finite (got inf)"),
    (("meta",), {"deep": DEEP_META}, "nested too deeply (limit 32 levels)"),
    (("meta",), {"x": 2**80}, "meta.x: integers must fit in 64 bits"),
    (("meta",), {"x": {1, 2}}, "meta.x: must be JSON data (got a Python set)"),
]

# Combinations of a classification set's classes with the output layer and loss.
BAD_COMBINATIONS = [
    (
        BLOBS,
        ("layers", 1, "units"),
        2,
        "layers[1].units: cross_entropy needs one output unit per class ('blobs' has 3)",
    ),
    (BLOBS, ("dataset", "classes"), 2, "cross_entropy needs one output unit per class"),
    (BLOBS, ("loss",), "mse", None),
    (
        edited(BLOBS, ("loss",), "mse"),
        ("layers", 1, "units"),
        2,
        "layers[1].units: 2 output units but 'blobs' has 3 classes (use 3 units, or 1 unit",
    ),
    (
        edited(BLOBS, ("loss",), "mse"),
        ("layers", 1, "units"),
        5,
        "layers[1].units: 5 output units but 'blobs' has only 3 classes",
    ),
    (
        MINIMAL,
        ("dataset", "name"),
        "blobs",
        "layers[2].units: one output unit fits only two classes; 'blobs' has 3",
    ),
    (
        PLANE,
        ("loss",),
        "binary_cross_entropy",
        "loss: binary_cross_entropy needs a sigmoid output layer",
    ),
    (
        edited(PLANE, ("layers", 2, "activation"), "sigmoid"),
        ("loss",),
        "binary_cross_entropy",
        "loss: binary_cross_entropy needs class labels, but 'plane' is a regression set",
    ),
    (
        PLANE,
        ("layers", 2, "units"),
        2,
        "layers[2].units: 'plane' has one target value, so the output layer needs 1 unit (got 2)",
    ),
    (
        MINIMAL,
        ("inputs",),
        1_000_000,
        "inputs: the dataset 'spiral' gives 2 inputs",
    ),
    (
        edited(
            edited(MINIMAL, ("dataset",), {"name": "csv", "path": "wide.csv"}),
            ("layers", 0, "units"),
            16,
        ),
        ("inputs",),
        1_000_000,
        "layers: the network would have 16,000,...+",
    ),
]


def _message(d: Any) -> str:
    with pytest.raises(DesignError) as info:
        Design.from_dict(d)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    return message


@pytest.mark.parametrize(("path", "value", "fragment"), BAD, ids=[c[2][:50] for c in BAD])
def test_a_bad_design_is_refused_with_the_exact_place_and_rule(path, value, fragment):
    d = edited(MINIMAL, path, value) if path else value
    assert fragment in _message(d)


@pytest.mark.parametrize(("base", "path", "value", "fragment"), BAD_COMBINATIONS)
def test_output_layer_loss_and_dataset_must_fit_together(base, path, value, fragment):
    d = edited(base, path, value)
    if fragment is None:
        assert Design.from_dict(d).loss == "mse"
    elif fragment.endswith("+"):
        message = _message(d)
        assert message.startswith("layers: the network would have ")
        assert message.endswith("parameters (limit 10,000,000)")
    else:
        assert fragment in _message(d)


def test_an_unknown_hyper_parameter_lists_the_optimizers_own():
    d = edited(MINIMAL, ("optimizer",), {"name": "sgd", "beta1": 0.9})
    message = _message(d)
    assert message.startswith("optimizer.beta1: not a parameter of sgd (valid: ")
    valid = message.split("(valid: ")[1].rstrip(")").split(", ")
    assert {"learning_rate", "momentum", "nesterov", "weight_decay"} <= set(valid)
    assert "name" not in valid and "beta1" not in valid


def _out_of_range(param: Any) -> Any:
    """A value just below the low end of a registry hyper-parameter's range (or not a bool)."""
    if param.kind == "bool":
        return 1
    return param.lo if param.lo_open else param.lo - 1


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_parameter_is_checked_by_its_registry_range(name):
    defaults = dict(OPTIMIZERS.get(name).defaults)
    d = edited(MINIMAL, ("optimizer",), {"name": name, **defaults})
    assert Design.from_dict(d).optimizer.params == defaults
    for key in defaults:
        bad = _out_of_range(HYPER_PARAMETERS[key])
        assert _message(edited(d, ("optimizer", key), bad)).startswith(f"optimizer.{key}: must be")
        assert check_optimizer_params(name, {key: bad})  # the same rule, from the same entry


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_every_schedule_parameter_is_checked_by_its_registry_range(name):
    entry = SCHEDULES.get(name)
    given_params = {k: v for k, v in entry.defaults.items() if v is not None}
    schedule = {"name": name, **given_params}
    d = edited(MINIMAL, ("training", "schedule"), schedule)
    assert Design.from_dict(d).training.schedule.params == given_params
    for key, param in entry.params.items():
        bad = _out_of_range(param)
        message = _message(edited(d, ("training", "schedule", key), bad))
        assert message.startswith(f"training.schedule.{key}: must be")
        assert check_schedule_params(name, {**given_params, key: bad})
    for key in entry.required:
        message = _message(edited(d, ("training", "schedule", key), DELETE))
        where = f"training.schedule.{key}"
        assert message == f"{where}: required key is missing (a parameter of {name})"


def test_nesterov_needs_momentum():
    d = edited(MINIMAL, ("optimizer",), {"name": "sgd", "nesterov": True})
    assert _message(d) == "optimizer.nesterov: needs a momentum greater than 0"
    d = edited(d, ("optimizer", "momentum"), 1.5)
    assert _message(d) == "optimizer.momentum: must be a number from 0 to 1 (got 1.5)"


def test_bad_design_messages_are_single_lines_with_short_quotes():
    message = _message(edited(MINIMAL, ("layers", 0, "activation"), "x\n" * 500))
    assert message.startswith("layers[0].activation: unknown activation 'x\\nx\\n")
    assert "...' (valid:" not in message or len(message) < 300


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("meta",), {"anything": {"goes": [1, "two", None, {"x": False}]}, "n": -3.5}),
        (("meta",), {}),
        (("regularization",), None),
        (("initializer",), DELETE),
        (("training", "schedule"), {"name": "step", "step_size": 10}),
        (("training", "schedule"), {"name": "exponential", "gamma": 0.99}),
        (("training", "schedule"), None),
        (("training", "early_stopping"), {"patience": 10}),
        (("training", "target_loss"), 0),
        (("dataset", "samples"), None),
        (("dataset", "features"), ["sin(x2)", "x1"]),
        (("dataset",), {"name": "csv", "path": "my data.csv", "label_column": "y"}),
        (("dataset",), {"name": "npz", "path": "d.npz", "task": "classification"}),
        (("optimizer",), {"name": "sgd"}),
        (("optimizer",), {"name": "sgd", "momentum": 0.9, "nesterov": True}),
        (("optimizer",), {"name": "rmsprop", "learning_rate": 0.001, "rho": 0.9}),
    ],
)
def test_good_variations_are_accepted_and_round_trip(path, value):
    d = edited(MINIMAL, path, value)
    design = Design.from_dict(d)
    assert design.to_dict() == {**d, "regularization": d.get("regularization")}
    assert Design.from_dict(design.to_dict()) == design


def test_numpy_numbers_are_numbers_but_numpy_bools_are_not():
    np = pytest.importorskip("numpy")
    d = edited(MINIMAL, ("layers", 0, "units"), np.int64(8))
    d = edited(d, ("optimizer", "learning_rate"), np.float64(0.01))
    assert Design.from_dict(d) == Design.from_dict(MINIMAL)
    assert "got true" in _message(edited(MINIMAL, ("training", "epochs"), True))


def test_format_and_version_may_be_left_out_of_a_dict_but_not_a_file(tmp_path):
    d = edited(edited(MINIMAL, ("format",), DELETE), ("version",), DELETE)
    assert Design.from_dict(d) == Design.from_dict(MINIMAL)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(DesignError, match="format: required key is missing"):
        load_design(path)


# --- bad files -----------------------------------------------------------------------------------


def _write(tmp_path: Path, content: bytes | str, name: str = "d.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "file is empty"),
        ("  \n\t\n", "file is empty"),
        (b'{"name": "caf\xe9"}', "not UTF-8 text (invalid byte 0xe9 at offset 13)"),
        ('{"format": "nnviz-design",\n  "version": 1,,}', "line 2 column 16: malformed JSON"),
        ('{"format": "nnviz-design"', "line 1 column 26: malformed JSON"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ("[1, 2]", "design: must be a JSON object (got a list)"),
        ('"text"', "design: must be a JSON object (got 'text')"),
        ('{"version": 1}', "format: required key is missing (expected 'nnviz-design')"),
        ('{"format": "nnviz-design"}', "version: required key is missing (expected 1)"),
        ('{"format": "nnviz-design", "version": 9}', "version: unsupported version 9"),
        ('{"format": "other", "version": 1}', "format: must be 'nnviz-design' (got 'other')"),
        (MINIMAL_TEXT.replace("0.01", "NaN"), "NaN is not allowed"),
        (MINIMAL_TEXT.replace("0.01", "-Infinity"), "-Infinity is not allowed"),
        (MINIMAL_TEXT.replace("0.01", "1e999"), "optimizer.learning_rate: must be a finite"),
        (MINIMAL_TEXT.replace('"inputs": 2', '"inputs": 2, "inputs": 3'), "appears twice"),
        (MINIMAL_TEXT.replace('"inputs": 2', '"inputs": ' + "9" * 5000), "digits"),
    ],
)
def test_a_bad_file_is_refused_with_its_name_first(tmp_path, content, fragment):
    path = _write(tmp_path, content)
    with pytest.raises(DesignError) as info:
        load_design(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert fragment in message
    assert "\n" not in message


def test_a_missing_file_a_folder_and_a_huge_file_are_refused(tmp_path):
    with pytest.raises(DesignError, match=r"nope\.json: file not found$"):
        load_design(tmp_path / "nope.json")
    with pytest.raises(DesignError, match=r": is a folder, not a design file$"):
        load_design(tmp_path)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:
        stream.truncate(11 * 2**20)
    with pytest.raises(DesignError, match=r"huge\.json: file is too large"):
        load_design(huge)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX, not root")
def test_an_unreadable_file_is_refused(tmp_path):
    path = _write(tmp_path, MINIMAL_TEXT)
    path.chmod(0)
    try:
        with pytest.raises(DesignError, match=r"d\.json: cannot read the file \(permission"):
            load_design(path)
    finally:
        path.chmod(0o600)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbf" + MINIMAL_TEXT.encode("utf-8"))
    assert load_design(path) == Design.from_dict(MINIMAL, base_dir=tmp_path)


def test_errors_inside_a_file_name_the_place(tmp_path):
    path = _write(tmp_path, MINIMAL_TEXT.replace('"units": 8', '"units": 0', 1))
    with pytest.raises(DesignError) as info:
        load_design(path)
    assert str(info.value) == (
        f"{path}: layers[0].units: must be an integer from 1 to 4096 (got 0)"
    )


# --- anything at all is a Design or a DesignError ------------------------------------------------

KEYS = sorted(
    {
        *MINIMAL,
        *FULL["training"],
        *FULL["dataset"],
        *FULL["optimizer"],
        "kind",
        "rate",
        "units",
        "activation",
        "patience",
        "min_delta",
        "step_size",
        "gamma",
        "path",
        "labels_path",
        "task",
        "beta1",
    }
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, 1, 2, -1, 2**31, 2**70, 10**400])
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["softmax", "relu", "sgd", "adam", "spiral", "csv", "idx", "mse", "l2"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _accepts_or_refuses_cleanly(d: Any) -> None:
    try:
        design = Design.from_dict(d)
    except DesignError as error:
        assert "\n" not in str(error)
        return
    assert Design.from_dict(design.to_dict()) == design
    assert json.loads(dumps_design(design)) == design.to_dict()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_is_a_design_or_a_design_error(value):
    _accepts_or_refuses_cleanly(value)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([MINIMAL, FULL, BLOBS, PLANE]), st.data())
def test_mutated_designs_are_a_design_or_a_design_error(base, data):
    d = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(d)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = d
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON)
    _accepts_or_refuses_cleanly(d)


def test_save_as_elsewhere_keeps_relative_data_paths_pointing_at_the_same_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "points.csv").write_text("a,b,label\n0,1,0\n1,0,1\n1,1,0\n0,0,1\n", encoding="utf-8")
    original = tmp_path / "designs" / "net.json"
    original.parent.mkdir()
    d = edited(MINIMAL, ("dataset",), {"name": "csv", "path": "../data/points.csv"})
    original.write_text(canonical(d), encoding="utf-8")
    moved = tmp_path / "elsewhere" / "deeper" / "net.json"
    moved.parent.mkdir(parents=True)

    save_design(load_design(original), moved)

    again = load_design(moved)
    assert again.dataset.path == "../../data/points.csv"
    assert (again.base_dir / again.dataset.path).resolve() == (data / "points.csv").resolve()
    save_design(load_design(original), original)
    assert json.loads(original.read_text(encoding="utf-8"))["dataset"]["path"] == (
        "../data/points.csv"
    )
