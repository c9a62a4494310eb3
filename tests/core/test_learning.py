"""The bundled examples do what their descriptions promise, within their own epoch budgets.

The good ones learn; the ones that teach by failing fail in the way they say, and the fix each
description suggests works.
"""

import dataclasses
import math

import numpy as np
import pytest

from nnviz.core.design import Design
from nnviz.core.examples import example_names, load_example
from nnviz.core.trainer import Trainer

pytestmark = pytest.mark.slow  # every test here trains a network to a goal

# example → (score, the least test score it must reach)
GOALS = {
    "gauss": ("accuracy", 0.95),
    "xor": ("accuracy", 0.95),
    "circle": ("accuracy", 0.95),
    "moons": ("accuracy", 0.95),
    "spiral": ("accuracy", 0.95),
    "spiral_bottleneck": ("accuracy", 0.95),
    "spiral3": ("accuracy", 0.95),
    "plane": ("r2", 0.9),
    "multi_gauss": ("r2", 0.9),
    "digits": ("accuracy", 0.93),
    "mnist": ("accuracy", 0.90),  # on the bundled 5,000 images
    "iris": ("accuracy", 0.93),
}
FAILURES = ("vanishing_gradients", "dead_relu", "diverging")
HAND_COMPUTED = ("backprop_2_2_2",)  # checked number by number in test_explain_cli


def trained(design: Design) -> Trainer:
    trainer = Trainer(design)
    trainer.grid_resolution = None
    trainer.run()
    return trainer


def with_optimizer(design: Design, **params) -> Design:
    optimizer = dataclasses.replace(design.optimizer, params={**design.optimizer.params, **params})
    return dataclasses.replace(design, optimizer=optimizer)


def with_hidden_activation(design: Design, activation: str) -> Design:
    layers = [dataclasses.replace(layer, activation=activation) for layer in design.layers[:-1]]
    return dataclasses.replace(design, layers=(*layers, design.layers[-1]))


def test_every_example_has_its_promise_tested():
    assert sorted(example_names()) == sorted([*GOALS, *FAILURES, *HAND_COMPUTED])


@pytest.mark.parametrize("name", list(GOALS))
def test_good_example_reaches_its_goal(name):
    score, goal = GOALS[name]
    trainer = trained(load_example(name))
    assert trainer.state == "finished" and trainer.stop_reason == "epochs", trainer.message
    assert trainer.evaluate()[f"test_{score}"] >= goal


def test_vanishing_gradients_starve_the_first_layers():
    trainer = trained(load_example("vanishing_gradients"))
    h = trainer.history.columns()
    hidden = len(trainer.design.layers) - 1
    assert hidden == 8 and trainer.state == "finished"
    # the first hidden layer's gradient is tens of thousands of times smaller than the last's
    ratio = h["grad_norm_L1"] / h[f"grad_norm_L{hidden}"]
    assert np.median(ratio) < 1e-3
    # and it learns nothing: the loss stays at a coin toss's ln 2, the accuracy at chance
    assert abs(h["train_loss"][-1] - math.log(2)) < 0.01
    assert np.max(h["test_accuracy"]) <= 0.6


def test_vanishing_gradients_cured_by_tanh():
    design = with_hidden_activation(load_example("vanishing_gradients"), "tanh")
    assert trained(design).evaluate()["test_accuracy"] >= 0.95


def test_dead_relu_kills_most_units():
    trainer = trained(load_example("dead_relu"))
    h = trainer.history.columns()
    assert trainer.state == "finished", trainer.message
    for layer in (1, 2):
        dead = h[f"dead_fraction_L{layer}"]
        assert dead[0] > 0.5  # more than half dead after the first epoch
        assert dead[-1] >= 0.8  # nearly nine in ten by the end
    assert trainer.evaluate()["test_accuracy"] < 0.9


def test_dead_relu_lives_at_a_lower_learning_rate():
    trainer = trained(with_optimizer(load_example("dead_relu"), learning_rate=0.1))
    h = trainer.history.columns()
    assert h["dead_fraction_L1"][-1] <= 0.1 and h["dead_fraction_L2"][-1] <= 0.1
    assert trainer.evaluate()["test_accuracy"] >= 0.99


def test_diverging_stops_as_diverged_after_a_climbing_loss():
    trainer = trained(load_example("diverging"))
    assert trainer.state == "diverged" and trainer.stop_reason == "diverged"
    assert "learning rate" in trainer.message
    loss = trainer.history.columns()["train_loss"]
    assert 5 <= len(loss) <= 15  # about ten epochs of a visibly growing loss
    assert np.all(np.diff(np.log10(loss)) > 10)


def test_iris_without_a_hidden_layer_still_separates_the_species():
    design = load_example("iris")
    trainer = trained(dataclasses.replace(design, layers=design.layers[-1:]))
    assert trainer.evaluate()["test_accuracy"] >= 0.93


def test_diverging_converges_at_a_tenth_of_the_rate():
    trainer = trained(with_optimizer(load_example("diverging"), learning_rate=0.02))
    assert trainer.state == "finished"
    assert trainer.evaluate()["test_r2"] >= 0.9


def test_the_bottleneck_spiral_ends_split_by_a_straight_line_in_its_two_unit_layer():
    """What its description promises: in the two-unit layer's own coordinates, the output's
    boundary line has the two arms on either side."""
    trainer = trained(load_example("spiral_bottleneck"))
    trainer.show_layer_space(True)
    space = trainer.snapshot().layer_space
    panel = space.panels[3]
    assert panel.title == "Layer 3 (2 tanh)" and panel.kind == "exact"
    w, b = trainer.network.weights[-1][:, 0], trainer.network.biases[-1][0]
    np.testing.assert_allclose(panel.boundary[0] @ w + b, 0.0, atol=1e-9)
    side = panel.points @ w + b > 0
    assert np.mean(side == (space.labels == 1)) >= 0.97
