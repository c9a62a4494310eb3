"""A small, fast xor design for tests, and a way to vary it: one base instead of a copy per file."""

from __future__ import annotations

import copy
from typing import Any

XOR = {
    "format": "nnviz-design",
    "version": 1,
    "name": "test",
    "inputs": 2,
    "layers": [{"units": 6, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
    "loss": "binary_cross_entropy",
    "optimizer": {"name": "adam", "learning_rate": 0.02},
    "regularization": None,
    "training": {"batch_size": 10, "epochs": 5, "seed": 3},
    "dataset": {"name": "xor", "samples": 200, "test_fraction": 0.25, "seed": 1},
}


def merged(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`base` with top-level keys replaced; a dict given for a dict key updates it key by key."""
    d = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(d.get(key), dict):
            d[key] = {**d[key], **copy.deepcopy(value)}
        else:
            d[key] = copy.deepcopy(value)
    return d


def xor_design(**changes: Any) -> dict[str, Any]:
    """The base xor design as a dict, with `changes` applied as `merged` does."""
    return merged(XOR, **changes)
