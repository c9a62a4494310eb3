"""How an error is reported in one line: the command line, dialogs and the status bar agree."""

from __future__ import annotations

import dataclasses
import re

from nnviz.core.optimizers import HYPER_PARAMETERS
from nnviz.core.specs import (
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    DatasetSpec,
    LayerSpec,
    RegularizationSpec,
    TrainingSpec,
)


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


_LAYER = re.compile(r"\blayers\[(\d+)\]")
_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")


def _names(spec: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(spec))


# What may follow each part of a design in a field path (None: anything, as under meta).
_SUB_FIELDS: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(REQUIRED_KEYS + OPTIONAL_KEYS, frozenset()),
    "layers": _names(LayerSpec),
    "optimizer": frozenset({"name", *HYPER_PARAMETERS}),
    "regularization": _names(RegularizationSpec),
    "training": _names(TrainingSpec),
    "dataset": _names(DatasetSpec),
    "meta": None,
}


def _is_field(head: str) -> bool:
    """A design's field path ("dataset.test_fraction", "layers[2].units"), not the name of a
    file that a message starts with ("iris.data", "dataset.csv")."""
    parts = re.sub(r"\[\d+\]", "", head).split(".")
    allowed = _SUB_FIELDS.get(parts[0], frozenset())
    return parts[0] in _SUB_FIELDS and (len(parts) == 1 or allowed is None or parts[1] in allowed)


def plain_words(message: str) -> str:
    """A design message for the window, where file-format field paths read as words:
    "layers[2].activation: …" → "Layer 3 activation: …", "(layers[2] uses tanh)" → "(layer 3
    uses tanh)". The command line keeps the exact paths, which a file's author needs."""
    field = _FIELD.match(message)
    field = field if field and _is_field(field.group(1)) else None
    head, rest = (field.group(1), message[field.end() :]) if field else ("", message)
    rest = _LAYER.sub(_layer, rest)
    if not head:
        return rest
    words = _LAYER.sub(_layer, head).replace(".", " ").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]}: {rest}"


def _layer(match: re.Match[str]) -> str:
    return f"layer {int(match.group(1)) + 1}"
