"""CSV tables as people have them: with or without a header row, comma, semicolon or tab
separated, quoted, with a BOM, CRLF line ends and blank lines, and decimal commas in a file
separated by semicolons or tabs (as spreadsheets write numbers in much of Europe).

`sniff_csv` finds the layout (separator, decimal mark, header row, column names, the first
rows) from the start of the file, so the import preview can show it before any number is
converted; `load_csv` reads the whole table with the same layout. Every problem is one
`DesignError` line naming the file and, where it helps, the row and the column, because the
person has to fix it there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from nnviz.core.data_io import (
    FILE_LOADERS,
    MAX_SAMPLES,
    FileFormat,
    FileRequest,
    KeptTables,
    Labels,
    Table,
    check_size,
    read_bytes,
    string_targets,
    targets,
)
from nnviz.core.validation import DesignError

SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_ROWS = 50  # rows looked at to find the separator and the header
CHUNK_ROWS = 4096  # rows converted to numbers at a time (fewer when they are wide)
CHUNK_VALUES = 2**18  # cells converted at a time: the window's thread waits at most ~0.1 s
KEEP_FROM_BYTES = 2**20  # smaller tables are read again in no time; larger in the background
CACHED_TABLES = 2
_kept = KeptTables(CACHED_TABLES)
MAX_COLUMNS = 100_000  # wider than a 256×256 colour picture in a row; beyond is not a table
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")  # 1,5 and -0,25e3
POINT_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")  # 1.5
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # never in a text table


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV file is laid out, and its first data rows as text."""

    separator: str  # one of SEPARATORS
    header: bool  # the first row names the columns
    header_given: bool  # the person said so (False: detected)
    columns: tuple[str, ...]  # header names, or "1".."n" without a header
    first_rows: tuple[tuple[str, ...], ...]
    first_lines: tuple[int, ...] = ()  # each first row's line in the file, as messages count
    decimal: str = "."  # "," when the file writes 1,5 for one and a half
    encoding: str = "UTF-8"  # or "Windows-1252"

    def column_label(self, index: int) -> str:
        """How messages name a column: 'name' with a header, its position (from 1) without."""
        return repr(self.columns[index]) if self.header else str(index + 1)

    def text_columns(self) -> tuple[int, ...]:
        """Columns holding text in the first rows: only one of them can be the label."""
        width = len(self.columns)
        return tuple(
            j
            for j in range(width)
            if any(j < len(row) and row[j] and not is_number(row[j]) for row in self.first_rows)
        )

    def label_index(self, label_column: str | int | None, name: str) -> int:
        """The label column's index: by name, by position (1 first, -1 last), default last."""
        count = len(self.columns)
        if label_column is None:
            return count - 1
        if isinstance(label_column, int):
            if 1 <= label_column <= count:
                return label_column - 1
            if -count <= label_column <= -1:
                return count + label_column
            raise DesignError(
                f"{name}: no column {label_column} for the labels (the file has {count} columns; "
                f"count from 1, or from -1 for the last)"
            )
        if not self.header:
            raise DesignError(
                f"{name}: has no header row, so no column is called {label_column!r}; give the "
                f"label column's position (1 to {count}, or -1 for the last)"
            )
        if label_column not in self.columns:
            raise DesignError(
                f"{name}: no column {label_column!r} for the labels "
                f"(columns: {', '.join(self.columns)})"
            )
        return self.columns.index(label_column)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _text(name: str, data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8, else Windows-1252 (what spreadsheets on
    Windows save as "CSV"), which is refused when it decodes to control characters (a binary
    file)."""
    try:
        text, encoding = data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as error:
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text = ""
        if not text or CONTROL.search(text):
            raise DesignError(
                f"{name}: not a text table (byte {error.start} is not UTF-8 text)"
            ) from None
    if not text.strip():
        raise DesignError(f"{name}: file is empty")
    return text, encoding


def _lines(text: str) -> Iterator[str]:
    """The file's lines as the csv module counts them (CRLF, LF or CR ends kept)."""
    return iter(io.StringIO(text, newline=""))


def _narrow(lines: Iterable[str], separators: str, name: str) -> Iterator[str]:
    """`lines`, refusing one with more separators than a table may have columns before the
    csv module splits it into millions of strings (a 20 MB line takes gigabytes that way)."""
    for number, line in enumerate(lines, start=1):
        if any(line.count(separator) >= MAX_COLUMNS for separator in separators):
            raise DesignError(
                f"{name}: row {number} has more than {MAX_COLUMNS:,} columns "
                f"(at most {MAX_COLUMNS:,} are supported)"
            )
        yield line


def _rows(
    text: str, separator: str, name: str, decimal: str = "."
) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row that is not blank; cells stripped of spaces, and
    decimal commas written as points when `decimal` is ","."""
    reader = csv.reader(_narrow(_lines(text), separator, name), delimiter=separator)
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if decimal == ",":
                cells = _with_points(cells)
            if any(cells):
                yield reader.line_num, cells
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):
            error = f"a cell is longer than {csv.field_size_limit():,} characters"
        raise DesignError(f"{name}: row {reader.line_num}: {error}") from None


def _with_points(cells: list[str]) -> list[str]:
    return [cell.replace(",", ".") if DECIMAL_COMMA.fullmatch(cell) else cell for cell in cells]


def _decimal(separator: str, rows: list[list[str]]) -> str:
    """ "," when a file not separated by commas writes decimals with a comma and never with a
    point; "." otherwise (a comma-separated file cannot use decimal commas unquoted)."""
    if separator == ",":
        return "."
    cells = [cell for row in rows for cell in row]
    commas = any(DECIMAL_COMMA.fullmatch(cell) for cell in cells)
    return "," if commas and not any(POINT_DECIMAL.fullmatch(cell) for cell in cells) else "."


def _separator(text: str, name: str) -> str:
    """The separator that splits the first rows into the same number (≥ 2) of cells.

    Among those that do, the one giving the most columns, then the most numbers ("1,5;2"
    splits in two either way, but only semicolons leave numbers); a comma when none does.
    """
    first = _narrow(itertools.islice(_lines(text), SNIFF_ROWS * 2), "".join(SEPARATORS), name)
    start = "".join(line for line in first if line.strip())
    best, best_score = ",", (1, 0)
    for separator in SEPARATORS:
        try:
            rows = list(csv.reader(io.StringIO(start), delimiter=separator))
        except csv.Error:
            continue
        widths = {len(row) for row in rows}
        if len(widths) != 1 or widths == {1}:
            continue
        cells = [cell.strip() for row in rows for cell in row]
        numbers = sum(is_number(cell) or bool(DECIMAL_COMMA.fullmatch(cell)) for cell in cells)
        if (score := (widths.pop(), numbers)) > best_score:
            best, best_score = separator, score
    return best


def _has_header(first: list[str], rest: list[list[str]]) -> bool:
    """A header names columns that hold numbers: a word above numbers gives it away.

    Iris's first flower (numbers, then a text class) is data; "length,width,species" over
    numbers is a header. A first row of numbers is never a header.
    """
    if all(is_number(cell) for cell in first):
        return False
    if not rest:
        return True
    for j, cell in enumerate(first):
        below = [row[j] for row in rest if j < len(row)]
        if not is_number(cell) and below and all(is_number(v) for v in below):
            return True
    return False


def _check_header(name: str, header: list[str], line: int) -> None:
    for index, column in enumerate(header):
        if not column:
            raise DesignError(f"{name}: row {line}: column {index + 1} has no name")
        if header.index(column) != index:
            raise DesignError(f"{name}: row {line}: column name {column!r} appears twice")


def _layout(
    text: str, request: FileRequest, preview_rows: int, encoding: str = "UTF-8"
) -> tuple[CsvLayout, int]:
    """The layout and the file line where the data starts after."""
    name = request.path.name
    separator = _separator(text, name)
    rows = _rows(text, separator, name)
    start: list[tuple[int, list[str]]] = []
    for item in rows:
        start.append(item)
        if len(start) > max(SNIFF_ROWS, preview_rows):
            break
    if not start:
        raise DesignError(f"{name}: file has no rows (only empty cells)")
    decimal = _decimal(separator, [row for _, row in start])
    if decimal == ",":
        start = [(line, _with_points(row)) for line, row in start]
    line, first = start[0]
    if len(first) < 2:
        raise DesignError(
            f"{name}: row {line}: needs at least 2 columns (features and a label), "
            f"found {len(first)}"
        )
    given = request.header is not None
    header = request.header if given else _has_header(first, [r for _, r in start[1:SNIFF_ROWS]])
    if header:
        _check_header(name, first, line)
        columns = tuple(first)
        data = start[1:]
    else:
        columns = tuple(str(i + 1) for i in range(len(first)))
        data = start
    shown = data[:preview_rows]
    layout = CsvLayout(
        separator,
        header,
        given,
        columns,
        tuple(tuple(r) for _, r in shown),
        tuple(line for line, _ in shown),
        decimal,
        encoding,
    )
    return layout, line if header else 0


def sniff_csv(request: FileRequest, preview_rows: int = 20) -> CsvLayout:
    """The file's layout and its first `preview_rows` data rows (only those are split)."""
    text, encoding = _text(request.path.name, read_bytes(request.path))
    return _layout(text, request, preview_rows, encoding)[0]


def _numbers(rows: list[list[str]], lines: list[int], where: list[str], name: str) -> np.ndarray:
    """A chunk of text cells → float64, or the first bad cell by row and column."""
    try:
        block = np.array(rows, dtype=np.float64)
    except ValueError:
        block = None
    if block is not None and np.all(np.isfinite(block)):
        return block
    for row, line in zip(rows, lines, strict=True):
        for text, column in zip(row, where, strict=True):
            at = f"{name}: row {line}, column {column}"
            if not text:
                raise DesignError(f"{at}: empty cell (missing value)")
            if not is_number(text):
                raise DesignError(
                    f"{at}: not a number ({text!r}); only the label column may hold text"
                )
            if not math.isfinite(float(text)):
                raise DesignError(f"{at}: not a finite number ({text!r})")
    raise AssertionError("a cell failed to convert but each converts alone")


def load_csv(request: FileRequest) -> Table:
    """The whole table; one of a megabyte or more is kept (by its bytes and the choices), as
    the preview, the Build panel and the trainer each ask for it and it takes seconds."""
    data = read_bytes(request.path)
    if len(data) < KEEP_FROM_BYTES:
        return _read(request, data)
    digest = hashlib.blake2b(data, digest_size=16).digest()
    key = (digest, request.label_column, request.task, request.header)
    kept = _kept.get(key)
    if kept is None:
        kept = _kept.keep(key, _read(request, data))
    return kept


def _read(request: FileRequest, data: bytes) -> Table:
    name = request.path.name
    text, encoding = _text(name, data)
    layout, header_line = _layout(text, request, 0, encoding)
    width = len(layout.columns)
    label = layout.label_index(request.label_column, name)
    features = [i for i in range(width) if i != label]
    where = [layout.column_label(i) for i in features]
    chunk = max(1, min(CHUNK_ROWS, CHUNK_VALUES // width))
    report = request.progress
    total_lines = max(text.count("\n"), text.count("\r"), 1)  # LF, CRLF or CR ends
    blocks: list[np.ndarray] = []
    rows: list[list[str]] = []
    labels: list[str] = []
    lines: list[int] = []
    for line, row in _rows(text, layout.separator, name, layout.decimal):
        if line <= header_line:
            continue
        if len(row) != width:
            expected = "like the header" if layout.header else "like the first row"
            raise DesignError(
                f"{name}: row {line} has {len(row)} cells, expected {width} {expected}"
            )
        if len(labels) >= MAX_SAMPLES:
            raise DesignError(f"{name}: more than {MAX_SAMPLES:,} rows are not supported")
        rows.append([row[i] for i in features])
        labels.append(row[label])
        lines.append(line)
        if len(rows) == chunk:
            blocks.append(_numbers(rows, lines[-len(rows) :], where, name))
            rows = []
            if report is not None:
                report(min(line, total_lines), total_lines)
    if rows:
        blocks.append(_numbers(rows, lines[-len(rows) :], where, name))
    if report is not None:
        report(total_lines, total_lines)
    if not labels:
        raise DesignError(f"{name}: no data rows after the header")
    x = np.concatenate(blocks)
    check_size(name, *x.shape)
    found = _labels(name, labels, lines, layout.column_label(label), request.task)
    names = tuple(layout.columns[i] if layout.header else f"column {i + 1}" for i in features)
    return Table(x, *found, names)


def _labels(
    name: str, labels: list[str], lines: list[int], column: str, task: str | None
) -> Labels:
    where = f"{name}, column {column}"
    values = np.empty(len(labels))
    for i, text in enumerate(labels):
        at = f"{name}: row {lines[i]}, column {column}"
        if not text:
            raise DesignError(f"{at}: empty cell (no label)")
        if not is_number(text):
            if task == "regression":
                raise DesignError(f"{at}: not a number ({text!r}); regression needs numbers")
            return string_targets(labels, where)
        values[i] = float(text)
        if not math.isfinite(values[i]):
            raise DesignError(f"{at}: not a finite number ({text!r})")
    return targets(values, task, where)


FILE_LOADERS.add(
    "csv",
    FileFormat(load_csv, slow_from_bytes=KEEP_FROM_BYTES),
    "CSV table (comma, semicolon or tab; header row optional); labels in the last column",
)
