"""Readers that turn untrusted JSON-like values into checked Python values.

A design arrives from a file a person edited by hand, or from code; either way every value is
checked where it is read, and the first problem becomes one `DesignError` line naming the exact
place (`layers[1].units`) and the rule, so nobody has to guess what to fix. The readers never
let another exception escape: a `None`, a list, a huge integer or deep junk all end up as a
`DesignError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

MAX_SHOWN = 60  # characters of an offending value quoted in a message
MAX_META_DEPTH = 32
MAX_META_VALUES = 100_000
MAX_META_CHARS = 1_000_000
MAX_META_INT_BITS = 64


class DesignError(ValueError):
    """One line: '<where>: <problem>'. The CLI and `load_design` prefix the file name."""


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable mapping, so a frozen design cannot be changed through its fields.

    It compares equal to any mapping with the same items, so `spec.params == {"momentum": 0.9}`.
    """

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        object.__setattr__(self, "_data", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("FrozenMap is read-only")

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return (FrozenMap, (dict(self._data),))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def freeze(value: Any) -> Any:
    """Plain JSON-like data → the same data made of FrozenMap and tuples (hashable, read-only)."""
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping):
        return FrozenMap((key, freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of `freeze`: dicts and lists again, ready for `json.dumps`."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


def fail(where: str, problem: str) -> NoReturn:
    raise DesignError(f"{where}: {problem}" if where else problem)


def _trim(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def show(value: Any) -> str:
    """A short, single-line description of any value, safe for huge or deeply nested ones."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        number = int(value)
        return _trim(str(number)) if number.bit_length() <= 200 else "a very large integer"
    if isinstance(value, numbers.Real):
        try:
            return _trim(float.__repr__(float(value)))
        except (OverflowError, ValueError):
            return "a number too large to represent"
    if isinstance(value, str):
        return _trim(repr(value[: MAX_SHOWN + 10]))
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a Python {type(value).__name__}"


def some_of(items: Sequence[str], most: int = 3) -> str:
    """The first `most` items, comma separated, and "…" when there are more: a message stays
    one readable line when a file has 784 columns or a folder 5,000 bad pictures."""
    return ", ".join(items[:most]) + (", …" if len(items) > most else "")


def at(where: str, key: Any) -> str:
    """The place of `key` inside `where`: 'training.seed', or 'meta[\\'a b\\']' for odd keys."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{where}[{key}]"
    if isinstance(key, str) and key.isidentifier():
        return f"{where}.{key}" if where else key
    return f"{where}[{show(key)}]"


def is_integer(value: Any) -> bool:
    """True for integers, numpy's included, and never for booleans (true is not 1 here)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except (OverflowError, TypeError, ValueError):
        return False


def read_object(value: Any, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        fail(where or "design", f"must be a JSON object (got {show(value)})")
    return value


def read_list(value: Any, where: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        fail(where, f"must be a list (got {show(value)})")
    return value


def check_keys(
    obj: Mapping[Any, Any],
    where: str,
    required: Collection[str],
    optional: Collection[str] = (),
    unknown: str = "unknown key",
) -> None:
    """Refuse keys nobody reads (a typo would otherwise be silently ignored) and missing ones."""
    valid = [*required, *optional]
    for key in obj:
        if key not in valid:
            fail(at(where, key), f"{unknown} (valid: {', '.join(valid) or 'none'})")
    for key in required:
        if key not in obj:
            fail(at(where, key), "required key is missing")


def read_int(value: Any, where: str, lo: int, hi: int) -> int:
    if not is_integer(value) or not lo <= int(value) <= hi:
        fail(where, f"must be an integer from {lo} to {hi} (got {show(value)})")
    return int(value)


def _bound(x: float) -> str:
    """A bound as a person writes it: 0 and 1, not 0.0 and 1.0."""
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    low = "" if lo is None else f"{'greater than' if lo_open else 'at least'} {_bound(lo)}"
    high = "" if hi is None else f"{'less than' if hi_open else 'at most'} {_bound(hi)}"
    if low and high and not lo_open and not hi_open:
        return f" from {_bound(lo)} to {_bound(hi)}"
    return "".join(
        (" " + low if low else "", " and" if low and high else "", " " + high if high else "")
    )


def read_number(
    value: Any,
    where: str,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> int | float:
    """A finite number within the bounds, kept as the int or float it was given as."""
    rule = _range_text(lo, hi, lo_open, hi_open)
    if not is_number(value):
        fail(where, f"must be a number{rule} (got {show(value)})")
    if not is_finite(value):
        fail(where, f"must be a finite number{rule} (got {show(value)})")
    number = int(value) if is_integer(value) else float(value)
    low_ok = lo is None or (number > lo if lo_open else number >= lo)
    high_ok = hi is None or (number < hi if hi_open else number <= hi)
    if not (low_ok and high_ok):
        fail(where, f"must be a number{rule} (got {show(value)})")
    return number


def read_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        fail(where, f"must be true or false (got {show(value)})")
    return value


def read_str(value: Any, where: str, max_len: int) -> str:
    if not isinstance(value, str):
        fail(where, f"must be a string (got {show(value)})")
    if len(value) > max_len:
        fail(where, f"must be at most {max_len} characters long (got {len(value)})")
    return value


def read_choice(value: Any, where: str, kind: str, names: Collection[str]) -> str:
    """A name from a registry; the message lists the valid ones."""
    valid = ", ".join(names)
    if not isinstance(value, str):
        fail(where, f"must be one of: {valid} (got {show(value)})")
    if value not in names:
        fail(where, f"unknown {kind} {show(value)} (valid: {valid})")
    return value


def read_json(value: Any, where: str) -> Any:
    """Free-form JSON (for `meta`): any shape, but bounded, finite and serialisable.

    Returns the value frozen (FrozenMap and tuples). The depth limit is checked before each
    descent, so no input can raise RecursionError.
    """
    budget = [MAX_META_VALUES, MAX_META_CHARS]
    return _read_json(value, where, 0, budget)


def _spend(where: str, budget: list[int], values: int, chars: int) -> None:
    budget[0] -= values
    budget[1] -= chars
    if budget[0] < 0:
        fail(where, f"too large (more than {MAX_META_VALUES} values)")
    if budget[1] < 0:
        fail(where, f"too large (more than {MAX_META_CHARS} characters of text)")


def _read_json(value: Any, where: str, depth: int, budget: list[int]) -> Any:
    _spend(where, budget, 1, len(value) if isinstance(value, str) else 0)
    if value is None or isinstance(value, bool | str):
        return value
    if is_integer(value):
        if int(value).bit_length() > MAX_META_INT_BITS:
            fail(where, f"integers must fit in {MAX_META_INT_BITS} bits (got {show(value)})")
        return int(value)
    if is_number(value):
        if not is_finite(value):
            fail(where, f"numbers must be finite (got {show(value)})")
        return float(value)
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_META_DEPTH:
            fail(where, f"nested too deeply (limit {MAX_META_DEPTH} levels)")
        if isinstance(value, Mapping):
            items = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    fail(where, f"object keys must be strings (got {show(key)})")
                _spend(where, budget, 0, len(key))
                items[key] = _read_json(item, at(where, key), depth + 1, budget)
            return FrozenMap(items)
        return tuple(
            _read_json(item, at(where, i), depth + 1, budget) for i, item in enumerate(value)
        )
    fail(where, f"must be JSON data (got {show(value)})")
