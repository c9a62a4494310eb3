"""Class names come from the dataset, ride along in every snapshot, and name the output units."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.class_names import (
    class_name,
    class_probabilities,
    numbered,
    output_unit_names,
)
from nnviz.core.datasets import DATASETS, make_dataset
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design

PLANE_CLASSIFICATION = [
    name
    for name in DATASETS
    if DATASETS.get(name).plane and DATASETS.get(name).task == "classification"
]


@pytest.mark.parametrize("name", PLANE_CLASSIFICATION)
def test_every_2d_classification_set_names_each_of_its_classes(name):
    data = make_dataset({"name": name, "samples": 60})
    assert data.class_names is not None
    assert len(data.class_names) == data.classes
    assert len(set(data.class_names)) == data.classes


def test_names_say_what_the_class_is_on_the_plane():
    assert make_dataset({"name": "circle", "samples": 20}).class_names == ("ring", "disc")
    assert make_dataset({"name": "spiral", "samples": 30, "classes": 3}).class_names == (
        "arm 0",
        "arm 1",
        "arm 2",
    )
    circle = make_dataset({"name": "circle", "samples": 200, "test_fraction": 0.0})
    inside = np.hypot(*circle.points_train.T) < 2.5
    assert set(circle.y_train[inside]) == {circle.class_names.index("disc")}


@pytest.mark.parametrize("name", ["plane", "multi_gauss"])
def test_regression_sets_have_no_class_names(name):
    assert make_dataset({"name": name, "samples": 20}).class_names is None


def test_snapshots_carry_the_datasets_class_names():
    digits = Design.from_dict(
        xor_design(
            inputs=64,
            layers=[{"units": 10, "activation": "softmax"}],
            loss="cross_entropy",
            dataset={"name": "digits", "samples": 100, "test_fraction": 0.2, "seed": 0},
        )
    )
    trainer = Trainer(digits)
    trainer.step_batch()
    assert trainer.snapshot().class_names == tuple("0123456789")
    xor = Trainer(Design.from_dict(xor_design()))
    assert xor.snapshot().class_names == ("x·y < 0", "x·y ≥ 0")


@pytest.mark.parametrize(
    ("names", "units", "expected"),
    [
        (("cat", "dog", "bird"), 3, ("cat", "dog", "bird")),
        (("ring", "disc"), 1, ("P(disc)",)),
        (("ring", "disc"), 2, ("ring", "disc")),
        (("a", "b", "c"), 2, None),  # outputs that are not one per class: no names
        (None, 3, None),
    ],
)
def test_output_units_are_named_by_class(names, units, expected):
    assert output_unit_names(names, units) == expected


def test_class_probabilities_of_one_sigmoid_unit_and_of_softmax():
    assert class_probabilities(np.array([0.8])) == pytest.approx([0.2, 0.8])
    soft = np.array([0.1, 0.7, 0.2])
    assert class_probabilities(soft) == pytest.approx(soft)
    assert class_name(("ring", "disc"), 1) == "disc"
    assert class_name(None, 4) == "4"
    assert numbered("blob", 2) == ("blob 0", "blob 1")
