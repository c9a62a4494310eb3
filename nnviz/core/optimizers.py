"""Optimizers with torch.optim's update rules, defaults and hyper-parameter meanings.

`step(params, grads)` updates each array in place. The network keeps all its parameters in one
flat buffer, so one step is a handful of NumPy calls however many layers there are. State is
kept per position in the `params` list and exported as plain arrays and numbers
(`state_dict`), so a session can save it without pickle and resume with identical steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from nnviz.core.registry import Registry

#: Design names → torch.optim argument names, for documentation and export.
TORCH_NAMES = {
    "learning_rate": "lr",
    "momentum": "momentum",
    "nesterov": "nesterov",
    "beta1": "betas[0]",
    "beta2": "betas[1]",
    "epsilon": "eps",
    "rho": "alpha",
    "weight_decay": "weight_decay",
}


class Optimizer:
    defaults: ClassVar[dict[str, float | bool]] = {}
    buffers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: float | bool) -> None:
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name} takes no {', '.join(sorted(unknown))}")
        self.hyper = {**self.defaults, **params}
        self.learning_rate = float(self.hyper["learning_rate"])
        self.steps = 0
        self.state: list[dict[str, np.ndarray]] = []

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if not self.state:
            self.state = [{key: np.zeros_like(p) for key in self.buffers} for p in params]
        self.steps += 1
        for p, g, state in zip(params, grads, self.state, strict=True):
            self._update(p, g, state)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _decayed(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The gradient with L2 weight decay folded in, as torch's coupled `weight_decay`."""
        wd = self.hyper.get("weight_decay", 0.0)
        return g + wd * p if wd else g

    def state_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": self.steps, "learning_rate": self.learning_rate}
        for i, state in enumerate(self.state):
            for key, value in state.items():
                out[f"{i}.{key}"] = value.copy()
        return out

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        self.steps = int(d["steps"])
        self.learning_rate = float(d["learning_rate"])
        count = 1 + max((int(k.split(".")[0]) for k in d if "." in k), default=-1)
        self.state = [
            {key: np.array(d[f"{i}.{key}"]) for key in self.buffers if f"{i}.{key}" in d}
            for i in range(count)
        ]
        if any(len(s) != len(self.buffers) for s in self.state):
            raise ValueError(f"{self.name} state is missing buffers")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.hyper.items() if k != "learning_rate")
        return f"{type(self).__name__}(learning_rate={self.learning_rate}, {shown})"


OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")


@OPTIMIZERS.register("sgd", "Steps straight down the gradient; momentum adds inertia.")
class SGD(Optimizer):
    defaults: ClassVar = {
        "learning_rate": 0.001,
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    buffers = ("momentum_buffer",)

    def _update(self, p, g, state):
        g = self._decayed(p, g)
        momentum = self.hyper["momentum"]
        if momentum:
            buf = state["momentum_buffer"]
            if self.steps == 1:
                buf[...] = g
            else:
                buf *= momentum
                buf += g
            g = g + momentum * buf if self.hyper["nesterov"] else buf
        p -= self.learning_rate * g


@OPTIMIZERS.register("rmsprop", "Divides each step by a running RMS of recent gradients.")
class RMSprop(Optimizer):
    defaults: ClassVar = {
        "learning_rate": 0.01,
        "rho": 0.99,
        "epsilon": 1e-8,
        "momentum": 0.0,
        "weight_decay": 0.0,
    }
    buffers = ("square_avg", "momentum_buffer")

    def _update(self, p, g, state):
        g = self._decayed(p, g)
        rho = self.hyper["rho"]
        square_avg = state["square_avg"]
        square_avg *= rho
        square_avg += (1.0 - rho) * g * g
        step = g / (np.sqrt(square_avg) + self.hyper["epsilon"])
        momentum = self.hyper["momentum"]
        if momentum:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += step
            step = buf
        p -= self.learning_rate * step


@OPTIMIZERS.register("adagrad", "Per-weight steps that shrink as that weight's gradients add up.")
class Adagrad(Optimizer):
    defaults: ClassVar = {"learning_rate": 0.01, "epsilon": 1e-10, "weight_decay": 0.0}
    buffers = ("sum",)

    def _update(self, p, g, state):
        g = self._decayed(p, g)
        total = state["sum"]
        total += g * g
        p -= self.learning_rate * g / (np.sqrt(total) + self.hyper["epsilon"])


@OPTIMIZERS.register("adam", "Momentum plus per-weight step sizes, bias-corrected: robust default.")
class Adam(Optimizer):
    defaults: ClassVar = {
        "learning_rate": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "weight_decay": 0.0,
    }
    buffers = ("exp_avg", "exp_avg_sq")
    decoupled = False

    def _update(self, p, g, state):
        lr, wd = self.learning_rate, self.hyper["weight_decay"]
        if self.decoupled:
            if wd:
                p *= 1.0 - lr * wd
        else:
            g = self._decayed(p, g)
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * g * g
        denom = np.sqrt(v)
        denom /= math.sqrt(1.0 - b2**self.steps)
        denom += self.hyper["epsilon"]
        p -= (lr / (1.0 - b1**self.steps)) * m / denom


@OPTIMIZERS.register("adamw", "Adam with weight decay applied directly to the weights (decoupled).")
class AdamW(Adam):
    defaults: ClassVar = {**Adam.defaults, "weight_decay": 0.01}
    decoupled = True


def make_optimizer(spec: Any) -> Optimizer:
    """An optimizer from an OptimizerSpec (name, params) or a dict {"name": ..., **params}."""
    if isinstance(spec, Mapping):
        params = {k: v for k, v in spec.items() if k != "name"}
        name = spec["name"]
    else:
        name, params = spec.name, dict(spec.params)
    return OPTIMIZERS.get(name)(**params)
