"""Trained weights as `.npz` files (arrays `W0`, `b0`, `W1`, `b1`, …), read without trust.

A weights file may come from anywhere, so reading never executes code and never allocates
more than the design calls for: every member's `.npy` header is read and checked (name, shape,
kind of number) before its data, the data must be exactly as long as the header says, and
every value must be finite. The first problem becomes one `DesignError` line naming the file
and the array: "weights.npz: W1 has shape (8, 3), the design needs (8, 4)".

`read_npz` is the checking reader itself, shared with session files.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.atomic import write_atomic
from nnviz.core.design import Design
from nnviz.core.errors import first_line
from nnviz.core.json_files import display
from nnviz.core.validation import DesignError

ENCRYPTED = 0x1  # zip's general-purpose flag bit: the member needs a password
MAX_HEADER = 10_000  # bytes of one .npy header (numpy's own default limit)
SLACK = 64 * 1024  # per array, zip and .npy framing around the data

KIND_NAMES = {"f": "floating-point numbers", "iu": "integers", "b": "true/false values"}


@dataclass(frozen=True)
class ArraySpec:
    """What one array must be: its shape (None: any length, up to `max_length`), the kinds of
    number (numpy `dtype.kind` letters) allowed, and whether every value must be finite."""

    shape: tuple[int | None, ...]
    kinds: str = "f"
    finite: bool = True
    max_length: int = 0

    @property
    def max_bytes(self) -> int:
        return math.prod(self.max_length if n is None else n for n in self.shape) * 16 + SLACK

    def fits(self, shape: tuple[int, ...]) -> bool:
        return len(shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, shape, strict=True)
        )

    def shown(self) -> str:
        dims = ["n" if n is None else str(n) for n in self.shape]
        return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def weight_specs(design: Design) -> dict[str, ArraySpec]:
    """`W{k}` shaped (fan_in, units) and `b{k}` shaped (units,) for every layer, in file order."""
    sizes = design.layer_sizes
    specs: dict[str, ArraySpec] = {}
    for k, (fan_in, units) in enumerate(itertools.pairwise(sizes)):
        specs[f"W{k}"] = ArraySpec((fan_in, units))
        specs[f"b{k}"] = ArraySpec((units,))
    return specs


def weight_arrays(source: Any) -> dict[str, np.ndarray]:
    """`W0, b0, W1, b1, …` from a `Network` (anything with `weights` and `biases`) or a pair
    of sequences (weights, biases)."""
    if hasattr(source, "weights") and hasattr(source, "biases"):
        weights, biases = source.weights, source.biases
    else:
        weights, biases = source
    if len(weights) != len(biases):
        raise ValueError(f"{len(weights)} weight arrays but {len(biases)} bias arrays")
    arrays: dict[str, np.ndarray] = {}
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        arrays[f"W{k}"] = np.array(w)
        arrays[f"b{k}"] = np.array(b)
    return arrays


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed `.npz` of `arrays` in memory."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save_weights(path: str | os.PathLike[str], source: Any) -> None:
    """Write the weights of `source` (see `weight_arrays`) to `path` atomically."""
    write_atomic(path, npz_bytes(weight_arrays(source)))


def load_weights(
    path: str | os.PathLike[str], design: Design
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, biases) from a file `save_weights` wrote, checked against `design`."""
    path = Path(path)
    label = display(path)
    specs = weight_specs(design)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DesignError(f"{label}: is not a regular file")
        _check_total(size, specs, label, DesignError)
        with path.open("rb") as stream:
            arrays = read_npz(stream, label, specs)
    except FileNotFoundError:
        raise DesignError(f"{label}: file not found") from None
    except OSError as error:
        raise DesignError(f"{label}: cannot read the file ({error.strerror or error})") from None
    n = len(design.layers)
    return [arrays[f"W{k}"] for k in range(n)], [arrays[f"b{k}"] for k in range(n)]


def _check_total(
    size: int, specs: Mapping[str, ArraySpec], label: str, error: type[DesignError]
) -> None:
    limit = sum(spec.max_bytes for spec in specs.values()) + SLACK
    if size > limit:
        raise error(f"{label}: file is too large for this design ({size:,} bytes)")


def read_npz(
    source: Any,
    label: str,
    specs: Mapping[str, ArraySpec],
    optional: Sequence[str] = (),
    error: type[DesignError] = DesignError,
) -> dict[str, np.ndarray]:
    """The arrays of an `.npz` (a path, a binary file or bytes), each checked against `specs`.

    Names in `optional` may be absent; any other missing or unexpected array is an error.
    Problems raise `error` as '<label>: <array>: <problem>'.
    """
    if isinstance(source, bytes | bytearray):
        _check_total(len(source), specs, label, error)
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _members(archive, label, specs, optional, error)
            return {
                name: _read_member(archive, info, label, name, specs[name], error)
                for name, info in members.items()
            }
    except zipfile.BadZipFile as problem:
        raise error(f"{label}: not a valid .npz file ({problem})") from None


def _members(
    archive: zipfile.ZipFile,
    label: str,
    specs: Mapping[str, ArraySpec],
    optional: Sequence[str],
    error: type[DesignError],
) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name == info.filename or name not in specs:
            raise error(f"{label}: unexpected array {info.filename!r} (expected {_names(specs)})")
        if name in members:
            raise error(f"{label}: {name} appears twice")
        members[name] = info
    for name in specs:
        if name not in members and name not in optional:
            raise error(f"{label}: {name} is missing (expected {_names(specs)})")
    return {name: members[name] for name in specs if name in members}


def _names(specs: Mapping[str, ArraySpec]) -> str:
    names = list(specs)
    return ", ".join(names) if len(names) <= 8 else f"{', '.join(names[:8])}, …"


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    name: str,
    spec: ArraySpec,
    error: type[DesignError],
) -> np.ndarray:
    where = f"{label}: {name}"
    if info.file_size > spec.max_bytes:
        raise error(f"{where} is too large ({info.file_size:,} bytes) for its shape {spec.shown()}")
    if info.flag_bits & ENCRYPTED:
        raise error(f"{where} is encrypted (only plain archives are read)")
    try:
        with archive.open(info) as stream:
            shape, dtype, offset = _header(stream, where, error)
            _check_header(shape, dtype, where, spec, error)
            if info.file_size != offset + math.prod(shape) * dtype.itemsize:
                raise error(f"{where} is damaged (its size does not match its header)")
        with archive.open(info) as stream:
            array = np.lib.format.read_array(stream, allow_pickle=False)
    except DesignError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as problem:
        raise error(f"{where} is damaged ({problem})") from None
    except (ValueError, RuntimeError, NotImplementedError) as problem:
        raise error(f"{where} cannot be read ({first_line(problem)})") from None
    if spec.finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise error(f"{where} holds NaN or infinite values")
    return array


def _header(stream: Any, where: str, error: type[DesignError]) -> tuple[tuple, np.dtype, int]:
    """(shape, dtype, data offset) of a `.npy` stream, reading only its header."""
    try:
        version = np.lib.format.read_magic(stream)
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        if version not in readers:
            raise error(f"{where}: unsupported .npy version {version[0]}.{version[1]}")
        shape, _, dtype = readers[version](stream, max_header_size=MAX_HEADER)
    except DesignError:
        raise
    except (ValueError, EOFError, SyntaxError, TypeError):
        raise error(f"{where} is not a valid .npy array (its header cannot be read)") from None
    return tuple(shape), np.dtype(dtype), stream.tell()


def _check_header(
    shape: tuple, dtype: np.dtype, where: str, spec: ArraySpec, error: type[DesignError]
) -> None:
    if dtype.hasobject:
        raise error(f"{where} holds Python objects (refused: loading never runs code)")
    if dtype.kind not in spec.kinds:
        raise error(f"{where} has dtype {dtype}, needs {KIND_NAMES.get(spec.kinds, spec.kinds)}")
    if not spec.fits(shape):
        raise error(f"{where} has shape {shape}, the design needs {spec.shown()}")
