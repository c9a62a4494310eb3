"""Output neurons, probability bars and the plane's legend are labelled with the class names."""

from __future__ import annotations

from nnviz.app.views.data_view import DataView
from nnviz.core.design import Design
from nnviz.core.pictures import Picture
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design


def _trainer(**changes) -> Trainer:
    trainer = Trainer(Design.from_dict(xor_design(**changes)))
    trainer.step_batch()
    return trainer


DIGITS = {
    "inputs": 64,
    "layers": [{"units": 8, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
    "loss": "cross_entropy",
    "dataset": {"name": "digits", "samples": 120, "test_fraction": 0.2, "seed": 0},
}


def test_digit_outputs_are_labelled_and_their_tooltips_name_the_class(canvas):
    trainer = _trainer(**DIGITS)
    canvas.set_picture(Picture(8, 8))
    canvas.set_snapshot(trainer.snapshot())
    assert canvas.output_labels() == tuple("0123456789")
    x, y = canvas.neuron_positions(2)[7]
    assert "Output #8 · 7" in canvas.tooltip_at(x, y)
    assert not canvas.grab().isNull()


def test_a_single_sigmoid_output_is_labelled_as_the_probability_of_class_1(canvas):
    trainer = _trainer(dataset={"name": "circle", "samples": 100})
    canvas.set_snapshot(trainer.snapshot())
    assert canvas.output_labels() == ("P(disc)",)


def test_regression_outputs_have_no_labels(canvas):
    trainer = _trainer(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": "plane", "samples": 100},
    )
    canvas.set_snapshot(trainer.snapshot())
    assert canvas.output_labels() == ()


def test_probability_bars_and_caption_use_class_names(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    trainer = _trainer(**DIGITS)
    trainer.set_trace_sample(3)
    view.set_dataset(trainer.data)
    view.set_snapshot(trainer.snapshot())
    assert view.sample.bar_names() == list("0123456789")
    assert view.sample.label() == int(trainer.data.y_train[3])
    label = trainer.data.y_train[3]
    assert view.sample.caption().startswith(f"sample #3   label {label}   predicted ")


def test_a_batch_mean_picture_says_so_and_claims_no_label(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    trainer = _trainer(**DIGITS)
    view.set_dataset(trainer.data)
    view.set_snapshot(trainer.snapshot())
    assert view.sample.label() is None
    assert view.sample.caption().startswith("mean of 10 batch pictures · top: ")
    assert "label" not in view.sample.caption()


def test_the_plane_legend_names_each_class_in_its_colour(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    trainer = _trainer(dataset={"name": "circle", "samples": 100})
    view.set_dataset(trainer.data)
    legend = view.plane.legend.text()
    assert "ring" in legend and "disc" in legend
    assert legend.index("ring") < legend.index("disc")
