"""Session files (`.nnviz`): a training run saved so that it resumes exactly where it stopped.

A session is a zip archive (deflated) of plain, documented members, so it can be opened and
read with ordinary tools and carried to another machine:

- `design.json`: the design as the user has it, canonical as `save_design` writes it (live
  edits of the learning rate or epoch budget included);
- `weights.npz`: `W0, b0, W1, b1, …` as `save_weights` writes them;
- `optimizer.npz`: the optimizer's `state_dict` (`steps`, `learning_rate`, `0.<buffer>`);
- `trainer.npz`: `order`, the current epoch's shuffle of the training samples, and (optional)
  `step_params` and `last_rows`, the weights and batch rows of the last step's pass, so the
  reopened run shows that step's numbers (`step_view.py`);
- `trainer.json`: format marker, version, counters, stop-condition state, the learning
  rate's live scale and the base rate and epochs its schedule was built from (both optional,
  for files written before they were kept), the random generator's state (exact integers)
  and the histories' record counts;
- `history.csv`, `step_history.csv`: the epoch and step records;
- `thumbnail.png` (optional): a picture for file browsers and recent-file lists;
- `runs.json`, `runs.npz` (optional, together): the session's other runs for comparison
  (`RunList.to_files`: designs, names, colours, visibility, and their histories as arrays).

Loading trusts nothing: no pickle, bounded reads (a member may not inflate past what the
design calls for), every array's shape, kind and finiteness checked against the design, every
JSON value's type and range checked, all before a `Trainer` is built; the first problem is
one `SessionError` line naming the file and the member. Saving is atomic.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from nnviz.core.atomic import write_atomic
from nnviz.core.checkpoint import STATES
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError, dumps_design, needs_reset
from nnviz.core.errors import first_line
from nnviz.core.history import DEFAULT_CAPACITY, History
from nnviz.core.json_files import display, parse_json
from nnviz.core.metrics import layer_columns
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.runs import RunList
from nnviz.core.specs import MAX_EPOCHS, MAX_FILE_BYTES, MAX_SAMPLES, MAX_SEED
from nnviz.core.trainer import STOP_REASONS, Trainer
from nnviz.core.weights_io import (
    ENCRYPTED,
    ArraySpec,
    npz_bytes,
    read_npz,
    weight_arrays,
    weight_specs,
)

SESSION_SUFFIX = ".nnviz"
LAST_STEP_ARRAYS = ("step_params", "last_rows")  # optional in trainer.npz
FORMAT = "nnviz-session"
VERSION = 1
MAX_SESSION_BYTES = 2**30
MAX_JSON_BYTES = 2**20
MAX_CSV_BYTES = 64 * 2**20
MAX_CELL_CHARS = 32  # a float64 as `repr` writes it (at most 24 characters), a comma, a CR LF
MAX_THUMBNAIL_BYTES = 16 * 2**20
MAX_MESSAGE = 10_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STEP_COLUMNS = ("step", "epoch", "batch_loss")
_HEAD = ("epoch", "step", "train_loss", "test_loss")
OPTIONAL_MEMBERS = ("thumbnail.png", "runs.json", "runs.npz")
MEMBERS = (
    "design.json",
    "trainer.json",
    "weights.npz",
    "optimizer.npz",
    "trainer.npz",
    "history.csv",
    "step_history.csv",
    *OPTIONAL_MEMBERS,
)
# Which member holds the field a `Trainer.load_state_dict` message starts with.
FIELD_MEMBERS = {
    "order": "trainer.npz",
    "step_params": "trainer.npz",
    "last_rows": "trainer.npz",
    "optimizer": "optimizer.npz",
    "history": "history.csv",
    "step_history": "step_history.csv",
}


class SessionError(DesignError):
    """One line: '<file>: <member>: <problem>'."""


@dataclass(frozen=True)
class Session:
    """A checked session file: its design and thumbnail, and the state `restore` applies."""

    design: Design
    thumbnail: bytes | None = field(default=None, repr=False)
    state: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    label: str = "session"
    runs: RunList | None = field(default=None, repr=False, compare=False)

    def restore(self, data: Dataset | None = None) -> Trainer:
        """A new Trainer in exactly the saved state (on `data`, or the design's dataset)."""
        try:
            trainer = Trainer(self.design, data, seed=self.state["seed"])
        except DesignError as error:
            raise SessionError(f"{self.label}: design.json: {error}") from None
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise SessionError(
                f"{self.label}: design.json: cannot read the dataset ({where}"
                f"{error.strerror or error})"
            ) from None
        try:
            trainer.load_state_dict(self.state)
        except ValueError as error:
            text = str(error)
            member = FIELD_MEMBERS.get(text.split(":")[0], "trainer.json")
            raise SessionError(f"{self.label}: {member}: {text}") from None
        return trainer


# ---------------------------------------------------------------------------------- saving


def save_session(
    path: str | os.PathLike[str],
    trainer: Trainer,
    thumbnail_png: bytes | None = None,
    design: Design | None = None,
    runs: RunList | None = None,
) -> None:
    """Write `trainer`'s whole state to `path` atomically (call from the training thread),
    with the session's `runs` when given.

    `design` is the design as the user has it now, so that a reopened session shows the
    values last chosen for what a run absorbs live (learning rate, epoch budget, name, meta).
    A design that differs in anything else is not this run's: the run's own is written then.
    """
    label = display(path)
    if design is None or needs_reset(trainer.design, design):
        design = trainer.design
    state = trainer.state_dict()
    weights = weight_arrays((state["weights"], state["biases"]))
    optimizer = state["optimizer"]
    for member, arrays in (("weights.npz", weights), ("optimizer.npz", optimizer)):
        for name, value in arrays.items():
            if not np.all(np.isfinite(value)):
                raise SessionError(
                    f"{label}: cannot save {member}: {name} holds NaN or infinite values "
                    "(the training diverged)"
                )
    if thumbnail_png is not None and not thumbnail_png.startswith(PNG_SIGNATURE):
        raise SessionError(f"{label}: thumbnail.png: not PNG data")
    members: dict[str, bytes] = {
        "design.json": dumps_design(design).encode("utf-8"),
        "trainer.json": _trainer_json(state).encode("utf-8"),
        "weights.npz": npz_bytes(weights),
        "optimizer.npz": npz_bytes(optimizer),
        "trainer.npz": npz_bytes(
            {key: state[key] for key in ("order", *LAST_STEP_ARRAYS) if state.get(key) is not None}
        ),
        "history.csv": _csv(trainer.history),
        "step_history.csv": _csv(trainer.step_history),
    }
    if thumbnail_png is not None:
        members["thumbnail.png"] = bytes(thumbnail_png)
    if runs is not None:
        meta, arrays = runs.to_files()
        members["runs.json"] = json.dumps(meta, sort_keys=True, allow_nan=False).encode("utf-8")
        members["runs.npz"] = npz_bytes(arrays)

    def write(stream) -> None:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    write_atomic(path, write)


def _csv(history: History) -> bytes:
    text = io.StringIO(newline="")
    history.write_csv(text)
    return text.getvalue().encode("utf-8")


def _trainer_json(state: Mapping[str, Any]) -> str:
    out = {"format": FORMAT, "version": VERSION}
    for key in TRAINER_FIELDS:
        if not key.endswith("_total"):
            value = state[key]
            out[key] = _encode_float(value) if isinstance(value, float) else value
    out["history_total"] = state["history"]["total"]
    out["step_history_total"] = state["step_history"]["total"]
    return json.dumps(out, sort_keys=True, indent=2, allow_nan=False) + "\n"


def _encode_float(value: float) -> float | str:
    """JSON has no NaN or infinity: those become the strings "nan", "inf", "-inf"."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


# ---------------------------------------------------------------------------------- loading


def load_session(
    path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None
) -> Session:
    """Read and check a session file completely; data paths in its design resolve against
    `base_dir` (default: the session's folder). Anything wrong raises SessionError."""
    path = Path(path)
    label = display(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SessionError(f"{label}: is not a regular file")
        if size > MAX_SESSION_BYTES:
            raise SessionError(f"{label}: file is too large ({size:,} bytes)")
        with zipfile.ZipFile(path) as archive:
            return _read_session(archive, label, base_dir or path.absolute().parent)
    except FileNotFoundError:
        raise SessionError(f"{label}: file not found") from None
    except zipfile.BadZipFile:
        raise SessionError(f"{label}: not a session file (not a zip archive)") from None
    except OSError as error:
        raise SessionError(f"{label}: cannot read the file ({error.strerror or error})") from None


def _read_session(archive: zipfile.ZipFile, label: str, base_dir: Any) -> Session:
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.filename not in MEMBERS:
            raise SessionError(f"{label}: unexpected member {info.filename!r}")
        if info.filename in infos:
            raise SessionError(f"{label}: {info.filename} appears twice")
        infos[info.filename] = info
    for name in MEMBERS:
        if name not in infos and name not in OPTIONAL_MEMBERS:
            raise SessionError(f"{label}: {name} is missing (not a complete session file)")

    def read(name: str, limit: int) -> bytes:
        return _read_member(archive, infos[name], f"{label}: {name}", limit)

    meta = _json(read("trainer.json", MAX_JSON_BYTES), f"{label}: trainer.json")
    scalars = _check_trainer_json(meta, f"{label}: trainer.json")
    design = _design(read("design.json", MAX_FILE_BYTES), f"{label}: design.json", base_dir)

    wspecs = weight_specs(design)
    weights = _npz(read, "weights.npz", label, wspecs)
    opt_specs, buffers = _optimizer_specs(design)
    optimizer = _npz(read, "optimizer.npz", label, opt_specs, optional=buffers)
    order_spec = {
        "order": ArraySpec((None,), "iu", max_length=MAX_SAMPLES),
        "step_params": ArraySpec((design.n_params,)),
        "last_rows": ArraySpec((None,), "iu", max_length=design.training.batch_size),
    }
    arrays = _npz(read, "trainer.npz", label, order_spec, optional=LAST_STEP_ARRAYS)
    order = arrays["order"]
    _check_optimizer(optimizer, buffers, f"{label}: optimizer.npz")
    try:
        OPTIMIZERS.get(design.optimizer.name).check_state(optimizer)
    except ValueError as error:
        raise SessionError(f"{label}: optimizer.npz: {error}") from None
    if not np.array_equal(np.sort(order), np.arange(len(order))):
        raise SessionError(f"{label}: trainer.npz: order is not a shuffle of the samples")

    epoch_columns = _history_columns(design)
    history = _history(
        read("history.csv", _csv_limit(epoch_columns[0])),
        f"{label}: history.csv",
        epoch_columns,
    )
    steps = _history(
        read("step_history.csv", _csv_limit(STEP_COLUMNS)),
        f"{label}: step_history.csv",
        [STEP_COLUMNS],
    )
    for name, store in (("history", history), ("step_history", steps)):
        total = scalars[f"{name}_total"]
        if total < len(store):
            raise SessionError(
                f"{label}: trainer.json: {name}_total {total} is less than the "
                f"{len(store)} rows of {name}.csv"
            )

    thumbnail = None
    if "thumbnail.png" in infos:
        thumbnail = read("thumbnail.png", MAX_THUMBNAIL_BYTES)
        if not thumbnail.startswith(PNG_SIGNATURE):
            raise SessionError(f"{label}: thumbnail.png: not a PNG image")

    runs = _runs(read, infos, label, base_dir)
    n = len(design.layers)
    state = {
        **{key: scalars[key] for key in TRAINER_FIELDS if not key.endswith("_total")},
        "order": order,
        **{key: arrays.get(key) for key in LAST_STEP_ARRAYS},
        "weights": [weights[f"W{k}"] for k in range(n)],
        "biases": [weights[f"b{k}"] for k in range(n)],
        "optimizer": {**optimizer, "steps": int(optimizer["steps"])},
        "history": {
            "names": list(history.names),
            "rows": history.rows(),
            "total": scalars["history_total"],
        },
        "step_history": {
            "names": list(steps.names),
            "rows": steps.rows(),
            "total": scalars["step_history_total"],
        },
    }
    return Session(design, thumbnail, state, label, runs)


def _runs(
    read: Callable[[str, int], bytes], infos: Mapping[str, Any], label: str, base_dir: Any
) -> RunList | None:
    """The session's runs (None in files written before runs were kept)."""
    present = [name for name in ("runs.json", "runs.npz") if name in infos]
    if not present:
        return None
    if len(present) == 1:
        missing = ({"runs.json", "runs.npz"} - set(present)).pop()
        raise SessionError(f"{label}: {missing} is missing (runs come in two members)")
    meta = _json(read("runs.json", MAX_CSV_BYTES), f"{label}: runs.json")
    count = len(meta.get("runs", ())) if isinstance(meta, dict) else 0
    spec = ArraySpec((None, None), finite=False, max_length=DEFAULT_CAPACITY)
    specs = {f"{i}.{which}": spec for i in range(count) for which in ("history", "step_history")}
    arrays = _npz(read, "runs.npz", label, specs)
    try:
        return RunList.from_files(meta, arrays, base_dir)
    except ValueError as error:
        raise SessionError(f"{label}: runs.json: {error}") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """The member's bytes, never more than `limit` of them whatever its header declares."""
    if info.file_size > limit:
        raise SessionError(f"{where}: too large ({info.file_size:,} bytes; limit {limit:,})")
    if info.flag_bits & ENCRYPTED:
        raise SessionError(f"{where}: encrypted (only plain archives are read)")
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise SessionError(f"{where}: damaged ({first_line(error)})") from None
    except (RuntimeError, NotImplementedError) as error:
        raise SessionError(f"{where}: cannot be read ({first_line(error)})") from None
    if len(data) > limit:
        raise SessionError(f"{where}: too large (more than {limit:,} bytes)")
    return data


def _npz(
    read: Callable[[str, int], bytes],
    name: str,
    label: str,
    specs: Mapping[str, ArraySpec],
    optional: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    limit = sum(spec.max_bytes for spec in specs.values()) + 2**16
    return read_npz(read(name, limit), f"{label}: {name}", specs, optional, SessionError)


def _optimizer_specs(design: Design) -> tuple[dict[str, ArraySpec], tuple[str, ...]]:
    buffers = tuple(f"0.{key}" for key in OPTIMIZERS.get(design.optimizer.name).buffers)
    specs = {"steps": ArraySpec((), "iu"), "learning_rate": ArraySpec(())}
    specs.update({key: ArraySpec((design.n_params,)) for key in buffers})
    return specs, buffers


def _check_optimizer(
    arrays: Mapping[str, np.ndarray], buffers: tuple[str, ...], where: str
) -> None:
    present = [key for key in buffers if key in arrays]
    if present and len(present) != len(buffers):
        missing = ", ".join(key for key in buffers if key not in arrays)
        raise SessionError(f"{where}: {missing} is missing")
    steps, learning_rate = int(arrays["steps"]), float(arrays["learning_rate"])
    if steps < 0:
        raise SessionError(f"{where}: steps must be at least 0 (got {steps})")
    if not learning_rate > 0:
        raise SessionError(f"{where}: learning_rate must be positive (got {learning_rate})")


def _text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SessionError(f"{where}: not UTF-8 text (invalid byte at {error.start})") from None


def _json(data: bytes, where: str) -> Any:
    text = _text(data, where)
    try:
        return parse_json(text)
    except DesignError as error:
        raise SessionError(f"{where}: {error}") from None


def _design(data: bytes, where: str, base_dir: Any) -> Design:
    obj = _json(data, where)
    if not isinstance(obj, dict) or "format" not in obj or "version" not in obj:
        raise SessionError(f"{where}: not a design (no format and version)")
    try:
        return Design.from_dict(obj, base_dir=base_dir)
    except DesignError as error:
        raise SessionError(f"{where}: {error}") from None


def _csv_limit(columns: tuple[str, ...]) -> int:
    """The most bytes a history CSV of these columns can take: its header and at most
    `DEFAULT_CAPACITY` rows of numbers, so a bigger member is refused before it is read."""
    header = sum(len(name) + 1 for name in columns)
    return min(MAX_CSV_BYTES, header + DEFAULT_CAPACITY * len(columns) * MAX_CELL_CHARS)


def _history(data: bytes, where: str, columns: list[tuple[str, ...]]) -> History:
    """The records of a history CSV whose header is one of `columns` (checked first, so a
    file cannot make us allocate a table of absurd width)."""
    text = _text(data, where)
    try:
        header = tuple(next(csv.reader(io.StringIO(text.partition("\n")[0])), ()))
        if header not in columns:
            raise SessionError(f"{where}: its columns do not fit the design")
        history = History.read_csv(io.StringIO(text, newline=""), where, DEFAULT_CAPACITY)
    except csv.Error as error:
        raise SessionError(f"{where}: malformed CSV ({first_line(error)})") from None
    except SessionError:
        raise
    except ValueError as error:
        raise SessionError(first_line(error)) from None
    if history.total > DEFAULT_CAPACITY:
        raise SessionError(f"{where}: {history.total} rows, more than {DEFAULT_CAPACITY}")
    return history


def _history_columns(design: Design) -> list[tuple[str, ...]]:
    """The epoch history's possible headers: accuracy for classification, R² for regression."""
    layers = layer_columns(len(design.layers))
    return [
        (*_HEAD, f"train_{score}", f"test_{score}", "learning_rate", *layers)
        for score in ("accuracy", "r2")
    ]


# ---------------------------------------------------------------------------------- trainer.json


def _fail(where: str, key: str, rule: str, value: Any) -> NoReturn:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise SessionError(f"{where}: {key} must be {rule} (got {shown})")


def _int(lo: int, hi: int) -> Callable[[str, str, Any], int]:
    def check(where: str, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            _fail(where, key, f"a whole number from {lo} to {hi}", value)
        return value

    return check


def _float(where: str, key: str, value: Any) -> float:
    """A number, or "nan" / "inf" / "-inf"."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(where, key, 'a number (or "nan", "inf", "-inf")', value)
    return float(value)


def _positive(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        _fail(where, key, "a positive finite number", value)
    return float(value)


def _optional(check: Callable[[str, str, Any], Any]) -> Callable[[str, str, Any], Any]:
    def optional(where: str, key: str, value: Any) -> Any:
        return None if value is None else check(where, key, value)

    return optional


def _choice(options: tuple[str, ...]) -> Callable[[str, str, Any], str]:
    def check(where: str, key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            _fail(where, key, f"one of {', '.join(options)}", value)
        return value

    return check


def _message(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_MESSAGE:
        _fail(where, key, f"text of at most {MAX_MESSAGE} characters", value)
    return value


def _bool(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        _fail(where, key, "true or false", value)
    return value


def _finite(where: str, key: str, value: Any) -> float:
    number = _float(where, key, value)
    if not math.isfinite(number):
        _fail(where, key, "a finite number", value)
    return number


_U128 = 2**128


def _rng(where: str, key: str, value: Any) -> dict[str, Any]:
    """numpy's PCG64 state: {"bit_generator": "PCG64", "state": {"state", "inc"},
    "has_uint32", "uinteger"}, exact integers."""
    rule = "numpy's PCG64 generator state"
    if not (isinstance(value, dict) and value.keys() == _RNG_KEYS):
        _fail(where, key, rule, value)
    inner = value["state"]
    words = [inner.get("state"), inner.get("inc")] if isinstance(inner, dict) else []
    valid = (
        value["bit_generator"] == "PCG64"
        and isinstance(inner, dict)
        and inner.keys() == {"state", "inc"}
        and all(isinstance(w, int) and not isinstance(w, bool) and 0 <= w < _U128 for w in words)
        and value["has_uint32"] in (0, 1)
        and not isinstance(value["has_uint32"], bool)
        and isinstance(value["uinteger"], int)
        and not isinstance(value["uinteger"], bool)
        and 0 <= value["uinteger"] < 2**32
    )
    if not valid:
        _fail(where, key, rule, value)
    try:
        np.random.PCG64().state = value
    except (ValueError, TypeError, OverflowError):
        _fail(where, key, rule, value)
    return value


_RNG_KEYS = {"bit_generator", "state", "has_uint32", "uinteger"}
_BIG = 2**62

#: Every key of trainer.json besides format and version, and how its value is checked.
TRAINER_FIELDS: dict[str, Callable[[str, str, Any], Any]] = {
    "seed": _int(0, MAX_SEED),
    "epochs": _int(1, MAX_EPOCHS),
    "step": _int(0, _BIG),
    "epoch": _int(0, _BIG),
    "batch_in_epoch": _int(0, MAX_SAMPLES),
    "state": _choice(STATES),
    "stop_reason": _optional(_choice(STOP_REASONS)),
    "message": _optional(_message),
    "halted": _bool,
    "batch_loss": _float,
    "lr_scale": _positive,
    "requested_learning_rate": _optional(_positive),
    "base_learning_rate": _optional(_positive),
    "schedule_epochs": _optional(_int(1, MAX_EPOCHS)),
    "best": _float,
    "waited": _int(0, _BIG),
    "loss_sum": _finite,
    "loss_count": _int(0, _BIG),
    "rng": _rng,
    "history_total": _int(0, _BIG),
    "step_history_total": _int(0, _BIG),
}


#: Keys a file may lack (it was written before they were kept): absent reads as null.
OPTIONAL_TRAINER_FIELDS = ("base_learning_rate", "schedule_epochs")


def _check_trainer_json(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise SessionError(f"{where}: must be a JSON object")
    if obj.get("format") != FORMAT:
        raise SessionError(f"{where}: format must be {FORMAT!r} (got {obj.get('format')!r})")
    version = obj.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise SessionError(
            f"{where}: unsupported session version {version!r} (this nnviz reads version {VERSION})"
        )
    unknown = sorted(set(obj) - set(TRAINER_FIELDS) - {"format", "version"})
    if unknown:
        raise SessionError(f"{where}: unknown key {unknown[0]!r}")
    out = {}
    for key, check in TRAINER_FIELDS.items():
        if key not in obj and key not in OPTIONAL_TRAINER_FIELDS:
            raise SessionError(f"{where}: {key} is missing")
        out[key] = check(where, key, obj.get(key))
    return out
