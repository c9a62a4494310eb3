"""Reading and checking a design: every key of the JSON object, then the rules across parts.

`read_design` turns untrusted JSON-like data into the checked parts of a `Design` (the readers
of `validation.py` name the exact place of the first problem); `check_design` then checks what
only the whole design can say (the output layer fits the loss and the data). Dataset fields are
checked by `datasets.read_spec`, the one place for them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from nnviz.core import datasets
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.datasets import read_spec
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.optimizers import HYPER_PARAMETERS, OPTIMIZERS, check_optimizer_params
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.schedules import SCHEDULES
from nnviz.core.specs import (
    DTYPES,
    FORMAT,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_INPUTS,
    MAX_LAYERS,
    MAX_NAME,
    MAX_PARAMS,
    MAX_SEED,
    MAX_UNITS,
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    VERSION,
    DatasetSpec,
    EarlyStopping,
    LayerSpec,
    OptimizerSpec,
    RegularizationSpec,
    ScheduleSpec,
    TrainingSpec,
    count_params,
)
from nnviz.core.validation import (
    DesignError,
    at,
    check_keys,
    fail,
    is_integer,
    read_bool,
    read_choice,
    read_int,
    read_json,
    read_list,
    read_number,
    read_object,
    read_str,
    show,
)


def read_design(d: Any, base_dir: Any = None) -> dict[str, Any]:
    """Check every key of a design object and read its parts: the arguments of `Design`.

    Rules across parts (the output layer against the loss and the data) are `check_design`'s.
    """
    obj = read_object(d, "")
    if "format" in obj and not (isinstance(obj["format"], str) and obj["format"] == FORMAT):
        fail("format", f"must be {FORMAT!r} (got {show(obj['format'])})")
    if "version" in obj:
        _check_version(obj["version"])
    check_keys(
        obj,
        "",
        required=REQUIRED_KEYS,
        optional=OPTIONAL_KEYS,
    )
    meta = read_object(obj.get("meta", {}), "meta")
    return {
        "name": read_str(obj["name"], "name", MAX_NAME),
        "inputs": read_int(obj["inputs"], "inputs", 1, MAX_INPUTS),
        "layers": _read_layers(obj["layers"]),
        "loss": read_choice(obj["loss"], "loss", "loss", LOSSES.names()),
        "optimizer": _read_optimizer(obj["optimizer"]),
        "initializer": read_choice(
            obj.get("initializer", "xavier_uniform"),
            "initializer",
            "initializer",
            INITIALIZERS.names(),
        ),
        "regularization": _read_regularization(obj.get("regularization")),
        "training": _read_training(obj["training"]),
        "dataset": read_spec(obj["dataset"]),
        "meta": read_json(meta, "meta"),
        "base_dir": _read_base_dir(base_dir),
        "given": frozenset(key for key in ("initializer", "meta") if key in obj),
    }


class _Whole(NamedTuple):
    """The parts the rules across a design look at."""

    inputs: int
    layers: tuple[LayerSpec, ...]
    loss: str
    dataset: DatasetSpec

    @property
    def outputs(self) -> int:
        return self.layers[-1].units

    @property
    def n_params(self) -> int:
        return count_params(self.inputs, [layer.units for layer in self.layers])


def check_design(
    inputs: int, layers: tuple[LayerSpec, ...], loss: str, dataset: DatasetSpec
) -> None:
    """The rules that tie parts together: network size, output layer, loss and data."""
    whole = _Whole(inputs, tuple(layers), loss, dataset)
    _check_network(whole)
    _check_data(whole)


def _check_version(version: Any) -> None:
    if not is_integer(version) or version != VERSION:
        fail("version", f"unsupported version {show(version)} (this nnviz reads version {VERSION})")


def _read_base_dir(base_dir: Any) -> Path | None:
    if base_dir is None:
        return None
    try:
        return Path(base_dir)
    except TypeError:
        fail("base_dir", f"must be a folder path (got {show(base_dir)})")


def _read_layers(value: Any) -> tuple[LayerSpec, ...]:
    items = read_list(value, "layers")
    if not 1 <= len(items) <= MAX_LAYERS:
        fail("layers", f"must hold from 1 to {MAX_LAYERS} layers (got {len(items)})")
    layers = []
    for i, item in enumerate(items):
        where = f"layers[{i}]"
        obj = read_object(item, where)
        check_keys(obj, where, required=("units", "activation"))
        units = read_int(obj["units"], f"{where}.units", 1, MAX_UNITS)
        activation = read_choice(
            obj["activation"], f"{where}.activation", "activation", ACTIVATIONS.names()
        )
        layers.append(LayerSpec(units, activation))
    return tuple(layers)


def _read_optimizer(value: Any) -> OptimizerSpec:
    obj = read_object(value, "optimizer")
    name = _read_named(obj, "optimizer", "optimizer", OPTIMIZERS.names())
    _check_params(obj, "optimizer", name, OPTIMIZERS.get(name).defaults)
    params = {
        key: _read_param(HYPER_PARAMETERS[key], value, f"optimizer.{key}")
        for key, value in obj.items()
        if key != "name"
    }
    problems = check_optimizer_params(name, params)  # rules across parameters (nesterov)
    if problems:
        raise DesignError(problems[0])
    return OptimizerSpec(name, params)


def _read_param(param: Any, value: Any, where: str) -> Any:
    """A hyper-parameter by its registry description (`optimizers.Param`): kind and range.

    Whole-number parameters count epochs (schedules), so they share the epoch limit.
    """
    if param.kind == "bool":
        return read_bool(value, where)
    if param.kind == "int":
        hi = MAX_EPOCHS if param.hi is None else int(param.hi)
        return read_int(value, where, int(param.lo), hi)
    return read_number(value, where, param.lo, param.hi, param.lo_open, param.hi_open)


def _read_named(obj: Mapping[Any, Any], where: str, kind: str, names: Collection[str]) -> str:
    """The `name` of an object whose other keys depend on it (optimizer, schedule)."""
    if "name" not in obj:
        fail(f"{where}.name", "required key is missing")
    return read_choice(obj["name"], f"{where}.name", kind, names)


def _check_params(
    obj: Mapping[Any, Any],
    where: str,
    name: str,
    valid: Collection[str],
    required: Collection[str] = (),
) -> None:
    """Hyper-parameters depend on the chosen name; the message lists that name's own."""
    for key in obj:
        if key != "name" and key not in valid:
            fail(at(where, key), f"not a parameter of {name} (valid: {', '.join(valid) or 'none'})")
    for key in required:
        if key not in obj:
            fail(at(where, key), f"required key is missing (a parameter of {name})")


def _read_regularization(value: Any) -> RegularizationSpec | None:
    if value is None:
        return None
    obj = read_object(value, "regularization")
    check_keys(obj, "regularization", required=("kind", "rate"))
    kind = read_choice(obj["kind"], "regularization.kind", "regularization", REGULARIZERS.names())
    rate = read_number(obj["rate"], "regularization.rate", lo=0)
    return RegularizationSpec(kind, rate)


def _read_training(value: Any) -> TrainingSpec:
    obj = read_object(value, "training")
    check_keys(
        obj,
        "training",
        required=("batch_size", "epochs"),
        optional=("seed", "dtype", "schedule", "target_loss", "early_stopping"),
    )
    target = obj.get("target_loss")
    stopping = obj.get("early_stopping")
    return TrainingSpec(
        batch_size=read_int(obj["batch_size"], "training.batch_size", 1, MAX_BATCH_SIZE),
        epochs=read_int(obj["epochs"], "training.epochs", 1, MAX_EPOCHS),
        seed=read_int(obj.get("seed", 0), "training.seed", 0, MAX_SEED),
        dtype=read_choice(obj.get("dtype", "float64"), "training.dtype", "dtype", DTYPES),
        schedule=_read_schedule(obj.get("schedule")),
        target_loss=None if target is None else read_number(target, "training.target_loss", 0),
        early_stopping=None if stopping is None else _read_early_stopping(stopping),
        given=frozenset(obj),
    )


def _read_schedule(value: Any) -> ScheduleSpec | None:
    if value is None:
        return None
    where = "training.schedule"
    obj = read_object(value, where)
    name = _read_named(obj, where, "schedule", SCHEDULES.names())
    entry = SCHEDULES.get(name)
    _check_params(obj, where, name, entry.params, entry.required)
    params = {
        key: _read_param(entry.params[key], value, f"{where}.{key}")
        for key, value in obj.items()
        if key != "name"
    }
    return ScheduleSpec(name, params)


def _read_early_stopping(value: Any) -> EarlyStopping:
    where = "training.early_stopping"
    obj = read_object(value, where)
    check_keys(obj, where, required=("patience",), optional=("min_delta",))
    return EarlyStopping(
        patience=read_int(obj["patience"], f"{where}.patience", 1, MAX_EPOCHS),
        min_delta=read_number(obj.get("min_delta", 0.0), f"{where}.min_delta", lo=0),
        given=frozenset(obj),
    )


def _check_network(design: _Whole) -> None:
    n_params = design.n_params
    if n_params > MAX_PARAMS:
        fail("layers", f"the network would have {n_params:,} parameters (limit {MAX_PARAMS:,})")
    last = len(design.layers) - 1
    for i, layer in enumerate(design.layers[:-1]):
        if ACTIVATIONS.get(layer.activation).output_only:
            fail(f"layers[{i}].activation", f"{layer.activation} is only allowed in the last layer")
    output = design.layers[-1]
    if ACTIVATIONS.get(output.activation).output_only and output.units < 2:
        # it spreads one answer over the layer's units, and one unit would always say 1
        fail(f"layers[{last}].units", f"a {output.activation} layer needs at least 2 units (got 1)")
    needed = LOSSES.get(design.loss).requires_output
    if needed is not None and output.activation != needed:
        fail(
            "loss",
            f"{design.loss} needs a {needed} output layer "
            f"(layers[{last}] uses {output.activation})",
        )


def _check_data(design: _Whole) -> None:
    """What can be known about the data without generating or reading it."""
    spec = design.dataset
    count = datasets.feature_count(spec)
    if count is not None and count != design.inputs:
        about = f" with features ({', '.join(spec.features)})" if spec.features else ""
        fail(
            "inputs",
            f"the dataset {spec.name!r}{about} gives {count} inputs, the design has "
            f"{design.inputs}",
        )
    task = datasets.task_of(spec)
    if task == "regression":
        if LOSSES.get(design.loss).needs_classes:
            fail("loss", f"{design.loss} needs class labels, but {spec.name!r} is a regression set")
        if datasets.is_plane(spec.name) and design.outputs != 1:
            fail(
                f"layers[{len(design.layers) - 1}].units",
                f"{spec.name!r} has one target value, so the output layer needs 1 unit "
                f"(got {design.outputs})",
            )
    classes = datasets.class_count(spec)
    if task == "classification" and classes is not None:
        _check_classes(design, classes)


def _check_classes(design: _Whole, classes: int) -> None:
    outputs = design.outputs
    where = f"layers[{len(design.layers) - 1}].units"
    name = design.dataset.name
    if LOSSES.get(design.loss).takes_labels and outputs != classes:
        fail(where, f"{design.loss} needs one output unit per class ({name!r} has {classes})")
    if outputs > classes:
        fail(where, f"{outputs} output units but {name!r} has only {classes} classes")
    if outputs == 1 and classes != 2:
        fail(where, f"one output unit fits only two classes; {name!r} has {classes}")
    if 1 < outputs < classes:
        fail(
            where,
            f"{outputs} output units but {name!r} has {classes} classes "
            f"(use {classes} units, or 1 unit for two classes)",
        )
