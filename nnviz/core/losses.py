"""Loss functions, mean-reduced exactly as PyTorch's defaults.

Each loss gives its value and dLoss/doutput (`value`, `grad`, or both at once with
`value_and_grad`, which shares the work). The two that belong to a squashing output (binary
cross-entropy after a sigmoid, cross-entropy after a softmax) also work from the logits z, where
the value and the gradient dLoss/dz = (p − y)/N are exact and cannot overflow, as
`BCEWithLogitsLoss` and `CrossEntropyLoss` compute them; `requires_output` names that activation
so design validation and the network can pair them (the attributes are the one place design
validation and target coding learn a loss's needs from). `fused(z, a, y)` returns the value,
dLoss/dz and dLoss/da together for the network's output layer.

N is what PyTorch averages over: every element for the element-wise losses (and binary
cross-entropy), the number of samples (rows) for cross-entropy.

Targets are float arrays shaped like the output, except that cross-entropy also takes integer
class labels shaped (batch,).
"""

from __future__ import annotations

import numpy as np

from nnviz.core.registry import Registry

_BCE_EPSILON = 1e-12  # torch's clamp on a(1−a) in BCELoss's gradient
_LOG_FLOOR = -100.0  # torch's clamp on log(a) in BCELoss


class Loss:
    requires_output: str | None = None  # the output activation the loss is defined on
    takes_labels: bool = False  # also accepts integer class labels shaped (batch,)

    @property
    def needs_classes(self) -> bool:
        """Measures predicted class probabilities, so the targets must be classes."""
        return self.requires_output is not None

    def value(self, output: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dLoss/doutput, the same shape as `output`."""
        raise NotImplementedError

    def value_and_grad(self, output: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        return self.value(output, target), self.grad(output, target)

    def value_from_logits(self, z: np.ndarray, target: np.ndarray) -> float:
        raise TypeError(f"{type(self).__name__} has no logit form")

    def grad_logits(self, z: np.ndarray, a: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dLoss/dz given the logits z and the output a = activation(z)."""
        raise TypeError(f"{type(self).__name__} has no logit form")

    def fused(
        self, z: np.ndarray, a: np.ndarray, target: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """(value, dLoss/dz, dLoss/da) from the logits, for the matching output activation."""
        return (
            self.value_from_logits(z, target),
            self.grad_logits(z, a, target),
            self.grad(a, target),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


LOSSES: Registry[Loss] = Registry("loss")


def _total(x: np.ndarray) -> float:
    """Sum of all entries, with less overhead than `ndarray.mean` on small arrays."""
    return float(np.add.reduce(x, axis=None))


class MSE(Loss):
    def value(self, output, target):
        d = output - target
        return float(np.vdot(d, d)) / d.size

    def grad(self, output, target):
        d = output - target
        d *= 2.0 / d.size
        return d

    def value_and_grad(self, output, target):
        d = output - target
        value = float(np.vdot(d, d)) / d.size
        d *= 2.0 / d.size
        return value, d


class MAE(Loss):
    def value(self, output, target):
        return _total(np.abs(output - target)) / output.size

    def grad(self, output, target):
        # sign(0) = 0, as torch's L1Loss gradient at a perfect prediction
        g = np.sign(output - target)
        g *= 1.0 / g.size
        return g

    def value_and_grad(self, output, target):
        d = output - target
        value = _total(np.abs(d)) / d.size
        np.sign(d, out=d)
        d *= 1.0 / d.size
        return value, d


class Huber(Loss):
    delta = 1.0

    def value(self, output, target):
        d = np.abs(output - target)
        quadratic = np.minimum(d, self.delta)
        return _total(0.5 * quadratic * quadratic + self.delta * (d - quadratic)) / d.size

    def grad(self, output, target):
        g = np.clip(output - target, -self.delta, self.delta)
        g *= 1.0 / g.size
        return g


class BinaryCrossEntropy(Loss):
    """torch.nn.BCELoss on a sigmoid output; from the logits it is BCEWithLogitsLoss."""

    requires_output = "sigmoid"

    def value(self, output, target):
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(output), _LOG_FLOOR)
            log_1a = np.maximum(np.log1p(-output), _LOG_FLOOR)
        return -_total(target * log_a + (1.0 - target) * log_1a) / output.size

    def grad(self, output, target):
        g = output - target
        g *= 1.0 / g.size
        g /= np.maximum((1.0 - output) * output, _BCE_EPSILON)
        return g

    def value_from_logits(self, z, target):
        # log(1 + e^z) − y·z: the sigmoid never has to be inverted, so nothing overflows
        return (_total(np.logaddexp(0.0, z)) - float(np.vdot(z, target))) / z.size

    def grad_logits(self, z, a, target):
        g = a - target
        g *= 1.0 / g.size
        return g

    def fused(self, z, a, target):
        dz = a - target
        dz *= 1.0 / dz.size
        slope = 1.0 - a
        slope *= a
        np.maximum(slope, _BCE_EPSILON, out=slope)
        np.divide(dz, slope, out=slope)
        return self.value_from_logits(z, target), dz, slope


class CrossEntropy(Loss):
    """torch.nn.CrossEntropyLoss on the softmax's input z; targets are labels or probability rows.

    Labels are integers 0..k−1 shaped (batch,); rows are (batch, k) class probabilities (one-hot
    or soft), as torch accepts both.
    """

    requires_output = "softmax"
    takes_labels = True

    def value(self, output, target):
        # From probabilities alone an underflowed one has no exact log; the smallest normal
        # number stands in for it, so the loss stays finite (the logit form is exact)
        n = output.shape[0]
        tiny = np.finfo(output.dtype).tiny
        if target.ndim == 1:
            picked = output[np.arange(n), target]
            return -_total(np.log(np.maximum(picked, tiny))) / n
        return -float(np.vdot(target, np.log(np.maximum(output, tiny)))) / n

    def grad(self, output, target):
        n = output.shape[0]
        tiny = np.finfo(output.dtype).tiny
        if target.ndim == 1:
            rows = np.arange(n)
            g = np.zeros_like(output)
            g[rows, target] = -1.0 / (n * np.maximum(output[rows, target], tiny))
            return g
        g = target / np.maximum(output, tiny)
        g *= -1.0 / n
        return g

    def value_from_logits(self, z, target):
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum = np.log(np.add.reduce(np.exp(shifted), axis=1))
        n = z.shape[0]
        if target.ndim == 1:
            return (_total(log_sum) - _total(shifted[np.arange(n), target])) / n
        # −Σ y·(shifted − log_sum), with the rows of y not assumed to sum to one
        return (
            float(np.vdot(np.add.reduce(target, axis=1), log_sum)) - float(np.vdot(target, shifted))
        ) / n

    def grad_logits(self, z, a, target):
        n = z.shape[0]
        if target.ndim == 1:
            g = a * (1.0 / n)
            g[np.arange(n), target] -= 1.0 / n
            return g
        g = a * np.add.reduce(target, axis=1, keepdims=True)
        g -= target
        g *= 1.0 / n
        return g

    def fused(self, z, a, target):
        if target.ndim != 1:
            return super().fused(z, a, target)
        n, k = a.shape
        # positions of the labelled entries in the flattened rows: 1-D indexing is cheaper
        flat = np.arange(0, n * k, k)
        flat += target
        picked = a.take(flat)
        tiny = np.finfo(a.dtype).tiny
        if np.minimum.reduce(picked) >= tiny:
            # log of the picked probabilities equals torch's log-softmax to rounding, while
            # none of them has underflowed; otherwise go back to the logits
            value = -_total(np.log(picked)) / n
        else:
            value = self.value_from_logits(z, target)
        dz = a * (1.0 / n)
        dz.reshape(-1)[flat] -= 1.0 / n
        da = np.zeros(a.shape, a.dtype)
        np.maximum(picked, tiny, out=picked)
        picked *= -n
        da.reshape(-1)[flat] = 1.0 / picked
        return value, dz, da


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
