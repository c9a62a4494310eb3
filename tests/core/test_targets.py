"""Target coding and the loss/data checks read the registries: each output activation's
`output_range`, each loss's `takes_labels` and `needs_classes`."""

import numpy as np
import pytest
from math_helpers import make_design

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import DesignError
from nnviz.core.losses import LOSSES
from nnviz.core.targets import make_targets


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_classes_are_coded_with_the_ends_of_the_output_range(name):
    design = make_design(sizes=(2, 4, 3), activations=("tanh", name), loss="mse")
    targets = make_targets(design, "classification", 3, 1)
    low, high = ACTIVATIONS.get(name).output_range or (0.0, 1.0)
    coded = targets.encode(np.array([2, 0]), np.float64)
    np.testing.assert_array_equal(coded, [[low, low, high], [high, low, low]])
    np.testing.assert_array_equal(targets.predict(coded), [2, 0])


@pytest.mark.parametrize("name", LOSSES.names())
def test_each_loss_gets_the_targets_it_takes(name):
    loss = LOSSES.get(name)
    output = loss.requires_output or "linear"
    outputs = 1 if output == "sigmoid" else 2
    design = make_design(sizes=(2, 4, outputs), activations=("tanh", output), loss=name)
    coded = make_targets(design, "classification", 2, 1).encode(np.array([1, 0]), np.float32)
    if loss.takes_labels:
        np.testing.assert_array_equal(coded, [1, 0])
        assert coded.dtype.kind == "i"
    else:
        assert coded.shape == (2, outputs) and coded.dtype == np.float32
    if loss.needs_classes:
        with pytest.raises(DesignError, match=f"^loss: {name} needs class labels"):
            make_targets(design, "regression", None, outputs)
    else:
        assert make_targets(design, "regression", None, outputs).task == "regression"
