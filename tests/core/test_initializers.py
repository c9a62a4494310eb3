"""Initial weights: torch.nn.init's formulas, seeded, in the network's dtype."""

import math

import numpy as np
import pytest

from nnviz.core.initializers import INITIALIZERS

# name → (distribution, spread): the bound of a uniform, the std of a normal (torch's formulas)
FORMULAS = {
    "xavier_uniform": ("uniform", lambda i, o: math.sqrt(6 / (i + o))),
    "xavier_normal": ("normal", lambda i, o: math.sqrt(2 / (i + o))),
    "he_uniform": ("uniform", lambda i, o: math.sqrt(6 / i)),
    "he_normal": ("normal", lambda i, o: math.sqrt(2 / i)),
    "lecun_normal": ("normal", lambda i, o: math.sqrt(1 / i)),
    "uniform": ("uniform", lambda i, o: 0.5),
}


def test_every_initializer_has_a_formula():
    assert set(FORMULAS) | {"zeros"} == set(INITIALIZERS.names())


@pytest.mark.parametrize("name", FORMULAS)
def test_spread_follows_the_formula(name):
    fan_in, fan_out = 400, 250
    w = INITIALIZERS.get(name)(np.random.default_rng(0), fan_in, fan_out, np.float64)
    kind, spread = FORMULAS[name]
    s = spread(fan_in, fan_out)
    assert abs(w.mean()) < 0.02 * s
    if kind == "uniform":
        assert np.abs(w).max() <= s
        assert np.abs(w).max() > 0.99 * s
        assert w.std() == pytest.approx(s / math.sqrt(3), rel=0.01)
    else:
        assert w.std() == pytest.approx(s, rel=0.01)
        assert np.abs(w).max() > 3 * s  # a Gaussian's tails, not a clipped range


@pytest.mark.parametrize("name", INITIALIZERS.names())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_dtype_and_seed(name, dtype):
    init = INITIALIZERS.get(name)
    a = init(np.random.default_rng(7), 5, 3, np.dtype(dtype))
    b = init(np.random.default_rng(7), 5, 3, np.dtype(dtype))
    assert a.shape == (5, 3) and a.dtype == dtype
    np.testing.assert_array_equal(a, b)
    if name != "zeros":
        assert not np.array_equal(a, init(np.random.default_rng(8), 5, 3, np.dtype(dtype)))


def test_zeros_are_zeros():
    assert not INITIALIZERS.get("zeros")(np.random.default_rng(0), 4, 2, np.float64).any()


def test_he_spread_depends_on_fan_in_only():
    he = INITIALIZERS.get("he_normal")
    narrow = he(np.random.default_rng(0), 200, 20, np.float64).std()
    wide = he(np.random.default_rng(0), 200, 2000, np.float64).std()
    assert narrow == pytest.approx(wide, rel=0.05)


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_every_entry_has_a_one_line_description(name):
    text = INITIALIZERS.description(name)
    assert text and "\n" not in text and len(text) < 120
