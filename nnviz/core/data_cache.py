"""Built datasets kept for reuse, within a memory budget, shared by every part of one window.

Full MNIST takes seconds to read and half a gigabyte as float64: the window's builder (which
checks a design against its data), the run it trains, a reset and a race must all use one copy,
read once. `DataCache.get` builds a spec's `Dataset` (or remembers the `DesignError` it gives)
and keeps the most recently used ones while their arrays fit in `budget_bytes`; the newest is
always kept, however large. It may be called from any thread: a background loader fills it
while the GUI thread asks `peek` whether a dataset is ready.

`slow_to_build(spec)` says which specs are worth loading in the background with a progress bar:
the full, downloaded image sets, large files (`FileFormat.slow_from_bytes`: a megabyte of CSV
text, 16 of binary arrays) and folders of pictures not decoded yet; `quick_get` refuses to
build those (`DataNotLoadedError`), so the GUI thread never waits for one.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from pathlib import Path

from nnviz.core.data_io import FILE_LOADERS, Progress, resolve_file
from nnviz.core.datasets import DATASETS, Dataset, make_dataset, needs_decoding, read_spec
from nnviz.core.downloads import REMOTE_SETS, is_downloaded
from nnviz.core.mnist import BUNDLED, default_source
from nnviz.core.specs import DatasetSpec
from nnviz.core.validation import DesignError

# Bytes of dataset arrays kept, the newest always: one full MNIST (615 MB with its float32
# copy) and any number of small sets; a second variant of it replaces the first.
DEFAULT_BUDGET = 2**30

Key = tuple[DatasetSpec, Path | None]


class DataNotLoadedError(Exception):
    """The spec's data is slow to build and not built yet: build it in the background."""

    def __init__(self, spec: DatasetSpec, base_dir: Path | None) -> None:
        super().__init__(f"{loading_title(spec)} is not loaded yet")
        self.spec, self.base_dir = spec, base_dir
        self.dtype: str | None = None  # the run's dtype, when a run waits for the data


class DataCache:
    """Datasets by (spec, base folder), most recently used last; thread-safe."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET) -> None:
        self.budget_bytes = budget_bytes
        self._items: OrderedDict[Key, Dataset | DesignError] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, spec: DatasetSpec, base_dir: Path | None) -> Dataset | DesignError | None:
        """The dataset (or the error) already built for `spec`, or None; never builds."""
        key = _key(spec, base_dir)
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def get(
        self, spec: DatasetSpec, base_dir: Path | None, progress: Progress | None = None
    ) -> Dataset:
        """The dataset for `spec`, built on first use; a spec that cannot be built raises its
        `DesignError` (remembered, like a dataset). `progress(done, total)` follows a build;
        an exception it raises stops the build and is not remembered."""
        item = self.peek(spec, base_dir)
        if item is None:
            try:
                item = make_dataset(spec, base_dir, progress)
            except DesignError as error:
                item = error
            self._keep(_key(spec, base_dir), item)
        if isinstance(item, DesignError):
            raise item
        return item

    def quick_get(self, spec: DatasetSpec, base_dir: Path | None) -> Dataset:
        """`get`, for a caller that must not wait (the GUI thread): the dataset if it is built
        or quick to build, `DataNotLoadedError` if it is slow to build (`slow_to_build`)."""
        if self.peek(spec, base_dir) is None and slow_to_build(spec, base_dir):
            raise DataNotLoadedError(spec, base_dir)
        return self.get(spec, base_dir)

    def nbytes(self) -> int:
        """Bytes held by the kept datasets' arrays."""
        with self._lock:
            return sum(_size(item) for item in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def _keep(self, key: Key, item: Dataset | DesignError) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > 1 and sum(map(_size, self._items.values())) > (
                self.budget_bytes
            ):
                self._items.popitem(last=False)


def _key(spec: DatasetSpec, base_dir: Path | None) -> Key:
    """What the data depends on: the spec's values, and the design's folder only for files
    (the same MNIST opened from two folders is one dataset)."""
    checked = read_spec(spec)
    folder = base_dir if DATASETS.get(checked.name).file_format is not None else None
    return dataclasses.replace(checked, given=frozenset()), folder


def _size(item: Dataset | DesignError) -> int:
    return item.nbytes if isinstance(item, Dataset) else 0


def slow_to_build(spec: object, base_dir: Path | None) -> bool:
    """Whether building `spec` takes long enough to need a progress bar: a full, downloaded
    image set, a data file larger than its format's `slow_from_bytes`, or a folder of pictures
    not decoded yet (3,000 JPEGs take seconds). A spec that cannot be read is quick (it fails
    at once)."""
    try:
        checked = read_spec(spec)
    except DesignError:
        return False
    kind = DATASETS.get(checked.name)
    if kind.sources:
        source = checked.source or default_source(checked.name)
        return source == "full" and is_downloaded(checked.name)
    if kind.file_format is None or checked.path is None:
        return False
    if needs_decoding(checked, base_dir):
        return True
    try:
        path = resolve_file(checked.path, base_dir, "path")
        limit = FILE_LOADERS.get(kind.file_format).slow_from_bytes
        return path.is_file() and path.stat().st_size > limit
    except (DesignError, OSError):
        return False


def loading_title(spec: object) -> str:
    """What is being read, for a progress line: "full MNIST", "Fashion-MNIST", "data.csv"."""
    try:
        checked = read_spec(spec)
    except DesignError:
        return "the data"
    if DATASETS.get(checked.name).sources and checked.name in REMOTE_SETS:
        title = REMOTE_SETS.get(checked.name).title
        return f"full {title}" if checked.name in BUNDLED else title
    if checked.path is not None:
        return Path(checked.path).name
    return checked.name
