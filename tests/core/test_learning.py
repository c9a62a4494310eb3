"""The bundled examples learn what their descriptions promise, within their epoch budgets."""

import pytest

from nnviz.core.design import load_design
from nnviz.core.resources import resource_path
from nnviz.core.trainer import Trainer

GOALS = {"xor": 0.95, "circle": 0.95, "spiral": 0.95, "digits": 0.93}


@pytest.mark.parametrize("name", sorted(GOALS))
def test_example_reaches_its_accuracy(name):
    design = load_design(resource_path("examples", f"{name}.json"))
    trainer = Trainer(design)
    trainer.grid_resolution = None
    assert trainer.run() == "finished", trainer.message
    assert trainer.evaluate()["test_accuracy"] >= GOALS[name]


@pytest.mark.parametrize("name", sorted(GOALS))
def test_example_has_a_description(name):
    design = load_design(resource_path("examples", f"{name}.json"))
    assert len(design.meta["description"]) > 80
