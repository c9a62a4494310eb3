"""A plot's read-out under the mouse: the step and epoch there and each curve's nearest value."""

import numpy as np
import pytest

from nnviz.core.readout import epoch_of, readout, step_of


def test_steps_and_epochs_convert_exactly():
    assert epoch_of(45, 22) == pytest.approx(45 / 22)
    assert step_of(45 / 22, 22, 1000) == 45
    assert step_of(-3.0, 22, 1000) == 0 and step_of(99.0, 22, 1000) == 1000


def test_each_curve_gives_its_finite_value_nearest_to_the_mouse():
    curves = {
        "train": (np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.4, 0.3])),
        "test": (np.array([1.0, 2.0, 3.0]), np.array([0.6, np.nan, 0.2])),
        "empty": (np.array([]), np.array([])),
    }
    result = readout(2.1, curves, 10, 100)
    assert result.step == 21 and result.epoch == pytest.approx(2.1)
    assert result.values == {"train": 0.4, "test": 0.2}  # NaN skipped: 3.0 is nearer than 1.0
    # each value says the step it was measured at, when not the one under the mouse
    assert result.text(per_line=1) == (
        "step 21 · epoch 2.10\ntrain: 0.4 (step 20)\ntest: 0.2 (step 30)"
    )
    exact = readout(2.0, curves, 10, 100)
    assert exact.text() == "step 20 · epoch 2.00\ntrain: 0.4   test: 0.6 (step 10)"
