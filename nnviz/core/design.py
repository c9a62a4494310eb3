"""What a person built: a network, its training and its data, as one immutable value.

A `Design` is the single source of truth for the window, the CLI and the trainer. It is read
from a JSON file (or a dict) and checked completely before anything is allocated: a design that
cannot work is refused with one `DesignError` line naming the exact place and the rule. Designs
are frozen; edits make new objects with `dataclasses.replace`, and `Design.validated()` checks an
edited design again.

The parts it is made of are in `specs.py`, the reading and checking in `schema.py`; this module
holds the design itself and its files. Only the keys a person wrote (or changed from their
defaults) are written back, so a loaded and saved file stays byte-for-byte the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnviz.core.atomic import write_atomic
from nnviz.core.json_files import display, parse_json, read_text
from nnviz.core.schema import check_design, read_design
from nnviz.core.specs import (
    EMPTY,
    FORMAT,
    MAX_FILE_BYTES,
    VERSION,
    DatasetSpec,
    LayerSpec,
    OptimizerSpec,
    RegularizationSpec,
    TrainingSpec,
    count_params,
    given_keys,
)
from nnviz.core.validation import DesignError, fail, freeze, thaw

__all__ = [
    "Design",
    "DesignError",
    "default_design",
    "dumps_design",
    "load_design",
    "needs_reset",
    "relocated",
    "save_design",
]


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
    meta: Mapping[str, Any] = EMPTY
    base_dir: Path | None = None  # folder of the file it came from; data paths resolve against it
    given: frozenset[str] = given_keys()

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
        return count_params(self.inputs, [layer.units for layer in self.layers])

    @classmethod
    def from_dict(cls, d: Any, base_dir: str | os.PathLike[str] | None = None) -> Design:
        """Check `d` completely and build the design; anything wrong raises `DesignError`."""
        design = cls(**read_design(d, base_dir))
        check_design(design.inputs, design.layers, design.loss, design.dataset)
        return design

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
        return Design.from_dict(self.to_dict(), self.base_dir)


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


# ---------------------------------------------------------------------------------------------
# Files


def load_design(path: str | os.PathLike[str]) -> Design:
    """Read and check a design file; every problem raises '<path>: <where>: <problem>'."""
    path = Path(path)
    try:
        obj = parse_json(read_text(path, MAX_FILE_BYTES, "a design file"))
        if isinstance(obj, dict):
            if "format" not in obj:
                fail("format", f"required key is missing (expected {FORMAT!r})")
            if "version" not in obj:
                fail("version", f"required key is missing (expected {VERSION})")
        return Design.from_dict(obj, base_dir=path.absolute().parent)
    except DesignError as error:
        raise DesignError(f"{display(path)}: {error}") from None


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
