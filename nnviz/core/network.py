"""A stack of dense layers with every intermediate value kept for the views.

Conventions match PyTorch so results can be checked against it: `z = a_prev @ W + b` with `W`
shaped (fan_in, units), mean-reduced losses, regularization on weights only.

All parameters live in one flat buffer, weights first and biases after: `weights[k]` and
`biases[k]` are views into `params`, gradients are views into `grad_params` in the same
layout. An optimizer therefore updates the whole network with a few NumPy calls, and a weight
penalty is one operation on `params[:n_weights]`. Because they are views, assign into them
(`net.weights[0][...] = w`, or `load_weights`), never rebind them. `Backward.weights[k]` and
`Backward.biases[k]` are views into `grad_params` too, overwritten by the next `backward`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.activations import ACTIVATIONS, Activation
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.regularizers import REGULARIZERS


@dataclass
class Forward:
    """Inputs, pre-activations z and activations a of every layer, shaped (batch, units)."""

    input: np.ndarray
    pre: list[np.ndarray]
    post: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]


@dataclass
class Backward:
    """The loss and its gradients: per parameter, and per sample for every z and a."""

    loss: float
    data_loss: float
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    pre: list[np.ndarray]
    post: list[np.ndarray]


class Network:
    def __init__(self, design: Any, seed: int = 0) -> None:
        self.dtype = np.dtype(getattr(design.training, "dtype", "float64"))
        self.layer_sizes = (design.inputs, *(layer.units for layer in design.layers))
        self.activation_names = tuple(layer.activation for layer in design.layers)
        self.activations: list[Activation] = [ACTIVATIONS.get(n) for n in self.activation_names]
        self.loss_name = design.loss
        self.loss = LOSSES.get(design.loss)
        self._fused = self.loss.requires_output == self.activation_names[-1]
        reg = design.regularization
        self.regularizer = REGULARIZERS.get(reg.kind) if reg is not None else None
        self.regularization_rate = float(reg.rate) if reg is not None else 0.0

        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        self.n_weights = sum(i * o for i, o in shapes)
        self.n_params = self.n_weights + sum(o for _, o in shapes)
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grad_params = np.zeros(self.n_params, dtype=self.dtype)
        self.weights, self.biases = self._views(self.params, shapes)
        self._grad_weights, self._grad_biases = self._views(self.grad_params, shapes)
        self._weight_block = self.params[: self.n_weights]
        self._ones_cache: dict[int, np.ndarray] = {}
        self._grad_weight_block = self.grad_params[: self.n_weights]

        init = INITIALIZERS.get(design.initializer)
        rng = np.random.default_rng(seed)
        for w, (fan_in, fan_out) in zip(self.weights, shapes, strict=True):
            w[...] = init(rng, fan_in, fan_out, self.dtype)

    def _views(self, flat: np.ndarray, shapes) -> tuple[list[np.ndarray], list[np.ndarray]]:
        weights, biases, offset = [], [], 0
        for fan_in, fan_out in shapes:
            weights.append(flat[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out))
            offset += fan_in * fan_out
        for _, fan_out in shapes:
            biases.append(flat[offset : offset + fan_out])
            offset += fan_out
        return weights, biases

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def parameters(self) -> list[np.ndarray]:
        """What an optimizer updates: the one flat buffer (gradients: `[grad_params]`)."""
        return [self.params]

    def load_weights(self, weights, biases) -> None:
        """Copy arrays into the network, checking every shape first."""
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if np.shape(w) != self.weights[k].shape or np.shape(b) != self.biases[k].shape:
                raise ValueError(
                    f"layer {k}: got W {np.shape(w)} and b {np.shape(b)}, "
                    f"need {self.weights[k].shape} and {self.biases[k].shape}"
                )
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            self.weights[k][...] = w
            self.biases[k][...] = b

    def forward(self, x: np.ndarray) -> Forward:
        a = np.asarray(x, dtype=self.dtype)
        inputs, pre, post = a, [], []
        for w, b, act in zip(self.weights, self.biases, self.activations, strict=True):
            z = a @ w
            z += b
            a = act.forward(z)
            pre.append(z)
            post.append(a)
        return Forward(inputs, pre, post)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x).output

    def forward_grid(self, points: np.ndarray) -> list[np.ndarray]:
        """Every layer's activations for many inputs at once (a heatmap per neuron)."""
        return self.forward(points).post

    def loss_value(self, output: np.ndarray, y: np.ndarray) -> float:
        """The data loss of given outputs, as the matching torch.nn loss computes it."""
        return self.loss.value(output, self._target(y))

    def penalty(self) -> float:
        if self.regularizer is None:
            return 0.0
        return self.regularizer.penalty(self._weight_block, self.regularization_rate)

    def _target(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        return y if y.ndim == 1 and self._integer(y) else y.astype(self.dtype, copy=False)

    @staticmethod
    def _integer(y: np.ndarray) -> bool:
        return np.issubdtype(y.dtype, np.integer)

    def backward(self, fwd: Forward, y: np.ndarray) -> Backward:
        y = self._target(y)
        z_out, a_out = fwd.pre[-1], fwd.post[-1]
        if self._fused:
            data_loss = self.loss.value_from_logits(z_out, y)
            dz = self.loss.grad_logits(z_out, a_out, y)
            da = self.loss.grad(a_out, y)
        else:
            data_loss = self.loss.value(a_out, y)
            da = self.loss.grad(a_out, y)
            dz = self.activations[-1].backward(z_out, a_out, da)

        n = self.n_layers
        grad_pre: list[np.ndarray] = [dz] * n
        grad_post: list[np.ndarray] = [da] * n
        for k in range(n - 1, -1, -1):
            a_prev = fwd.post[k - 1] if k else fwd.input
            np.matmul(a_prev.T, dz, out=self._grad_weights[k])
            np.dot(self._ones(len(dz)), dz, out=self._grad_biases[k])
            if k:
                da = dz @ self.weights[k].T
                dz = self.activations[k - 1].backward(fwd.pre[k - 1], fwd.post[k - 1], da)
                grad_pre[k - 1], grad_post[k - 1] = dz, da

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
        return (
            f"Network({self.layer_sizes[0]} inputs → {layers}; loss {self.loss_name}, "
            f"{self.n_params} parameters, {self.dtype})"
        )
