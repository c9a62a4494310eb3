"""What a snapshot shows of training: one state, one set of numbers.

The rule. A snapshot taken after t steps shows step t, the last one taken:
- `weights`, `biases` are W_t, the network as it is now, after step t's update (what the
  decision boundary, exports and sessions use);
- `step_weights`, `step_biases` are W_{t-1}, the weights step t's forward and backward pass used,
  so W_t = W_{t-1} − (the optimizer's update computed from `grad_weights`);
- the trace (`input`, `pre`, `post`, `grad_pre`, `grad_post`) is that pass, with W_{t-1}:
  - one sample (`trace_sample` = i): its x, z = a_in·W + b, a = f(z), and the derivatives of its
    *own* loss ℓ_i: ∂ℓ/∂a and ∂ℓ/∂z = ∂ℓ/∂a · f′(z) (softmax: its Jacobian); with
    `sample_grad_weights` = a_in ⊗ ∂ℓ/∂z and `sample_grad_biases` = ∂ℓ/∂z, its own share;
  - the batch mean (`trace_sample` None): the mean over step t's batch of each of those
    per-sample quantities. z̄ = ā·W + b still holds (z is linear in a), but ā is the mean of
    f(z), not f(z̄), and the mean ∂ℓ/∂z is not the mean ∂ℓ/∂a times f′(z̄): views say "mean";
- `grad_weights`, `grad_biases` are the gradients the update used: the batch mean of the
  per-sample terms, plus the regularization's gradient (weights only). So ∂L/∂b equals the mean
  ∂ℓ/∂z of the batch exactly, and ∂L/∂W = mean of a_in ⊗ ∂ℓ/∂z (not ā ⊗ mean ∂ℓ/∂z).
Before the first step (t = 0), after a weight is set by hand, and when the last step's pass
is not known (a session saved without it), the trace is the pass the next step will take with
the current weights, on its batch; `step_weights` are then the current weights and `last_step`
is False. `Trainer.shown_walkthrough` takes the same step apart (the inspector's numbers).

`trace_step` computes the trace; `neuron_lines` and `link_lines` write a neuron's or a link's
numbers with what each one is (one sample, batch mean, batch gradient), as tooltips show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.network import Backward, Forward, Network
from nnviz.core.regularizers import REGULARIZERS


@dataclass(frozen=True)
class StepTrace:
    """One pass as a snapshot shows it: per layer vectors (units,), plus the traced sample's own
    gradients (None for the batch mean)."""

    input: np.ndarray
    pre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]
    grad_pre: tuple[np.ndarray, ...]
    grad_post: tuple[np.ndarray, ...]
    sample_grad_weights: tuple[np.ndarray, ...] | None
    sample_grad_biases: tuple[np.ndarray, ...] | None


def batch_trace(fwd: Forward, bwd: Backward) -> StepTrace:
    """Means over a batch of each sample's x, z, a, ∂ℓ/∂a and ∂ℓ/∂z, from the engine's own pass.

    The engine's per-sample derivatives are of the mean loss, ∂ℓ_i/∂z / B, so the batch mean of
    ∂ℓ_i/∂z is their sum (the same sum that gives ∂L/∂b, so the two agree to the last bit)."""
    ones = np.ones(fwd.input.shape[0], dtype=fwd.input.dtype)
    return StepTrace(
        input=_frozen(fwd.input.mean(axis=0)),
        pre=tuple(_frozen(z.mean(axis=0)) for z in fwd.pre),
        post=tuple(_frozen(a.mean(axis=0)) for a in fwd.post),
        grad_pre=tuple(_frozen(np.dot(ones, dz)) for dz in bwd.pre),
        grad_post=tuple(_frozen(np.dot(ones, da)) for da in bwd.post),
        sample_grad_weights=None,
        sample_grad_biases=None,
    )


def sample_trace(network: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> StepTrace:
    """One sample's pass with the parameters `params` (laid out as `network.params`): its x, z,
    a, and the derivatives of its own loss, with its own ∂ℓ/∂W = a_in ⊗ ∂ℓ/∂z and ∂ℓ/∂b."""
    net = network.copy()
    net.params[...] = params
    with np.errstate(all="ignore"):
        fwd = net.forward(x[None])
        bwd = net.backward(fwd, y[None])
    inputs = [fwd.input[0], *(a[0] for a in fwd.post[:-1])]
    dz = [d[0] for d in bwd.pre]
    return StepTrace(
        input=_frozen(fwd.input[0]),
        pre=tuple(_frozen(z[0]) for z in fwd.pre),
        post=tuple(_frozen(a[0]) for a in fwd.post),
        grad_pre=tuple(_frozen(d) for d in dz),
        grad_post=tuple(_frozen(da[0]) for da in bwd.post),
        sample_grad_weights=tuple(_frozen(np.outer(a, d)) for a, d in zip(inputs, dz, strict=True)),
        sample_grad_biases=tuple(_frozen(d) for d in dz),
    )


@dataclass(frozen=True)
class StepView:
    """Everything of the rule above a snapshot carries, for one moment of a run."""

    last_step: bool
    batch_size: int
    step_weights: tuple[np.ndarray, ...]
    step_biases: tuple[np.ndarray, ...]
    grad_weights: tuple[np.ndarray, ...]
    grad_biases: tuple[np.ndarray, ...]
    trace: StepTrace


def step_view(
    network: Network,
    params: np.ndarray,
    pass_: tuple[Forward, Backward, np.ndarray],
    data: tuple[np.ndarray, np.ndarray],
    sample: int | None,
    last_step: bool,
) -> StepView:
    """The view of a pass (`pass_`: the engine's forward and backward of batch rows `rows`)
    made with `params` (laid out as `network.params`), on training data `data` = (x, y) as the
    trainer feeds it, for one sample or (None) the batch mean. `last_step`: an update with its
    gradients followed the pass (see the module docstring)."""
    fwd, bwd, rows = pass_
    x, y = data
    weights, biases = network.split(params)
    trace = (
        batch_trace(fwd, bwd)
        if sample is None
        else sample_trace(network, params, x[sample], y[sample])
    )
    return StepView(
        last_step=last_step,
        batch_size=len(rows),
        step_weights=tuple(_frozen(w) for w in weights),
        step_biases=tuple(_frozen(b) for b in biases),
        grad_weights=tuple(_frozen(g) for g in bwd.weights),
        grad_biases=tuple(_frozen(g) for g in bwd.biases),
        trace=trace,
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


# ------------------------------------------------------------------------- what tooltips say


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else str(value)


def _scope(snapshot) -> str:
    """Which step and which samples the trace is of."""
    which = "next step" if not snapshot.last_step else f"step {snapshot.step}"
    if snapshot.trace_sample is not None:
        return f"{which}, sample #{snapshot.trace_sample}"
    return f"{which}, mean over its batch of {snapshot.batch_size}"


def neuron_lines(snapshot, k: int, unit: int, activation: str) -> list[str]:
    """The numbers of unit `unit` of trainable layer k, each saying what it is."""
    s = snapshot
    z, a = float(s.pre[k][unit]), float(s.post[k][unit])
    da, dz = float(s.grad_post[k][unit]), float(s.grad_pre[k][unit])
    b_used = float(_used(s.step_biases, s.biases)[k][unit])
    grad_b = float(s.grad_biases[k][unit])
    lines = [f"({_scope(s)})"]
    if s.trace_sample is not None:
        if ACTIVATIONS.get(activation).elementwise:
            chain = f"∂ℓ/∂z = ∂ℓ/∂a · f′(z) = {_fmt(dz)}"
        else:  # softmax: every unit's z moves every a of the layer
            coupled = float(np.dot(s.post[k], s.grad_post[k]))
            chain = (
                f"∂ℓ/∂z = a·(∂ℓ/∂a − Σₖ aₖ·∂ℓ/∂aₖ) = {_fmt(a)}·({_fmt(da)} − {_fmt(coupled)})"
                f" = {_fmt(dz)}  (softmax's Jacobian)"
            )
        lines += [
            f"z = Σ w·a + b = {_fmt(z)}",
            f"a = {activation}(z) = {_fmt(a)}",
            f"∂ℓ/∂a = {_fmt(da)}  (this sample's loss ℓ)",
            chain,
            f"∂ℓ/∂b = ∂ℓ/∂z = {_fmt(dz)}  (this sample)",
        ]
    else:
        lines += [
            f"mean z = Σ w·(mean a) + b = {_fmt(z)}",
            f"mean a = mean of {activation}(z) = {_fmt(a)}  (not {activation} of the mean z)",
            f"mean ∂ℓ/∂a = {_fmt(da)}",
            f"mean ∂ℓ/∂z = {_fmt(dz)}",
        ]
    lines.append(f"∂L/∂b = {_fmt(grad_b)}  (batch: mean of ∂ℓ/∂z over {s.batch_size} samples)")
    lines.append(_before_after("b", b_used, float(s.biases[k][unit]), s.last_step))
    return lines


def link_lines(snapshot, k: int, row: int, col: int) -> list[str]:
    """The numbers of weight matrix k's entry row → col, each saying what it is."""
    s = snapshot
    used = float(_used(s.step_weights, s.weights)[k][row, col])
    lines = [_before_after("w", used, float(s.weights[k][row, col]), s.last_step)]
    if s.sample_grad_weights is not None:
        share = float(s.sample_grad_weights[k][row, col])
        lines.append(f"∂ℓ/∂w = a·∂ℓ/∂z = {_fmt(share)}  (sample #{s.trace_sample})")
    grad = float(s.grad_weights[k][row, col])
    mean = f"mean of a·∂ℓ/∂z over {s.batch_size} samples"
    lines.append(f"∂L/∂w = {_fmt(grad)}  (batch: {mean}{penalty_term(s.regularization)})")
    return lines


def penalty_term(regularization: tuple[str, float] | None, fmt=_fmt) -> str:
    """What the weight penalty adds to a weight's batch gradient, as a term: " + 0.001·w (l2
    penalty)"; "" without one."""
    if regularization is None:
        return ""
    kind, rate = regularization
    term = REGULARIZERS.get(kind).gradient.format(rate=fmt(rate))
    return f" + {term} ({kind} penalty)"


def _used(step_arrays, current):
    return step_arrays if step_arrays is not None else current


def _before_after(name: str, used: float, now: float, last_step: bool) -> str:
    if not last_step:
        return f"{name} = {_fmt(now)}  (not yet updated)"
    return f"{name} = {_fmt(used)} in this step's pass → {_fmt(now)} after its update"
