"""A stack of dense layers with every intermediate value kept for the views.

Conventions match PyTorch so results can be checked against it: `z = a_prev @ W + b` with `W`
shaped (fan_in, units), mean-reduced losses, regularization on weights only.

Memory layout. All parameters live in one flat buffer `params`, every layer's weights first and
then every layer's biases: `weights[k]` and `biases[k]` are views into it. Gradients live in
`grad_params` with the same layout. An optimizer therefore updates the whole network with a
few NumPy calls on one array, and a weight penalty is one operation on `params[:n_weights]`.
Because they are views, assign into them (`net.weights[0][...] = w`, or `load_weights`),
never rebind them.

Matrix products use `np.dot`: for 2-D arrays it is `np.matmul`'s product with less overhead per
call, and for small layers that overhead is most of a product's cost.

What `backward` returns. `Backward.weights[k]` and `Backward.biases[k]` are views into
`grad_params`: no copy is made, and the next `backward` call overwrites them (copy them to keep
them). Everything else — the arrays of `Forward`, and `Backward.pre` / `Backward.post` — is
freshly allocated on every call and never reused.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.activations import ACTIVATIONS, Activation
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.regularizers import REGULARIZERS


@dataclass(slots=True)
class Forward:
    """Inputs, pre-activations z and activations a of every layer, shaped (batch, units)."""

    input: np.ndarray
    pre: list[np.ndarray]
    post: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]


@dataclass(slots=True)
class Backward:
    """The loss and its gradients: per parameter, and per sample for every z and a.

    `pre[k]` / `post[k]` are dLoss/dz and dLoss/da of layer k for each sample, shaped
    (batch, units), of the mean loss (what torch's `retain_grad` gives). `weights` and
    `biases` are views into the network's `grad_params` (see the module docstring).
    """

    loss: float  # data loss + regularization penalty
    data_loss: float
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    pre: list[np.ndarray]
    post: list[np.ndarray]


class Network:
    """Dense layers built from a design (read duck-typed: inputs, layers, loss, initializer,
    regularization, training.dtype), initialised from `seed`."""

    def __init__(self, design: Any, seed: int = 0) -> None:
        training = getattr(design, "training", None)
        self.dtype = np.dtype(getattr(training, "dtype", "float64"))
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64 (got {self.dtype})")
        self.layer_sizes: tuple[int, ...] = (
            int(design.inputs),
            *(int(layer.units) for layer in design.layers),
        )
        self.activation_names = tuple(layer.activation for layer in design.layers)
        self.activations: list[Activation] = [ACTIVATIONS.get(n) for n in self.activation_names]
        for k, act in enumerate(self.activations[:-1]):
            if act.output_only:
                raise ValueError(f"layers[{k}]: {self.activation_names[k]} is for the output only")
        self.loss_name = design.loss
        self.loss = LOSSES.get(design.loss)
        needed = self.loss.requires_output
        if needed is not None and needed != self.activation_names[-1]:
            raise ValueError(
                f"{self.loss_name} needs a {needed} output layer "
                f"(the last layer uses {self.activation_names[-1]})"
            )
        self._fused = needed is not None
        reg = getattr(design, "regularization", None)
        self.regularization_kind: str | None = reg.kind if reg is not None else None
        self.regularizer = REGULARIZERS.get(reg.kind) if reg is not None else None
        self.regularization_rate = float(reg.rate) if reg is not None else 0.0
        self.initializer_name = getattr(design, "initializer", "xavier_uniform")

        shapes = self._shapes()
        self.n_weights = sum(i * o for i, o in shapes)
        self.n_params = self.n_weights + sum(o for _, o in shapes)
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grad_params = np.zeros(self.n_params, dtype=self.dtype)
        self._bind()

        init = INITIALIZERS.get(self.initializer_name)
        rng = np.random.default_rng(seed)
        for w, (fan_in, fan_out) in zip(self.weights, shapes, strict=True):
            w[...] = init(rng, fan_in, fan_out, self.dtype)

    def _shapes(self) -> list[tuple[int, int]]:
        """(fan_in, units) of every layer."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))

    def _bind(self) -> None:
        """The per-layer views into `params` / `grad_params` and the loops' plans over them."""
        shapes = self._shapes()
        self.weights, self.biases = _views(self.params, shapes)
        self._grad_weights, self._grad_biases = _views(self.grad_params, shapes)
        self._weight_block = self.params[: self.n_weights]
        self._grad_weight_block = self.grad_params[: self.n_weights]
        self._ones_cache: dict[int, np.ndarray] = {}
        # per layer, what the loops need, looked up once here rather than on every step
        self._forward_plan = [
            (w, b, act.forward)
            for w, b, act in zip(self.weights, self.biases, self.activations, strict=True)
        ]
        self._backward_plan = [
            (
                k,
                self._grad_weights[k],
                self._grad_biases[k],
                self.weights[k].T,
                self.activations[k - 1].backward if k else None,
            )
            for k in range(len(shapes) - 1, -1, -1)
        ]

    def copy(self) -> Network:
        """An independent network with the same layers and the same parameters and gradients:
        for computing with the weights of a moment without touching the ones being trained."""
        clone = copy.copy(self)
        clone.params = self.params.copy()
        clone.grad_params = self.grad_params.copy()
        clone._bind()
        return clone

    def split(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per-layer (fan_in, units) and (units,) views of an array laid out like `params`
        (a gradient, an optimizer's buffer)."""
        return _views(flat, self._shapes())

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def outputs(self) -> int:
        return self.layer_sizes[-1]

    def parameters(self) -> list[np.ndarray]:
        """What an optimizer updates: the one flat buffer, `[params]`."""
        return [self.params]

    def gradients(self) -> list[np.ndarray]:
        """The matching gradients, `[grad_params]`, filled by `backward`."""
        return [self.grad_params]

    def load_weights(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> None:
        """Copy arrays into the network, checking every shape first."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ValueError(
                f"need {self.n_layers} weight and bias arrays "
                f"(got {len(weights)} and {len(biases)})"
            )
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if np.shape(w) != self.weights[k].shape or np.shape(b) != self.biases[k].shape:
                raise ValueError(
                    f"layer {k}: got W {np.shape(w)} and b {np.shape(b)}, "
                    f"need {self.weights[k].shape} and {self.biases[k].shape}"
                )
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            self.weights[k][...] = w
            self.biases[k][...] = b

    # --- forward ---------------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> Forward:
        """z and a of every layer for inputs x shaped (batch, inputs)."""
        a = x if type(x) is np.ndarray and x.dtype == self.dtype else self._as_input(x)
        inputs = a
        pre: list[np.ndarray] = []
        post: list[np.ndarray] = []
        for w, b, activate in self._forward_plan:
            z = np.dot(a, w)
            z += b
            a = activate(z)
            pre.append(z)
            post.append(a)
        return Forward(inputs, pre, post)

    def _as_input(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"inputs must be shaped (batch, {self.layer_sizes[0]}), got {x.shape}")
        return x

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output for inputs x."""
        return self.forward(x).post[-1]

    def forward_grid(self, points: np.ndarray) -> list[np.ndarray]:
        """Every layer's activations for many inputs at once, shaped (points, units): one
        heatmap per neuron. Nothing is kept for a backward pass."""
        a = self._as_input(points)
        post = []
        for w, b, activate in self._forward_plan:
            z = np.dot(a, w)
            z += b
            a = activate(z)
            post.append(a)
        return post

    def forward_units(self, inputs: np.ndarray, dtype: np.dtype | type) -> list[np.ndarray]:
        """`forward_grid` laid out unit-major for pictures: `inputs` (features, points) → every
        layer's activations (units, points), each neuron's map one contiguous block (no
        transposing copy), computed in `dtype` (float32 element-wise functions cost a quarter
        of float64's, and a picture needs no more precision)."""
        a = inputs
        posts = []
        for w, b, activation in zip(self.weights, self.biases, self.activations, strict=True):
            z = w.T.astype(dtype) @ a
            z += b.astype(dtype)[:, None]
            if activation.elementwise:
                a = activation.forward(z)
            else:  # softmax couples a point's units: apply it point-major
                a = np.ascontiguousarray(activation.forward(np.ascontiguousarray(z.T)).T)
            posts.append(a)
        return posts

    # --- loss and backward -----------------------------------------------------------------

    def loss_value(self, output: np.ndarray, y: np.ndarray) -> float:
        """The data loss of given outputs (no regularization), as the torch.nn loss computes
        it from outputs; used for a test split."""
        return self.loss.value(output, self._target(y, output))

    def penalty(self) -> float:
        """The regularization term added to the data loss (0 without regularization)."""
        if self.regularizer is None:
            return 0.0
        return self.regularizer.penalty(self._weight_block, self.regularization_rate)

    def _target(self, y: Any, output: np.ndarray) -> np.ndarray:
        """Targets as the loss takes them: labels stay integers, values become the dtype."""
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        if y.ndim == 1 and self.loss.takes_labels and y.dtype.kind in "iu":
            if y.shape[0] != output.shape[0]:
                raise ValueError(f"{y.shape[0]} labels for a batch of {output.shape[0]}")
            return y
        if y.dtype != self.dtype:
            y = y.astype(self.dtype)
        if y.ndim == 1 and output.shape[1] == 1:
            y = y.reshape(-1, 1)
        if y.shape != output.shape:
            raise ValueError(f"targets shaped {y.shape} do not match outputs {output.shape}")
        return y

    def backward(self, fwd: Forward, y: np.ndarray) -> Backward:
        """The loss of `fwd` against targets y and every gradient of it.

        y is (batch, outputs) floats, or (batch,) integer labels for cross_entropy.
        """
        z_out, a_out = fwd.pre[-1], fwd.post[-1]
        y = self._target(y, a_out)
        if self._fused:
            data_loss, dz, da = self.loss.fused(z_out, a_out, y)
        else:
            data_loss, da = self.loss.value_and_grad(a_out, y)
            dz = self.activations[-1].backward(z_out, a_out, da)

        n = len(self._backward_plan)
        grad_pre = [dz] * n
        grad_post = [da] * n
        pre, post = fwd.pre, fwd.post
        ones = self._ones(dz.shape[0])
        for k, grad_w, grad_b, w_t, back in self._backward_plan:
            a_prev = post[k - 1] if k else fwd.input
            np.dot(a_prev.T, dz, out=grad_w)
            np.dot(ones, dz, out=grad_b)
            if k:
                da = np.dot(dz, w_t)
                dz = back(pre[k - 1], post[k - 1], da)
                grad_pre[k - 1] = dz
                grad_post[k - 1] = da

        penalty = 0.0
        if self.regularizer is not None:
            rate = self.regularization_rate
            penalty = self.regularizer.penalty(self._weight_block, rate)
            self.regularizer.add_grad(self._weight_block, self._grad_weight_block, rate)
        return Backward(
            data_loss + penalty,
            data_loss,
            self._grad_weights,
            self._grad_biases,
            grad_pre,
            grad_post,
        )

    def _ones(self, batch: int) -> np.ndarray:
        """A cached row of ones: summing over the batch as a product is the fastest sum."""
        ones = self._ones_cache.get(batch)
        if ones is None:
            ones = self._ones_cache[batch] = np.ones(batch, dtype=self.dtype)
        return ones

    def __repr__(self) -> str:
        layers = " → ".join(
            f"{u} {a}" for u, a in zip(self.layer_sizes[1:], self.activation_names, strict=True)
        )
        reg = (
            f", {type(self.regularizer).__name__.lower()} {self.regularization_rate:g}"
            if self.regularizer is not None
            else ""
        )
        return (
            f"Network({self.layer_sizes[0]} inputs → {layers}; loss {self.loss_name}{reg}; "
            f"{self.n_params} parameters, {self.dtype})"
        )


def _views(flat: np.ndarray, shapes) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(fan_in, units) weight views, then (units,) bias views, laid out in that order."""
    weights, biases, offset = [], [], 0
    for fan_in, fan_out in shapes:
        weights.append(flat[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out))
        offset += fan_in * fan_out
    for _, fan_out in shapes:
        biases.append(flat[offset : offset + fan_out])
        offset += fan_out
    return weights, biases
