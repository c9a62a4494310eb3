"""DesignDocument: undo/redo, merging of repeated edits, saved state, and `needs_reset`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence

from nnviz.app.document import DesignDocument
from nnviz.core.design import Design, needs_reset
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.specs import DatasetSpec, LayerSpec, OptimizerSpec, RegularizationSpec, ScheduleSpec

BASE = {
    "format": "nnviz-design",
    "version": 1,
    "name": "circle",
    "inputs": 2,
    "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
    "loss": "binary_cross_entropy",
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "training": {"batch_size": 10, "epochs": 50},
    "dataset": {"name": "circle", "samples": 200},
}


@pytest.fixture
def design() -> Design:
    return Design.from_dict(BASE)


@pytest.fixture
def doc(qtbot, design: Design) -> DesignDocument:
    return DesignDocument(design)


def with_units(design: Design, units: int) -> Design:
    return dataclasses.replace(design, layers=(LayerSpec(units, "tanh"), design.layers[-1]))


def test_set_design_pushes_one_undo_step_and_signals(qtbot, doc, design):
    new = with_units(design, 6)
    with qtbot.waitSignal(doc.designChanged) as blocker:
        assert doc.set_design(new, "Units")
    assert blocker.args == [design, new]
    assert doc.design == new
    assert doc.undo_stack.count() == 1
    assert doc.is_modified


def test_set_design_with_an_equal_design_does_nothing(qtbot, doc, design):
    with qtbot.assertNotEmitted(doc.designChanged):
        assert not doc.set_design(Design.from_dict(BASE), "Nothing")
    assert doc.undo_stack.count() == 0
    assert not doc.is_modified


def test_undo_and_redo_restore_and_signal(qtbot, doc, design):
    new = with_units(design, 6)
    doc.set_design(new, "Units")
    with qtbot.waitSignal(doc.designChanged) as blocker:
        doc.undo_stack.undo()
    assert blocker.args == [new, design]
    assert doc.design == design
    assert not doc.is_modified
    with qtbot.waitSignal(doc.designChanged):
        doc.undo_stack.redo()
    assert doc.design == new


def test_edits_with_the_same_merge_key_are_one_undo_step(doc, design):
    for units in (5, 6, 7, 8):
        doc.set_design(with_units(design, units), "Units", merge_key="layers.0.units")
    assert doc.undo_stack.count() == 1
    assert doc.design.layers[0].units == 8
    doc.undo_stack.undo()
    assert doc.design == design


def test_edits_with_different_keys_or_no_key_stay_separate(doc, design):
    doc.set_design(with_units(design, 5), "Units", merge_key="layers.0.units")
    seeded = dataclasses.replace(
        doc.design, training=dataclasses.replace(doc.design.training, seed=3)
    )
    doc.set_design(seeded, "Seed", merge_key="training.seed")
    doc.set_design(with_units(seeded, 6), "Units")
    doc.set_design(with_units(seeded, 7), "Units")
    assert doc.undo_stack.count() == 4


def test_merging_back_to_the_start_leaves_no_undo_step(doc, design):
    doc.set_design(with_units(design, 5), "Units", merge_key="layers.0.units")
    doc.set_design(design, "Units", merge_key="layers.0.units")
    assert doc.undo_stack.count() == 0
    assert doc.design == design
    assert not doc.is_modified


def test_mark_saved_and_load(qtbot, doc, design, tmp_path: Path):
    doc.set_design(with_units(design, 5), "Units")
    with qtbot.waitSignal(doc.modifiedChanged) as blocker:
        doc.mark_saved(tmp_path / "a.json")
    assert blocker.args == [False]
    assert doc.path == tmp_path / "a.json"
    assert not doc.is_modified
    doc.set_design(with_units(design, 6), "Units")
    assert doc.is_modified

    with qtbot.waitSignal(doc.designChanged):
        doc.load(design, tmp_path / "b.json")
    assert doc.design == design
    assert doc.path == tmp_path / "b.json"
    assert doc.undo_stack.count() == 0
    assert not doc.is_modified


def test_undo_redo_actions_have_standard_shortcuts(qtbot, doc, design):
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    undo, redo = doc.undo_action(window), doc.redo_action(window)
    assert QKeySequence(QKeySequence.StandardKey.Undo) in undo.shortcuts()
    assert QKeySequence("Ctrl+Shift+Z") in redo.shortcuts()
    assert not undo.isEnabled()
    doc.set_design(with_units(design, 5), "Units")
    assert undo.isEnabled()
    undo.trigger()
    assert doc.design == design
    redo.trigger()
    assert doc.design.layers[0].units == 5


def _edit(design: Design, **changes) -> Design:
    return dataclasses.replace(design, **changes)


def _optimizer(design: Design, **params) -> Design:
    return _edit(design, optimizer=OptimizerSpec(design.optimizer.name, params))


def _training(design: Design, **changes) -> Design:
    return _edit(design, training=dataclasses.replace(design.training, **changes))


def _dataset(design: Design, **changes) -> Design:
    return _edit(design, dataset=dataclasses.replace(design.dataset, **changes))


LIVE = {
    "learning rate": lambda d: _optimizer(d, learning_rate=0.5),
    "epochs": lambda d: _training(d, epochs=999),
    "name": lambda d: _edit(d, name="renamed"),
    "meta": lambda d: _edit(d, meta={"note": "hello"}),
    "nothing": lambda d: d,
}
RESET = {
    "units": lambda d: with_units(d, 9),
    "activation": lambda d: _edit(d, layers=(LayerSpec(4, "relu"), d.layers[-1])),
    "layer count": lambda d: _edit(d, layers=(d.layers[0], *d.layers)),
    "loss": lambda d: _edit(d, loss="mse"),
    "optimizer kind": lambda d: _edit(d, optimizer=OptimizerSpec("adam", {"learning_rate": 0.1})),
    "momentum": lambda d: _optimizer(d, learning_rate=0.1, momentum=0.9),
    "initializer": lambda d: _edit(
        d, initializer=next(n for n in INITIALIZERS.names() if n != d.initializer)
    ),
    "regularization": lambda d: _edit(d, regularization=RegularizationSpec("l2", 0.01)),
    "batch size": lambda d: _training(d, batch_size=32),
    "seed": lambda d: _training(d, seed=7),
    "dtype": lambda d: _training(d, dtype="float32"),
    "schedule": lambda d: _training(d, schedule=ScheduleSpec("exponential", {"gamma": 0.9})),
    "dataset": lambda d: _edit(d, dataset=DatasetSpec("xor", samples=200)),
    "noise": lambda d: _dataset(d, noise=0.2),
    "inputs": lambda d: _edit(d, inputs=3),
}


@pytest.mark.parametrize("change", LIVE, ids=list(LIVE))
def test_live_changes_need_no_reset(design, change):
    assert not needs_reset(design, LIVE[change](design))


@pytest.mark.parametrize("change", RESET, ids=list(RESET))
def test_other_changes_need_a_reset(design, change):
    assert needs_reset(design, RESET[change](design))


def test_live_and_structural_changes_together_need_a_reset(design):
    both = with_units(_optimizer(design, learning_rate=0.5), 9)
    assert needs_reset(design, both)
