"""What each optimizer actually does to a weight, in words a learner can check by hand.

`update_rule(optimizer)` states the rule the optimizer in `optimizers.py` applies, with its
hyper-parameters as they are set (momentum only when it is on, Nesterov's look-ahead, coupled
or decoupled weight decay, Adam's bias correction), one caption line for an animation, and which
of its state buffers carry meaning, with the quantities a textbook writes but the engine never
stores (Adam's bias-corrected m̂ and v̂): `optimizer_state` gathers both after a step.

g stands for the gradient the optimizer receives, ∂L/∂w of the batch loss (regularization
included); w is any one weight or bias, updated on its own. The momentum buffer is v, the
velocity, as the optimizer playground writes it (a b would read as a neuron's bias b).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.registry import Registry


@dataclass(frozen=True)
class UpdateRule:
    """The rule one optimizer applies, as plain text.

    `lines` are the formulas in the order they are applied, `values` the hyper-parameters with
    their symbols ("η = 0.5"), `caption` one line naming the optimizer and its step, `buffers`
    the state buffers that mean something for these settings, with the symbol each stands for.
    """

    optimizer: str
    title: str
    lines: tuple[str, ...]
    values: tuple[str, ...]
    caption: str
    buffers: Mapping[str, str]
    derive: Callable[[Mapping[str, np.ndarray], int], dict[str, np.ndarray]] = lambda state, t: {}

    @property
    def text(self) -> str:
        """The whole rule in a few lines: the formulas, then the values used."""
        return "\n".join((*self.lines, "with " + ", ".join(self.values)))


def _num(x: Any) -> str:
    return f"{float(x):g}"


def _decay_lines(hyper: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """torch's coupled weight decay: folded into the gradient before anything else."""
    wd = hyper.get("weight_decay", 0.0)
    if not wd:
        return [], []
    return ["g ← g + λ·w  (weight decay)"], [f"λ = {_num(wd)}"]


def _sgd(hyper: Mapping[str, Any], lr: float) -> UpdateRule:
    lines, values = _decay_lines(hyper)
    values.insert(0, f"η = {_num(lr)}")
    momentum = hyper["momentum"]
    if not momentum:
        lines.append("w ← w − η·g")
        return UpdateRule("sgd", "SGD", tuple(lines), tuple(values), "SGD: w ← w − η·g", {})
    values.append(f"μ = {_num(momentum)}")
    lines.append("v ← μ·v + g  (v = g on the first step)")
    if hyper["nesterov"]:
        lines.append("w ← w − η·(g + μ·v)")
        title, step = "SGD with Nesterov momentum", "w ← w − η·(g + μ·v)"
    else:
        lines.append("w ← w − η·v")
        title, step = "SGD with momentum", "v ← μ·v + g, w ← w − η·v"
    return UpdateRule(
        "sgd",
        title,
        tuple(lines),
        tuple(values),
        f"{title}: {step}",
        {"momentum_buffer": "v"},
    )


def _rmsprop(hyper: Mapping[str, Any], lr: float) -> UpdateRule:
    lines, values = _decay_lines(hyper)
    values[:0] = [f"η = {_num(lr)}", f"ρ = {_num(hyper['rho'])}", f"ε = {_num(hyper['epsilon'])}"]
    lines.append("s ← ρ·s + (1 − ρ)·g²")
    buffers = {"square_avg": "s"}
    if hyper["momentum"]:
        values.append(f"μ = {_num(hyper['momentum'])}")
        lines += ["v ← μ·v + g/(√s + ε)", "w ← w − η·v"]
        buffers["momentum_buffer"] = "v"
        caption = "RMSprop with momentum: v ← μ·v + g/(√s + ε), w ← w − η·v"
    else:
        lines.append("w ← w − η·g/(√s + ε)")
        caption = "RMSprop: w ← w − η·g/(√s + ε)"
    return UpdateRule("rmsprop", "RMSprop", tuple(lines), tuple(values), caption, buffers)


def _adagrad(hyper: Mapping[str, Any], lr: float) -> UpdateRule:
    lines, values = _decay_lines(hyper)
    values[:0] = [f"η = {_num(lr)}", f"ε = {_num(hyper['epsilon'])}"]
    lines += ["s ← s + g²", "w ← w − η·g/(√s + ε)"]
    return UpdateRule(
        "adagrad",
        "Adagrad",
        tuple(lines),
        tuple(values),
        "Adagrad: w ← w − η·g/(√s + ε)",
        {"sum": "s"},
    )


def _adam_lines(hyper: Mapping[str, Any], lr: float) -> tuple[list[str], list[str]]:
    values = [
        f"η = {_num(lr)}",
        f"β₁ = {_num(hyper['beta1'])}",
        f"β₂ = {_num(hyper['beta2'])}",
        f"ε = {_num(hyper['epsilon'])}",
    ]
    lines = [
        "m ← β₁·m + (1 − β₁)·g",
        "v ← β₂·v + (1 − β₂)·g²",
        "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)  (t = number of updates so far, this one included)",
        "w ← w − η·m̂/(√v̂ + ε)",
    ]
    return lines, values


def _bias_corrected(hyper: Mapping[str, Any]):
    """Adam's m̂ and v̂ from its stored m and v after update number t."""

    def derive(state: Mapping[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
        return {
            "m_hat": state["exp_avg"] / (1.0 - hyper["beta1"] ** t),
            "v_hat": state["exp_avg_sq"] / (1.0 - hyper["beta2"] ** t),
        }

    return derive


def _adam(hyper: Mapping[str, Any], lr: float) -> UpdateRule:
    decay, decay_values = _decay_lines(hyper)
    lines, values = _adam_lines(hyper, lr)
    return UpdateRule(
        "adam",
        "Adam",
        tuple(decay + lines),
        tuple(values + decay_values),
        "Adam: w ← w − η·m̂/(√v̂ + ε)",
        {"exp_avg": "m", "exp_avg_sq": "v", "m_hat": "m̂", "v_hat": "v̂"},
        _bias_corrected(hyper),
    )


def _adamw(hyper: Mapping[str, Any], lr: float) -> UpdateRule:
    lines, values = _adam_lines(hyper, lr)
    wd = hyper["weight_decay"]
    if wd:
        lines.insert(0, "w ← w·(1 − η·λ)  (decoupled weight decay)")
        values.append(f"λ = {_num(wd)}")
    return UpdateRule(
        "adamw",
        "AdamW",
        tuple(lines),
        tuple(values),
        "AdamW: w ← w·(1 − η·λ) − η·m̂/(√v̂ + ε)" if wd else "AdamW: w ← w − η·m̂/(√v̂ + ε)",
        {"exp_avg": "m", "exp_avg_sq": "v", "m_hat": "m̂", "v_hat": "v̂"},
        _bias_corrected(hyper),
    )


RuleMaker = Callable[[Mapping[str, Any], float], UpdateRule]

RULES: Registry[RuleMaker] = Registry("update rule")
RULES.add("sgd", _sgd, "Plain, momentum or Nesterov steps, with optional coupled weight decay.")
RULES.add("rmsprop", _rmsprop, "Steps divided by a running RMS of the gradient.")
RULES.add("adagrad", _adagrad, "Steps divided by the root of all squared gradients so far.")
RULES.add("adam", _adam, "Bias-corrected running means of the gradient and its square.")
RULES.add("adamw", _adamw, "Adam with weight decay applied to the weights directly.")


def update_rule(optimizer: Any, learning_rate: float | None = None) -> UpdateRule:
    """The rule `optimizer` (an `Optimizer`) applies with its current learning rate, or with
    `learning_rate` (the rate of a step taken earlier)."""
    rate = optimizer.learning_rate if learning_rate is None else learning_rate
    return RULES.get(optimizer.name)(optimizer.hyper, float(rate))


def optimizer_state(optimizer: Any, rule: UpdateRule) -> dict[str, np.ndarray]:
    """The optimizer's meaningful state after a step, over its flat parameter array: the
    buffers `rule` names (stored ones copied) and the derived ones (Adam's m̂, v̂)."""
    stored = optimizer.state[0] if optimizer.state else {}
    out = {key: stored[key].copy() for key in rule.buffers if key in stored}
    out.update(rule.derive(stored, optimizer.steps) if stored else {})
    return out
