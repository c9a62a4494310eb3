"""Read-only copies: the only form in which arrays leave the thread that trains."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Arrays = tuple[np.ndarray, ...]


def frozen_copy(array: np.ndarray) -> np.ndarray:
    """A private, read-only copy: the only form in which arrays leave the trainer."""
    copy = np.array(array, copy=True)
    copy.flags.writeable = False
    return copy


def frozen_copies(arrays: Iterable[np.ndarray]) -> Arrays:
    return tuple(frozen_copy(a) for a in arrays)
