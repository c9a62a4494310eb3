"""One training step cut into the phases a learner walks through, each with a caption in plain
words and the numbers of one neuron per layer, from a `Walkthrough`.

The phases, in order: forward through each layer (input side first), the loss, backward
through each layer (output side first), the update. Each names the canvas columns it is about
(`columns`, 0 = the inputs), the layer the inspector should show (`layer`, 1-based) and how
far the pass has come (`front`, in columns, as an animation's wave front): forward through
layer k, up to column k; backward through layer k, from the output to just past column k − 1,
so the links into layer k show their ∂L/∂w while column k − 1 still shows its activations (the
aᵢ of ∂ℓ/∂wᵢ = aᵢ·∂ℓ/∂z).

While a phase is shown the network view draws the walked step itself, not the run's latest
snapshot: `phase_snapshot` is that step as a snapshot (the followed sample's numbers; the
weights before the update until the update phase, after it from then on) and `phase_caption`
its header line, in the words the animation uses for the same moment of an ordinary step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from nnviz.core.frozen import frozen_copies, frozen_copy
from nnviz.core.snapshot import Snapshot
from nnviz.core.step_animation import (
    BACKWARD_PHASE,
    FORWARD_PHASE,
    LOSS_PHASE,
    UPDATE_PHASE,
    AnimationPlan,
    step_caption,
)
from nnviz.core.walkthrough import Walkthrough

# The animation's name for each kind of phase, and what the network view draws for it.
ANIMATION_PHASES = {
    "forward": FORWARD_PHASE,
    "loss": LOSS_PHASE,
    "backward": BACKWARD_PHASE,
    "update": UPDATE_PHASE,
}


BACKWARD_REACH = 1e-3  # how far past column k − 1 the backward pass through layer k stands


@dataclass(frozen=True)
class Phase:
    kind: str  # "forward", "loss", "backward" or "update"
    layer: int | None  # the trainable layer (1-based) the phase is about, if one
    columns: tuple[int, ...]  # canvas columns to keep lit
    title: str
    text: str
    front: float  # how far the pass has come, in columns (see the module docstring)


def _n(x: float) -> str:
    return f"{x:.4g}".replace("-", "−")


def layer_title(layer: int, n_layers: int) -> str:
    return "Output" if layer == n_layers else f"Hidden {layer}"


def step_phases(walk: Walkthrough, units: dict[int, int] | None = None) -> tuple[Phase, ...]:
    """The phases of `walk`; `units` picks, per layer (1-based), the neuron whose numbers the
    captions quote (default: the first)."""
    units = units or {}
    n = len(walk.layers)
    sample = f"sample #{walk.sample}"
    phases = []
    for k, step in enumerate(walk.layers, start=1):
        u = min(units.get(k, 0), step.units - 1)
        name = layer_title(k, n)
        source = "input" if k == 1 else f"{layer_title(k - 1, n)} activation"
        phases.append(
            Phase(
                "forward",
                k,
                (k - 1, k),
                f"Forward · {name}",
                f"Each of the {step.units} neurons multiplies the {step.fan_in} {source} values "
                f"by its weights, adds them up with its bias (z = Σ aᵢ·wᵢ + b) and applies "
                f"{step.activation}: a = {step.activation}(z). For {sample}, {name} #{u + 1}: "
                f"z = {_n(step.z[u])}, a = {_n(step.a[u])}.",
                float(k),
            )
        )
    out = walk.layers[-1]
    target = ", ".join(_n(float(t)) for t in np.ravel(walk.target))
    output = ", ".join(_n(float(a)) for a in out.a[:4]) + (" …" if out.units > 4 else "")
    reg = " plus the weight penalty" if walk.regularization is not None else ""
    phases.append(
        Phase(
            "loss",
            n,
            (n,),
            f"Loss · {walk.loss_name}",
            f"The output ({output}) is compared with the target ({target}): this sample's loss "
            f"ℓ = {_n(walk.sample_loss)}. Over the batch of {len(walk.batch)} samples the loss "
            f"is L = {_n(walk.loss)} (the mean of the samples' losses{reg}).",
            float(n),
        )
    )
    for k in range(n, 0, -1):
        step = walk.layers[k - 1]
        u = min(units.get(k, 0), step.units - 1)
        name = layer_title(k, n)
        if k == n:
            start = "The backward pass starts at the loss: ∂ℓ/∂a of each output comes from it"
        else:
            start = (
                f"Each neuron collects ∂ℓ/∂a = Σⱼ wⱼ·∂ℓ/∂zⱼ back from {layer_title(k + 1, n)} "
                "through its outgoing weights"
            )
        chain = (
            "times f′(z) gives ∂ℓ/∂z"
            if step.activation != "softmax"
            else "softmax's Jacobian turns it into ∂ℓ/∂z"
        )
        phases.append(
            Phase(
                "backward",
                k,
                (k - 1, k),
                f"Backward · {name}",
                f"{start}; {chain}. Each incoming weight's gradient is ∂ℓ/∂w = a_in·∂ℓ/∂z, and "
                f"the batch's ∂L/∂w is their mean. {name} #{u + 1}: ∂ℓ/∂a = {_n(step.dL_da[u])}, "
                f"∂ℓ/∂z = {_n(step.dL_dz[u])}.",
                k - 1 + BACKWARD_REACH,
            )
        )
    params = sum(layer.W.size + layer.b.size for layer in walk.layers)
    phases.append(
        Phase(
            "update",
            None,
            tuple(range(n + 1)),
            f"Update · {walk.rule.title}",
            f"{walk.rule.caption}. The optimizer changes all {params} weights and biases at "
            f"once with the batch's gradients ({', '.join(walk.rule.values)}). Next applies it: "
            f"step {walk.step} → {walk.step + 1}.",
            float(n),
        )
    )
    return tuple(phases)


def phase_caption(walk: Walkthrough, phase: Phase) -> str:
    """The network view's header during `phase`: "Step 5 · Forward pass → Hidden 1", …"""
    where = "" if phase.layer is None else layer_title(phase.layer, len(walk.layers))
    plan = AnimationPlan(True, 1.0, 1.0)
    kind = ANIMATION_PHASES[phase.kind]
    return step_caption(walk.step + 1, kind, where, plan, walk.loss, walk.rule.caption)


def phase_snapshot(snapshot: Snapshot, walk: Walkthrough, phase: Phase) -> Snapshot:
    """`snapshot` (the run's latest: data, grid, pace) showing the walked step during `phase`,
    as the snapshot of that step for its sample would once taken (`step_view.py`): its pass with
    the weights W it starts from; before the update phase the weights are still W ("not yet
    updated"), from it on W_after."""
    layers = walk.layers
    updated = phase.kind == "update"
    weights = [layer.W_after if updated else layer.W for layer in layers]
    biases = [layer.b_after if updated else layer.b for layer in layers]
    return dataclasses.replace(
        snapshot,
        step=walk.step + int(updated),
        weights=frozen_copies(weights),
        biases=frozen_copies(biases),
        step_weights=frozen_copies(layer.W for layer in layers),
        step_biases=frozen_copies(layer.b for layer in layers),
        grad_weights=frozen_copies(layer.dL_dW for layer in layers),
        grad_biases=frozen_copies(layer.dL_db for layer in layers),
        input=frozen_copy(walk.x),
        pre=frozen_copies(layer.z for layer in layers),
        post=frozen_copies(layer.a for layer in layers),
        grad_pre=frozen_copies(layer.dL_dz for layer in layers),
        grad_post=frozen_copies(layer.dL_da for layer in layers),
        sample_grad_weights=frozen_copies(layer.sample_dL_dW for layer in layers),
        sample_grad_biases=frozen_copies(layer.sample_dL_db for layer in layers),
        trace_sample=walk.sample,
        batch_size=len(walk.batch),
        batch_loss=walk.loss,
        last_step=updated,
        update_rule=walk.rule.caption,
    )
