"""What a person built: a network, its training and its data, as immutable values.

A `Design` is the single source of truth for the window, the CLI and the trainer. It is read
from a JSON file (or a dict) and checked completely before anything is allocated: a design that
cannot work is refused with one `DesignError` line naming the exact place and the rule. Designs
are frozen; edits make new objects with `dataclasses.replace`, and `Design.validated()` checks an
edited design again.

Only the keys a person wrote (or changed from their defaults) are written back, so a loaded and
saved file stays byte-for-byte the same.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import os
import stat
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from nnviz.core.atomic import write_atomic
from nnviz.core.validation import (
    DesignError,
    FrozenMap,
    at,
    check_keys,
    fail,
    freeze,
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
    thaw,
)

__all__ = [
    "DatasetSpec",
    "Design",
    "DesignError",
    "EarlyStopping",
    "LayerSpec",
    "OptimizerSpec",
    "RegularizationSpec",
    "ScheduleSpec",
    "TrainingSpec",
    "default_design",
    "dumps_design",
    "load_design",
    "save_design",
]

FORMAT = "nnviz-design"
VERSION = 1
MAX_LAYERS = 32
MAX_UNITS = 4096
MAX_INPUTS = 1_000_000
MAX_PARAMS = 10_000_000
MAX_SAMPLES = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 1_000_000
MAX_SEED = 2**32 - 1
MAX_CLASSES = 1000
MAX_NAME = 200
MAX_PATH = 4096
MAX_FILE_BYTES = 10 * 2**20
DTYPES = ("float64", "float32")
TASKS = ("classification", "regression")
FILE_DATASETS = ("csv", "npz", "idx")

_EMPTY: Mapping[str, Any] = FrozenMap()


def _given() -> Any:
    """Keys read from the file, so `to_dict` writes them back even when they equal the default."""
    return field(default=frozenset(), compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str


@dataclass(frozen=True)
class OptimizerSpec:
    name: str  # sgd | rmsprop | adagrad | adam | adamw
    params: Mapping[str, float | bool] = _EMPTY  # only the hyper-parameters the user gave

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))


@dataclass(frozen=True)
class RegularizationSpec:
    kind: str  # l1 | l2
    rate: float


@dataclass(frozen=True)
class ScheduleSpec:
    name: str  # constant | step | exponential | cosine
    params: Mapping[str, float | int] = _EMPTY

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))


@dataclass(frozen=True)
class EarlyStopping:
    patience: int  # epochs without improvement of the monitored loss
    min_delta: float = 0.0
    given: frozenset[str] = _given()


@dataclass(frozen=True)
class TrainingSpec:
    batch_size: int
    epochs: int
    seed: int = 0
    dtype: str = "float64"
    schedule: ScheduleSpec | None = None
    target_loss: float | None = None  # stop when the train loss is at or below this
    early_stopping: EarlyStopping | None = (
        None  # on the test loss (train loss without a test split)
    )
    given: frozenset[str] = _given()


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    samples: int | None = None  # None: the dataset's default (digits and files: all rows)
    noise: float = 0.0  # TensorFlow Playground's meaning, 0..0.5
    test_fraction: float = 0.2
    seed: int = 0
    classes: int | None = None  # blobs, spiral arms
    features: tuple[str, ...] | None = None  # 2-D sets only; None: (x1, x2)
    standardize: bool = False
    path: str | None = None  # csv / npz / idx, relative to the design file's folder
    label_column: str | None = None  # csv; None: the last column
    labels_path: str | None = None  # idx: the labels file
    task: str | None = None  # csv / npz: classification | regression
    source: str | None = None  # mnist / fashion_mnist: "subset" or "full"; None: the default
    given: frozenset[str] = _given()

    def __post_init__(self) -> None:
        if isinstance(self.features, list):
            object.__setattr__(self, "features", tuple(self.features))


@dataclass(frozen=True, kw_only=True)
class Design:
    name: str
    inputs: int
    layers: tuple[LayerSpec, ...]
    loss: str
    optimizer: OptimizerSpec
    initializer: str = "xavier_uniform"
    regularization: RegularizationSpec | None = None
    training: TrainingSpec
    dataset: DatasetSpec
    meta: Mapping[str, Any] = _EMPTY
    base_dir: Path | None = None  # folder of the file it came from; data paths resolve against it
    given: frozenset[str] = _given()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "meta", freeze(self.meta))
        if isinstance(self.base_dir, str):
            object.__setattr__(self, "base_dir", Path(self.base_dir))

    @property
    def outputs(self) -> int:
        return self.layers[-1].units

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.inputs, *(layer.units for layer in self.layers))

    @property
    def n_params(self) -> int:
        return _count_params(self.inputs, [layer.units for layer in self.layers])

    @classmethod
    def from_dict(cls, d: Any, base_dir: str | os.PathLike[str] | None = None) -> Design:
        """Check `d` completely and build the design; anything wrong raises `DesignError`."""
        return _read_design(d, base_dir)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: only the keys that were given or differ from their defaults."""
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "inputs": self.inputs,
            "layers": [{"units": x.units, "activation": x.activation} for x in self.layers],
            "loss": self.loss,
            "optimizer": {"name": self.optimizer.name, **thaw(self.optimizer.params)},
            "regularization": None,
            "training": _training_dict(self.training),
            "dataset": _set_fields(self.dataset, {"name": self.dataset.name}),
        }
        if self.regularization is not None:
            out["regularization"] = {
                "kind": self.regularization.kind,
                "rate": self.regularization.rate,
            }
        if "initializer" in self.given or self.initializer != "xavier_uniform":
            out["initializer"] = self.initializer
        if "meta" in self.given or self.meta:
            out["meta"] = thaw(self.meta)
        return out

    def validated(self) -> Design:
        """This design checked again, e.g. after `dataclasses.replace`; raises DesignError."""
        return _read_design(self.to_dict(), self.base_dir)


def _set_fields(spec: Any, out: dict[str, Any], skip: Collection[str] = ()) -> dict[str, Any]:
    """Add the fields of `spec` that were given or differ from their defaults (JSON-ready)."""
    for f in dataclasses.fields(spec):
        if f.name in ("given", *out, *skip):
            continue
        value = getattr(spec, f.name)
        if f.name in spec.given or value != f.default:
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _training_dict(training: TrainingSpec) -> dict[str, Any]:
    out = _set_fields(
        training,
        {"batch_size": training.batch_size, "epochs": training.epochs},
        skip=("schedule", "early_stopping"),
    )
    schedule, stopping = training.schedule, training.early_stopping
    if "schedule" in training.given or schedule is not None:
        out["schedule"] = None if schedule is None else {"name": schedule.name, **schedule.params}
    if "early_stopping" in training.given or stopping is not None:
        out["early_stopping"] = (
            None if stopping is None else _set_fields(stopping, {"patience": stopping.patience})
        )
    return out


def _count_params(inputs: int, units: list[int]) -> int:
    sizes = [inputs, *units]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


# ---------------------------------------------------------------------------------------------
# Reading and checking


@functools.cache
def _catalog() -> SimpleNamespace:
    """The registries, imported on first use: their modules import this one for DesignError."""
    from nnviz.core import (
        activations,
        datasets,
        features,
        initializers,
        losses,
        optimizers,
        regularizers,
        schedules,
    )

    return SimpleNamespace(
        activations=activations.ACTIVATIONS,
        losses=losses.LOSSES,
        initializers=initializers.INITIALIZERS,
        regularizers=regularizers.REGULARIZERS,
        optimizers=optimizers.OPTIMIZERS,
        hyper_parameters=optimizers.HYPER_PARAMETERS,
        check_optimizer_params=optimizers.check_optimizer_params,
        schedules=schedules.SCHEDULES,
        datasets=datasets.DATASETS,
        features=features.FEATURES,
        datasets_module=datasets,
    )


def _read_design(d: Any, base_dir: Any) -> Design:
    obj = read_object(d, "")
    if "format" in obj and not (isinstance(obj["format"], str) and obj["format"] == FORMAT):
        fail("format", f"must be {FORMAT!r} (got {show(obj['format'])})")
    if "version" in obj:
        _check_version(obj["version"])
    check_keys(
        obj,
        "",
        required=("name", "inputs", "layers", "loss", "optimizer", "training", "dataset"),
        optional=("format", "version", "initializer", "regularization", "meta"),
    )
    cat = _catalog()
    name = read_str(obj["name"], "name", MAX_NAME)
    inputs = read_int(obj["inputs"], "inputs", 1, MAX_INPUTS)
    layers = _read_layers(obj["layers"], cat)
    loss = read_choice(obj["loss"], "loss", "loss", cat.losses.names())
    optimizer = _read_optimizer(obj["optimizer"], cat)
    initializer = read_choice(
        obj.get("initializer", "xavier_uniform"),
        "initializer",
        "initializer",
        cat.initializers.names(),
    )
    regularization = _read_regularization(obj.get("regularization"), cat)
    training = _read_training(obj["training"], cat)
    dataset = _read_dataset(obj["dataset"], cat)
    meta = read_object(obj.get("meta", {}), "meta")
    meta = read_json(meta, "meta")
    design = Design(
        name=name,
        inputs=inputs,
        layers=layers,
        loss=loss,
        optimizer=optimizer,
        initializer=initializer,
        regularization=regularization,
        training=training,
        dataset=dataset,
        meta=meta,
        base_dir=_read_base_dir(base_dir),
        given=frozenset(key for key in ("initializer", "meta") if key in obj),
    )
    _check_network(design, cat)
    _check_data(design, cat)
    return design


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


def _read_layers(value: Any, cat: SimpleNamespace) -> tuple[LayerSpec, ...]:
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
            obj["activation"], f"{where}.activation", "activation", cat.activations.names()
        )
        layers.append(LayerSpec(units, activation))
    return tuple(layers)


def _read_optimizer(value: Any, cat: SimpleNamespace) -> OptimizerSpec:
    obj = read_object(value, "optimizer")
    name = _read_named(obj, "optimizer", "optimizer", cat.optimizers.names())
    _check_params(obj, "optimizer", name, cat.optimizers.get(name).defaults)
    params = {
        key: _read_param(cat.hyper_parameters[key], value, f"optimizer.{key}")
        for key, value in obj.items()
        if key != "name"
    }
    problems = cat.check_optimizer_params(name, params)  # rules across parameters (nesterov)
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


def _read_regularization(value: Any, cat: SimpleNamespace) -> RegularizationSpec | None:
    if value is None:
        return None
    obj = read_object(value, "regularization")
    check_keys(obj, "regularization", required=("kind", "rate"))
    kind = read_choice(
        obj["kind"], "regularization.kind", "regularization", cat.regularizers.names()
    )
    rate = read_number(obj["rate"], "regularization.rate", lo=0)
    return RegularizationSpec(kind, rate)


def _read_training(value: Any, cat: SimpleNamespace) -> TrainingSpec:
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
        schedule=_read_schedule(obj.get("schedule"), cat),
        target_loss=None if target is None else read_number(target, "training.target_loss", 0),
        early_stopping=None if stopping is None else _read_early_stopping(stopping),
        given=frozenset(obj),
    )


def _read_schedule(value: Any, cat: SimpleNamespace) -> ScheduleSpec | None:
    if value is None:
        return None
    where = "training.schedule"
    obj = read_object(value, where)
    name = _read_named(obj, where, "schedule", cat.schedules.names())
    entry = cat.schedules.get(name)
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


SOURCES = ("subset", "full")  # of mnist: the bundled images, or the downloaded set

_DATASET_KEYS = (
    "samples",
    "noise",
    "test_fraction",
    "seed",
    "classes",
    "features",
    "standardize",
    "path",
    "label_column",
    "labels_path",
    "task",
    "source",
)


_NULLABLE = tuple(f.name for f in dataclasses.fields(DatasetSpec) if f.default is None)


def _read_dataset(value: Any, cat: SimpleNamespace) -> DatasetSpec:
    obj = read_object(value, "dataset")
    check_keys(obj, "dataset", required=("name",), optional=_DATASET_KEYS)
    name = read_choice(obj["name"], "dataset.name", "dataset", cat.datasets.names())
    values: dict[str, Any] = {}
    for key in _DATASET_KEYS:
        if key in obj and (obj[key] is not None or key not in _NULLABLE):
            values[key] = _DATASET_READERS[key](obj[key], f"dataset.{key}", cat)
    spec = DatasetSpec(name=name, **values, given=frozenset(obj) - {"name"})
    cat.datasets_module.check_spec(spec)  # which keys each dataset takes; paths where needed
    return spec


def _read_features(value: Any, where: str, cat: SimpleNamespace) -> tuple[str, ...]:
    items = read_list(value, where)
    names = cat.features.names()
    if not 1 <= len(items) <= len(names):
        fail(where, f"must list from 1 to {len(names)} features (got {len(items)})")
    seen: list[str] = []
    for i, item in enumerate(items):
        feature = read_choice(item, f"{where}[{i}]", "feature", names)
        if feature in seen:
            fail(f"{where}[{i}]", f"{feature!r} is listed twice")
        seen.append(feature)
    return tuple(seen)


def _read_path(value: Any, where: str) -> str:
    path = read_str(value, where, MAX_PATH)
    if not path.strip() or "\0" in path:
        fail(where, f"must be a file path (got {show(path)})")
    return path


_DATASET_READERS: dict[str, Callable[[Any, str, SimpleNamespace], Any]] = {
    "samples": lambda v, w, _: read_int(v, w, 1, MAX_SAMPLES),
    "noise": lambda v, w, _: read_number(v, w, 0, 0.5),
    "test_fraction": lambda v, w, _: read_number(v, w, 0, 1, hi_open=True),
    "seed": lambda v, w, _: read_int(v, w, 0, MAX_SEED),
    "classes": lambda v, w, _: read_int(v, w, 2, MAX_CLASSES),
    "features": _read_features,
    "standardize": lambda v, w, _: read_bool(v, w),
    "path": lambda v, w, _: _read_path(v, w),
    "label_column": lambda v, w, _: read_str(v, w, MAX_NAME),
    "labels_path": lambda v, w, _: _read_path(v, w),
    "task": lambda v, w, _: read_choice(v, w, "task", TASKS),
    "source": lambda v, w, _: read_choice(v, w, "source", SOURCES),
}


def _check_network(design: Design, cat: SimpleNamespace) -> None:
    n_params = design.n_params
    if n_params > MAX_PARAMS:
        fail("layers", f"the network would have {n_params:,} parameters (limit {MAX_PARAMS:,})")
    last = len(design.layers) - 1
    for i, layer in enumerate(design.layers[:-1]):
        if cat.activations.get(layer.activation).output_only:
            fail(f"layers[{i}].activation", f"{layer.activation} is only allowed in the last layer")
    output = design.layers[-1]
    if cat.activations.get(output.activation).output_only and output.units < 2:
        # it spreads one answer over the layer's units, and one unit would always say 1
        fail(f"layers[{last}].units", f"a {output.activation} layer needs at least 2 units (got 1)")
    needed = cat.losses.get(design.loss).requires_output
    if needed is not None and output.activation != needed:
        fail(
            "loss",
            f"{design.loss} needs a {needed} output layer "
            f"(layers[{last}] uses {output.activation})",
        )


def _check_data(design: Design, cat: SimpleNamespace) -> None:
    """What can be known about the data without generating or reading it."""
    spec = design.dataset
    info = cat.datasets_module
    count = info.feature_count(spec)
    if count is not None and count != design.inputs:
        about = f" with features ({', '.join(spec.features)})" if spec.features else ""
        fail(
            "inputs",
            f"the dataset {spec.name!r}{about} gives {count} inputs, the design has "
            f"{design.inputs}",
        )
    task = info.task_of(spec)
    if task == "regression":
        if cat.losses.get(design.loss).needs_classes:
            fail("loss", f"{design.loss} needs class labels, but {spec.name!r} is a regression set")
        if info.is_plane(spec.name) and design.outputs != 1:
            fail(
                f"layers[{len(design.layers) - 1}].units",
                f"{spec.name!r} has one target value, so the output layer needs 1 unit "
                f"(got {design.outputs})",
            )
    classes = info.class_count(spec)
    if task == "classification" and classes is not None:
        _check_classes(design, classes, cat)


def _check_classes(design: Design, classes: int, cat: SimpleNamespace) -> None:
    outputs = design.outputs
    where = f"layers[{len(design.layers) - 1}].units"
    name = design.dataset.name
    if cat.losses.get(design.loss).takes_labels and outputs != classes:
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


# ---------------------------------------------------------------------------------------------
# Files


def _display(path: Path) -> str:
    text = str(path)
    return text if text.isprintable() else repr(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(f"key {show(key)} appears twice in one object")
        out[key] = value
    return out


def _read_text(path: Path) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        fail("", "file not found")
    except OSError as error:
        fail("", f"cannot read the file ({error.strerror or error})")
    if stat.S_ISDIR(info.st_mode):
        fail("", "is a folder, not a design file")
    if not stat.S_ISREG(info.st_mode):
        fail("", "is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        fail("", f"file is too large ({info.st_size:,} bytes; limit {MAX_FILE_BYTES:,})")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        fail("", "cannot read the file (permission denied)")
    except OSError as error:
        fail("", f"cannot read the file ({error.strerror or error})")
    if len(data) > MAX_FILE_BYTES:
        fail("", f"file is too large (limit {MAX_FILE_BYTES:,} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail("", f"not UTF-8 text (invalid byte 0x{data[error.start]:02x} at offset {error.start})")
    if not text.strip():
        fail("", "file is empty")
    return text


def parse_json(text: str) -> Any:
    """Strict JSON as every nnviz file uses it: no NaN/Infinity, no repeated keys; any problem
    is a one-line DesignError saying where."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        fail(f"line {error.lineno} column {error.colno}", f"malformed JSON ({error.msg})")
    except RecursionError:
        fail("", "JSON nested too deeply")
    except ValueError as error:
        fail("", f"{error}".splitlines()[0] if str(error) else "invalid JSON")


def load_design(path: str | os.PathLike[str]) -> Design:
    """Read and check a design file; every problem raises '<path>: <where>: <problem>'."""
    path = Path(path)
    try:
        obj = parse_json(_read_text(path))
        if isinstance(obj, dict):
            if "format" not in obj:
                fail("format", f"required key is missing (expected {FORMAT!r})")
            if "version" not in obj:
                fail("version", f"required key is missing (expected {VERSION})")
        return Design.from_dict(obj, base_dir=path.absolute().parent)
    except DesignError as error:
        raise DesignError(f"{_display(path)}: {error}") from None


def dumps_design(design: Design) -> str:
    """The canonical text of a design: sorted keys, two-space indent, UTF-8, final newline."""
    text = json.dumps(
        design.to_dict(), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


def save_design(design: Design, path: str | os.PathLike[str]) -> None:
    """Check the design, then write it atomically: the old file stays whole if anything fails.

    Relative data paths are rewritten for the new folder, so "Save As" elsewhere (or a copy in
    an output folder) still finds the user's data files.
    """
    path = Path(path)
    moved = relocated(design, path.absolute().parent)
    write_atomic(path, dumps_design(moved.validated()).encode("utf-8"))


def relocated(design: Design, folder: Path) -> Design:
    """`design` with relative data paths pointing at the same files from `folder`."""
    spec = design.dataset
    if design.base_dir is None or Path(design.base_dir).absolute() == folder.absolute():
        return design
    changes = {}
    for key in ("path", "labels_path"):
        value = getattr(spec, key)
        if value is not None and not Path(value).is_absolute():
            target = Path(design.base_dir).absolute() / value
            changes[key] = Path(os.path.relpath(target, folder.absolute())).as_posix()
    if not changes:
        return design
    return dataclasses.replace(design, dataset=dataclasses.replace(spec, **changes))


def _live_view(design: Design) -> Design:
    """The design with every field a running trainer can absorb without a restart blanked out
    (the learning rate, the epoch budget, the name and `meta`)."""
    params = {k: v for k, v in design.optimizer.params.items() if k != "learning_rate"}
    return dataclasses.replace(
        design,
        name="",
        meta={},
        optimizer=dataclasses.replace(design.optimizer, params=params),
        training=dataclasses.replace(design.training, epochs=0),
    )


def needs_reset(old: Design, new: Design) -> bool:
    """True when going from `old` to `new` invalidates the running network and its data.

    The learning rate, the epoch budget, the name and `meta` can change while training runs;
    anything else (structure, data, loss, other optimizer settings, initializer, regularization,
    batch size, seed, dtype, schedule, stop conditions) means building a fresh trainer.
    """
    return _live_view(old) != _live_view(new)


def default_design() -> Design:
    """The built-in example a new window starts with."""
    from nnviz.core.resources import resource_path

    return load_design(resource_path("examples", "spiral.json"))
