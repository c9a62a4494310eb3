"""One neuron's part of a training step, as the inspector lays it out: every number the learner
adds up by hand, taken from a `Walkthrough` (so from the engine's own forward, backward and
optimizer step).

- Forward: each input aᵢ × wᵢ (sorted by size), + b = z, a = f(z), f′(z).
- Backward: ∂ℓ/∂a as Σⱼ wⱼ·∂ℓ/∂zⱼ over the next layer (the output layer gets it from the loss),
  then ∂ℓ/∂z = ∂ℓ/∂a · f′(z) (softmax: its Jacobian, ∂ℓ/∂zⱼ = aⱼ·(∂ℓ/∂aⱼ − Σₖ aₖ·∂ℓ/∂aₖ)).
- Gradients of the incoming weights and bias: ∂ℓ/∂wᵢ = aᵢ·∂ℓ/∂z for this sample, and ∂L/∂wᵢ of
  the batch (the mean over its samples, plus regularization), which is what the optimizer uses.
- The update: w before, the optimizer's buffers after the step (momentum, Adam's m, v, m̂, v̂),
  w after.

ℓ is the chosen sample's own loss, L the batch loss (see `walkthrough`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.walkthrough import Walkthrough


@dataclass(frozen=True)
class Term:
    """One input's share of z: a (the input's activation for the sample) × w."""

    source: int
    a: float
    w: float
    product: float


@dataclass(frozen=True)
class BackTerm:
    """One outgoing link's share of ∂ℓ/∂a: w (to unit `target` of the next layer) × its ∂ℓ/∂z."""

    target: int
    w: float
    dL_dz: float  # noqa: N815 (the walkthrough's names)
    product: float


@dataclass(frozen=True)
class ParamStep:
    """One incoming weight (`source` ≥ 0) or the bias (`source` = -1) through the step."""

    source: int
    before: float
    sample_grad: float  # ∂ℓ/∂w of the chosen sample alone
    batch_grad: float  # ∂L/∂w of the batch, as the optimizer received it
    state: tuple[tuple[str, float], ...]  # (symbol, value) of the optimizer's buffers after it
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class NeuronView:
    """Unit `unit` of trainable layer `layer` (1-based, as the canvas's columns) in one step."""

    layer: int
    unit: int
    n_layers: int
    activation: str
    terms: tuple[Term, ...]  # sorted by |a·w|, largest first
    b: float
    z: float
    a: float
    slope: float | None  # f′(z); None for softmax (its units are coupled)
    back: tuple[BackTerm, ...]  # empty for the output layer
    dL_da: float  # noqa: N815
    dL_dz: float  # noqa: N815
    params: tuple[ParamStep, ...]  # incoming weights by source, then the bias
    softmax_sum: float | None  # Σₖ aₖ·∂ℓ/∂aₖ of the layer, for softmax's Jacobian
    walk: Walkthrough

    @property
    def is_output(self) -> bool:
        return self.layer == self.n_layers

    @property
    def weighted_sum(self) -> float:
        """Σ aᵢ·wᵢ over the inputs (z without the bias)."""
        return float(sum(t.product for t in self.terms))

    def value_now(self, source: int) -> float:
        """Incoming weight `source`'s value (-1: the bias's) in the network now: after the
        update when the step has been taken, else before it (the next step's)."""
        param = next(p for p in self.params if p.source == source)
        return param.after if self.walk.taken else param.before


def neuron_view(walk: Walkthrough, layer: int, unit: int) -> NeuronView:
    """The step `walk` seen from unit `unit` of trainable layer `layer` (1-based)."""
    if not 1 <= layer <= len(walk.layers):
        raise IndexError(f"layer {layer} out of range 1..{len(walk.layers)}")
    step = walk.layers[layer - 1]
    if not 0 <= unit < step.units:
        raise IndexError(f"unit {unit} out of range 0..{step.units - 1}")
    products = step.a_in * step.W[:, unit]
    order = np.argsort(-np.abs(products), kind="stable")
    terms = tuple(
        Term(int(i), float(step.a_in[i]), float(step.W[i, unit]), float(products[i]))
        for i in order.tolist()
    )
    act = ACTIVATIONS.get(step.activation)
    z = step.z[unit : unit + 1][None, :]
    a = step.a[unit : unit + 1][None, :]
    slope = float(act.derivative(z, a)[0, 0]) if act.elementwise else None
    softmax_sum = None if act.elementwise else float(np.dot(step.a, step.dL_da))
    back: tuple[BackTerm, ...] = ()
    if layer < len(walk.layers):
        nxt = walk.layers[layer]
        shares = nxt.W[unit, :] * nxt.dL_dz
        back = tuple(
            BackTerm(j, float(nxt.W[unit, j]), float(nxt.dL_dz[j]), float(shares[j]))
            for j in range(nxt.units)
        )
    names = walk.rule.buffers
    params = [
        ParamStep(
            int(i),
            float(step.W[i, unit]),
            float(step.sample_dL_dW[i, unit]),
            float(step.dL_dW[i, unit]),
            tuple((names[key], float(w[i, unit])) for key, (w, _b) in step.state.items()),
            float(step.W_after[i, unit]),
        )
        for i in range(step.fan_in)
    ]
    params.append(
        ParamStep(
            -1,
            float(step.b[unit]),
            float(step.sample_dL_db[unit]),
            float(step.dL_db[unit]),
            tuple((names[key], float(b[unit])) for key, (_w, b) in step.state.items()),
            float(step.b_after[unit]),
        )
    )
    return NeuronView(
        layer=layer,
        unit=unit,
        n_layers=len(walk.layers),
        activation=step.activation,
        terms=terms,
        b=float(step.b[unit]),
        z=float(step.z[unit]),
        a=float(step.a[unit]),
        slope=slope,
        back=back,
        dL_da=float(step.dL_da[unit]),
        dL_dz=float(step.dL_dz[unit]),
        params=tuple(params),
        softmax_sum=softmax_sum,
        walk=walk,
    )
