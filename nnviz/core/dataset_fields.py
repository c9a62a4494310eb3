"""Every field a dataset spec may carry: how it is read, and which datasets it applies to.

This is the one place dataset fields are checked: `datasets.read_spec` runs these entries for
a design file, for a plain mapping given to `make_dataset`, and for a `DatasetSpec` built in
code. A new field is one `DatasetField` here and one attribute on `specs.DatasetSpec` (same
name, its default there); its reader raises `DesignError` naming `where`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnviz.core.csv_table import MAX_COLUMNS
from nnviz.core.features import FEATURES
from nnviz.core.image_folder import MAX_SIDE
from nnviz.core.registry import Registry
from nnviz.core.specs import MAX_NAME, MAX_PATH, MAX_SAMPLES, MAX_SEED, SOURCES, TASKS
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

MAX_PLANE_CLASSES = 10


def _always(kind: Any) -> bool:
    return True


def _never(kind: Any) -> bool:
    return False


def _is_file(kind: Any) -> bool:
    return kind.file_format is not None


def _is_csv(kind: Any) -> bool:
    return kind.file_format == "csv"


def _is_image_folder(kind: Any) -> bool:
    return kind.file_format == "image_folder"


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


def _read_column(value: Any, where: str) -> str | int:
    """A column name, or a position counted from 1 (negative: from the last)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0 or abs(value) > MAX_COLUMNS:
            fail(where, f"a position counts from 1 (or from -1 for the last), got {value}")
        return value
    if not isinstance(value, str) or not value.strip():
        fail(where, f"must be a column name or a position such as 1 or -1 (got {show(value)})")
    return read_str(value, where, MAX_NAME)


def column_from_text(text: str) -> str | int | None:
    """The label column a person typed in a text field: a whole number is a position (as in a
    design file), anything else a name, nothing the default (the last column)."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    return text or None


def _read_size(value: Any, where: str) -> tuple[int, int]:
    items = read_list(value, where)
    if len(items) != 2:
        fail(where, f"must be [height, width] (got {show(value)})")
    return (
        read_int(items[0], f"{where}[0]", 1, MAX_SIDE),
        read_int(items[1], f"{where}[1]", 1, MAX_SIDE),
    )


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
        "The data file (a folder for image_folder), relative to the design file's folder",
    ),
    (
        "label_column",
        DatasetField(_read_column, _is_csv),
        "The CSV column holding the labels: a name, or a position (1 the first, -1 the last)",
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
    (
        "source",
        DatasetField(lambda v, w: read_choice(v, w, "source", SOURCES), lambda kind: kind.sources),
        "mnist: the bundled 5,000-image subset or the full, downloaded set",
    ),
    (
        "header",
        DatasetField(read_bool, _is_csv),
        "Whether a CSV file's first row names the columns (default: detected)",
    ),
    (
        "size",
        DatasetField(_read_size, _is_image_folder),
        "The [height, width] every picture of an image folder is resized to (default 28×28)",
    ),
    (
        "grayscale",
        DatasetField(read_bool, _is_image_folder),
        "One grey value per pixel (true, the default) or red, green and blue (false)",
    ),
    (
        "skip_unreadable",
        DatasetField(read_bool, _is_image_folder),
        "Leave out pictures that cannot be decoded instead of refusing the folder",
    ),
):
    DATASET_FIELDS.add(_name, _field, _description)
