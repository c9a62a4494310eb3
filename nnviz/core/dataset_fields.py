"""Every field a dataset spec may carry: how it is read, and which datasets it applies to.

This is the one place dataset fields are checked: `datasets.read_spec` runs these entries for
a design file, for a plain mapping given to `make_dataset`, and for a `DatasetSpec` built in
code. A new field is one `DatasetField` here and one attribute on `specs.DatasetSpec` (same
name, its default there); its reader raises `DesignError` naming `where`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnviz.core.features import FEATURES
from nnviz.core.registry import Registry
from nnviz.core.specs import MAX_NAME, MAX_PATH, MAX_SAMPLES, MAX_SEED, TASKS
from nnviz.core.validation import (
    fail,
    read_bool,
    read_choice,
    read_int,
    read_list,
    read_number,
    read_str,
    show,
)

MAX_PLANE_CLASSES = 10  # arms of a spiral, clusters of blobs


def _always(kind: Any) -> bool:
    return True


def _never(kind: Any) -> bool:
    return False


def _is_file(kind: Any) -> bool:
    return kind.file_format is not None


@dataclass(frozen=True)
class DatasetField:
    """One key of the `dataset` object.

    `read` turns the given JSON value into the checked one (null never reaches it for a field
    whose default is None: null means "the default"). `applies` and `required` get the chosen
    dataset's `datasets.DatasetKind`: a field that does not apply must keep its default, a
    required one must be given.
    """

    read: Callable[[Any, str], Any]
    applies: Callable[[Any], bool] = _always
    required: Callable[[Any], bool] = _never


def _read_features(value: Any, where: str) -> tuple[str, ...]:
    items = read_list(value, where)
    names = FEATURES.names()
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


DATASET_FIELDS: Registry[DatasetField] = Registry("dataset field")
for _name, _field, _description in (
    (
        "samples",
        DatasetField(lambda v, w: read_int(v, w, 1, MAX_SAMPLES)),
        "How many samples (built-in sets), or a random subset of a file's rows",
    ),
    (
        "noise",
        DatasetField(lambda v, w: read_number(v, w, 0, 0.5), lambda kind: kind.noise),
        "Label noise of the 2-D sets, 0..0.5 (TensorFlow Playground's slider / 100)",
    ),
    (
        "test_fraction",
        DatasetField(lambda v, w: read_number(v, w, 0, 1, hi_open=True)),
        "Share of the samples held out for testing (0: train on all of them)",
    ),
    (
        "seed",
        DatasetField(lambda v, w: read_int(v, w, 0, MAX_SEED)),
        "Seed of the generator, the subset and the split",
    ),
    (
        "classes",
        DatasetField(
            lambda v, w: read_int(v, w, 2, MAX_PLANE_CLASSES), lambda kind: kind.takes_classes
        ),
        "Class count of the sets that take one (spiral arms, blobs)",
    ),
    (
        "features",
        DatasetField(_read_features, lambda kind: kind.plane),
        "Input features computed from a 2-D point (default x1, x2)",
    ),
    (
        "standardize",
        DatasetField(read_bool),
        "Scale every input to mean 0 and standard deviation 1 on the training split",
    ),
    (
        "path",
        DatasetField(_read_path, _is_file, _is_file),
        "The data file, relative to the design file's folder",
    ),
    (
        "label_column",
        DatasetField(lambda v, w: read_str(v, w, MAX_NAME), lambda kind: kind.file_format == "csv"),
        "The CSV column holding the labels or targets (default: the last)",
    ),
    (
        "labels_path",
        DatasetField(
            _read_path,
            lambda kind: kind.file_format == "idx",
            lambda kind: kind.file_format == "idx",
        ),
        "The IDX labels file (path is the images)",
    ),
    (
        "task",
        DatasetField(
            lambda v, w: read_choice(v, w, "task", TASKS),
            lambda kind: kind.file_format in ("csv", "npz"),
        ),
        "classification or regression (default: decided from the file's labels)",
    ),
):
    DATASET_FIELDS.add(_name, _field, _description)
