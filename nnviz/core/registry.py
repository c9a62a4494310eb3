"""Name → implementation tables.

Every user-facing choice (activation, loss, optimizer, …) is looked up by name in a
`Registry`, so adding an entry is one line and the GUI, the validator and the tests all
see the same list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    value: T
    description: str


class Registry(Generic[T]):
    """An ordered, read-mostly mapping from a name to an implementation and a description."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(self, name: str, value: T, description: str) -> T:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = Entry(name, value, description)
        return value

    def register(self, name: str, description: str):
        """Decorator form of `add`, for classes and functions."""

        def decorate(value: T) -> T:
            return self.add(name, value, description)

        return decorate

    def get(self, name: str) -> T:
        try:
            return self._entries[name].value
        except (KeyError, TypeError):
            raise KeyError(f"unknown {self.kind} {name!r} (valid: {self.valid()})") from None

    def description(self, name: str) -> str:
        return self._entries[name].description

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def valid(self) -> str:
        """The valid names as one comma-separated string, for error messages."""
        return ", ".join(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {self.valid()})"
