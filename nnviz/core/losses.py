"""Loss functions, mean-reduced exactly as PyTorch's defaults.

Each loss gives its value and dLoss/doutput. The two that belong to a squashing output
(binary cross-entropy after a sigmoid, cross-entropy after a softmax) also work from the
logits, where both the value and the gradient (p − y)/N are exact and cannot overflow;
`requires_output` names that activation so validation and the network can pair them.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.registry import Registry

_BCE_EPSILON = 1e-12  # torch's clamp on a(1−a) in BCELoss's gradient
_LOG_FLOOR = -100.0  # torch's clamp on log(a) in BCELoss


class Loss:
    requires_output: str | None = None

    def value(self, output: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_from_logits(self, z: np.ndarray, target: np.ndarray) -> float:
        raise TypeError(f"{type(self).__name__} has no logit form")

    def grad_logits(self, z: np.ndarray, a: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise TypeError(f"{type(self).__name__} has no logit form")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


LOSSES: Registry[Loss] = Registry("loss")


class MSE(Loss):
    def value(self, output, target):
        d = output - target
        return float(np.vdot(d, d)) / d.size

    def grad(self, output, target):
        d = output - target
        d *= 2.0 / d.size
        return d


class MAE(Loss):
    def value(self, output, target):
        return float(np.abs(output - target).mean())

    def grad(self, output, target):
        g = np.sign(output - target)
        g /= g.size
        return g


class Huber(Loss):
    delta = 1.0

    def value(self, output, target):
        d = np.abs(output - target)
        quadratic = np.minimum(d, self.delta)
        return float((0.5 * quadratic * quadratic + self.delta * (d - quadratic)).mean())

    def grad(self, output, target):
        g = np.clip(output - target, -self.delta, self.delta)
        g /= g.size
        return g


class BinaryCrossEntropy(Loss):
    requires_output = "sigmoid"

    def value(self, output, target):
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(output), _LOG_FLOOR)
            log_1a = np.maximum(np.log1p(-output), _LOG_FLOOR)
        return float(-(target * log_a + (1.0 - target) * log_1a).mean())

    def grad(self, output, target):
        g = output - target
        g /= np.maximum(output * (1.0 - output), _BCE_EPSILON) * g.size
        return g

    def value_from_logits(self, z, target):
        # log(1 + e^z) − y·z: the sigmoid never has to be inverted, so nothing overflows
        return float((np.logaddexp(0.0, z) - z * target).mean())

    def grad_logits(self, z, a, target):
        g = a - target
        g /= g.size
        return g


def _one_hot(target: np.ndarray, k: int, dtype) -> np.ndarray:
    """Integer labels as one-hot rows; probability rows pass through."""
    if target.ndim == 2:
        return target
    rows = np.zeros((target.shape[0], k), dtype=dtype)
    rows[np.arange(target.shape[0]), target.astype(np.intp, copy=False)] = 1.0
    return rows


class CrossEntropy(Loss):
    """torch.nn.CrossEntropyLoss on the softmax's input; targets are labels or probability rows."""

    requires_output = "softmax"

    def value(self, output, target):
        y = _one_hot(target, output.shape[1], output.dtype)
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(output), _LOG_FLOOR)
        return float(-(y * log_a).sum() / output.shape[0])

    def grad(self, output, target):
        y = _one_hot(target, output.shape[1], output.dtype)
        g = -y / np.maximum(output, np.finfo(output.dtype).tiny)
        g /= output.shape[0]
        return g

    def value_from_logits(self, z, target):
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        if target.ndim == 1:
            picked = log_p[np.arange(z.shape[0]), target.astype(np.intp, copy=False)]
            return float(-picked.sum() / z.shape[0])
        return float(-(target * log_p).sum() / z.shape[0])

    def grad_logits(self, z, a, target):
        if target.ndim == 1:
            g = a.copy()
            g[np.arange(z.shape[0]), target.astype(np.intp, copy=False)] -= 1.0
        else:
            g = a * target.sum(axis=1, keepdims=True) - target
        g /= z.shape[0]
        return g


LOSSES.add(
    "mse", MSE(), "Mean squared error: punishes big misses hard; the default for regression."
)
LOSSES.add("mae", MAE(), "Mean absolute error: every miss pulls equally; robust to outliers.")
LOSSES.add("huber", Huber(), "Squared for small errors, absolute for large (delta 1): robust MSE.")
LOSSES.add(
    "binary_cross_entropy",
    BinaryCrossEntropy(),
    "Log loss for two classes on one sigmoid output: confident mistakes cost the most.",
)
LOSSES.add(
    "cross_entropy",
    CrossEntropy(),
    "Log loss over k classes on a softmax output: the standard classification loss.",
)
