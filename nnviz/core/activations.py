"""Activation functions: name → an object with `forward` and `backward`.

`backward(z, a, grad_a)` returns dLoss/dz from dLoss/da, so softmax's Jacobian-vector product
fits the same interface as the element-wise functions. The attributes are the one place the
rest of nnviz learns an activation's nature from (design validation, target coding, the health
metrics): `output_range` (target coding), `can_die` (a unit stuck on the flat side gets no
gradient), `saturates` (bounded, so a unit can get stuck at an end) and `output_only` (softmax).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from nnviz.core.registry import Registry


class Activation:
    output_range: tuple[float, float] | None = None  # None: unbounded
    can_die: bool = False  # flat on the negative side: a unit stuck there stops learning
    output_only: bool = False  # couples the units of a layer: only for the output layer

    @property
    def elementwise(self) -> bool:
        """Each unit's output depends on its own input only (every activation but softmax)."""
        return not self.output_only

    @property
    def saturates(self) -> bool:
        """A unit can sit at an end of a bounded range, where its derivative is nearly zero.

        Softmax is bounded too, but a probability near 0 is its normal answer for every class
        but one, not a stuck unit.
        """
        return self.output_range is not None and self.elementwise

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """da/dz element-wise, given both the input and the output."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        grad = self.derivative(z, a)
        grad *= grad_a
        return grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


ACTIVATIONS: Registry[Activation] = Registry("activation")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function without overflow: exp is only ever taken of a non-positive number."""
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0, e)
    e += 1.0
    out /= e
    return out


@functools.cache
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only row of ones, for summing rows as a product."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=16)
def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of zeros, kept for the few shapes a network sees again and again."""
    zeros = np.zeros(shape, dtype=dtype)
    zeros.flags.writeable = False
    return zeros


def _row_sums(x: np.ndarray) -> np.ndarray:
    """Sums of the rows of a 2-D array, shaped (rows, 1): a product with ones is several times
    faster than a reduction over a short last axis."""
    return np.dot(x, _ones(x.shape[1], x.dtype))[:, None]


class Linear(Activation):
    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, grad_a):
        return grad_a


class ReLU(Activation):
    can_die = True

    def forward(self, z):
        # against an array of zeros shaped like z: twice as fast as against the scalar 0
        return np.maximum(z, _zeros(z.shape, z.dtype))

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, grad_a):
        # a product with the mask is several times faster than np.where with a scalar
        return np.multiply(grad_a, z > 0)


class LeakyReLU(Activation):
    slope = 0.01
    can_die = True

    def forward(self, z):
        return np.where(z > 0, z, z * self.slope)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype, copy=False)


class ELU(Activation):
    can_die = True

    def forward(self, z):
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))

    def derivative(self, z, a):
        # exp(z) itself, not a + 1, which loses every digit far on the negative side
        return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))


class GELU(Activation):
    """The tanh approximation, as torch.nn.GELU(approximate="tanh")."""

    k = math.sqrt(2.0 / math.pi)
    c = 0.044715
    can_die = True

    def forward(self, z):
        t = np.tanh(self.k * (z + self.c * z**3))
        return 0.5 * z * (1.0 + t)

    def derivative(self, z, a):
        t = np.tanh(self.k * (z + self.c * z**3))
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * self.k * (1.0 + 3.0 * self.c * z * z)


class Sigmoid(Activation):
    output_range = (0.0, 1.0)

    def forward(self, z):
        return _sigmoid(z)

    def derivative(self, z, a):
        return a * (1.0 - a)


class Tanh(Activation):
    output_range = (-1.0, 1.0)

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a * a


class Softplus(Activation):
    """beta 1, threshold 20, as torch.nn.Softplus: linear above the threshold."""

    threshold = 20.0

    def forward(self, z):
        return np.where(z > self.threshold, z, np.log1p(np.exp(np.minimum(z, self.threshold))))

    def derivative(self, z, a):
        return np.where(z > self.threshold, 1.0, _sigmoid(z))


class SiLU(Activation):
    can_die = True

    def forward(self, z):
        return z * _sigmoid(z)

    def derivative(self, z, a):
        s = _sigmoid(z)
        return s * (1.0 + z * (1.0 - s))


class Softmax(Activation):
    """Row-wise softmax; its Jacobian couples the units, so only `backward` is defined."""

    output_range = (0.0, 1.0)
    output_only = True

    safe_logit = 40.0  # e^±40 and sums of many such terms are far inside float32's range

    def forward(self, z):
        # The usual shift by each row's maximum (a slow reduction over a short axis) only
        # guards against overflow; when every logit is small, exp(z) is safe as it is.
        if float(np.abs(z).max(initial=0.0)) < self.safe_logit:
            e = np.exp(z)
        else:
            e = z - z.max(axis=1, keepdims=True)
            np.exp(e, out=e)
        e /= _row_sums(e)
        return e

    def derivative(self, z, a):
        raise TypeError("softmax has no element-wise derivative; use backward()")

    def backward(self, z, a, grad_a):
        return a * (grad_a - _row_sums(grad_a * a))


ACTIVATIONS.add(
    "linear", Linear(), "Identity: passes z through; a layer of it is a plain linear map."
)
ACTIVATIONS.add(
    "relu", ReLU(), "max(0, z): fast and sparse; a unit stuck below zero stops learning."
)
ACTIVATIONS.add(
    "leaky_relu", LeakyReLU(), "z, or 0.01·z below zero: like ReLU but negative units still learn."
)
ACTIVATIONS.add(
    "elu", ELU(), "z, or exp(z)−1 below zero: smooth ReLU whose outputs average near 0."
)
ACTIVATIONS.add("gelu", GELU(), "z·Φ(z) (tanh approximation): smooth ReLU used by transformers.")
ACTIVATIONS.add(
    "sigmoid", Sigmoid(), "1/(1+e^−z), 0 to 1: saturates at both ends, so deep stacks vanish."
)
ACTIVATIONS.add("tanh", Tanh(), "−1 to 1, centred on zero: the classic choice for small networks.")
ACTIVATIONS.add("softplus", Softplus(), "log(1+e^z): a smooth ReLU that is never exactly flat.")
ACTIVATIONS.add("silu", SiLU(), "z·sigmoid(z) (swish): smooth, dips slightly below zero.")
ACTIVATIONS.add(
    "softmax", Softmax(), "Output layer only: turns k scores into k probabilities that sum to 1."
)
