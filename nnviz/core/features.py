"""Input features computed from a point of the 2-D plane, as in TensorFlow Playground.

A network that sees only (x1, x2) must learn curved boundaries itself; offering x1², sin(x1), …
lets a person see how hand-made features replace hidden layers. The same functions turn the
training points and the GUI's grid of the plane into network inputs, so both always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnviz.core.registry import Registry

FeatureFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

FEATURES: Registry[FeatureFn] = Registry("feature")
FEATURES.add("x1", lambda x1, x2: x1, "X₁, the horizontal coordinate")
FEATURES.add("x2", lambda x1, x2: x2, "X₂, the vertical coordinate")
FEATURES.add("x1^2", lambda x1, x2: x1 * x1, "X₁²")
FEATURES.add("x2^2", lambda x1, x2: x2 * x2, "X₂²")
FEATURES.add("x1*x2", lambda x1, x2: x1 * x2, "X₁·X₂")
FEATURES.add("sin(x1)", lambda x1, x2: np.sin(x1), "sin(X₁)")
FEATURES.add("sin(x2)", lambda x1, x2: np.sin(x2), "sin(X₂)")

DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def plane_features(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """(m, 2) points → (m, len(names)) float64 columns, in the order of `names`."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected points shaped (m, 2), got {points.shape}")
    x1, x2 = points[:, 0], points[:, 1]
    out = np.empty((points.shape[0], len(names)), dtype=np.float64)
    for column, name in enumerate(names):
        out[:, column] = FEATURES.get(name)(x1, x2)
    return out


def standardization(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per column of `x`; a constant column gets std 1 so it maps to 0, not NaN."""
    if x.shape[0] == 0:
        return np.zeros(x.shape[1]), np.ones(x.shape[1])
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[~(std > 1e-12 * np.maximum(1.0, np.abs(mean)))] = 1.0
    return mean, std
