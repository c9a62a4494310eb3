"""MNIST and Fashion-MNIST: 28×28 greyscale pictures in ten classes.

`mnist` works offline: nnviz ships 5,000 real MNIST images (500 per class, stored sorted by class;
the split shuffles them) as `resources/data/mnist_5k.csv.gz`. The full 70,000 images of either set
are read from the user's data folder once downloaded (`nnviz data download NAME`, or the Download
button): the 60,000 training and 10,000 test images are pooled and split like any other set.
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from nnviz.core.data_io import Progress, Table, read_idx
from nnviz.core.downloads import REMOTE_SETS, dataset_folder, is_downloaded
from nnviz.core.pictures import Picture
from nnviz.core.resources import resource_path
from nnviz.core.specs import SOURCES
from nnviz.core.validation import DesignError

SUBSET_FILE = ("data", "mnist_5k.csv.gz")
IMAGE_SHAPE = (28, 28)
DIGIT_NAMES = tuple(str(k) for k in range(10))
FASHION_NAMES = (
    "T-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
CLASS_NAMES = {"mnist": DIGIT_NAMES, "fashion_mnist": FASHION_NAMES}
BUNDLED = ("mnist",)  # sets with a subset inside nnviz


def default_source(name: str) -> str:
    """'subset' for MNIST (always there), 'full' for sets that ship no subset."""
    return "subset" if name in BUNDLED else "full"


def check_source(name: str, source: str) -> None:
    """DesignError unless `source` is available for `name` (full data must be downloaded)."""
    if source not in SOURCES:
        raise DesignError(f"dataset.source: expected {' or '.join(SOURCES)}, got {source!r}")
    if source == "subset" and name not in BUNDLED:
        raise DesignError(f'dataset.source: {name} ships no subset; use "full" once downloaded')


def load_images(name: str, source: str, progress: Progress | None = None) -> Table:
    """The whole set as a Table: pixels scaled to [0, 1], labels 0..9, 28×28 images.
    `progress(done, total)` follows the reading of the full set's files, in bytes."""
    check_source(name, source)
    if source == "subset":
        return _subset()
    return _full(name, progress)


@lru_cache(maxsize=1)
def _subset() -> Table:
    with gzip.open(resource_path(*SUBSET_FILE), "rt", encoding="ascii") as text:
        raw = np.loadtxt(text, delimiter=",", dtype=np.uint8, ndmin=2)
    return _table(raw[:, :-1], raw[:, -1], DIGIT_NAMES)


def _full(name: str, progress: Progress | None) -> Table:
    folder = dataset_folder(name)
    if not is_downloaded(name, folder):
        title = REMOTE_SETS.get(name).title
        raise DesignError(
            f"dataset.source: full {title} is not downloaded yet; run "
            f"'nnviz data download {name}' or press Download beside the dataset"
        )
    files = tuple(folder / f.name for f in REMOTE_SETS.get(name).files)
    pixels, labels = _read_full(files, progress)
    return _table(pixels, labels, CLASS_NAMES[name])


# The last full set read, as its 55 MB of bytes (as float64 it takes 440 MB, and the datasets
# built from it are kept by whoever builds them): a second build skips the decompression.
_last_read: dict[tuple[Path, ...], tuple[np.ndarray, np.ndarray]] = {}
_read_lock = threading.Lock()


def _read_full(files: tuple[Path, ...], progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (70,000, 784) uint8, labels (70,000,) uint8) of the four IDX files, training
    then test; `progress` gets the bytes of the files read so far and their sum."""
    with _read_lock:
        kept = _last_read.get(files)
    if kept is not None:
        return kept
    sizes = [path.stat().st_size for path in files]
    total, arrays = sum(sizes), []
    for k, path in enumerate(files):
        before = sum(sizes[:k])
        report = None if progress is None else partial(_offset, progress, before, total)
        arrays.append(read_idx(path, report))
        if progress is not None:
            progress(before + sizes[k], total)
    train_x, train_y, test_x, test_y = arrays
    pixels = np.concatenate([train_x, test_x]).reshape(-1, IMAGE_SHAPE[0] * IMAGE_SHAPE[1])
    kept = (pixels, np.concatenate([train_y, test_y]))
    with _read_lock:
        _last_read.clear()
        _last_read[files] = kept
    return kept


def _offset(progress: Progress, before: int, total: int, done: int, size: int) -> None:
    progress(before + done, total)


def _table(pixels: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> Table:
    x = pixels.astype(np.float64) / 255.0
    y = labels.astype(np.int64)
    for array in (x, y):
        array.flags.writeable = False
    picture = Picture(*IMAGE_SHAPE)
    return Table(x, y, "classification", 10, names, picture.feature_names(), picture)
