"""Reading a person's JSON file safely: bounded, regular files only, strict JSON.

Every problem is one `DesignError` line saying what is wrong ("file is empty", "malformed JSON
(…) at line 3 column 5"); callers prefix the file's name. Nothing here blocks on a FIFO or a
device, reads past a limit, or accepts NaN and repeated keys.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from nnviz.core.errors import first_line
from nnviz.core.validation import fail, show


def display(path: str | os.PathLike[str]) -> str:
    """A path as a message shows it: as is, or quoted when it holds unprintable characters."""
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


def read_text(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (`what` names the kind of
    file a folder was given for, e.g. "a design file")."""
    try:
        info = path.stat()
    except FileNotFoundError:
        fail("", "file not found")
    except OSError as error:
        fail("", f"cannot read the file ({error.strerror or error})")
    if stat.S_ISDIR(info.st_mode):
        fail("", f"is a folder, not {what}")
    if not stat.S_ISREG(info.st_mode):
        fail("", "is not a regular file")
    if info.st_size > limit:
        fail("", f"file is too large ({info.st_size:,} bytes; limit {limit:,})")
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except PermissionError:
        fail("", "cannot read the file (permission denied)")
    except OSError as error:
        fail("", f"cannot read the file ({error.strerror or error})")
    if len(data) > limit:
        fail("", f"file is too large (limit {limit:,} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail("", f"not UTF-8 text (invalid byte 0x{data[error.start]:02x} at offset {error.start})")
    if not text.strip():
        fail("", "file is empty")
    return text


MAX_DIGITS = 400  # of an integer: far beyond any count or seed, far below Python's own limit


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"a whole number has {len(text):,} digits (at most {MAX_DIGITS})")
    return int(text)


def parse_json(text: str) -> Any:
    """Strict JSON as every nnviz file uses it: no NaN/Infinity, no repeated keys; any problem
    is a one-line DesignError saying where."""
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        fail(f"line {error.lineno} column {error.colno}", f"malformed JSON ({error.msg})")
    except RecursionError:
        fail("", "JSON nested too deeply")
    except ValueError as error:
        fail("", first_line(error))
