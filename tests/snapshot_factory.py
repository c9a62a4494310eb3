"""One way for tests to make a `Snapshot` without training: seeded random numbers for the given
layer sizes, any field overridden by name; and one way to compare two snapshots' arrays."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.core.snapshot import GridView, Snapshot, frozen_copies, frozen_copy


def make_snapshot(
    sizes: Sequence[int] = (2, 3, 1),
    seed: int = 0,
    grid_resolution: int | None = None,
    output_map: np.ndarray | None = None,
    post: Sequence[np.ndarray] | None = None,
    weights: Sequence[np.ndarray] | None = None,
    **fields: Any,
) -> Snapshot:
    """A running snapshot of a network with `sizes`; a grid of `grid_resolution` points a side
    (or shaped like `output_map`, which it then shows); `fields`: any other Snapshot field."""
    rng = np.random.default_rng(seed)
    w = weights or [rng.normal(0, 1, (a, b)) for a, b in itertools.pairwise(sizes)]
    per_layer = [rng.normal(0, 1, b) for b in sizes[1:]]
    grid = None
    n = output_map.shape[0] if output_map is not None else grid_resolution
    if n:
        maps = [rng.normal(0, 1, (units, n, n)) for units in sizes]
        shown = rng.uniform(0, 1, (n, n)) if output_map is None else output_map
        grid = GridView(n, (-6.0, 6.0), frozen_copies(maps), frozen_copy(shown))
    snapshot = Snapshot(
        step=10,
        epoch=1,
        batch_in_epoch=2,
        batches_per_epoch=5,
        state="running",
        message=None,
        learning_rate=0.01,
        steps_per_s=100.0,
        layer_sizes=tuple(sizes),
        weights=frozen_copies(w),
        biases=frozen_copies([rng.normal(0, 1, b) for b in sizes[1:]]),
        grad_weights=frozen_copies([rng.normal(0, 0.1, x.shape) for x in w]),
        grad_biases=frozen_copies([rng.normal(0, 0.1, b) for b in sizes[1:]]),
        input=frozen_copy(rng.normal(0, 1, sizes[0])),
        pre=frozen_copies(per_layer),
        post=frozen_copies(post or [np.tanh(p) for p in per_layer]),
        grad_pre=frozen_copies([rng.normal(0, 0.1, b) for b in sizes[1:]]),
        grad_post=frozen_copies([rng.normal(0, 0.1, b) for b in sizes[1:]]),
        batch_loss=0.5,
        grid=grid,
        trace_sample=3,
    )
    return dataclasses.replace(snapshot, **fields) if fields else snapshot


def assert_same_layers(ours: Snapshot, theirs: Snapshot, names: Sequence[str]) -> None:
    """The per-layer arrays `names` of two snapshots are equal, bit for bit."""
    for name in names:
        for mine, other in zip(getattr(ours, name), getattr(theirs, name), strict=True):
            np.testing.assert_array_equal(mine, other, err_msg=name)
