"""What the import preview shows about a file or folder before it becomes the design's data.

`preview_data` reads the data once with the person's choices (header, label column, task,
image size, grey or colour) and returns everything the dialog draws: the layout the CSV reader
found, the first rows or a few decoded pictures per class (as the network will see them), the
classes and their counts, and the dataset fields a design needs to read the same data again.
The dialog only draws this; every decision is made here, headless and tested.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.csv_table import SEPARATORS, CsvLayout, sniff_csv
from nnviz.core.data_io import (
    DEFAULT_IMAGE_SIZE,
    FileRequest,
    Progress,
    Table,
    load_file,
    resolve_file,
)
from nnviz.core.design import DatasetSpec, Design
from nnviz.core.image_folder import FolderListing, list_image_folder
from nnviz.core.validation import DesignError, some_of

PREVIEW_ROWS = 20
THUMBNAILS = 8  # pictures shown per class
CSV_CHOICES = ("header", "label_column", "task")
FOLDER_CHOICES = ("size", "grayscale", "skip_unreadable")


def kind_of(path: Path) -> str:
    """The dataset a path becomes: a folder of pictures, or a table."""
    return "image_folder" if path.is_dir() else "csv"


@dataclass(frozen=True)
class DataPreview:
    """One file or folder read with the person's choices.

    When the layout or the classes could be found but the data could not be read with these
    choices (a text column among the inputs, an unreadable picture), `table` is None and
    `error` says why, so the dialog still shows the columns to choose from.
    """

    kind: str  # "csv" | "image_folder"
    path: Path
    choices: dict[str, Any]  # only what the person set; the rest is detected or default
    table: Table | None
    error: str = ""
    layout: CsvLayout | None = None
    label_index: int | None = None
    listing: FolderListing | None = None
    thumbnails: tuple[np.ndarray, ...] = field(default=())  # per class: (k, h, w) or (k, h, w, 3)

    @property
    def samples(self) -> int:
        return len(self.table.x)

    @property
    def features(self) -> int:
        return int(self.table.x.shape[1])

    @property
    def targets(self) -> int:
        return 1 if self.table.y.ndim == 1 else int(self.table.y.shape[1])

    @property
    def counts(self) -> tuple[int, ...]:
        """Samples per class (classification only)."""
        if self.table.task != "classification":
            return ()
        return tuple(int(c) for c in np.bincount(self.table.y, minlength=self.table.classes))

    def dataset_fields(self, path_text: str) -> dict[str, Any]:
        """The design's dataset fields that read this data again (`path_text` as stored)."""
        return {"name": self.kind, "path": path_text, **self.choices}

    def lines(self) -> list[str]:
        """What was detected and found, one line per fact, for the dialog's summary."""
        table, out = self.table, []
        if self.layout is not None:
            how = "set" if self.layout.header_given else "detected"
            first = "first row names the columns" if self.layout.header else "no header row"
            rows = f"{self.samples:,} rows × " if table is not None else ""
            decimal = " · decimal comma (detected)" if self.layout.decimal == "," else ""
            if self.layout.encoding != "UTF-8":
                decimal += f" · {self.layout.encoding} text"
            out.append(
                f"{SEPARATORS[self.layout.separator].capitalize()}-separated{decimal} · "
                f"{first} ({how}) · {rows}{len(self.layout.columns)} columns"
            )
        if self.label_index is not None:
            label = self.layout.column_label(self.label_index)
            others = len(self.layout.columns) - 1
            out.append(
                f"Labels: column {label} (click a column to choose another) · "
                f"inputs: the other {others}"
            )
            texts = [j for j in self.layout.text_columns() if j != self.label_index]
            if table is None and len(texts) == 1:
                out.append(
                    f"Column {self.layout.column_label(texts[0])} holds text: click it to make "
                    "it the label"
                )
        if self.listing is not None and table is None:
            counts = " · ".join(
                f"{name} {count:,}"
                for name, count in zip(self.listing.classes, self.listing.counts, strict=True)
            )
            out.append(
                f"{sum(self.listing.counts):,} files, {len(self.listing.classes)} classes: {counts}"
            )
        if table is None:
            return out
        if self.listing is not None:
            h, w = self.choices.get("size", DEFAULT_IMAGE_SIZE)
            grey = self.choices.get("grayscale", True)
            pixel = "1 grey value" if grey else "3 colour values (red, green, blue)"
            out.append(
                f"{self.samples:,} images resized to {h}×{w} · {pixel} per pixel "
                f"= {self.features:,} inputs"
            )
            if table.skipped:
                shown = some_of(table.skipped)
                out.append(f"Skipped {len(table.skipped)} unreadable: {shown}")
        how = "set" if "task" in self.choices else "detected"
        if self.listing is not None:
            how = "one class per sub-folder"
        if table.task == "classification":
            counts = " · ".join(
                f"{name} {count:,}"
                for name, count in zip(table.class_names, self.counts, strict=True)
            )
            out.append(f"Task: classification ({how}), {table.classes} classes: {counts}")
        else:
            y = np.asarray(table.y, dtype=float)
            out.append(
                f"Task: regression ({how}), {self.targets} target(s) from {y.min():.4g} "
                f"to {y.max():.4g}"
            )
        return out


def choices_of(spec: DatasetSpec) -> dict[str, Any]:
    """The preview's choices that read `spec`'s file or folder as the design does: only what
    the design sets (the rest stays detected or default), so the preview opens as it was left."""
    given = {
        "header": spec.header,
        "label_column": spec.label_column,
        "task": spec.task,
        "size": list(spec.size) if spec.size is not None else None,
        "grayscale": False if not spec.grayscale else None,
        "skip_unreadable": True if spec.skip_unreadable else None,
    }
    allowed = FOLDER_CHOICES if spec.name == "image_folder" else CSV_CHOICES
    return {key: value for key, value in given.items() if key in allowed and value is not None}


def network_line(design: Design) -> str:
    """The layers a design will have, e.g. "4 inputs → 8 tanh → 3 softmax · loss cross_entropy"."""
    layers = " → ".join(f"{layer.units} {layer.activation}" for layer in design.layers)
    inputs = f"{design.inputs:,} input{'s' if design.inputs != 1 else ''}"
    return f"{inputs} → {layers} · loss {design.loss}"


def preview_data(
    path: Path, choices: dict[str, Any] | None = None, progress: Progress | None = None
) -> DataPreview:
    """Read `path` with `choices` (dataset fields the person set).

    Raises DesignError when not even the layout (CSV) or the classes (folder) can be found;
    a problem after that is the preview's `error`.
    """
    kind = kind_of(path)
    path = resolve_file(str(path), None, "path", kind == "image_folder")  # no pipe, no giant
    allowed = CSV_CHOICES if kind == "csv" else FOLDER_CHOICES
    choices = {k: v for k, v in (choices or {}).items() if k in allowed and v is not None}
    request = FileRequest(path, **_request_fields(choices), progress=progress)
    if kind == "csv":
        layout = sniff_csv(request, PREVIEW_ROWS)
        try:
            index = layout.label_index(request.label_column, path.name)
        except DesignError as error:
            return DataPreview(kind, path, choices, None, str(error), layout=layout)
        found = DataPreview(kind, path, choices, None, layout=layout, label_index=index)
    else:
        found = DataPreview(kind, path, choices, None, listing=list_image_folder(path))
    try:
        table = load_file(kind, request)
    except DesignError as error:
        return dataclasses.replace(found, error=str(error))
    thumbnails = _thumbnails(table, request) if kind == "image_folder" else ()
    return dataclasses.replace(found, table=table, thumbnails=thumbnails)


def _request_fields(choices: dict[str, Any]) -> dict[str, Any]:
    fields = dict(choices)
    if "size" in fields:
        fields["size"] = tuple(fields["size"])
    return fields


def _thumbnails(table: Table, request: FileRequest) -> tuple[np.ndarray, ...]:
    """The first few pictures of every class, as the network gets them."""
    h, w = request.size
    shape = (h, w) if request.grayscale else (h, w, 3)
    return tuple(
        table.x[np.flatnonzero(table.y == label)[:THUMBNAILS]].reshape(-1, *shape)
        for label in range(table.classes or 0)
    )
