"""Keeping an edited design trainable: checks and the automatic follow-ups of an edit.

The rules themselves live in the engine (`Design.from_dict`, `make_targets`); this module only
asks them. When the person switches the dataset or the loss, the input layer follows the data
and the output layer is reshaped to the first sensible shape the engine accepts, so one click
never leaves the window with a design that cannot train.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nnviz.core.datasets import Dataset, class_count, feature_count, task_of
from nnviz.core.design import Design, DesignError
from nnviz.core.specs import DatasetSpec, LayerSpec
from nnviz.core.targets import make_targets


@dataclass(frozen=True)
class DataShape:
    """What the network's two ends must match: feature count, task, classes, target columns."""

    task: str  # "classification" | "regression"
    features: int
    classes: int | None = None
    targets: int = 1  # target columns of a regression set

    @classmethod
    def of(cls, data: Dataset) -> DataShape:
        targets = 1 if data.y_train.ndim == 1 else int(data.y_train.shape[1])
        return cls(data.task, data.n_features, data.classes, targets)

    @classmethod
    def known(cls, spec: DatasetSpec) -> DataShape | None:
        """The shape of a built-in set's data, known without reading it (None for files)."""
        task, features = task_of(spec), feature_count(spec)
        if task is None or features is None:
            return None
        return cls(task, features, class_count(spec))


def check(design: Design, shape: DataShape | None, base_dir: Path | None = None) -> None:
    """Raise `DesignError` unless the engine would train `design` on data of this shape."""
    Design.from_dict(design.to_dict(), base_dir=base_dir)
    if shape is None:
        return
    if shape.features != design.inputs:
        raise DesignError(
            f"inputs: the design has {design.inputs} input(s) but the dataset gives "
            f"{shape.features} feature(s)"
        )
    make_targets(design, shape.task, shape.classes, shape.targets)


def problem(design: Design, shape: DataShape | None, base_dir: Path | None = None) -> str | None:
    """The one-line reason `design` cannot train, or None."""
    try:
        check(design, shape, base_dir)
    except DesignError as error:
        return str(error)
    return None


# The output layer and loss a fresh design would use, per kind of data.
_CANONICAL = {
    "regression": ("linear", "mse"),
    "binary": ("sigmoid", "binary_cross_entropy"),
    "multiclass": ("softmax", "cross_entropy"),
}
# Activations tried, after the current one, when a loss needs a different output layer.
_OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear")


def _kind(shape: DataShape) -> str:
    if shape.task == "regression":
        return "regression"
    return "binary" if (shape.classes or 2) == 2 else "multiclass"


def _needed_units(shape: DataShape) -> tuple[int, ...]:
    if shape.task == "regression":
        return (shape.targets,)
    classes = shape.classes or 2
    return (1, classes) if classes == 2 else (classes,)


def _with_output(design: Design, units: int, activation: str, loss: str) -> Design:
    return dataclasses.replace(
        design, layers=(*design.layers[:-1], LayerSpec(units, activation)), loss=loss
    )


def _first_valid(
    candidates: Iterable[Design], shape: DataShape, base_dir: Path | None
) -> tuple[Design | None, list[str]]:
    errors = []
    for candidate in candidates:
        reason = problem(candidate, shape, base_dir)
        if reason is None:
            return candidate, errors
        errors.append(reason)
    return None, errors


def _dedupe(designs: Iterable[Design]) -> list[Design]:
    seen: list[Design] = []
    for design in designs:
        if design not in seen:
            seen.append(design)
    return seen


def adapt_to_dataset(
    design: Design, spec: DatasetSpec, shape: DataShape, base_dir: Path | None = None
) -> Design:
    """`design` moved onto the dataset `spec` (whose data has `shape`).

    The inputs always follow the data. The output layer and loss stay if they still fit;
    otherwise they become the usual choice for the task: one linear unit per target with the
    current regression loss (mse if it has none), one sigmoid unit with binary cross-entropy
    for two classes, or one softmax unit per class with cross-entropy. Raises `DesignError`
    when no output layer fits (e.g. the spec itself is wrong).
    """
    moved = dataclasses.replace(design, dataset=spec, inputs=shape.features)
    activation, loss = _CANONICAL[_kind(shape)]
    units = _needed_units(shape)
    candidates = [moved]
    if shape.task == "regression":
        candidates += [_with_output(moved, units[0], activation, moved.loss)]
    candidates += [_with_output(moved, units[0], activation, loss)]
    found, errors = _first_valid(_dedupe(candidates), shape, base_dir)
    if found is None:
        raise DesignError(errors[-1])
    return found


def adapt_to_loss(
    design: Design, loss: str, shape: DataShape | None, base_dir: Path | None = None
) -> Design:
    """`design` with `loss`, its output layer reshaped if the loss needs it.

    Keeps the output layer when it fits; otherwise tries the current activation, then softmax,
    sigmoid and linear, with the unit counts the data allows. Raises `DesignError` with the
    most telling reason when no output layer works (e.g. a class loss on a regression set).
    """
    output = design.layers[-1]
    # 2 last: the smallest softmax, so a refusal names the data, not the layer shape
    unit_options = [output.units, *(_needed_units(shape) if shape else ()), 2]
    activations = [output.activation, *_OUTPUT_ACTIVATIONS]
    candidates = _dedupe(
        _with_output(design, units, activation, loss)
        for activation in activations
        for units in unit_options
    )
    found, errors = _first_valid(candidates, shape, base_dir)
    if found is None:
        about_data = [e for e in errors if "dataset" in e or f"'{design.dataset.name}'" in e]
        raise DesignError((about_data or errors)[0])
    return found


def output_change(old: Design, new: Design) -> str | None:
    """In plain words, how an edit reshaped the output layer (None if it did not)."""
    before, after = old.layers[-1], new.layers[-1]
    if before == after:
        return None

    def layer(spec: LayerSpec) -> str:
        return f"{spec.units} {spec.activation} unit{'' if spec.units == 1 else 's'}"

    return (
        f"The output layer changed from {layer(before)} to {layer(after)}: {new.loss} needs "
        f"that. Edit › Undo (Ctrl+Z) puts both back."
    )


def output_unit_choices(
    design: Design, shape: DataShape | None, base_dir: Path | None = None
) -> tuple[int, ...]:
    """Unit counts of the output layer the engine accepts with everything else unchanged."""
    output = design.layers[-1]
    options = sorted({1, 2, output.units, *(_needed_units(shape) if shape else ())})
    return tuple(
        units
        for units in options
        if problem(_with_output(design, units, output.activation, design.loss), shape, base_dir)
        is None
    )
