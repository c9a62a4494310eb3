"""What happened during training, one row per record, in bounded memory.

A run can go on for hours, so the store never grows past `capacity` rows: when it is full the
older half is thinned to every second row and the newer half is kept exactly. Recent epochs stay
at full resolution for the live plots, while the start of a long run survives at a coarser one.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from nnviz.core.atomic import write_atomic

DEFAULT_CAPACITY = 4000


class History:
    """Fixed columns of float64, preallocated; `append` is cheap enough to call every step."""

    def __init__(self, names: Sequence[str], capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 4:
            raise ValueError(f"history capacity must be at least 4, not {capacity}")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate history column names: {list(names)}")
        self.names: tuple[str, ...] = tuple(names)
        self.capacity = capacity
        self._data = np.full((len(self.names), capacity), np.nan)
        self._index = {name: i for i, name in enumerate(self.names)}
        self._size = 0
        self.total = 0  # records ever appended, including the ones thinned away

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"History({len(self.names)} columns, {self._size}/{self.capacity} rows)"

    def append(self, record: Mapping[str, float]) -> None:
        """Add one row; columns missing from `record` are NaN, unknown keys are an error."""
        row = np.full(len(self.names), np.nan)
        for name, value in record.items():
            row[self._index[name]] = value
        self.append_row(row)

    def append_row(self, values: Sequence[float] | np.ndarray) -> None:
        """Add one row given in column order (the fast path)."""
        if self._size == self.capacity:
            self._decimate()
        self._data[:, self._size] = values
        self._size += 1
        self.total += 1

    def _decimate(self) -> None:
        half = self._size // 2
        kept = self._data[:, 0:half:2]
        n_kept = kept.shape[1]
        self._data[:, :n_kept] = kept
        newer = self._data[:, half : self._size].copy()
        self._data[:, n_kept : n_kept + newer.shape[1]] = newer
        self._size = n_kept + newer.shape[1]
        self._data[:, self._size :] = np.nan

    def column(self, name: str) -> np.ndarray:
        """A copy of one column."""
        return self._data[self._index[name], : self._size].copy()

    def columns(self) -> dict[str, np.ndarray]:
        """Copies of every column, safe to hand to another thread."""
        block = self._data[:, : self._size].copy()
        return {name: block[i] for i, name in enumerate(self.names)}

    def last(self) -> dict[str, float]:
        """The newest row (empty before the first record)."""
        if not self._size:
            return {}
        return {name: float(self._data[i, self._size - 1]) for i, name in enumerate(self.names)}

    def clear(self) -> None:
        self._data[:] = np.nan
        self._size = 0
        self.total = 0

    def rows(self) -> np.ndarray:
        """A copy of the stored rows, shaped (rows, columns)."""
        return self._data[:, : self._size].T.copy()

    @classmethod
    def from_rows(
        cls,
        names: Sequence[str],
        rows: np.ndarray,
        total: int | None = None,
        capacity: int = DEFAULT_CAPACITY,
    ) -> History:
        """A history holding `rows` (as `rows()` gave them); `total` counts thinned records too."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(names))
        history = cls(names, capacity)
        for row in rows:
            history.append_row(row)
        if total is not None:
            if total < len(rows):
                raise ValueError(f"history total {total} is less than its {len(rows)} rows")
            history.total = int(total)
        return history

    def write_csv(self, stream: TextIO) -> None:
        """Header of column names, then one line per row; NaN is written as an empty field."""
        writer = csv.writer(stream)
        writer.writerow(self.names)
        for j in range(self._size):
            writer.writerow(csv_cell(v) for v in self._data[:, j])

    def to_csv(self, path: str | Path) -> None:
        """`write_csv` to a file, atomically: a full disk leaves no empty or partial file."""
        text = io.StringIO(newline="")
        self.write_csv(text)
        write_atomic(path, text.getvalue().encode("utf-8"))

    @classmethod
    def read_csv(
        cls, stream: TextIO, where: str = "history", capacity: int = DEFAULT_CAPACITY
    ) -> History:
        """Read back what `write_csv` wrote (thinning again if it holds more than `capacity`
        rows); a malformed line raises ValueError '<where>:<line>: <problem>'."""
        reader = csv.reader(stream)
        names = next(reader, None)
        if not names:
            raise ValueError(f"{where}: empty history file")
        try:
            history = cls(names, capacity)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        for line, row in enumerate(reader, start=2):
            if len(row) != len(names):
                raise ValueError(f"{where}:{line}: expected {len(names)} fields, got {len(row)}")
            try:
                values = _parse(row)
            except ValueError:
                raise ValueError(f"{where}:{line}: a field is not a number") from None
            history.append_row(values)
        return history

    @classmethod
    def from_csv(cls, path: str | Path, capacity: int = DEFAULT_CAPACITY) -> History:
        """Read back what `to_csv` wrote (thinning again if it holds more than `capacity` rows)."""
        with open(path, newline="", encoding="utf-8") as f:
            return cls.read_csv(f, str(path), capacity)


def csv_cell(value: float) -> str:
    """A history value as CSV text: NaN empty, whole numbers without a decimal point."""
    if math.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _parse(fields: Iterable[str]) -> list[float]:
    return [float(s) if s else math.nan for s in fields]
