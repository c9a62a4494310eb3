"""Small designs and numerical derivatives shared by the maths tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnviz.core.design import Design
from nnviz.core.specs import DatasetSpec, LayerSpec, OptimizerSpec, RegularizationSpec, TrainingSpec


def make_design(
    sizes=(3, 4, 2),
    activations=("tanh", "sigmoid"),
    loss="mse",
    regularization: tuple[str, float] | None = None,
    dtype="float64",
    initializer="xavier_uniform",
) -> Design:
    """A design built directly, so any layer shapes can be tested without a matching dataset."""
    return Design(
        name="test",
        inputs=sizes[0],
        layers=tuple(LayerSpec(u, a) for u, a in zip(sizes[1:], activations, strict=True)),
        loss=loss,
        optimizer=OptimizerSpec("sgd", {"learning_rate": 0.1}),
        initializer=initializer,
        regularization=RegularizationSpec(*regularization) if regularization else None,
        training=TrainingSpec(batch_size=4, epochs=1, dtype=dtype),
        dataset=DatasetSpec("xor"),
    )


def numeric_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of f with respect to every entry of x, perturbed in place."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f()
        flat[i] = old - h
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad
