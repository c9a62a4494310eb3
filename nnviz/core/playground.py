"""Optimizer paths over a 2-D surface, computed by the optimizers that train networks.

Each path in the playground is `make_optimizer(spec)` stepping one parameter array, the point
(x, y), with the surface's gradient: the same code, the same update rule, the same state as a
network's training. `PATHS` names the six the playground draws (plain SGD, momentum, Nesterov,
RMSprop, Adagrad, Adam) and how the shared sliders map onto each one's hyper-parameters.

`explain_step` is the playground's step mode: for one step of one path, the arrows to draw (the
plain gradient step, the momentum or moment estimate, the step taken) and the update written out
with its numbers, so every arrow can be checked against the lines beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.core.optimizers import make_optimizer
from nnviz.core.registry import Registry
from nnviz.core.surfaces import Surface

DIVERGED = 1e6  # a path whose point goes further than this from the origin has diverged


@dataclass(frozen=True)
class Settings:
    """The playground's sliders: one learning rate for every path, `beta1` for momentum,
    Nesterov and Adam's β₁, `beta2` for Adam's β₂ and RMSprop's ρ."""

    learning_rate: float
    beta1: float = 0.9
    beta2: float = 0.99
    steps: int = 100


@dataclass(frozen=True)
class Trajectory:
    """One optimizer's path: `points[k]` is the point after k steps, `gradients[k]` the
    gradient taken there, `states[name][k]` the optimizer's buffer after step k + 1.
    A diverged path ends at its last finite point."""

    path: str
    spec: dict
    points: np.ndarray
    values: np.ndarray
    gradients: np.ndarray
    states: dict[str, np.ndarray]
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.points) - 1


def trajectory(surface: Surface, path: str, settings: Settings, start) -> Trajectory:
    """`settings.steps` steps of the optimizer `path` from `start` down `surface`."""
    spec = PATHS.get(path).spec(settings)
    optimizer = make_optimizer(spec)
    point = np.array(start, dtype=np.float64)
    points, gradients = [point.copy()], []
    states: dict[str, list[np.ndarray]] = {}
    diverged = False
    for _ in range(settings.steps):
        gradient = surface.gradient(point)
        optimizer.step([point], [gradient])
        if not np.all(np.isfinite(point)) or np.abs(point).max() > DIVERGED:
            diverged = True
            break
        points.append(point.copy())
        gradients.append(gradient)
        for key, value in optimizer.state[0].items():
            states.setdefault(key, []).append(value.copy())
    array = np.array(points)
    return Trajectory(
        path=path,
        spec=spec,
        points=array,
        values=surface.value(array[:, 0], array[:, 1]),
        gradients=np.array(gradients).reshape(-1, 2),
        states={key: np.array(value) for key, value in states.items()},
        diverged=diverged,
    )


def trajectories(surface: Surface, settings: Settings, start) -> dict[str, Trajectory]:
    """Every playground path from the same start with the same sliders."""
    return {name: trajectory(surface, name, settings, start) for name in PATHS}


@dataclass(frozen=True)
class Arrow:
    """An arrow to draw from `origin` along `vector`, both in the surface's coordinates."""

    kind: str  # "gradient", "moment" or "step"
    label: str
    origin: np.ndarray
    vector: np.ndarray


@dataclass(frozen=True)
class StepExplanation:
    """Step `index` of a path (from points[index] to points[index + 1]): arrows and text."""

    index: int
    rule: str
    arrows: tuple[Arrow, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Moment:
    """What an optimizer keeps besides the point, at one step: the estimate its step follows
    (drawn as an arrow scaled by −η, when there is one) and its buffers written out."""

    label: str
    vector: np.ndarray | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PathOptimizer:
    """One of the playground's paths: the optimizer spec the sliders give, the rule it follows
    written out, and what its state means at a step (for step mode)."""

    title: str
    spec: Callable[[Settings], dict]
    rule: str
    moment: Callable[[Trajectory, int], Moment] | None = None


def _vec(v: np.ndarray) -> str:
    return f"({v[0]:+.4g}, {v[1]:+.4g})"


def _momentum(traj: Trajectory, index: int) -> Moment:
    v = traj.states["momentum_buffer"][index]
    line = f"v = μ·v + g = {_vec(v)}   (μ = {traj.spec['momentum']:g})"
    return Moment("−η·v  (momentum)", v, (line,))


def _rmsprop(traj: Trajectory, index: int) -> Moment:
    s = traj.states["square_avg"][index]
    line = f"s = {_vec(s)}   √s = {_vec(np.sqrt(s))}   (ρ = {traj.spec['rho']:g})"
    return Moment("", None, (line,))


def _adagrad(traj: Trajectory, index: int) -> Moment:
    total = traj.states["sum"][index]
    return Moment("", None, (f"G = {_vec(total)}   √G = {_vec(np.sqrt(total))}",))


def _adam(traj: Trajectory, index: int) -> Moment:
    t = index + 1
    m, v = traj.states["exp_avg"][index], traj.states["exp_avg_sq"][index]
    m_hat = m / (1.0 - traj.spec["beta1"] ** t)
    v_hat = v / (1.0 - traj.spec["beta2"] ** t)
    lines = (
        f"m = {_vec(m)}   m̂ = m / (1 − β₁^{t}) = {_vec(m_hat)}",
        f"v = {_vec(v)}   √v̂ = {_vec(np.sqrt(v_hat))}   (β₁ = {traj.spec['beta1']:g}, "
        f"β₂ = {traj.spec['beta2']:g})",
    )
    return Moment("−η·m̂  (Adam's mean gradient)", m_hat, lines)


PATHS: Registry[PathOptimizer] = Registry("playground optimizer")

PATHS.add(
    "sgd",
    PathOptimizer("SGD", lambda s: {"name": "sgd", "learning_rate": s.learning_rate}, "Δ = −η·g"),
    "Plain gradient descent: a step of η times the gradient, straight downhill.",
)
PATHS.add(
    "momentum",
    PathOptimizer(
        "Momentum",
        lambda s: {"name": "sgd", "learning_rate": s.learning_rate, "momentum": s.beta1},
        "v = μ·v + g;  Δ = −η·v",
        _momentum,
    ),
    "SGD with momentum μ: the step keeps a share of the previous steps' direction.",
)
PATHS.add(
    "nesterov",
    PathOptimizer(
        "Nesterov",
        lambda s: {
            "name": "sgd",
            "learning_rate": s.learning_rate,
            "momentum": s.beta1,
            "nesterov": True,
        },
        "v = μ·v + g;  Δ = −η·(g + μ·v)",
        _momentum,
    ),
    "Momentum that looks one step ahead along its own velocity.",
)
PATHS.add(
    "rmsprop",
    PathOptimizer(
        "RMSprop",
        lambda s: {"name": "rmsprop", "learning_rate": s.learning_rate, "rho": s.beta2},
        "s = ρ·s + (1−ρ)·g²;  Δ = −η·g / (√s + ε)",
        _rmsprop,
    ),
    "Divides each coordinate's step by a running root-mean-square of its gradients.",
)
PATHS.add(
    "adagrad",
    PathOptimizer(
        "Adagrad",
        lambda s: {"name": "adagrad", "learning_rate": s.learning_rate},
        "G = G + g²;  Δ = −η·g / (√G + ε)",
        _adagrad,
    ),
    "Divides each coordinate's step by the root of all its squared gradients so far.",
)
PATHS.add(
    "adam",
    PathOptimizer(
        "Adam",
        lambda s: {
            "name": "adam",
            "learning_rate": s.learning_rate,
            "beta1": s.beta1,
            "beta2": s.beta2,
        },
        "m = β₁·m + (1−β₁)·g;  v = β₂·v + (1−β₂)·g²;  Δ = −η·m̂ / (√v̂ + ε)",
        _adam,
    ),
    "Momentum (m) and per-coordinate step sizes (v), both corrected for starting at zero.",
)


def explain_step(traj: Trajectory, index: int) -> StepExplanation:
    """What step `index` of `traj` did, as arrows and as the rule with its numbers."""
    if not 0 <= index < traj.steps:
        raise IndexError(f"step {index} is not in a path of {traj.steps} steps")
    lr = traj.spec["learning_rate"]
    origin = traj.points[index]
    g = traj.gradients[index]
    step = traj.points[index + 1] - origin
    arrows = [Arrow("gradient", "−η·g  (a plain gradient step)", origin, -lr * g)]
    lines = [f"step {index + 1}: at {_vec(origin)}", f"g = ∇f = {_vec(g)}   (η = {lr:g})"]
    describe = PATHS.get(traj.path).moment
    if describe is not None:
        moment = describe(traj, index)
        if moment.vector is not None:
            arrows.append(Arrow("moment", moment.label, origin, -lr * moment.vector))
        lines.extend(moment.lines)
    arrows.append(Arrow("step", "Δ  (the step taken)", origin, step))
    lines.append(f"Δ = {_vec(step)}   → {_vec(traj.points[index + 1])}")
    return StepExplanation(index, PATHS.get(traj.path).rule, tuple(arrows), tuple(lines))
