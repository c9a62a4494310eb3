"""The build panel, driven as a person would: its buttons, combos, spin boxes and checkboxes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel

from nnviz.app.builder import BuildPanel
from nnviz.app.builder.adapt import DataShape, adapt_to_dataset, adapt_to_loss, problem
from nnviz.app.document import DesignDocument
from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.specs import DatasetSpec, LayerSpec

BASE = {
    "format": "nnviz-design",
    "version": 1,
    "name": "circle",
    "inputs": 2,
    "layers": [
        {"units": 8, "activation": "tanh"},
        {"units": 6, "activation": "relu"},
        {"units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_cross_entropy",
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "training": {"batch_size": 10, "epochs": 50},
    "dataset": {"name": "circle", "samples": 200},
}


@pytest.fixture
def doc(qtbot) -> DesignDocument:
    return DesignDocument(Design.from_dict(BASE))


@pytest.fixture
def panel(qtbot, doc) -> BuildPanel:
    widget = BuildPanel(doc)
    qtbot.addWidget(widget)
    return widget


def units(design: Design) -> list[int]:
    return [layer.units for layer in design.layers]


def activations(design: Design) -> list[str]:
    return [layer.activation for layer in design.layers]


def pick(combo, value) -> None:
    """Choose an item the way a click would (emits currentIndexChanged)."""
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def item_enabled(combo, value) -> bool:
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    return model.item(combo.findData(value)).isEnabled()


def shown(widget) -> bool:
    return not widget.isHidden()


# --- layers ----------------------------------------------------------------------------------


def test_add_remove_and_move_layers_with_the_buttons(qtbot, panel, doc):
    qtbot.mouseClick(panel.layers.add, Qt.MouseButton.LeftButton)
    assert units(doc.design) == [8, 6, 6, 1]
    assert len(panel.layers.rows) == 4

    qtbot.mouseClick(panel.layers.rows[0].remove, Qt.MouseButton.LeftButton)
    assert units(doc.design) == [6, 6, 1]

    panel.layers.rows[0].units.setValue(3)
    qtbot.mouseClick(panel.layers.rows[0].down, Qt.MouseButton.LeftButton)
    assert units(doc.design) == [6, 3, 1]
    qtbot.mouseClick(panel.layers.rows[1].up, Qt.MouseButton.LeftButton)
    assert units(doc.design) == [3, 6, 1]
    assert doc.design.layers[-1] == LayerSpec(1, "sigmoid")


def test_the_output_layer_cannot_move_or_be_removed(panel):
    output = panel.layers.rows[-1]
    assert not output.remove.isEnabled()
    assert not output.up.isEnabled()
    assert not panel.layers.rows[0].up.isEnabled()
    assert not panel.layers.rows[-2].down.isEnabled()


def test_changing_an_activation_changes_the_design_and_undo_redraws(panel, doc):
    pick(panel.layers.rows[0].activation, "relu")
    assert activations(doc.design) == ["relu", "relu", "sigmoid"]
    doc.undo_stack.undo()
    assert activations(doc.design) == ["tanh", "relu", "sigmoid"]
    assert panel.layers.rows[0].activation.value() == "tanh"


def test_softmax_is_offered_only_for_the_output_layer(panel):
    assert panel.layers.rows[0].activation.findData("softmax") < 0
    assert panel.layers.rows[-1].activation.findData("softmax") >= 0


def test_spin_box_edits_merge_into_one_undo_step(panel, doc):
    spin = panel.layers.rows[1].units
    for value in (7, 8, 9, 10):
        spin.setValue(value)
    assert units(doc.design) == [8, 10, 1]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert units(doc.design) == [8, 6, 1]
    assert spin.value() == 6
    doc.undo_stack.redo()
    assert spin.value() == 10


def test_summary_shows_sizes_and_parameter_count(panel, doc):
    text = panel.layers.summary.text()
    assert "2 → 8 → 6 → 1" in text
    assert f"{doc.design.n_params:,} parameters" in text


def test_a_layer_removed_by_undo_disappears_from_the_panel(qtbot, panel, doc):
    qtbot.mouseClick(panel.layers.add, Qt.MouseButton.LeftButton)
    assert len(panel.layers.rows) == 4
    doc.undo_stack.undo()
    assert len(panel.layers.rows) == 3
    assert [row.units.value() for row in panel.layers.rows] == [8, 6, 1]


# --- data ------------------------------------------------------------------------------------


def test_switching_to_digits_adapts_both_ends(panel, doc):
    pick(panel.dataset.name, "digits")
    design = doc.design
    assert design.dataset.name == "digits"
    assert design.inputs == 64
    assert design.layers[-1] == LayerSpec(10, "softmax")
    assert design.loss == "cross_entropy"
    assert units(design)[:-1] == [8, 6]
    assert panel.layers.input_units.text() == "64"
    assert not panel.layers.rows[-1].units.isEnabled()  # locked: one unit per class
    assert "class" in panel.layers.rows[-1].units.toolTip()
    assert not shown(panel.dataset.features_title)


def test_switching_to_regression_and_back(panel, doc):
    pick(panel.dataset.name, "plane")
    assert doc.design.layers[-1] == LayerSpec(1, "linear")
    assert doc.design.loss == "mse"
    assert not item_enabled(panel.optimizer.loss, "cross_entropy")
    assert (
        "regression"
        in panel.optimizer.loss.model()
        .item(panel.optimizer.loss.findData("cross_entropy"))
        .toolTip()
    )
    pick(panel.dataset.name, "blobs")
    assert doc.design.layers[-1] == LayerSpec(3, "softmax")
    pick(panel.dataset.name, "xor")
    assert doc.design.layers[-1] == LayerSpec(1, "sigmoid")
    assert doc.design.loss == "binary_cross_entropy"
    assert doc.design.dataset.samples == 200  # kept across 2-D sets


def test_enabling_features_changes_the_inputs(panel, doc):
    panel.dataset.features["x1^2"].setChecked(True)
    panel.dataset.features["x2^2"].setChecked(True)
    assert doc.design.dataset.features == ("x1", "x2", "x1^2", "x2^2")
    assert doc.design.inputs == 4
    assert panel.layers.input_units.text() == "4"
    doc.undo_stack.undo()
    assert doc.design.inputs == 3
    assert not panel.dataset.features["x2^2"].isChecked()


def test_dataset_fields_edit_the_spec(panel, doc):
    panel.dataset.noise.setValue(0.25)
    panel.dataset.test_split.setValue(40)
    panel.dataset.seed.setValue(5)
    spec = doc.design.dataset
    assert (spec.noise, spec.test_fraction, spec.seed) == (0.25, 0.4, 5)
    assert not shown(panel.dataset.classes)
    pick(panel.dataset.name, "spiral")
    assert shown(panel.dataset.classes)
    panel.dataset.classes.setValue(3)
    assert doc.design.dataset.classes == 3
    assert doc.design.layers[-1] == LayerSpec(3, "softmax")


def test_a_csv_file_picked_with_browse(panel, doc, tmp_path: Path):
    rows = [f"{i % 7},{(i * 3) % 5},{i % 4},{i % 3}" for i in range(60)]
    (tmp_path / "table.csv").write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
    panel.dataset.ask_file = lambda title, filters: str(tmp_path / "table.csv")
    pick(panel.dataset.name, "csv")
    design = doc.design
    assert design.dataset.path == str(tmp_path / "table.csv")
    assert design.inputs == 3
    assert design.layers[-1] == LayerSpec(3, "softmax")
    assert shown(panel.dataset.path.parentWidget())
    assert panel.error_text == ""


def test_the_label_column_is_a_name_or_a_position(panel, doc, tmp_path: Path):
    rows = [f"{i % 4},{i % 7},{(i * 3) % 5},{i % 3}" for i in range(60)]
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n")  # no header row
    panel.dataset.ask_file = lambda title, filters: str(tmp_path / "table.csv")
    pick(panel.dataset.name, "csv")
    field = panel.dataset.label_column
    for typed, stored, classes in (("1", 1, 4), ("-2", -2, 5), ("", None, 3)):
        field.setText(typed)
        field.editingFinished.emit()
        assert doc.design.dataset.label_column == stored and panel.error_text == ""
        assert doc.design.layers[-1] == LayerSpec(classes, "softmax")
        assert field.text() == typed  # a position shows as the number it is
    doc.undo_stack.undo()
    assert field.text() == "-2"
    field.setText("species")
    field.editingFinished.emit()
    assert panel.error_text.startswith("table.csv: has no header row, so no column is called")
    assert doc.design.dataset.label_column == -2


def test_an_image_folder_picked_with_browse_asks_for_a_folder(panel, doc, tmp_path: Path):
    for k, name in enumerate(("cats", "dogs")):
        (tmp_path / "pets" / name).mkdir(parents=True)
        for i in range(5):
            Image.new("L", (6, 6), 40 + 150 * k + i).save(tmp_path / "pets" / name / f"{i}.png")
    panel.dataset.ask_file = lambda title, filters: pytest.fail("asked for a file")
    panel.dataset.ask_folder = lambda title: str(tmp_path / "pets")
    pick(panel.dataset.name, "image_folder")
    design = doc.design
    assert design.dataset.path == str(tmp_path / "pets") and design.inputs == 28 * 28
    assert design.layers[-1] == LayerSpec(1, "sigmoid")
    assert panel.error_text == ""


def test_cancelling_the_file_dialog_keeps_the_dataset(panel, doc):
    before = doc.design
    panel.dataset.ask_file = lambda title, filters: None
    pick(panel.dataset.name, "csv")
    assert doc.design == before
    assert panel.dataset.name.value() == "circle"


# --- refused edits ---------------------------------------------------------------------------


def test_an_invalid_choice_shows_the_error_and_changes_nothing(panel, doc):
    pick(panel.dataset.name, "digits")
    before, steps = doc.design, doc.undo_stack.count()
    panel.layers.rows[-1].units.setEnabled(True)
    panel.layers.rows[-1].units.setValue(3)
    assert doc.design == before
    assert doc.undo_stack.count() == steps
    assert "cross_entropy" in panel.error_text
    assert "layers[" not in panel.error_text and "Layer 3 units" in panel.error_text  # words
    assert shown(panel.error)
    assert panel.layers.rows[-1].units.value() == 10  # reverted

    panel.layers.rows[0].units.setValue(12)  # a valid edit clears the message
    assert panel.error_text == ""


def test_unchecking_every_feature_is_refused(panel, doc):
    before = doc.design
    panel.dataset.features["x1"].setChecked(False)
    assert doc.design.inputs == 1
    panel.dataset.features["x2"].setChecked(False)
    assert doc.design.inputs == 1
    assert panel.error_text
    assert panel.dataset.features["x2"].isChecked()
    doc.undo_stack.undo()
    assert doc.design == before


def test_output_activations_the_loss_cannot_use_are_disabled(panel):
    combo = panel.layers.rows[-1].activation
    assert item_enabled(combo, "sigmoid")
    assert not item_enabled(combo, "relu")  # binary cross-entropy needs a sigmoid output
    assert "sigmoid" in combo.model().item(combo.findData("relu")).toolTip()


# --- loss, optimizer, training ---------------------------------------------------------------


def test_changing_the_loss_reshapes_the_output(panel, doc):
    before = doc.design.layers[-1]
    pick(panel.optimizer.loss, "cross_entropy")
    assert doc.design.loss == "cross_entropy"
    assert doc.design.layers[-1] == LayerSpec(2, "softmax")
    assert "output layer changed" in panel.note_text and "2 softmax units" in panel.note_text
    assert "output layer" in doc.undo_stack.undoText()
    doc.undo_stack.undo()  # one undo puts the loss and the output layer back
    assert doc.design.layers[-1] == before and doc.design.loss != "cross_entropy"
    assert panel.note_text == ""
    doc.undo_stack.redo()
    pick(panel.optimizer.loss, "mse")
    assert doc.design.loss == "mse"
    assert doc.design.layers[-1] == LayerSpec(2, "softmax")


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_hyper_parameter_fields_match_the_optimizer(panel, doc, name):
    pick(panel.optimizer.optimizer, name)
    assert doc.design.optimizer.name == name
    accepted = set(OPTIMIZERS.get(name).defaults)
    visible = {key for key, widget in panel.optimizer.hyper.items() if shown(widget)}
    assert visible == accepted
    assert doc.design.optimizer.params.get("learning_rate") == 0.1  # carried over


def test_hyper_parameters_write_only_what_was_changed(panel, doc):
    defaults = OPTIMIZERS.get("sgd").defaults
    panel.optimizer.hyper["momentum"].setValue(0.9)
    assert dict(doc.design.optimizer.params) == {"learning_rate": 0.1, "momentum": 0.9}
    panel.optimizer.hyper["learning_rate"].stepBy(1)
    assert doc.design.optimizer.params["learning_rate"] == 0.2
    assert set(doc.design.optimizer.params) <= set(defaults)


def test_regularization_schedule_and_training_fields(panel, doc):
    pick(panel.optimizer.regularization, "l2")
    assert doc.design.regularization is not None and doc.design.regularization.kind == "l2"
    assert shown(panel.optimizer.rate)
    panel.optimizer.rate.setValue(0.01)
    assert doc.design.regularization.rate == 0.01
    pick(panel.optimizer.regularization, None)
    assert doc.design.regularization is None
    assert not shown(panel.optimizer.rate)

    pick(panel.training.schedule, "step")
    schedule = doc.design.training.schedule
    assert schedule is not None and schedule.name == "step" and "step_size" in schedule.params
    assert shown(panel.training.schedule_params["step_size"])
    assert not shown(panel.training.schedule_params["t_max"])

    panel.training.batch_size.setValue(32)
    panel.training.epochs.setValue(80)
    pick(panel.training.dtype, "float32")
    training = doc.design.training
    assert (training.batch_size, training.epochs, training.dtype) == (32, 80, "float32")


def test_every_control_explains_itself(panel):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit

    kinds = (QAbstractSpinBox, QComboBox, QAbstractButton, QLineEdit)
    missing = [
        widget
        for kind in kinds
        for widget in panel.findChildren(kind)
        if not widget.toolTip() and not widget.objectName().startswith("qt_")
    ]
    assert missing == []


# --- adaptation, pure ------------------------------------------------------------------------


def shape_of(spec: DatasetSpec) -> DataShape:
    return DataShape.of(make_dataset(spec))


@pytest.mark.parametrize(
    ("spec", "inputs", "output", "loss"),
    [
        (DatasetSpec("digits"), 64, LayerSpec(10, "softmax"), "cross_entropy"),
        (DatasetSpec("plane", samples=100), 2, LayerSpec(1, "linear"), "mse"),
        (DatasetSpec("blobs", samples=90, classes=4), 2, LayerSpec(4, "softmax"), "cross_entropy"),
        (
            DatasetSpec("xor", samples=100, features=("x1", "x2", "x1*x2")),
            3,
            LayerSpec(1, "sigmoid"),
            "binary_cross_entropy",
        ),
    ],
)
def test_adapt_to_dataset(spec, inputs, output, loss):
    design = Design.from_dict(BASE)
    adapted = adapt_to_dataset(design, spec, shape_of(spec))
    assert adapted.inputs == inputs
    assert adapted.layers[-1] == output
    assert adapted.loss == loss
    assert adapted.layers[:-1] == design.layers[:-1]
    assert problem(adapted, shape_of(spec)) is None


def test_adapt_keeps_an_output_that_still_fits():
    design = adapt_to_loss(Design.from_dict(BASE), "mse", shape_of(DatasetSpec("circle")))
    spec = DatasetSpec("moons", samples=100)
    adapted = adapt_to_dataset(design, spec, shape_of(spec))
    assert adapted.layers[-1] == design.layers[-1]
    assert adapted.loss == "mse"


def test_adapt_to_regression_keeps_a_regression_loss():
    plane = DatasetSpec("plane", samples=100)
    on_plane = adapt_to_dataset(Design.from_dict(BASE), plane, shape_of(plane))
    huber = dataclasses.replace(on_plane, loss="huber")
    spec = DatasetSpec("multi_gauss", samples=100)
    assert adapt_to_dataset(huber, spec, shape_of(spec)).loss == "huber"


def test_adapt_to_loss_refuses_class_losses_on_regression():
    plane = DatasetSpec("plane", samples=100)
    design = adapt_to_dataset(Design.from_dict(BASE), plane, shape_of(plane))
    with pytest.raises(DesignError, match="regression"):
        adapt_to_loss(design, "cross_entropy", shape_of(plane))


def test_every_section_is_one_click_away_on_a_small_screen(panel, qtbot):
    panel.resize(330, 420)  # the build dock's height on a 1366×768 screen
    panel.show()
    qtbot.waitExposed(panel)
    section = panel.optimizer
    viewport = panel.scroll.viewport()
    assert not section.visibleRegion().boundingRect().contains(0, 0)  # below the fold at first
    panel.jumps["Loss and optimizer"].click()
    top = section.mapTo(viewport, section.rect().topLeft()).y()
    assert 0 <= top <= 10  # now at the top of the panel
    assert [b.text() for b in panel.jumps.values()] == [s.title() for s in panel.sections]
