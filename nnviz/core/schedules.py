"""Learning-rate schedules, stepped once per epoch as torch.optim.lr_scheduler is.

A schedule maps an epoch index (0 for the first epoch) to a learning rate, in closed form, so
a resumed run or a live view can ask for any epoch without replaying the others. The rates
equal those of StepLR, ExponentialLR and CosineAnnealingLR after as many `scheduler.step()`
calls as the epoch index.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnviz.core.optimizers import Param
from nnviz.core.registry import Registry


@dataclass(frozen=True)
class Schedule:
    """`rate(base_lr, epochs, epoch, **params)` is the learning rate of one epoch.

    `params` describes each parameter and its range; `defaults` are starting values for an
    editor (None: "the training's epoch count"); `required` must be given in a design.
    """

    rate: Callable[..., float]
    params: Mapping[str, Param] = field(default_factory=dict)
    defaults: Mapping[str, float | int | None] = field(default_factory=dict)
    required: tuple[str, ...] = ()


class LearningRate:
    """The epoch → learning-rate function of one schedule with its parameters bound."""

    def __init__(self, name: str, base_lr: float, epochs: int, params: Mapping[str, Any]):
        self.name = name
        self.base_lr = float(base_lr)
        self.epochs = int(epochs)
        self.params = dict(params)
        self._rate = SCHEDULES.get(name).rate

    def __call__(self, epoch: int) -> float:
        return self._rate(self.base_lr, self.epochs, epoch, **self.params)

    def __repr__(self) -> str:
        shown = "".join(f", {k}={v}" for k, v in self.params.items())
        return f"LearningRate({self.name}, base_lr={self.base_lr}{shown})"


_GAMMA = Param("Factor the rate is multiplied by each time it decays.", lo_open=True, hi=1.0)

SCHEDULES: Registry[Schedule] = Registry("schedule")

SCHEDULES.add(
    "constant",
    Schedule(lambda base, epochs, epoch: base),
    "The learning rate never changes.",
)
SCHEDULES.add(
    "step",
    Schedule(
        lambda base, epochs, epoch, step_size, gamma=0.1: base * gamma ** (epoch // step_size),
        {
            "step_size": Param("Epochs between two decays.", kind="int", lo=1),
            "gamma": _GAMMA,
        },
        {"step_size": 10, "gamma": 0.1},
        required=("step_size",),
    ),
    "Multiplies the rate by gamma every step_size epochs (StepLR): coarse, then fine steps.",
)
SCHEDULES.add(
    "exponential",
    Schedule(
        lambda base, epochs, epoch, gamma: base * gamma**epoch,
        {"gamma": _GAMMA},
        {"gamma": 0.95},
        required=("gamma",),
    ),
    "Multiplies the rate by gamma after every epoch (ExponentialLR): a smooth steady decay.",
)


def _cosine(
    base: float, epochs: int, epoch: int, t_max: int | None = None, eta_min: float = 0.0
) -> float:
    period = t_max or epochs
    return eta_min + (base - eta_min) * (1.0 + math.cos(math.pi * epoch / period)) / 2.0


SCHEDULES.add(
    "cosine",
    Schedule(
        _cosine,
        {
            "t_max": Param(
                "Epochs the half cosine lasts (default: the training's epochs).", kind="int", lo=1
            ),
            "eta_min": Param("The learning rate the cosine ends at.", lo=0.0),
        },
        {"t_max": None, "eta_min": 0.0},
    ),
    "Glides from the rate down to eta_min along a half cosine over t_max epochs "
    "(CosineAnnealingLR).",
)


def _spec_parts(spec: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(spec, Mapping):
        return spec["name"], {k: v for k, v in spec.items() if k != "name"}
    return spec.name, dict(spec.params)


def make_schedule(spec: Any, base_lr: float, epochs: int) -> LearningRate:
    """The epoch → rate function for a ScheduleSpec-like object (name, params), a dict
    {"name": ..., **params}, or None (constant). Unknown or missing parameters raise
    ValueError; ranges are the design validator's business (`check_schedule_params`)."""
    if spec is None:
        return LearningRate("constant", base_lr, epochs, {})
    name, params = _spec_parts(spec)
    entry = SCHEDULES.get(name)
    unknown = sorted(set(params) - set(entry.params))
    missing = [key for key in entry.required if key not in params]
    if unknown or missing:
        raise ValueError(
            f"schedule {name}: "
            + "; ".join(
                [f"takes no {key}" for key in unknown] + [f"needs {key}" for key in missing]
            )
        )
    return LearningRate(name, base_lr, epochs, params)


def check_schedule_params(
    name: str, params: Mapping[str, Any], where: str = "training.schedule"
) -> list[str]:
    """Every problem with a schedule's name and parameters, one message each, naming the
    field and the rule: 'training.schedule.gamma: must be a number greater than 0 and at
    most 1 (got 2)'."""
    if name not in SCHEDULES:
        return [f"{where}.name: unknown schedule {name!r} (valid: {SCHEDULES.valid()})"]
    entry = SCHEDULES.get(name)
    valid = ", ".join(entry.params) or "none"
    errors = []
    for key, value in params.items():
        if key == "name":
            continue
        rule = entry.params.get(key)
        if rule is None:
            errors.append(f"{where}.{key}: not a parameter of {name} (valid: {valid})")
        else:
            problem = rule.check(f"{where}.{key}", value)
            if problem:
                errors.append(problem)
    errors += [
        f"{where}.{key}: required key is missing (a parameter of {name})"
        for key in entry.required
        if key not in params
    ]
    return errors
