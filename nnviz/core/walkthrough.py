"""One training step, taken apart: every number a learner checks by hand, for one sample.

`walk_step` computes, without changing the network or the optimizer it is given (it works on
copies), what one ordinary step on a batch does: the forward pass, the loss, the backward pass
and the optimizer's update, with the engine's own code, so the weights after it are bit-identical
to the ones a `Trainer` step produces. `walk_taken_step` takes apart a step already taken, from
the weights it started from, the network and the optimizer as the step left them (their buffers
cannot be rewound, so its update is read, not redone): the same numbers `walk_step` gave before
it. The inspector, the step-through, `nnviz explain` and the worked-example export all render
the result.

What the numbers mean (W_t: the weights after t updates):
- `W`, `b` are W_t, the weights the step's forward pass uses; `W_after`, `b_after` are W_{t+1}.
- For the chosen sample i (one row of the training set, in the batch or not): its input to the
  layer `a_in`, `z = a_in·W + b`, `a = f(z)`, and the derivatives of the sample's *own* loss ℓ_i
  (the loss of a batch made of that one sample, so the batch's data loss is the mean of the ℓ_i):
  `dL_da` = ∂ℓ_i/∂a, `dL_dz` = ∂ℓ_i/∂z = ∂ℓ_i/∂a · f′(z) (softmax: its Jacobian times ∂ℓ_i/∂a),
  `sample_dL_dW` = a_in ⊗ ∂ℓ_i/∂z and `sample_dL_db` = ∂ℓ_i/∂z.
- `dL_dW`, `dL_db` are the batch gradients the optimizer used: the mean over the batch of the
  per-sample terms, plus the regularization's gradient on weights (never on biases):
  ∂L/∂W = (1/B)·Σ_i a_in,i ⊗ ∂ℓ_i/∂z_i + ∂R/∂W,  ∂L/∂b = (1/B)·Σ_i ∂ℓ_i/∂z_i.
- `loss` is the batch loss the trainer reports (mean data loss + regularization penalty);
  `sample_loss` is ℓ_i.
- `state` holds the optimizer's buffers after the update, per layer (momentum buffer, Adam's m,
  v and the bias-corrected m̂, v̂, …), and `rule` the update rule it applied, in words.
- `taken`: the step has been taken (W_after are the network's weights now), or it is the next
  one, computed on copies (nothing has changed yet).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.network import Backward, Forward, Network
from nnviz.core.update_rules import UpdateRule, optimizer_state, update_rule


@dataclass(frozen=True)
class LayerStep:
    """One dense layer during the step; see the module docstring for each field's meaning.

    Matrices are (fan_in, units); per-neuron vectors are (units,). `state` maps a buffer name
    (as `UpdateRule.buffers`) to its (weights, biases) parts after the update.
    """

    index: int
    activation: str
    W: np.ndarray
    b: np.ndarray
    a_in: np.ndarray
    z: np.ndarray
    a: np.ndarray
    dL_da: np.ndarray  # noqa: N815 (the names of the JSON contract)
    dL_dz: np.ndarray  # noqa: N815 (the names of the JSON contract)
    sample_dL_dW: np.ndarray  # noqa: N815 (the names of the JSON contract)
    sample_dL_db: np.ndarray  # noqa: N815 (the names of the JSON contract)
    dL_dW: np.ndarray  # noqa: N815 (the names of the JSON contract)
    dL_db: np.ndarray  # noqa: N815 (the names of the JSON contract)
    W_after: np.ndarray
    b_after: np.ndarray
    state: dict[str, tuple[np.ndarray, np.ndarray]]

    @property
    def units(self) -> int:
        return int(self.z.shape[0])

    @property
    def fan_in(self) -> int:
        return int(self.a_in.shape[0])


@dataclass(frozen=True)
class Walkthrough:
    """One training step for one sample and one batch (see the module docstring).

    `step` is the number of updates taken before this one: the step turns W_step into
    W_{step+1}. `batch` are the training-set rows of the batch, `sample` the row followed,
    `in_batch` whether that sample is one of them (if not, its terms are shown but are no part
    of the batch gradient). `target` is the sample's target as the loss takes it (a class index
    for cross-entropy, else one value per output). `taken`: see the module docstring.
    """

    step: int
    sample: int
    batch: tuple[int, ...]
    in_batch: bool
    x: np.ndarray
    target: np.ndarray
    loss: float
    data_loss: float
    penalty: float
    sample_loss: float
    loss_name: str
    regularization: tuple[str, float] | None
    learning_rate: float
    rule: UpdateRule
    dtype: str
    layers: tuple[LayerStep, ...]
    taken: bool = False

    @property
    def output(self) -> np.ndarray:
        """The network's output for the sample."""
        return self.layers[-1].a

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: `step`, `sample`, `batch`, `loss` and per layer `W`, `b`, `z`, `a`,
        `dL_da`, `dL_dz`, `dL_dW`, `dL_db`, `W_after`, `b_after` (the contract of
        `nnviz explain --format json`), plus the other fields under their own names."""
        return {
            "step": self.step,
            "sample": self.sample,
            "batch": list(self.batch),
            "in_batch": self.in_batch,
            "loss": self.loss,
            "data_loss": self.data_loss,
            "penalty": self.penalty,
            "sample_loss": self.sample_loss,
            "loss_name": self.loss_name,
            "input": self.x.tolist(),
            "target": self.target.tolist(),
            "output": self.output.tolist(),
            "regularization": (
                None
                if self.regularization is None
                else {"kind": self.regularization[0], "rate": self.regularization[1]}
            ),
            "dtype": self.dtype,
            "optimizer": {
                "name": self.rule.optimizer,
                "title": self.rule.title,
                "learning_rate": self.learning_rate,
                "rule": list(self.rule.lines),
                "values": list(self.rule.values),
            },
            "layers": [_layer_json(layer) for layer in self.layers],
        }


_LAYER_FIELDS = (
    "W",
    "b",
    "a_in",
    "z",
    "a",
    "dL_da",
    "dL_dz",
    "sample_dL_dW",
    "sample_dL_db",
    "dL_dW",
    "dL_db",
    "W_after",
    "b_after",
)


def _layer_json(layer: LayerStep) -> dict[str, Any]:
    out: dict[str, Any] = {"activation": layer.activation}
    out.update({name: getattr(layer, name).tolist() for name in _LAYER_FIELDS})
    out["state"] = {key: {"W": w.tolist(), "b": b.tolist()} for key, (w, b) in layer.state.items()}
    return out


def walk_step(
    network: Network,
    optimizer: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch: Sequence[int],
    sample: int,
    *,
    step: int = 0,
    learning_rate: float | None = None,
) -> Walkthrough:
    """The walkthrough of one ordinary step on rows `batch` of (x, y), followed for row `sample`.

    x and y are the training inputs and targets as the trainer feeds them (y encoded for the
    loss). `learning_rate`, if given, is the rate the step uses (the trainer's schedule may set
    a new one at an epoch's start); `step` counts the updates already taken. Nothing given is
    changed: the forward, backward and update run on copies of the network and optimizer.
    """
    net = network.copy()
    passes = _passes(net, x, y, batch, sample)
    opt = copy.deepcopy(optimizer)
    if learning_rate is not None:
        opt.learning_rate = float(learning_rate)
    with np.errstate(all="ignore"):
        opt.step(net.parameters(), [passes.grads])
    return _walkthrough(
        passes, net, opt, update_rule(opt), opt.learning_rate, step=step, taken=False
    )


def walk_taken_step(
    network: Network,
    params_before: np.ndarray,
    optimizer: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch: Sequence[int],
    sample: int,
    *,
    step: int,
    learning_rate: float,
) -> Walkthrough:
    """The walkthrough of a step already taken: it started from `params_before` (laid out as
    `network.params`) on rows `batch` at rate `learning_rate`, after `step` earlier updates,
    and left `network` and `optimizer` as they are now. Its passes are redone on a copy (the
    same weights and rows give the engine's numbers bit for bit); its update is read from the
    network and the optimizer's buffers. Nothing given is changed."""
    net = network.copy()
    net.params[...] = params_before
    passes = _passes(net, x, y, batch, sample)
    rule = update_rule(optimizer, learning_rate)
    return _walkthrough(passes, network, optimizer, rule, learning_rate, step=step, taken=True)


@dataclass(frozen=True)
class _Passes:
    """The forward and backward passes of one step with its starting weights, for the batch
    and for the followed sample alone."""

    net: Network
    rows: np.ndarray
    sample: int
    one: Forward
    one_bwd: Backward
    bwd: Backward
    grads: np.ndarray  # the batch gradient, laid out as net.params
    w_before: list[np.ndarray]
    b_before: list[np.ndarray]
    penalty: float
    target: np.ndarray  # the sample's, as the loss takes it


def _passes(net: Network, x: np.ndarray, y: np.ndarray, batch: Sequence[int], sample: int):
    """Both passes with `net`'s parameters (those before the update) on rows `batch`, and on
    row `sample` alone."""
    rows = np.asarray(batch, dtype=np.int64)
    if rows.ndim != 1 or len(rows) == 0:
        raise ValueError("batch: needs at least one row index")
    n = len(x)
    if rows.min() < 0 or rows.max() >= n:
        raise IndexError(f"batch: row indices must lie in 0..{n - 1}")
    if not 0 <= sample < n:
        raise IndexError(f"sample {sample} out of range 0..{n - 1}")
    w_before, b_before = _split(net, net.params)
    penalty = float(net.penalty())
    with np.errstate(all="ignore"):
        # The sample alone: a batch of one row gives the derivatives of its own loss ℓ_i.
        one = net.forward(x[sample : sample + 1])
        one_bwd = net.backward(one, y[sample : sample + 1])
        # The batch exactly as the trainer takes it.
        bwd = net.backward(net.forward(x.take(rows, axis=0)), y.take(rows, axis=0))
    grads = net.grad_params.copy()
    target = np.array(y[sample])
    return _Passes(
        net, rows, int(sample), one, one_bwd, bwd, grads, w_before, b_before, penalty, target
    )


def _walkthrough(
    passes: _Passes,
    after: Network,
    optimizer: Any,
    rule: UpdateRule,
    learning_rate: float,
    *,
    step: int,
    taken: bool,
) -> Walkthrough:
    """The walkthrough of both passes, with the parameters `after` holds once the update is
    made and the buffers `optimizer` holds then."""
    net, one, one_bwd = passes.net, passes.one, passes.one_bwd
    state = {key: _split(net, value) for key, value in optimizer_state(optimizer, rule).items()}
    grad_w, grad_b = _split(net, passes.grads)
    layers = []
    inputs = [one.input[0], *(a[0] for a in one.post[:-1])]
    for k in range(net.n_layers):
        a_in, dz = inputs[k], one_bwd.pre[k][0]
        layers.append(
            LayerStep(
                index=k,
                activation=net.activation_names[k],
                W=passes.w_before[k],
                b=passes.b_before[k],
                a_in=a_in.copy(),
                z=one.pre[k][0].copy(),
                a=one.post[k][0].copy(),
                dL_da=one_bwd.post[k][0].copy(),
                dL_dz=dz.copy(),
                sample_dL_dW=np.outer(a_in, dz),
                sample_dL_db=dz.copy(),
                dL_dW=grad_w[k],
                dL_db=grad_b[k],
                W_after=after.weights[k].copy(),
                b_after=after.biases[k].copy(),
                state={key: (parts[0][k], parts[1][k]) for key, parts in state.items()},
            )
        )
    reg = None
    if net.regularization_kind is not None:
        reg = (net.regularization_kind, net.regularization_rate)
    rows = passes.rows
    return Walkthrough(
        step=int(step),
        sample=passes.sample,
        batch=tuple(int(r) for r in rows),
        in_batch=bool(np.any(rows == passes.sample)),
        x=one.input[0].copy(),
        target=passes.target,
        loss=float(passes.bwd.loss),
        data_loss=float(passes.bwd.data_loss),
        penalty=passes.penalty,
        sample_loss=float(one_bwd.data_loss),
        loss_name=net.loss_name,
        regularization=reg,
        learning_rate=float(learning_rate),
        rule=rule,
        dtype=str(net.dtype),
        layers=tuple(layers),
        taken=taken,
    )


def _split(net: Network, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-layer copies of a flat parameter-shaped array."""
    weights, biases = net.split(flat)
    return [w.copy() for w in weights], [b.copy() for b in biases]


def step_scope(walk: Walkthrough) -> str:
    """Which step `walk` is, in words: the last one taken, or the next one."""
    start = "the initial weights" if walk.step == 0 else f"the weights after step {walk.step}"
    if walk.taken:
        return f"step {walk.step + 1}, the last one taken: its pass with {start}, and its update"
    return (
        f"step {walk.step + 1}, the next one (not taken yet): its pass with {start}, and the "
        "update it will make"
    )
