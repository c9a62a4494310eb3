"""Lessons are files: `resources/lessons/*.json`, read and checked like designs.

A lesson is a title, a design (the name of a bundled example, or a whole design written inline),
the parts of the window it hides (teacher mode) and its steps. A step says a few plain sentences,
points at one part of the window by object name (`window_parts.TARGETS`), may show more parts
when it begins, and may ask the learner to try one thing, with a check that notices when it is
done (`lesson_checks.CHECKS`). Every problem is one line naming the file and the field:
`lessons/02.json: steps[3].check.value: must be a number greater than 0 (got -1)`.

Lessons are listed in the order of their file names (`01_neurons.json`, `02_…`); a lesson's
name is its file's stem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.design import Design, DesignError
from nnviz.core.examples import example_names, load_example
from nnviz.core.json_files import parse_json, read_text
from nnviz.core.lesson_checks import read_check
from nnviz.core.resources import resource_path
from nnviz.core.validation import (
    check_keys,
    fail,
    read_choice,
    read_int,
    read_list,
    read_object,
    read_str,
    show,
)
from nnviz.core.weights_io import load_weights
from nnviz.core.window_parts import read_hidden, read_target, read_targets

FORMAT = "nnviz-lesson"
VERSION = 1
SUFFIX = ".json"
PLACEMENTS = ("right", "left", "top", "bottom", "over")
MAX_TEXT = 420  # two or three plain sentences
MAX_TITLE = 80
MAX_STEPS = 30
MAX_MINUTES = 9  # a lesson takes under ten minutes
MAX_FILE_BYTES = 1_000_000


Weights = tuple[list[np.ndarray], list[np.ndarray]]  # (W0, W1, …), (b0, b1, …)


@dataclass(frozen=True)
class LessonStep:
    """One step: `text` to read, `target` to point at (callout on the `placement` side),
    `show` parts to open first, optionally a `task` to try with its `check`, and a `design`
    that replaces the lesson's from this step on (a second example, say), with its starting
    `weights` if given (an `.npz` file as File › Export › Weights writes)."""

    title: str
    text: str
    target: str
    placement: str = "right"
    show: tuple[str, ...] = ()
    task: str | None = None
    check: Mapping[str, Any] | None = None
    design: Design | None = None
    weights: Weights | None = None


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    minutes: int
    design: Design
    hide: tuple[str, ...]
    steps: tuple[LessonStep, ...]
    weights: Weights | None = None


def lessons_dir() -> Path:
    return resource_path("lessons")


def lesson_paths() -> list[Path]:
    """The bundled lesson files, in teaching order (by file name)."""
    return sorted(p for p in lessons_dir().glob(f"*{SUFFIX}") if p.is_file())


def list_lessons() -> list[Lesson]:
    """Every bundled lesson; DesignError naming the file if one is broken."""
    return [load_lesson(path) for path in lesson_paths()]


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and check a lesson file; every problem raises '<path>: <where>: <problem>'."""
    path = Path(path)
    try:
        return _read_lesson(parse_json(read_text(path, MAX_FILE_BYTES, "a lesson file")), path)
    except DesignError as error:
        raise DesignError(f"{path}: {error}") from None


def _read_lesson(value: Any, path: Path) -> Lesson:
    obj = read_object(value, "lesson")
    check_keys(
        obj,
        "",
        required=("format", "version", "title", "summary", "minutes", "design", "steps"),
        optional=("hide", "weights"),
    )
    if obj["format"] != FORMAT:
        fail("format", f"must be {FORMAT!r} (got {show(obj['format'])})")
    read_int(obj["version"], "version", VERSION, VERSION)
    steps = read_list(obj["steps"], "steps")
    if not 1 <= len(steps) <= MAX_STEPS:
        fail("steps", f"must hold 1 to {MAX_STEPS} steps (got {len(steps)})")
    folder = path.absolute().parent
    design = _read_design(obj["design"], folder)
    return Lesson(
        name=path.stem,
        title=read_str(obj["title"], "title", MAX_TITLE),
        summary=read_str(obj["summary"], "summary", MAX_TEXT),
        minutes=read_int(obj["minutes"], "minutes", 1, MAX_MINUTES),
        design=design,
        weights=_read_weights(obj, "weights", folder, design),
        hide=read_hidden(obj.get("hide", []), "hide"),
        steps=tuple(_read_step(step, f"steps[{i}]", folder) for i, step in enumerate(steps)),
    )


def _read_design(value: Any, folder: Path, where: str = "design") -> Design:
    """An example's name, or a whole design object written in the lesson."""
    if isinstance(value, str):
        read_choice(value, where, "example", example_names())
        return load_example(value)
    read_object(value, where)
    try:
        return Design.from_dict(value, base_dir=folder)
    except DesignError as error:
        raise DesignError(f"{where}.{error}") from None


def _read_step(value: Any, where: str, folder: Path) -> LessonStep:
    obj = read_object(value, where)
    check_keys(
        obj,
        where,
        required=("title", "text", "target"),
        optional=("placement", "show", "try", "check", "design", "weights"),
    )
    if "weights" in obj and "design" not in obj:
        fail(f"{where}.design", "required when a step has its own 'weights'")
    design = _read_design(obj["design"], folder, f"{where}.design") if "design" in obj else None
    if ("try" in obj) != ("check" in obj):
        missing = "try" if "check" in obj else "check"
        fail(f"{where}.{missing}", "required when a step has a 'try' or a 'check'")
    text = read_str(obj["text"], f"{where}.text", MAX_TEXT)
    if not text.strip():
        fail(f"{where}.text", "must not be empty")
    return LessonStep(
        title=read_str(obj["title"], f"{where}.title", MAX_TITLE),
        text=text,
        target=read_target(obj["target"], f"{where}.target"),
        placement=read_choice(
            obj.get("placement", "right"), f"{where}.placement", "placement", PLACEMENTS
        ),
        show=read_targets(obj.get("show", []), f"{where}.show"),
        task=read_str(obj["try"], f"{where}.try", MAX_TEXT) if "try" in obj else None,
        check=read_check(obj["check"], f"{where}.check") if "check" in obj else None,
        design=design,
        weights=_read_weights(obj, f"{where}.weights", folder, design),
    )


def _read_weights(obj: Mapping[str, Any], where: str, folder: Path, design) -> Weights | None:
    """The starting weights a lesson or step names, as a path from the lesson's folder,
    checked against its design; None when it names none."""
    key = where.rsplit(".", 1)[-1]
    if key not in obj:
        return None
    name = read_str(obj[key], where, 300)
    try:
        return load_weights(folder / name, design)
    except DesignError as error:
        fail(where, str(error))
