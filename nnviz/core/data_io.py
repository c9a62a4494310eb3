"""Read a person's own data: the formats' registry, NumPy .npz archives and IDX files (MNIST's).

CSV tables are read by `csv_table`, folders of images by `image_folder`; both register here.

Every problem with a file becomes one `DesignError` line that names the file and, where it
helps, the row and column, because the person has to find and fix it in their own file.
Nothing here unpickles: .npz files are opened with `allow_pickle=False`.
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import struct
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nnviz.core.pictures import Picture
from nnviz.core.registry import Registry
from nnviz.core.validation import DesignError

MAX_SAMPLES = 1_000_000
MAX_FILE_BYTES = 256 * 2**20  # on disk and after gunzip
MAX_VALUES = 64 * 2**20  # feature values in memory (512 MiB as float64)
MAX_CLASSES = 1000
READ_CHUNK = 4 * 2**20  # bytes read between two progress reports
SLOW_FILE_BYTES = 16 * 2**20  # a data file this large is read in the background
TASKS = ("classification", "regression")

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_IMAGE_SIZE = (28, 28)  # (height, width) pictures are resized to, as MNIST's
GUESSED_CLASSES = 50  # whole-number labels with more distinct values are guessed regression

Progress = Callable[[int, int], None]  # (done, total); may raise to stop a long load


@dataclass(frozen=True)
class FileRequest:
    """What a loader needs: resolved paths and the user's choices about reading them."""

    path: Path
    labels_path: Path | None = None
    label_column: str | int | None = None  # csv: a name, or a position (1 first, -1 last)
    task: str | None = None
    header: bool | None = None  # csv: None detects whether the first row names the columns
    size: tuple[int, int] = (
        DEFAULT_IMAGE_SIZE  # image_folder: (height, width) every image is resized to
    )
    grayscale: bool = True  # image_folder: one value per pixel, else three (red, green, blue)
    skip_unreadable: bool = False  # image_folder: leave out files that cannot be decoded
    progress: Progress | None = None


@dataclass(frozen=True)
class Table:
    """A whole file, before sampling and splitting."""

    x: np.ndarray  # (n, f) float64
    y: np.ndarray  # classification: (n,) int64 in 0..k-1; regression: (n, t) float64
    task: str
    classes: int | None
    class_names: tuple[str, ...] | None
    feature_names: tuple[str, ...]
    picture: Picture | None = None  # how a sample looks, for picture data
    skipped: tuple[str, ...] = ()  # files left out (unreadable images the person chose to skip)


Loader = Callable[[FileRequest], Table]


class KeptTables:
    """The last few tables a slow reader made, by a key that changes when the data does, so
    the window's several readers of one dataset (preview, Build panel, trainer) read it once.

    Safe across threads; a kept table's arrays are made read-only, as they are shared."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._tables: OrderedDict[Hashable, Table] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._tables

    def get(self, key: Hashable) -> Table | None:
        with self._lock:
            if key not in self._tables:
                return None
            self._tables.move_to_end(key)
            return self._tables[key]

    def keep(self, key: Hashable, table: Table) -> Table:
        for array in (table.x, table.y):
            array.flags.writeable = False
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self._size:
                self._tables.popitem(last=False)
        return table

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()


@dataclass(frozen=True)
class FileFormat:
    load: Loader
    folder: bool = False  # `path` names a folder, not a file
    slow_from_bytes: int = SLOW_FILE_BYTES  # a larger file takes long enough to need progress


FILE_LOADERS: Registry[FileFormat] = Registry("data file format")


def resolve_file(
    value: object, base_dir: Path | str | None, field: str, folder: bool = False
) -> Path:
    """A user's path (relative to the design file's folder) → an existing, readable-size file
    (or an existing folder when `folder`)."""
    if not isinstance(value, str) or not value.strip():
        raise DesignError(f"dataset.{field}: expected a file path, got {value!r}")
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    try:
        if path.is_symlink() and not path.exists():
            raise DesignError(f"dataset.{field}: a link that leads nowhere or loops: {path}")
        if not path.exists():
            raise DesignError(
                f"dataset.{field}: {'folder' if folder else 'file'} not found: {path}"
            )
        if folder:
            if not path.is_dir():
                raise DesignError(f"dataset.{field}: is a file, not a folder: {path}")
            return path
        if path.is_dir():
            raise DesignError(f"dataset.{field}: is a folder, not a file: {path}")
        info = path.stat()
    except OSError as error:
        raise DesignError(f"dataset.{field}: cannot access {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block a read forever
        raise DesignError(f"dataset.{field}: not a regular file (a pipe or a device): {path}")
    if info.st_size > MAX_FILE_BYTES:
        raise DesignError(
            f"{path.name}: file is too large ({_mib(info.st_size)}; the limit is {_mib()})"
        )
    return path


def read_bytes(path: Path, progress: Progress | None = None) -> bytes:
    """The file's bytes, gunzipped if it starts with gzip's magic number, within the size limit.

    `progress(bytes of the file read, its size)` follows a long read, a chunk at a time."""
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if compressed else raw
            if progress is None:
                data = stream.read(MAX_FILE_BYTES + 1)
            else:
                data = _read_reporting(stream, raw, os.fstat(raw.fileno()).st_size, progress)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise DesignError(f"{path.name}: cannot read: {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DesignError(f"{path.name}: data is too large (over {_mib()} uncompressed)")
    return data


def _read_reporting(stream, raw, size: int, progress: Progress) -> bytes:
    """Up to MAX_FILE_BYTES + 1 bytes of `stream` a chunk at a time, reporting how far into
    the file below it (`raw`, of `size` bytes) the reading is."""
    chunks, kept = [], 0
    while kept <= MAX_FILE_BYTES:
        chunk = stream.read(min(READ_CHUNK, MAX_FILE_BYTES + 1 - kept))
        if not chunk:
            break
        chunks.append(chunk)
        kept += len(chunk)
        progress(min(raw.tell(), size), size)
    return b"".join(chunks)


def load_file(fmt: str, request: FileRequest) -> Table:
    return FILE_LOADERS.get(fmt).load(request)


def _mib(size: int = MAX_FILE_BYTES) -> str:
    return f"{size / 2**20:.0f} MiB"


def check_size(name: str, samples: int, features: int) -> None:
    if samples == 0:
        raise DesignError(f"{name}: holds no samples")
    if samples > MAX_SAMPLES:
        raise DesignError(f"{name}: {samples:,} samples; at most {MAX_SAMPLES:,} are supported")
    if features == 0:
        raise DesignError(f"{name}: holds no input features")
    if samples * features > MAX_VALUES:
        raise DesignError(
            f"{name}: {samples:,} × {features:,} values; at most {MAX_VALUES:,} are supported"
        )


def _first_nonfinite(values: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])


# --- labels → targets --------------------------------------------------------------------------


class Labels(NamedTuple):
    y: np.ndarray
    task: str
    classes: int | None
    class_names: tuple[str, ...] | None


def targets(values: np.ndarray, task: str | None, name: str) -> Labels:
    """Numeric label values → targets for `task` (guessed when None).

    Without a task, one column of whole numbers with at most `GUESSED_CLASSES` distinct values
    means classes and anything else means regression.
    Class labels are the sorted distinct values renumbered 0..k-1, so ±1 or 3/7/9 work too.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1 and task == "classification":
        values = values[:, 0]
    if not np.all(np.isfinite(values)):
        where = _first_nonfinite(values)
        raise DesignError(f"{name}: label of sample {where[0]} is not a finite number")
    integral = values.ndim == 1 and bool(np.all(values == np.round(values)))
    if task is None:
        task = (
            "classification"
            if integral and len(np.unique(values)) <= GUESSED_CLASSES
            else "regression"
        )
    if task == "regression":
        return Labels(values.reshape(len(values), -1).copy(), task, None, None)
    if values.ndim != 1:
        raise DesignError(
            f"{name}: classification needs one label per sample, got labels shaped {values.shape}"
        )
    if not integral:
        bad = values[values != np.round(values)][0]
        raise DesignError(f"{name}: class labels must be whole numbers, found {bad:g}")
    unique, y = np.unique(values, return_inverse=True)
    _check_classes(name, unique)
    names = tuple(str(int(v)) for v in unique)
    return Labels(y.astype(np.int64), task, len(unique), names)


def string_targets(labels: Sequence[str], name: str) -> Labels:
    """Text class labels (e.g. 'setosa') → classes numbered in sorted order."""
    unique, y = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    _check_classes(name, unique)
    return Labels(y.astype(np.int64), "classification", len(unique), tuple(map(str, unique)))


def _check_classes(name: str, unique: np.ndarray) -> None:
    if len(unique) < 2:
        found = ", ".join(str(v) for v in unique)
        raise DesignError(f"{name}: classification needs at least 2 classes, found only {found}")
    if len(unique) > MAX_CLASSES:
        raise DesignError(f"{name}: {len(unique)} classes; at most {MAX_CLASSES} are supported")


# --- NPZ ----------------------------------------------------------------------------------------

NUMERIC_KINDS = "biuf"


def load_npz(request: FileRequest) -> Table:
    path, name = request.path, request.path.name
    if not zipfile.is_zipfile(path):
        raise DesignError(f"{name}: not an .npz archive (a zip of .npy arrays)")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile) as error:
        raise DesignError(f"{name}: cannot read: {error}") from None
    if unpacked > MAX_FILE_BYTES:
        raise DesignError(f"{name}: data is too large (over {_mib()} uncompressed)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            x = _npz_array(archive, name, "x")
            y = _npz_array(archive, name, "y")
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise DesignError(f"{name}: cannot read: {error}") from None
    if x.ndim not in (2, 3):
        raise DesignError(
            f"{name}: array 'x' must be shaped (samples, features) or (samples, rows, cols), "
            f"got {x.shape}"
        )
    if y.ndim not in (1, 2):
        raise DesignError(
            f"{name}: array 'y' must be shaped (samples,) or (samples, targets), got {y.shape}"
        )
    if len(x) != len(y):
        raise DesignError(f"{name}: 'x' has {len(x)} samples but 'y' has {len(y)}")
    if x.dtype.kind not in NUMERIC_KINDS:
        raise DesignError(f"{name}: array 'x' must be numeric, got dtype {x.dtype}")
    picture = Picture(int(x.shape[1]), int(x.shape[2])) if x.ndim == 3 else None
    x = x.reshape(x.shape[0], math.prod(x.shape[1:]))
    check_size(name, *x.shape)
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        sample, feature = _first_nonfinite(x)
        raise DesignError(f"{name}: x[{sample}, {feature}] is not a finite number")
    where = f"{name}, array 'y'"
    if y.dtype.kind in "US":
        if y.ndim != 1 or request.task == "regression":
            raise DesignError(f"{where}: text labels need task classification and shape (samples,)")
        labels = string_targets([str(v) for v in y], where)
    elif y.dtype.kind in NUMERIC_KINDS:
        labels = targets(y, request.task, where)
    else:
        raise DesignError(f"{where}: must be numeric, got dtype {y.dtype}")
    names = picture.feature_names() if picture else _numbered(x.shape[1])
    return Table(x, *labels, names, picture)


def _npz_array(archive, name: str, key: str) -> np.ndarray:
    if key not in archive.files:
        found = ", ".join(archive.files) or "none"
        raise DesignError(f"{name}: missing array {key!r} (found: {found})")
    try:
        return archive[key]
    except ValueError as error:
        if "allow_pickle" in str(error) or "Object arrays" in str(error):
            raise DesignError(
                f"{name}: array {key!r} holds Python objects; only numeric arrays are accepted "
                "(pickled data is never loaded)"
            ) from None
        raise DesignError(f"{name}: cannot read array {key!r}: {error}") from None


def _numbered(count: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(count))


FILE_LOADERS.add(
    "npz", FileFormat(load_npz), "NumPy .npz archive with arrays x (samples, features) and y"
)


# --- IDX ----------------------------------------------------------------------------------------

# IDX type codes (third magic byte) → big-endian NumPy dtype.
IDX_DTYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: Path, progress: Progress | None = None) -> np.ndarray:
    """An IDX file (raw or gzipped) → array shaped by its header (`progress` as `read_bytes`)."""
    name = path.name
    data = read_bytes(path, progress)
    if len(data) < 4:
        raise DesignError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES or data[3] == 0:
        raise DesignError(f"{name}: not an IDX file (magic number 0x{data[:4].hex()})")
    ndim = data[3]
    start = 4 + 4 * ndim
    if len(data) < start:
        raise DesignError(f"{name}: truncated IDX header (needs {start} bytes, has {len(data)})")
    dims = struct.unpack(f">{ndim}I", data[4:start])
    dtype = np.dtype(IDX_DTYPES[data[2]])
    expected = math.prod(dims) * dtype.itemsize
    found = len(data) - start
    if found < expected:
        raise DesignError(
            f"{name}: truncated: the header promises {expected:,} bytes of data, "
            f"the file has {found:,}"
        )
    if found > expected:
        raise DesignError(f"{name}: {found - expected:,} unexpected bytes after the data")
    return np.frombuffer(data, dtype=dtype, count=math.prod(dims), offset=start).reshape(dims)


def load_idx(request: FileRequest) -> Table:
    path, name = request.path, request.path.name
    if request.labels_path is None:
        raise DesignError("dataset.labels_path: an idx dataset needs the labels file too")
    images = read_idx(path, request.progress)
    if images.ndim < 2:
        raise DesignError(
            f"{name}: the images file must be shaped (samples, ...), got {images.shape}"
        )
    picture = Picture(int(images.shape[1]), int(images.shape[2])) if images.ndim == 3 else None
    x = images.reshape(images.shape[0], math.prod(images.shape[1:]))
    check_size(name, *x.shape)
    x = x / 255.0 if x.dtype == np.uint8 else x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        sample, feature = _first_nonfinite(x)
        raise DesignError(f"{name}: value {feature} of sample {sample} is not a finite number")
    labels_name = request.labels_path.name
    values = read_idx(request.labels_path)
    if values.ndim not in (1, 2):
        raise DesignError(
            f"{labels_name}: labels must be shaped (samples,) or (samples, targets), "
            f"got {values.shape}"
        )
    if len(values) != len(x):
        raise DesignError(f"{labels_name}: {len(values):,} labels for {len(x):,} images in {name}")
    labels = targets(values, request.task, labels_name)
    names = picture.feature_names() if picture else _numbered(x.shape[1])
    return Table(x, *labels, names, picture)


FILE_LOADERS.add(
    "idx", FileFormat(load_idx), "IDX images and labels files (MNIST's format, raw or .gz)"
)
