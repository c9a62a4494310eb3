"""Optimizers with torch.optim's update rules, defaults and hyper-parameter meanings.

`step(params, grads)` updates each array of `params` in place and never writes to `grads`. The
network keeps all its parameters in one flat buffer, so one step is a handful of in-place NumPy
calls on one array however many layers there are; per-array state and scratch space are
allocated on the first step. `learning_rate` is a plain attribute: set it between steps and the
next step uses it.

State is kept per position in the `params` list and exported as plain arrays and numbers
(`state_dict`: `steps`, `learning_rate` and `"<i>.<buffer>"` arrays), so it can be saved to an
`.npz` without pickle and a resumed run takes exactly the steps the original would have.

Design names map to torch's arguments as in `TORCH_NAMES`; `HYPER_PARAMETERS` describes each
one and its valid range, and `check_optimizer_params` turns that into error messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Param:
    """One hyper-parameter: what it does (a tooltip) and which values make sense.

    `kind` is "number", "int" or "bool"; a number must lie between `lo` and `hi` (None: no
    bound), each end included unless `lo_open` / `hi_open`.
    """

    description: str
    kind: str = "number"
    lo: float | None = 0.0
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def check(self, where: str, value: Any) -> str | None:
        """An error message naming `where` and the rule, or None if `value` is valid."""
        if self.kind == "bool":
            return (
                None
                if isinstance(value, bool)
                else f"{where}: must be true or false (got {value!r})"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            noun = "a whole number" if self.kind == "int" else "a number"
            return f"{where}: must be {noun} (got {value!r})"
        if self.kind == "int" and not float(value).is_integer():
            return f"{where}: must be a whole number (got {value!r})"
        if not math.isfinite(value):
            return f"{where}: must be a finite number (got {value!r})"
        too_low = self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo)
        too_high = self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi)
        if too_low or too_high:
            return f"{where}: must be {self.rule()} (got {value!r})"
        return None

    def rule(self) -> str:
        """The valid range in words, e.g. 'a number from 0 to 1'."""
        noun = "a whole number" if self.kind == "int" else "a number"
        lo, hi = _show(self.lo), _show(self.hi)
        if self.lo is not None and self.hi is not None:
            if not self.lo_open and not self.hi_open:
                return f"{noun} from {lo} to {hi}"
            low = f"greater than {lo}" if self.lo_open else f"at least {lo}"
            high = f"less than {hi}" if self.hi_open else f"at most {hi}"
            return f"{noun} {low} and {high}"
        if self.lo is not None:
            return f"{noun} greater than {lo}" if self.lo_open else f"{noun} of at least {lo}"
        if self.hi is not None:
            return f"{noun} less than {hi}" if self.hi_open else f"{noun} of at most {hi}"
        return noun


def _show(x: float | None) -> str:
    return f"{x:g}" if x is not None else ""


#: Every optimizer hyper-parameter by its design name.
HYPER_PARAMETERS: dict[str, Param] = {
    "learning_rate": Param(
        "Size of each step down the gradient: too small crawls, too large overshoots.",
        lo_open=True,
    ),
    "momentum": Param(
        "Share of the previous step carried into the next: speeds up long valleys.", hi=1.0
    ),
    "nesterov": Param(
        "Looks ahead along the momentum before taking the gradient (needs momentum > 0).",
        kind="bool",
    ),
    "beta1": Param(
        "Decay of the running mean of gradients (Adam's momentum).", hi=1.0, hi_open=True
    ),
    "beta2": Param(
        "Decay of the running mean of squared gradients (how long step sizes remember).",
        hi=1.0,
        hi_open=True,
    ),
    "epsilon": Param(
        "Small number added to the divisor so a weight with tiny gradients cannot explode.",
        lo_open=True,
    ),
    "rho": Param(
        "Decay of RMSprop's running mean of squared gradients (torch's alpha).",
        hi=1.0,
        hi_open=True,
    ),
    "weight_decay": Param("Pulls every weight towards zero on each step (L2 penalty).", lo=0.0),
}


class Optimizer:
    """Base class: subclasses give `defaults` (torch's), `buffers` and `_update`."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, float | bool]] = {}
    buffers: ClassVar[tuple[str, ...]] = ()
    nonnegative: ClassVar[tuple[str, ...]] = ()  # buffers that sum squares: never below 0

    def __init__(self, **params: float | bool) -> None:
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise ValueError(
                f"{self.name} takes no {', '.join(sorted(unknown))} "
                f"(valid: {', '.join(self.defaults)})"
            )
        self.hyper: dict[str, float | bool] = {**self.defaults, **params}
        self.learning_rate = float(self.hyper["learning_rate"])
        self.steps = 0
        self.state: list[dict[str, np.ndarray]] = []
        self._scratch: list[tuple[np.ndarray, np.ndarray]] = []

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every array of `params` in place from the matching `grads`."""
        if len(self.state) != len(params):
            if self.state:
                raise ValueError(
                    f"{self.name} holds state for {len(self.state)} arrays, got {len(params)}"
                )
            self.state = [{key: np.zeros_like(p) for key in self.buffers} for p in params]
        if len(self._scratch) != len(params):
            self._scratch = [(np.empty_like(p), np.empty_like(p)) for p in params]
        self.steps += 1
        for p, g, state, scratch in zip(params, grads, self.state, self._scratch, strict=True):
            self._update(p, g, state, *scratch)

    def _update(
        self,
        p: np.ndarray,
        g: np.ndarray,
        state: dict[str, np.ndarray],
        tmp: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """One step for one array; `tmp` and `out` are scratch arrays shaped like `p`."""
        raise NotImplementedError

    def _decayed(self, p: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        """The gradient with torch's coupled L2 `weight_decay` folded in (written to `tmp`)."""
        wd = self.hyper.get("weight_decay", 0.0)
        if not wd:
            return g
        np.multiply(p, wd, out=tmp)
        tmp += g
        return tmp

    def state_dict(self) -> dict[str, Any]:
        """Copies of the state as plain numbers and arrays (`np.savez`-ready)."""
        out: dict[str, Any] = {"steps": self.steps, "learning_rate": self.learning_rate}
        for i, state in enumerate(self.state):
            for key, value in state.items():
                out[f"{i}.{key}"] = value.copy()
        return out

    @classmethod
    def check_state(cls, d: Mapping[str, Any]) -> None:
        """Refuse a state no run of this optimizer can reach (ValueError naming the buffer)."""
        for key, value in d.items():
            if key.partition(".")[2] in cls.nonnegative:
                low = float(np.min(value)) if np.size(value) else 0.0
                if not low >= 0.0:
                    raise ValueError(
                        f"{key} holds {low:g}, but {cls.name} only ever adds squares to it "
                        "(it cannot be negative)"
                    )

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        """Restore what `state_dict` gave (also after a round trip through `np.load`)."""
        self.check_state(d)
        steps = int(d["steps"])
        indices = {int(k.split(".")[0]) for k in d if "." in k}
        count = max(indices) + 1 if indices else 0
        state = []
        for i in range(count):
            missing = [key for key in self.buffers if f"{i}.{key}" not in d]
            if missing:
                raise ValueError(f"{self.name} state for array {i} lacks {', '.join(missing)}")
            state.append({key: np.array(d[f"{i}.{key}"]) for key in self.buffers})
        self.steps = steps
        self.learning_rate = float(d["learning_rate"])
        self.state = state
        self._scratch = []

    def __repr__(self) -> str:
        shown = "".join(f", {k}={v}" for k, v in self.hyper.items() if k != "learning_rate")
        return f"{type(self).__name__}(learning_rate={self.learning_rate}{shown})"


OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")


@OPTIMIZERS.register(
    "sgd", "Steps straight down the gradient; momentum adds inertia through narrow valleys."
)
class SGD(Optimizer):
    name = "sgd"
    defaults: ClassVar = {
        "learning_rate": 0.001,
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    buffers = ("momentum_buffer",)

    def _update(self, p, g, state, tmp, out):
        g = self._decayed(p, g, tmp)
        momentum = self.hyper["momentum"]
        if momentum:
            buf = state["momentum_buffer"]
            if self.steps == 1:
                buf[...] = g
            else:
                buf *= momentum
                buf += g
            if self.hyper["nesterov"]:
                np.multiply(buf, momentum, out=out)
                out += g
                g = out
            else:
                g = buf
        np.multiply(g, self.learning_rate, out=out)
        p -= out


@OPTIMIZERS.register(
    "rmsprop", "Divides each step by a running RMS of recent gradients: evens out step sizes."
)
class RMSprop(Optimizer):
    name = "rmsprop"
    defaults: ClassVar = {
        "learning_rate": 0.01,
        "rho": 0.99,
        "epsilon": 1e-8,
        "momentum": 0.0,
        "weight_decay": 0.0,
    }
    buffers = ("square_avg", "momentum_buffer")
    nonnegative = ("square_avg",)

    def _update(self, p, g, state, tmp, out):
        g = self._decayed(p, g, tmp)
        rho = self.hyper["rho"]
        square_avg = state["square_avg"]
        square_avg *= rho
        np.multiply(g, g, out=out)
        out *= 1.0 - rho
        square_avg += out
        np.sqrt(square_avg, out=out)
        out += self.hyper["epsilon"]
        np.divide(g, out, out=out)
        momentum = self.hyper["momentum"]
        if momentum:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += out
            np.multiply(buf, self.learning_rate, out=out)
        else:
            out *= self.learning_rate
        p -= out


@OPTIMIZERS.register(
    "adagrad", "Per-weight steps that shrink as that weight's squared gradients add up."
)
class Adagrad(Optimizer):
    name = "adagrad"
    defaults: ClassVar = {"learning_rate": 0.01, "epsilon": 1e-10, "weight_decay": 0.0}
    buffers = ("sum",)
    nonnegative = ("sum",)

    def _update(self, p, g, state, tmp, out):
        g = self._decayed(p, g, tmp)
        total = state["sum"]
        np.multiply(g, g, out=out)
        total += out
        np.sqrt(total, out=out)
        out += self.hyper["epsilon"]
        np.divide(g, out, out=out)
        out *= self.learning_rate
        p -= out


@OPTIMIZERS.register(
    "adam", "Momentum plus per-weight step sizes, bias-corrected: the robust default."
)
class Adam(Optimizer):
    name = "adam"
    defaults: ClassVar = {
        "learning_rate": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "weight_decay": 0.0,
    }
    buffers = ("exp_avg", "exp_avg_sq")
    nonnegative = ("exp_avg_sq",)
    decoupled = False  # AdamW: weight decay shrinks the weights directly, not via the gradient

    def _update(self, p, g, state, tmp, out):
        lr, wd = self.learning_rate, self.hyper["weight_decay"]
        if self.decoupled:
            if wd:
                p *= 1.0 - lr * wd
        else:
            g = self._decayed(p, g, tmp)
        b1, b2 = self.hyper["beta1"], self.hyper["beta2"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # m = β1·m + (1 − β1)·g: torch's lerp_ to rounding, with an in-place scaling (cheap)
        # where a subtraction of two arrays would be
        m *= b1
        np.multiply(g, 1.0 - b1, out=out)
        m += out
        v *= b2
        np.multiply(g, g, out=out)
        out *= 1.0 - b2
        v += out
        # lr/c1 · m / (√v/√c2 + ε), with √c2 moved out of the denominator: one pass fewer
        root_c2 = math.sqrt(1.0 - b2**self.steps)
        np.sqrt(v, out=out)
        out += self.hyper["epsilon"] * root_c2
        np.divide(m, out, out=out)
        out *= lr * root_c2 / (1.0 - b1**self.steps)
        p -= out


@OPTIMIZERS.register(
    "adamw", "Adam with weight decay applied to the weights directly (decoupled, default 0.01)."
)
class AdamW(Adam):
    name = "adamw"
    defaults: ClassVar = {**Adam.defaults, "weight_decay": 0.01}
    decoupled = True


def _spec_parts(spec: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(spec, Mapping):
        return spec["name"], {k: v for k, v in spec.items() if k != "name"}
    return spec.name, dict(spec.params)


def make_optimizer(spec: Any) -> Optimizer:
    """An optimizer from an OptimizerSpec (name, params) or a dict {"name": ..., **params}.

    Unknown names and hyper-parameters raise (KeyError / ValueError); ranges are the design
    validator's business (`check_optimizer_params`).
    """
    name, params = _spec_parts(spec)
    return OPTIMIZERS.get(name)(**params)


def learning_rate_of(spec: Any) -> float:
    """The learning rate an optimizer spec trains with: its own, else its optimizer's default."""
    name, params = _spec_parts(spec)
    return float(params.get("learning_rate", OPTIMIZERS.get(name).defaults["learning_rate"]))


def check_optimizer_params(
    name: str, params: Mapping[str, Any], where: str = "optimizer"
) -> list[str]:
    """Every problem with an optimizer's name and hyper-parameters, one message each, naming
    the field and the rule: 'optimizer.momentum: must be a number from 0 to 1 (got 1.5)'."""
    if name not in OPTIMIZERS:
        return [f"{where}.name: unknown optimizer {name!r} (valid: {OPTIMIZERS.valid()})"]
    defaults = OPTIMIZERS.get(name).defaults
    errors = []
    for key, value in params.items():
        if key == "name":
            continue
        if key not in defaults:
            errors.append(
                f"{where}.{key}: not a parameter of {name} (valid: {', '.join(defaults)})"
            )
            continue
        problem = HYPER_PARAMETERS[key].check(f"{where}.{key}", value)
        if problem:
            errors.append(problem)
    momentum = params.get("momentum", defaults.get("momentum", 0.0))
    if params.get("nesterov") is True and not (isinstance(momentum, int | float) and momentum > 0):
        errors.append(f"{where}.nesterov: needs a momentum greater than 0")
    return errors
