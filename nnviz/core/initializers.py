"""Initial weights: name → function(rng, fan_in, fan_out, dtype) → (fan_in, fan_out) array.

Formulas follow torch.nn.init (gain 1; the He variants use ReLU's gain √2). Biases always
start at zero, so two networks built from the same design and seed are identical.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnviz.core.registry import Registry

Initializer = Callable[[np.random.Generator, int, int, np.dtype], np.ndarray]
INITIALIZERS: Registry[Initializer] = Registry("initializer")


def _uniform(bound: Callable[[int, int], float]) -> Initializer:
    def init(rng, fan_in, fan_out, dtype):
        b = bound(fan_in, fan_out)
        return rng.uniform(-b, b, size=(fan_in, fan_out)).astype(dtype)

    return init


def _normal(std: Callable[[int, int], float]) -> Initializer:
    def init(rng, fan_in, fan_out, dtype):
        return rng.normal(0.0, std(fan_in, fan_out), size=(fan_in, fan_out)).astype(dtype)

    return init


INITIALIZERS.add(
    "xavier_uniform",
    _uniform(lambda i, o: math.sqrt(6.0 / (i + o))),
    "Glorot uniform: keeps signal size steady through tanh/sigmoid layers.",
)
INITIALIZERS.add(
    "xavier_normal",
    _normal(lambda i, o: math.sqrt(2.0 / (i + o))),
    "Glorot normal: like Xavier uniform, drawn from a Gaussian.",
)
INITIALIZERS.add(
    "he_uniform",
    _uniform(lambda i, o: math.sqrt(6.0 / i)),
    "Kaiming uniform: larger weights that suit ReLU layers, which zero half their inputs.",
)
INITIALIZERS.add(
    "he_normal",
    _normal(lambda i, o: math.sqrt(2.0 / i)),
    "Kaiming normal: He initialisation drawn from a Gaussian.",
)
INITIALIZERS.add(
    "lecun_normal",
    _normal(lambda i, o: math.sqrt(1.0 / i)),
    "LeCun normal: variance 1/fan-in, the choice for SELU-style self-normalising nets.",
)
INITIALIZERS.add(
    "uniform",
    _uniform(lambda i, o: 0.5),
    "Uniform in ±0.5 regardless of layer size, as TensorFlow Playground does.",
)
INITIALIZERS.add(
    "zeros",
    lambda rng, i, o, dtype: np.zeros((i, o), dtype=dtype),
    "All zeros: every unit stays identical — a lesson in why symmetry must be broken.",
)
