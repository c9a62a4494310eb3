"""Race variants: one setting, two to five values, trained from the same initial weights.

`variants` turns a design and a setting's values into designs (each checked as a design file
is, so a bad value is a one-line `DesignError`); `race` trains them one after the other from
the same initial weights (except when the initializer itself is raced), on the same data, and
hands each finished one back as a `RaceResult` for the runs list. It takes a stop `Event`, so
a thread running it can be told to stop between two steps (an epoch of a large data set takes
seconds; a window that closes waits for the race's thread to end).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.runs import Weights
from nnviz.core.snapshot import frozen_copies
from nnviz.core.trainer import Trainer

MIN_VARIANTS, MAX_VARIANTS = 2, 5


def _optimizer(d: dict[str, Any], value: str) -> None:
    lr = d["optimizer"].get("learning_rate")  # the other settings belong to the old optimizer
    d["optimizer"] = {"name": value} | ({"learning_rate": lr} if lr is not None else {})


def _learning_rate(d: dict[str, Any], value: float) -> None:
    d["optimizer"]["learning_rate"] = value


def _activation(d: dict[str, Any], value: str) -> None:
    for layer in d["layers"][:-1]:
        layer["activation"] = value


def _batch_size(d: dict[str, Any], value: int) -> None:
    d["training"]["batch_size"] = value


def _initializer(d: dict[str, Any], value: str) -> None:
    d["initializer"] = value


def _regularization(d: dict[str, Any], value: tuple[str, float] | None) -> None:
    d["regularization"] = None if value is None else {"kind": value[0], "rate": value[1]}


def _regularization_value(text: str) -> tuple[str, float] | None:
    """'none', or a kind and a rate: 'l2 0.001' (also 'l2:0.001')."""
    parts = text.replace(":", " ").split()
    if parts == ["none"]:
        return None
    if len(parts) != 2:
        raise ValueError(f"{text!r}: write none, or a kind and a rate such as l2 0.001")
    return parts[0], float(parts[1])


@dataclass(frozen=True)
class Setting:
    label: str
    apply: Callable[[dict[str, Any], Any], None]  # sets the value in a design's dict
    parse: Callable[[str], Any]  # one value as typed
    example: str  # values to offer first
    shares_weights: bool = True  # racing the initializer needs each its own weights


SETTINGS: dict[str, Setting] = {
    "optimizer": Setting("optimizer", _optimizer, str, "sgd, adam, rmsprop"),
    "learning_rate": Setting("learning rate", _learning_rate, float, "0.003, 0.03, 0.3"),
    "activation": Setting("hidden activation", _activation, str, "tanh, relu, sigmoid"),
    "batch_size": Setting("batch size", _batch_size, int, "4, 16, 64"),
    "initializer": Setting(
        "initializer", _initializer, str, "xavier_uniform, he_normal", shares_weights=False
    ),
    "regularization": Setting(
        "regularization", _regularization, _regularization_value, "none, l2 0.001, l1 0.0001"
    ),
}


def parse_values(setting: str, text: str) -> list[Any]:
    """Comma-separated values of a setting, as typed; ValueError says which one is wrong."""
    spec = SETTINGS[setting]
    values = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            values.append(spec.parse(part))
        except ValueError:
            raise ValueError(f"{spec.label}: {part!r} is not a valid value") from None
    if not MIN_VARIANTS <= len(values) <= MAX_VARIANTS:
        raise ValueError(
            f"{spec.label}: give {MIN_VARIANTS} to {MAX_VARIANTS} values (got {len(values)})"
        )
    return values


def variants(design: Design, setting: str, values: Sequence[Any]) -> list[Design]:
    """The design once per value of `setting`; a value the design format refuses raises
    DesignError naming it."""
    spec = SETTINGS[setting]
    out = []
    for value in values:
        d = design.to_dict()
        spec.apply(d, value)
        try:
            out.append(Design.from_dict(d, design.base_dir))
        except DesignError as error:
            raise DesignError(f"{spec.label} {value!r}: {error}") from None
    return out


@dataclass(frozen=True)
class RaceResult:
    design: Design
    history: dict[str, np.ndarray]
    step_history: dict[str, np.ndarray]
    steps: int
    initial: Weights
    state: str  # "finished", "stopped" or "diverged"


def _train_epoch(trainer: Trainer, stop: threading.Event) -> bool:
    """One epoch (to its end, a divergence or a stop condition), step by step; False when
    `stop` came first."""
    while not stop.is_set():
        trainer.step_batch()
        if not trainer.batch_in_epoch or trainer.state in ("diverged", "finished"):
            return True
    return False


def race(
    designs: Sequence[Design],
    data: Dataset,
    epochs: int,
    initial: Weights | None,
    stop: threading.Event,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[RaceResult]:
    """Train each design for `epochs` epochs on `data`, from the weights `initial` (their
    own initializer's when None), one after the other; `progress(variant, epoch)` after each
    epoch. A set `stop` ends the race after the current step (that variant comes back
    "stopped"; the rest do not start)."""
    for i, design in enumerate(designs):
        if stop.is_set():
            return
        trainer = Trainer(design, data=data)
        trainer.set_epochs(epochs)
        if initial is not None:
            trainer.network.load_weights(*initial)
        start = (frozen_copies(trainer.network.weights), frozen_copies(trainer.network.biases))
        state = "finished"
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while trainer.epoch < epochs:
                if not _train_epoch(trainer, stop):
                    state = "stopped"
                    break
                if progress is not None:
                    progress(i, trainer.epoch)
                if trainer.state in ("diverged", "finished"):  # the budget, or a stop condition
                    state = trainer.state
                    break
        yield RaceResult(
            design,
            trainer.history.columns(),
            trainer.step_history.columns(),
            trainer.step,
            start,
            state,
        )
