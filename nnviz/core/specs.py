"""The parts of a design as immutable values, and the limits every reader of them shares.

`Design` (in `design.py`) is made of these. Each part remembers which of its keys were read
from a file (`given`), so a loaded and saved design writes back exactly what the person wrote.
Reading and checking them is `schema.py`'s job; these classes only hold checked values.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnviz.core.validation import FrozenMap, freeze

FORMAT = "nnviz-design"
VERSION = 1
REQUIRED_KEYS = ("name", "inputs", "layers", "loss", "optimizer", "training", "dataset")
OPTIONAL_KEYS = ("format", "version", "initializer", "regularization", "meta")
MAX_LAYERS = 32
MAX_UNITS = 4096
MAX_INPUTS = 1_000_000
MAX_PARAMS = 10_000_000
MAX_SAMPLES = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 1_000_000
MAX_SEED = 2**32 - 1
MAX_CLASSES = 1000
MAX_NAME = 200
MAX_PATH = 4096
MAX_FILE_BYTES = 10 * 2**20
DTYPES = ("float64", "float32")
SOURCES = ("subset", "full")  # of mnist: bundled, or downloaded
TASKS = ("classification", "regression")

EMPTY: Mapping[str, Any] = FrozenMap()


def given_keys() -> Any:
    """Keys read from the file, so `to_dict` writes them back even when they equal the default."""
    return field(default=frozenset(), compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str


@dataclass(frozen=True)
class OptimizerSpec:
    name: str  # sgd | rmsprop | adagrad | adam | adamw
    params: Mapping[str, float | bool] = EMPTY  # only the hyper-parameters the user gave

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))


@dataclass(frozen=True)
class RegularizationSpec:
    kind: str  # l1 | l2
    rate: float


@dataclass(frozen=True)
class ScheduleSpec:
    name: str  # constant | step | exponential | cosine
    params: Mapping[str, float | int] = EMPTY

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", freeze(self.params))


@dataclass(frozen=True)
class EarlyStopping:
    patience: int  # epochs without improvement of the monitored loss
    min_delta: float = 0.0
    given: frozenset[str] = given_keys()


@dataclass(frozen=True)
class TrainingSpec:
    batch_size: int
    epochs: int
    seed: int = 0
    dtype: str = "float64"
    schedule: ScheduleSpec | None = None
    target_loss: float | None = None  # stop when the train loss is at or below this
    early_stopping: EarlyStopping | None = (
        None  # on the test loss (train loss without a test split)
    )
    given: frozenset[str] = given_keys()


@dataclass(frozen=True)
class DatasetSpec:
    """Which data, and how it is drawn and split. Each field's reader and the datasets it
    applies to are in `dataset_fields.py`: a new field is one entry there and one line here."""

    name: str
    samples: int | None = None  # None: the dataset's default (digits and files: all rows)
    noise: float = 0.0  # TensorFlow Playground's meaning, 0..0.5
    test_fraction: float = 0.2
    seed: int = 0
    classes: int | None = None  # blobs, spiral arms
    features: tuple[str, ...] | None = None  # 2-D sets only; None: (x1, x2)
    standardize: bool = False
    path: str | None = None  # csv / npz / idx / image_folder, relative to the design's folder
    label_column: str | int | None = None  # csv: a name, or a position (1 first, -1 last)
    labels_path: str | None = None  # idx: the labels file
    task: str | None = None  # csv / npz: classification | regression
    source: str | None = None  # mnist / fashion_mnist: "subset" or "full"; None: the default
    header: bool | None = None  # csv: the first row names the columns; None: detected
    size: tuple[int, int] | None = None  # image_folder: (height, width); None: 28×28
    grayscale: bool = True  # image_folder: one value per pixel, else red, green, blue
    skip_unreadable: bool = False  # image_folder: leave out files that cannot be decoded
    given: frozenset[str] = given_keys()

    def __post_init__(self) -> None:
        if isinstance(self.features, list):
            object.__setattr__(self, "features", tuple(self.features))
        if isinstance(self.size, list):
            object.__setattr__(self, "size", tuple(self.size))


def count_params(inputs: int, units: list[int]) -> int:
    """Weights and biases of dense layers of `units` after `inputs` inputs."""
    sizes = [inputs, *units]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
