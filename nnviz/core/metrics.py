"""Per-layer health numbers: how big the weights and gradients are, and how many units are stuck.

A *dead* unit (an activation that `can_die`: the relu family) never leaves the flat negative
side of its activation for any sample of the evaluation subset, so it passes (almost) no gradient
and stops learning. A *saturated* unit (an activation that `saturates`: sigmoid, tanh) sits
within 1 % of an end of its `output_range` for at least `SATURATED_SHARE` of the samples, where
its derivative is nearly zero. Activations for which a notion does not apply report NaN, so a plot
can leave a gap instead of a misleading zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nnviz.core.activations import ACTIVATIONS

SATURATED_MARGIN = 0.01  # fraction of the range counted as "at the end"
SATURATED_SHARE = 0.9  # a unit is saturated if at least this share of samples is at an end


def layer_columns(n_layers: int) -> list[str]:
    """History column names for the per-layer metrics, layers numbered from 1."""
    names = ("grad_norm", "weight_norm", "dead_fraction", "saturated_fraction")
    return [f"{name}_L{k}" for k in range(1, n_layers + 1) for name in names]


def dead_values(post: np.ndarray, activation: str) -> np.ndarray | None:
    """Which activations lie on the flat side (a ≤ 0) of a relu-like function (None if the
    activation cannot die): a unit is dead when all of its values do."""
    if not ACTIVATIONS.get(activation).can_die:
        return None
    return post <= 0.0


def saturated_values(post: np.ndarray, activation: str) -> np.ndarray | None:
    """Which activations lie within SATURATED_MARGIN of an end of a bounded range (None if
    unbounded): a unit is saturated when at least SATURATED_SHARE of its values do."""
    act = ACTIVATIONS.get(activation)
    if not act.saturates:
        return None
    low, high = act.output_range
    half = (high - low) / 2
    return np.abs(post - (low + half)) >= half - SATURATED_MARGIN * (high - low)


def dead_fraction(post: np.ndarray, activation: str) -> float:
    """Share of units with no positive activation on any sample (NaN if not relu-like)."""
    dead = dead_values(post, activation)
    if dead is None or post.size == 0:
        return float("nan")
    return np.count_nonzero(dead.all(axis=0)) / post.shape[1]


def saturated_fraction(post: np.ndarray, activation: str) -> float:
    """Share of units pinned near an end of a bounded range (NaN if unbounded)."""
    at_end = saturated_values(post, activation)
    if at_end is None or post.size == 0:
        return float("nan")
    per_unit = np.count_nonzero(at_end, axis=0)
    return np.count_nonzero(per_unit >= SATURATED_SHARE * post.shape[0]) / post.shape[1]


def norm(a: np.ndarray) -> float:
    """Frobenius norm, without `np.linalg.norm`'s overhead on small arrays."""
    flat = a.ravel()
    return math.sqrt(float(np.dot(flat, flat)))


class UnitHealth:
    """Dead and saturated fractions of every layer at once.

    All layers' activations are joined side by side and tested with a handful of whole-array
    operations, because a few calls per layer add up for deep, narrow networks evaluated after
    every short epoch. Gives the same numbers as `dead_fraction` / `saturated_fraction`.
    """

    def __init__(self, activations: Sequence[str], units: Sequence[int]) -> None:
        self.units = np.asarray(units, dtype=np.float64)
        self.starts = np.concatenate([[0], np.cumsum(units)[:-1]]).astype(np.intp)
        entries = [ACTIVATIONS.get(name) for name in activations]
        centers, thresholds = [], []
        for act, n in zip(entries, units, strict=True):
            low, high = act.output_range if act.saturates else (0.0, math.inf)
            half = (high - low) / 2
            centers.append(np.full(n, low + half if math.isfinite(half) else 0.0))
            thresholds.append(np.full(n, half - SATURATED_MARGIN * (high - low)))
        self.center = np.concatenate(centers)
        self.threshold = np.concatenate(thresholds)
        self.dead_layers = np.array([act.can_die for act in entries])
        self.bounded_layers = np.array([act.saturates for act in entries])

    def __call__(self, posts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(dead fraction per layer, saturated fraction per layer); NaN where not defined."""
        n_layers = len(self.units)
        if not posts or len(posts[0]) == 0:
            return np.full(n_layers, np.nan), np.full(n_layers, np.nan)
        joined = np.concatenate(posts, axis=1)
        ones = np.ones(len(joined), dtype=joined.dtype)
        positive = np.dot(ones, (joined > 0).astype(joined.dtype))
        at_end = np.dot(ones, (np.abs(joined - self.center) >= self.threshold).astype(joined.dtype))
        dead_units = (positive == 0).astype(np.float64)
        saturated_units = (at_end >= SATURATED_SHARE * len(joined)).astype(np.float64)
        dead = np.add.reduceat(dead_units, self.starts) / self.units
        saturated = np.add.reduceat(saturated_units, self.starts) / self.units
        dead[~self.dead_layers] = np.nan
        saturated[~self.bounded_layers] = np.nan
        return dead, saturated


def layer_metrics(
    weights: Sequence[np.ndarray],
    grad_weights: Sequence[np.ndarray],
    posts: Sequence[np.ndarray],
    health: UnitHealth,
) -> dict[str, float]:
    """All per-layer columns for one epoch; `posts` are activations on the evaluation subset."""
    dead, saturated = health(posts)
    out: dict[str, float] = {}
    for k, (w, g) in enumerate(zip(weights, grad_weights, strict=True), start=1):
        out[f"grad_norm_L{k}"] = norm(g)
        out[f"weight_norm_L{k}"] = norm(w)
        out[f"dead_fraction_L{k}"] = float(dead[k - 1])
        out[f"saturated_fraction_L{k}"] = float(saturated[k - 1])
    return out
