"""Learning-rate schedules, stepped once per epoch as torch.optim.lr_scheduler is.

A schedule maps an epoch index (0 for the first epoch) to a learning rate, in closed form,
so a resumed run or a live view can ask for any epoch without replaying the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nnviz.core.registry import Registry

LearningRate = Callable[[int], float]


@dataclass(frozen=True)
class Schedule:
    """`make(base_lr, epochs, **params)` builds the epoch → rate function."""

    make: Callable[..., LearningRate]
    defaults: Mapping[str, float]
    required: tuple[str, ...] = ()


SCHEDULES: Registry[Schedule] = Registry("schedule")

SCHEDULES.add(
    "constant",
    Schedule(lambda base, epochs: lambda e: base, {}),
    "The learning rate never changes.",
)
SCHEDULES.add(
    "step",
    Schedule(
        lambda base, epochs, step_size, gamma=0.1: lambda e: base * gamma ** (e // step_size),
        {"step_size": 10, "gamma": 0.1},
        required=("step_size",),
    ),
    "Multiplies the rate by gamma every step_size epochs (StepLR).",
)
SCHEDULES.add(
    "exponential",
    Schedule(
        lambda base, epochs, gamma: lambda e: base * gamma**e,
        {"gamma": 0.99},
        required=("gamma",),
    ),
    "Multiplies the rate by gamma after every epoch (ExponentialLR).",
)


def _cosine(base: float, epochs: int, t_max: int | None = None, eta_min: float = 0.0):
    period = t_max or epochs

    def rate(e: int) -> float:
        return eta_min + (base - eta_min) * (1.0 + math.cos(math.pi * e / period)) / 2.0

    return rate


SCHEDULES.add(
    "cosine",
    Schedule(_cosine, {"t_max": 0, "eta_min": 0.0}),
    "Glides from the rate down to eta_min along a half cosine over t_max epochs.",
)


def make_schedule(spec: Any, base_lr: float, epochs: int) -> LearningRate:
    """The epoch → rate function for a ScheduleSpec-like object, a dict, or None (constant)."""
    if spec is None:
        return SCHEDULES.get("constant").make(base_lr, epochs)
    if isinstance(spec, Mapping):
        name, params = spec["name"], {k: v for k, v in spec.items() if k != "name"}
    else:
        name, params = spec.name, dict(spec.params)
    return SCHEDULES.get(name).make(base_lr, epochs, **params)
