"""Datasets: TensorFlow Playground's 2-D sets, moons, blobs, digits, and a person's own files.

`make_dataset(spec)` turns a `DatasetSpec` (or a plain mapping with the same keys) into a
`Dataset`: train and test arrays ready for the network, plus, for 2-D sets, the raw points and
`encode()` so the GUI can run the network over the whole plane through the same features and
standardization. The same spec always gives the same arrays.

The six Playground sets follow its `dataset.ts`: same shapes, ranges and noise meaning (our
`noise` is its slider divided by 100, 0..0.5), with labels 0/1 instead of -1/+1 and regression
targets shaped (n, 1).
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core import csv_table  # noqa: F401  (it registers its format)
from nnviz.core.class_names import numbered
from nnviz.core.data_io import (
    DEFAULT_IMAGE_SIZE,
    FILE_LOADERS,
    FileRequest,
    Progress,
    Table,
    load_file,
    resolve_file,
)
from nnviz.core.dataset_fields import DATASET_FIELDS
from nnviz.core.features import DEFAULT_FEATURES, plane_features, standardization
from nnviz.core.image_folder import is_decoded
from nnviz.core.mnist import default_source, load_images
from nnviz.core.pictures import Picture
from nnviz.core.registry import Registry
from nnviz.core.resources import resource_path
from nnviz.core.specs import DatasetSpec
from nnviz.core.validation import DesignError, at, check_keys, fail, read_choice, read_object

PLANE = (-6.0, 6.0)  # the Playground's plane, for all of its sets
DEFAULT_SAMPLES = 500  # the Playground's default
DIGITS_FILE = ("data", "digits.csv.gz")


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Train/test arrays for one spec. Arrays are read-only: views share them across threads."""

    name: str
    task: str  # "classification" | "regression"
    x_train: np.ndarray  # (n, features) float64, features applied and standardized
    y_train: np.ndarray  # classification: (n,) int64 in 0..k-1; regression: (n, t) float64
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int | None
    feature_names: tuple[str, ...]
    points_train: np.ndarray | None = None  # (n, 2) raw plane coordinates, 2-D sets only
    points_test: np.ndarray | None = None
    plane: tuple[float, float] | None = None  # (lo, hi) extent of both plane axes
    picture: Picture | None = None  # how a sample looks, for picture data
    feature_mean: np.ndarray | None = None  # train-split statistics when standardized
    feature_std: np.ndarray | None = None
    class_names: tuple[str, ...] | None = None  # for legends: "0".."9", or a CSV's text labels

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inputs", {})  # dtype → x_train in it, see `inputs`

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    def inputs(self, dtype: np.dtype | type) -> np.ndarray:
        """x_train as a contiguous, read-only array of `dtype`, converted once per dataset:
        every run on the same data (a reset, a race, the builder's checks) shares it."""
        key = np.dtype(dtype)
        converted = self._inputs.get(key)
        if converted is None:
            converted = _frozen(np.ascontiguousarray(self.x_train, dtype=key))
            self._inputs[key] = converted
        return converted

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays, conversions made by `inputs` included."""
        arrays = [
            self.x_train,
            self.y_train,
            self.x_test,
            self.y_test,
            self.points_train,
            self.points_test,
            *(a for a in self._inputs.values() if a is not self.x_train),
        ]
        return sum(a.nbytes for a in arrays if a is not None)

    def encode(self, points: np.ndarray) -> np.ndarray:
        """Raw plane points (m, 2) → network inputs (m, n_features), exactly as x_train was made."""
        if self.plane is None:
            raise ValueError(f"dataset {self.name!r} is not a 2-D set; encode() needs one")
        x = plane_features(points, self.feature_names)
        if self.feature_mean is not None:
            x = (x - self.feature_mean) / self.feature_std
        return x

    def __repr__(self) -> str:
        k = f", classes={self.classes}" if self.classes else ""
        return (
            f"Dataset({self.name!r}, {self.task}, train {self.x_train.shape}, "
            f"test {self.x_test.shape}{k})"
        )


# --- spec ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """A 2-D generator's output: coordinates and labels (int) or targets (float (n, 1))."""

    points: np.ndarray
    y: np.ndarray


PointsFn = Callable[[int, float, int, np.random.Generator], Points]


@dataclass(frozen=True)
class DatasetKind:
    """What the GUI and the validator need to know about a dataset without building it."""

    task: str | None  # None: decided by the file
    plane: bool  # a 2-D set drawn on `PLANE`, with points and encode()
    generate: PointsFn | None = None  # 2-D sets: (samples, noise, classes, rng) → Points
    classes: int | None = None  # fixed class count (or the default for blobs/spiral)
    takes_classes: bool = False  # the user may choose the class count
    features: int | None = None  # fixed feature count of non-plane built-in sets
    noise: bool = False
    file_format: str | None = None  # csv | npz | idx
    class_names: Callable[[int], tuple[str, ...]] | None = None  # 2-D sets: class count → names
    # built-in sets read from files: (spec, progress) → the whole set
    load: Callable[[DatasetSpec, Progress | None], Table] | None = None
    sources: bool = False  # comes as a bundled subset and a full, downloaded set


DATASETS: Registry[DatasetKind] = Registry("dataset")
_DEFAULTS = {f.name: f.default for f in fields(DatasetSpec) if f.name not in ("name", "given")}


def _given_fields(spec: DatasetSpec) -> dict[str, Any]:
    """A spec built in code as the mapping a file would hold, so it is checked the same way."""
    out: dict[str, Any] = {"name": spec.name}
    for key, default in _DEFAULTS.items():
        value = getattr(spec, key)
        if key in spec.given or value != default:
            out[key] = value
    return out


def read_spec(value: object, where: str = "dataset") -> DatasetSpec:
    """The one check of a dataset's fields (their rules: `dataset_fields.DATASET_FIELDS`).

    Takes the `dataset` object of a design file, a plain mapping or a `DatasetSpec`; a field
    that does not apply to the chosen dataset must keep its default. Raises DesignError.
    """
    given = None
    if isinstance(value, DatasetSpec):
        given, value = value.given, _given_fields(value)
    obj = read_object(value, where)
    check_keys(obj, where, required=("name",), optional=DATASET_FIELDS.names())
    name = read_choice(obj["name"], at(where, "name"), "dataset", DATASETS.names())
    kind = DATASETS.get(name)
    values: dict[str, Any] = {}
    for key in DATASET_FIELDS.names():
        entry, default = DATASET_FIELDS.get(key), _DEFAULTS[key]
        if key in obj and (obj[key] is not None or default is not None):
            values[key] = entry.read(obj[key], at(where, key))
        if values.get(key, default) != default and not entry.applies(kind):
            takers = ", ".join(n for n in DATASETS.names() if entry.applies(DATASETS.get(n)))
            fail(at(where, key), f"does not apply to {name} (only to {takers})")
        if values.get(key) is None and entry.required(kind):
            about = DATASET_FIELDS.description(key)
            fail(at(where, key), f"required for {name} ({about[0].lower()}{about[1:]})")
    return DatasetSpec(
        name=name, **values, given=frozenset(obj) - {"name"} if given is None else given
    )


def check_spec(spec: object) -> None:
    """Raise DesignError for anything `make_dataset` would refuse before reading a file."""
    read_spec(spec)


def _kind(spec: object) -> tuple[DatasetSpec, DatasetKind]:
    checked = read_spec(spec)
    return checked, DATASETS.get(checked.name)


def feature_count(spec: object) -> int | None:
    """Network inputs this spec gives, without building it; None when a file decides."""
    checked, kind = _kind(spec)
    if kind.plane:
        return len(checked.features or DEFAULT_FEATURES)
    return kind.features


def class_count(spec: object) -> int | None:
    """Classes this spec gives; None for regression or when a file decides."""
    checked, kind = _kind(spec)
    if kind.task != "classification":
        return None
    return checked.classes or kind.classes


def task_of(spec: object) -> str | None:
    """Classification or regression; for files, the spec's `task` (None: the file decides)."""
    checked, kind = _kind(spec)
    return kind.task or checked.task


def is_plane(name: str) -> bool:
    """True for the 2-D sets (points, a plane extent and encode())."""
    return DATASETS.get(name).plane


# --- 2-D generators -----------------------------------------------------------------------------


def _halves(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def _uniform_noise(rng: np.random.Generator, n: int, radius: float, noise: float) -> np.ndarray:
    """The Playground's label noise: the point is labelled as if moved by up to radius·noise."""
    return rng.uniform(-radius, radius, size=(n, 2)) * noise


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)])


def circle(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """Class 1 inside radius 2.5, class 0 in the ring 3.5..5; noise relabels, never moves."""
    radius = 5.0
    inner, outer = _halves(n)
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, outer)]
    )
    points = _polar(r, rng.uniform(0, 2 * np.pi, n))
    moved = points + _uniform_noise(rng, n, radius, noise)
    y = (np.hypot(moved[:, 0], moved[:, 1]) < radius * 0.5).astype(np.int64)
    return Points(points, y)


def xor(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """Quadrants: class 1 where x·y >= 0; points kept 0.3 away from the axes."""
    points = rng.uniform(-5, 5, size=(n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    moved = points + _uniform_noise(rng, n, 5.0, noise)
    y = (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)
    return Points(points, y)


def _gauss_std(noise: float) -> float:
    """The Playground maps noise 0..0.5 to variance 0.5..4."""
    return math.sqrt(0.5 + 7.0 * noise)


def gauss(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """Two Gaussian clouds: class 1 around (2, 2), class 0 around (-2, -2)."""
    first, second = _halves(n)
    centers = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [first, second], axis=0)
    points = centers + rng.normal(0.0, _gauss_std(noise), size=(n, 2))
    y = np.repeat(np.array([1, 0], dtype=np.int64), [first, second])
    return Points(points, y)


def _class_sizes(n: int, k: int) -> np.ndarray:
    return np.full(k, n // k) + (np.arange(k) < n % k)


def spiral(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """k interleaved arms of 1.75 turns out to radius 5; k = 2 is the Playground's two spirals."""
    sizes = _class_sizes(n, classes)
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    step = np.concatenate([np.arange(size) / size for size in sizes])
    # arm c is turned by pi + 2·pi·c/k: for k = 2 that is the Playground's pi (label -1) and 0 (+1)
    delta = np.pi + 2 * np.pi * y / classes
    points = _polar(step * 5.0, 1.75 * step * 2 * np.pi + delta)
    points += rng.uniform(-1, 1, size=(n, 2)) * noise
    return Points(points, y)


def plane(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """Regression on a tilted plane: target (x1 + x2) / 10, in [-1.2, 1.2] without noise."""
    points = rng.uniform(-6, 6, size=(n, 2))
    moved = points + _uniform_noise(rng, n, 6.0, noise)
    return Points(points, (moved.sum(axis=1) / 10.0)[:, None])


MULTI_GAUSS_CENTERS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def multi_gauss(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """Regression on six bumps of alternating sign; target in [-1, 1], 0 far from all."""
    points = rng.uniform(-6, 6, size=(n, 2))
    moved = points + _uniform_noise(rng, n, 6.0, noise)
    distance = np.hypot(
        moved[:, None, 0] - MULTI_GAUSS_CENTERS[:, 0], moved[:, None, 1] - MULTI_GAUSS_CENTERS[:, 1]
    )
    signed = MULTI_GAUSS_CENTERS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(signed), axis=1)  # first of equals, as the Playground's loop
    return Points(points, signed[np.arange(n), strongest][:, None])


def moons(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """scikit-learn's two moons, scaled ×3 and centred, so they span about ±4.5 × ±2.3."""
    upper, lower = _halves(n)
    t = rng.uniform(0, np.pi, n)
    base = np.column_stack([np.cos(t), np.sin(t)])
    base[upper:] = 1.0 - base[upper:] - [0.0, 0.5]
    base += rng.normal(0.0, noise, size=(n, 2))
    points = (base - [0.5, 0.25]) * 3.0
    y = np.repeat(np.array([0, 1], dtype=np.int64), [upper, lower])
    return Points(points, y)


def blobs(n: int, noise: float, classes: int, rng: np.random.Generator) -> Points:
    """k Gaussian clusters on a circle of radius 4, spread like the Playground's gauss set."""
    sizes = _class_sizes(n, classes)
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    angle = np.pi / 4 + 2 * np.pi * np.arange(classes) / classes
    centers = 4.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    points = centers[y] + rng.normal(0.0, _gauss_std(noise), size=(n, 2))
    return Points(points, y)


def _fixed(*names: str) -> Callable[[int], tuple[str, ...]]:
    return lambda classes: names


def _numbered(prefix: str) -> Callable[[int], tuple[str, ...]]:
    return lambda classes: numbered(prefix, classes)


# Class names say what each class is on the plane (class 0 first), so legends and output
# neurons read "disc" rather than "1".
for _name, _generate, _task, _classes, _names, _description in (
    (
        "circle",
        circle,
        "classification",
        2,
        _fixed("ring", "disc"),
        "A disc inside a ring (Playground)",
    ),
    (
        "xor",
        xor,
        "classification",
        2,
        _fixed("x·y < 0", "x·y ≥ 0"),
        "Four quadrants, opposite ones alike (Playground)",
    ),
    (
        "gauss",
        gauss,
        "classification",
        2,
        _fixed("lower left", "upper right"),
        "Two Gaussian clouds (Playground)",
    ),
    (
        "spiral",
        spiral,
        "classification",
        2,
        _numbered("arm"),
        "Interleaved spiral arms, 2 or more (Playground)",
    ),
    ("plane", plane, "regression", None, None, "Regression: a tilted plane (Playground)"),
    ("multi_gauss", multi_gauss, "regression", None, None, "Regression: six bumps (Playground)"),
    (
        "moons",
        moons,
        "classification",
        2,
        _fixed("upper moon", "lower moon"),
        "Two interleaving half-moons",
    ),
    ("blobs", blobs, "classification", 3, _numbered("blob"), "k Gaussian clusters (default 3)"),
):
    DATASETS.add(
        _name,
        DatasetKind(
            task=_task,
            plane=True,
            generate=_generate,
            classes=_classes,
            takes_classes=_name in ("spiral", "blobs"),
            noise=True,
            class_names=_names,
        ),
        _description,
    )

DATASETS.add(
    "digits",
    DatasetKind(
        task="classification",
        plane=False,
        classes=10,
        features=64,
        load=lambda spec, progress: load_digits(),
    ),
    "Handwritten digits, 8×8 pixels, 1,797 images (UCI)",
)
for _name, _description in (
    ("mnist", "MNIST handwritten digits, 28×28: 5,000 bundled, 70,000 when downloaded"),
    ("fashion_mnist", "Fashion-MNIST clothing, 28×28, 70,000 images (once downloaded)"),
):
    DATASETS.add(
        _name,
        DatasetKind(
            task="classification",
            plane=False,
            classes=10,
            features=784,
            load=lambda spec, progress, name=_name: load_images(
                name, spec.source or default_source(name), progress
            ),
            sources=True,
        ),
        _description,
    )
for _fmt in sorted(FILE_LOADERS, key=lambda f: f != "csv"):  # CSV first: the most common
    DATASETS.add(
        _fmt,
        DatasetKind(task=None, plane=False, file_format=_fmt),
        f"Your own data: {FILE_LOADERS.description(_fmt)}",
    )


# --- building -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_digits() -> Table:
    """The bundled digits: pixels 0..16 scaled to [0, 1], labels 0..9."""
    path = resource_path(*DIGITS_FILE)
    with gzip.open(path, "rt", encoding="ascii") as text:
        raw = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    x = raw[:, :-1] / 16.0
    y = raw[:, -1].copy()
    for array in (x, y):
        array.flags.writeable = False
    picture = Picture(8, 8)
    classes = tuple(map(str, range(10)))
    return Table(x, y, "classification", 10, classes, picture.feature_names(), picture)


def _load_table(
    spec: DatasetSpec, kind: DatasetKind, base_dir: Path | None, progress: Progress | None
) -> Table:
    if kind.load is not None:
        return kind.load(spec, progress)
    return load_file(kind.file_format, _request(spec, kind, base_dir, progress))


def needs_decoding(spec: object, base_dir: Path | str | None = None) -> bool:
    """Whether building `spec` means decoding a folder of pictures first (seconds for a large
    one), rather than reading a table or taking a folder decoded before."""
    try:
        checked, kind = _kind(spec)
        if kind.file_format is None or not FILE_LOADERS.get(kind.file_format).folder:
            return False
        request = _request(checked, kind, Path(base_dir) if base_dir is not None else None)
    except DesignError:
        return False  # refused at once
    return not is_decoded(request)


def _request(
    spec: DatasetSpec, kind: DatasetKind, base_dir: Path | None, progress: Progress | None = None
) -> FileRequest:
    folder = FILE_LOADERS.get(kind.file_format).folder
    path = resolve_file(spec.path, base_dir, "path", folder)
    labels_path = (
        resolve_file(spec.labels_path, base_dir, "labels_path") if spec.labels_path else None
    )
    return FileRequest(
        path=path,
        labels_path=labels_path,
        label_column=spec.label_column,
        task=spec.task,
        header=spec.header,
        size=spec.size or DEFAULT_IMAGE_SIZE,
        grayscale=spec.grayscale,
        skip_unreadable=spec.skip_unreadable,
        progress=progress,
    )


def _split(
    y: np.ndarray, task: str, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train/test indices; classification keeps each class's share in both parts."""
    n = len(y)
    n_test = min(n - 1, math.floor(n * fraction + 0.5))
    order = rng.permutation(n)
    if task == "classification":
        # rank each sample within its class, so taking the lowest ranks takes from every class
        labels = y[order]
        rank = np.empty(n)
        for label in np.unique(labels):
            members = labels == label
            count = int(members.sum())
            rank[members] = (np.arange(count) + 0.5) / count
        order = order[np.argsort(rank, kind="stable")]
    test = np.zeros(n, dtype=bool)
    test[order[:n_test]] = True
    shuffled = rng.permutation(n)
    return shuffled[~test[shuffled]], shuffled[test[shuffled]]


def _frozen(array: np.ndarray | None) -> np.ndarray | None:
    if array is None:
        return None
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


def _plane_table(
    spec: DatasetSpec, kind: DatasetKind, rng: np.random.Generator
) -> tuple[Table, np.ndarray]:
    """Generate the points, then the chosen features of them: (table, raw points)."""
    classes = spec.classes or kind.classes
    made = kind.generate(spec.samples or DEFAULT_SAMPLES, spec.noise, classes, rng)
    names = spec.features or DEFAULT_FEATURES
    class_names = kind.class_names(classes) if kind.class_names is not None else None
    table = Table(
        plane_features(made.points, names), made.y, kind.task, classes, class_names, names
    )
    return table, made.points


def make_dataset(
    spec: object, base_dir: Path | str | None = None, progress: Progress | None = None
) -> Dataset:
    """Build the dataset a DatasetSpec (or a mapping of its fields) describes.

    `progress(done, total)` follows the reading of a large file or set, where its loader
    reports it (full MNIST, image folders); an exception it raises stops the build."""
    checked, kind = _kind(spec)
    make_rng, pick_rng, split_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(checked.seed).spawn(3)
    )
    if kind.plane:
        table, points = _plane_table(checked, kind, make_rng)
        x, y = table.x, table.y
    else:
        folder = Path(base_dir) if base_dir is not None else None
        table = _load_table(checked, kind, folder, progress)
        x, y, points = table.x, table.y, None
        if checked.samples is not None and checked.samples < len(x):
            keep = np.sort(pick_rng.choice(len(x), checked.samples, replace=False))
            x, y = x[keep], y[keep]
    train, test = _split(y, table.task, checked.test_fraction, split_rng)
    mean = std = None
    if checked.standardize:
        mean, std = standardization(x[train])
        x = (x - mean) / std
    return Dataset(
        name=checked.name,
        task=table.task,
        x_train=_frozen(x[train]),
        y_train=_frozen(y[train]),
        x_test=_frozen(x[test]),
        y_test=_frozen(y[test]),
        classes=table.classes,
        feature_names=tuple(table.feature_names),
        points_train=_frozen(points[train]) if points is not None else None,
        points_test=_frozen(points[test]) if points is not None else None,
        plane=PLANE if kind.plane else None,
        picture=table.picture,
        feature_mean=_frozen(mean),
        feature_std=_frozen(std),
        class_names=table.class_names,
    )
