"""Unit health follows each activation's registry entry: dead where it `can_die`, saturated
where it `saturates`, NaN (a gap in the plot) where the notion does not apply."""

import math

import numpy as np
import pytest

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.metrics import UnitHealth, dead_fraction, saturated_fraction


def _posts(name):
    """Activations of a 4-unit layer over 20 samples: unit 0 far on the negative side, unit 1
    far on the positive side, units 2 and 3 spread around zero."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20, 4))
    z[:, 0] -= 60.0
    z[:, 1] += 60.0
    return ACTIVATIONS.get(name).forward(z)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_health_of_every_activation_follows_its_registry_entry(name):
    act = ACTIVATIONS.get(name)
    post = _posts(name)
    dead, saturated = dead_fraction(post, name), saturated_fraction(post, name)
    if act.can_die:
        assert dead == 0.25  # only the unit that never leaves the flat side
    else:
        assert math.isnan(dead)
    if act.saturates:
        assert saturated == 0.5  # the units pinned at either end
    else:
        assert math.isnan(saturated)
    joined_dead, joined_saturated = UnitHealth([name], [4])([post])
    np.testing.assert_equal([joined_dead[0], joined_saturated[0]], [dead, saturated])


def test_only_bounded_elementwise_activations_saturate():
    saturating = {n for n in ACTIVATIONS.names() if ACTIVATIONS.get(n).saturates}
    assert saturating == {"sigmoid", "tanh"}


def test_unit_health_of_a_mixed_stack_matches_layer_by_layer():
    names = list(ACTIVATIONS.names())
    posts = [_posts(name) for name in names]
    dead, saturated = UnitHealth(names, [4] * len(names))(posts)
    for k, name in enumerate(names):
        np.testing.assert_equal(dead[k], dead_fraction(posts[k], name))
        np.testing.assert_equal(saturated[k], saturated_fraction(posts[k], name))
