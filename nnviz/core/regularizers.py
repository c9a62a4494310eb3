"""Weight penalties (never on biases), applied to the flat block of all weights at once."""

from __future__ import annotations

import numpy as np

from nnviz.core.registry import Registry


class Regularizer:
    #: d(penalty)/dw of one weight, with the rate written as {rate}: what a worksheet adds.
    gradient = ""

    def penalty(self, weights: np.ndarray, rate: float) -> float:
        raise NotImplementedError

    def add_grad(self, weights: np.ndarray, grad: np.ndarray, rate: float) -> None:
        """Add d(penalty)/dW to `grad` in place."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class L2(Regularizer):
    gradient = "{rate}·w"

    def penalty(self, weights, rate):
        return rate / 2.0 * float(np.dot(weights, weights))

    def add_grad(self, weights, grad, rate):
        grad += rate * weights


class L1(Regularizer):
    gradient = "{rate}·sign(w)"

    def penalty(self, weights, rate):
        return rate * float(np.abs(weights).sum())

    def add_grad(self, weights, grad, rate):
        grad += rate * np.sign(weights)


REGULARIZERS: Registry[Regularizer] = Registry("regularization")
REGULARIZERS.add("l2", L2(), "Adds rate/2·ΣW²: pulls every weight gently towards zero.")
REGULARIZERS.add("l1", L1(), "Adds rate·Σ|W|: pushes small weights to exactly zero (sparse).")
