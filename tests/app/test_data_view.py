"""The data view shades the network's output over the plane, shows the points, for regression the
predictions against the targets, and for image data the traced sample with its predicted class."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import snapshot_factory
from PySide6.QtGui import QTextDocumentFragment

from nnviz.app.views.colormap import CLASS_COLORS, NEGATIVE, POSITIVE
from nnviz.app.views.data_view import DataView
from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design
from nnviz.core.resources import resource_path
from nnviz.core.snapshot import Snapshot, frozen_copy
from nnviz.core.targets import r2_score
from nnviz.core.trainer import Trainer

IRIS = resource_path("data", "iris.data")


def make_snapshot(sizes, output_map=None, post_last=None, trace_sample=0) -> Snapshot:
    """The shared factory's snapshot, with the last layer's activations given."""
    snapshot = snapshot_factory.make_snapshot(
        sizes, seed=1, output_map=output_map, trace_sample=trace_sample, step=1
    )
    if post_last is None:
        return snapshot
    post = (*snapshot.post[:-1], frozen_copy(np.asarray(post_last, dtype=float)))
    return dataclasses.replace(snapshot, post=post)


@pytest.fixture
def view(qtbot):
    widget = DataView()
    qtbot.addWidget(widget)
    widget.resize(500, 500)
    return widget


@pytest.fixture(scope="module")
def spiral():
    return make_dataset({"name": "spiral", "samples": 200, "noise": 0.1, "test_fraction": 0.3})


def test_plane_image_has_the_output_map_shape_and_follows_values(view, spiral):
    view.set_dataset(spiral)
    assert view.page() == "plane"
    n = 100
    output = np.zeros((n, n))
    output[:, n // 2 :] = 1.0  # class 1 on the right half
    view.set_snapshot(make_snapshot((2, 4, 1), output_map=output))
    rgb = view.plane.image_array()
    assert rgb.shape == (n, n, 3)
    left, right = rgb[n // 2, 0].astype(int), rgb[n // 2, -1].astype(int)
    assert left[0] > left[2]  # orange-ish: class 0
    assert right[2] > right[0]  # blue-ish: class 1
    # The colours are the class colours, washed only partly so points stay readable.
    assert np.sign(left[0] - left[2]) == np.sign(NEGATIVE[0] - NEGATIVE[2])
    assert np.sign(right[2] - right[0]) == np.sign(POSITIVE[2] - POSITIVE[0])


def test_test_points_toggle(view, spiral):
    view.set_dataset(spiral)
    assert view.plane.test_points.isVisible()
    assert len(view.plane.test_points.data) == len(spiral.y_test)
    view.plane.show_test.setChecked(False)
    assert not view.plane.test_points.isVisible()
    assert view.plane.train_points.isVisible()
    view.plane.show_train.setChecked(False)
    assert not view.plane.train_points.isVisible()


def test_many_classes_get_distinct_colours(view):
    blobs = make_dataset({"name": "blobs", "samples": 120, "classes": 4, "test_fraction": 0.2})
    view.set_dataset(blobs)
    output = np.repeat(np.arange(4), 25)[None, :].repeat(100, axis=0).astype(float)
    view.set_snapshot(make_snapshot((2, 5, 4), output_map=output))
    rgb = view.plane.image_array()
    colours = {tuple(rgb[0, j]) for j in (0, 30, 60, 90)}
    assert len(colours) == 4
    brushes = view.plane.train_points.data["brush"]
    labels = blobs.y_train
    for k in range(4):
        first = brushes[int(np.flatnonzero(labels == k)[0])].color()
        assert (first.red(), first.green(), first.blue()) == CLASS_COLORS[k]


def test_image_data_shows_sample_label_and_prediction(view, qtbot):
    digits = make_dataset({"name": "digits", "test_fraction": 0.2})
    view.set_dataset(digits)
    assert view.page() == "image"
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    view.set_snapshot(make_snapshot((64, 16, 10), post_last=probs, trace_sample=5))
    assert view.sample.predicted() == 7
    assert view.sample.label() == int(digits.y_train[5])
    view.selection.set(sample=5)
    view.next_button.click()
    assert view.selection.sample == 6
    view.previous_button.click()
    assert view.selection.sample == 5
    assert not view.grab().isNull()


def test_a_table_of_classes_shows_the_samples_inputs_and_its_class_bars(view, tmp_path):
    rows = "".join(
        f"{1 + i % 5},{2 + i % 3},{('rose', 'tulip', 'iris')[i % 3]}\n" for i in range(30)
    )
    (tmp_path / "flowers.csv").write_text("length,width,species\n" + rows)
    spec = {"name": "csv", "path": "flowers.csv", "test_fraction": 0.0}
    data = make_dataset(spec, tmp_path)
    view.set_dataset(data)
    assert view.page() == "sample" and view.thumbnails.isHidden()
    probs = [0.2, 0.7, 0.1]
    snapshot = make_snapshot((2, 3, 3), post_last=probs, trace_sample=4)
    snapshot = dataclasses.replace(
        snapshot, input=frozen_copy(data.x_train[4]), class_names=data.class_names
    )
    view.set_snapshot(snapshot)
    x = data.x_train[4]
    assert view.sample.lines() == [f"length  {x[0]:.4g}", f"width  {x[1]:.4g}"]
    assert view.sample.bar_names() == ["iris", "rose", "tulip"]
    assert view.sample.predicted() == 1 and view.sample.label() == int(data.y_train[4])
    assert not view.grab().isNull()
    mean = dataclasses.replace(snapshot, trace_sample=None, batch_size=16)
    view.set_snapshot(mean)
    assert view.sample.caption() == "mean of 16 batch rows · top: rose"


def test_standardized_inputs_are_listed_as_in_the_file_and_as_the_network_gets_them(view):
    data = make_dataset({"name": "csv", "path": str(IRIS), "standardize": True})
    as_in_the_file = make_dataset({"name": "csv", "path": str(IRIS)}).x_train[0]
    view.set_dataset(data)
    snapshot = make_snapshot((4, 3, 3), trace_sample=0)
    view.set_snapshot(dataclasses.replace(snapshot, input=frozen_copy(data.x_train[0])))
    given = data.x_train[0]
    assert view.sample.lines() == [
        f"column {j + 1}  {as_in_the_file[j]:g} → {given[j]:.3g}" for j in range(4)
    ]


def test_a_wide_table_lists_its_first_inputs_and_how_many_more():
    from nnviz.core.sample_table import sample_lines

    data = dataclasses.replace(make_dataset({"name": "digits", "test_fraction": 0.2}), picture=None)
    lines = sample_lines(data, data.x_train[0])
    assert len(lines) == 11 and lines[0].startswith("pixel(0,0)  ")
    assert lines[-1] == "… and 54 more inputs"


def regression_design(**dataset):
    return Design.from_dict(
        {
            "format": "nnviz-design",
            "version": 1,
            "name": "plane",
            "inputs": 2,
            "layers": [
                {"units": 4, "activation": "tanh"},
                {"units": 1, "activation": "linear"},
            ],
            "loss": "mse",
            "optimizer": {"name": "adam", "learning_rate": 0.01},
            "regularization": None,
            "training": {"batch_size": 10, "epochs": 5, "seed": 0},
            "dataset": {"name": "plane", "samples": 200, "test_fraction": 0.2, **dataset},
        }
    )


def test_regression_shows_predictions_against_targets_with_r2(view):
    trainer = Trainer(regression_design())
    trainer.run_epoch()
    snapshot = trainer.snapshot()
    view.set_dataset(trainer.data)
    assert view.page() == "plane"  # a 2-D set: the plane, and the fit under it
    assert view.fit.isVisibleTo(view)
    view.set_snapshot(snapshot)
    fit = snapshot.predictions
    assert fit.split == "test"
    assert view.fit.point_count() == len(trainer.data.y_test) == len(fit.targets)
    expected = r2_score(fit.predictions, fit.targets)
    assert view.fit.r2() == pytest.approx(expected)
    title = view.fit.plot.getPlotItem().titleLabel.text
    assert f"R² = {expected:.3f}" in title
    x, y = view.fit.diagonal.getData()
    np.testing.assert_allclose(x, y)  # the line of a perfect fit


def test_regression_without_a_plane_shows_only_the_fit(view):
    trainer = Trainer(regression_design())
    flat = dataclasses.replace(trainer.data, plane=None, points_train=None, points_test=None)
    view.set_dataset(flat)
    assert view.page() == "fit"
    view.set_snapshot(trainer.snapshot())
    assert view.fit.point_count() == len(flat.y_test)


def test_regression_plane_uses_a_diverging_map_of_the_prediction(view):
    data = make_dataset({"name": "plane", "samples": 200, "test_fraction": 0.2})
    view.set_dataset(data)
    n = 100
    output = np.tile(np.linspace(-5.0, 5.0, n), (n, 1))  # negative left, positive right
    view.set_snapshot(make_snapshot((2, 4, 1), output_map=output))
    rgb = view.plane.image_array().astype(int)
    left, middle, right = rgb[n // 2, 0], rgb[n // 2, n // 2], rgb[n // 2, -1]
    assert left[0] > left[2] and right[2] > right[0]  # orange below zero, blue above
    assert abs(middle[0] - middle[2]) < 20  # zero is neutral


def test_a_repeated_grid_is_not_redrawn(view, spiral, monkeypatch):
    view.set_dataset(spiral)
    calls = []
    monkeypatch.setattr(view.plane, "set_output_map", lambda *args: calls.append(args))
    snapshot = make_snapshot((2, 4, 1), output_map=np.zeros((10, 10)))
    view.set_snapshot(snapshot)
    view.set_snapshot(dataclasses.replace(snapshot, step=2))  # new values, the same grid
    assert len(calls) == 1


def test_a_finished_run_shows_its_final_fit(view):
    """However fast a run ends, its last snapshot carries predictions of the final weights."""
    trainer = Trainer(regression_design())
    snapshots = []
    trainer.run(on_snapshot=snapshots.append)
    final = snapshots[-1]
    assert final.state == "finished"
    view.set_dataset(trainer.data)
    view.set_snapshot(final)
    assert view.fit.r2() == pytest.approx(final.metrics["test_r2"])


@pytest.mark.parametrize("classes", [2, 3, 6])
def test_the_point_toggles_and_the_class_legend_fit_the_narrowest_data_view(qtbot, classes):
    """At the window's narrowest data view nothing under the plane is cut off; many classes
    take more legend lines, two classes a line beside the toggles "Train" and "Test" (even
    "Train points" and "Test points" are cut off there)."""
    widget = DataView()
    qtbot.addWidget(widget)
    data = make_dataset({"name": "spiral", "samples": 120, "classes": classes, "seed": 0})
    widget.set_dataset(data)
    widget.resize(260, 420)  # the main window's minimum width for it
    widget.show()
    qtbot.waitExposed(widget)
    plane = widget.plane
    for box in (plane.show_train, plane.show_test):
        assert box.width() >= box.sizeHint().width(), box.text()
    legend = plane.legend
    assert legend.height() >= legend.heightForWidth(legend.width())  # every line shown
    assert (plane.show_train.text(), plane.show_test.text()) == ("Train", "Test")
    lines = legend.heightForWidth(legend.width()) / legend.fontMetrics().lineSpacing()
    assert round(lines) <= -(-classes // 2), lines
    assert legend.geometry().right() <= plane.width()
    shown = QTextDocumentFragment.fromHtml(legend.text()).toPlainText().replace("\xa0", " ")
    assert all(f"arm {k}" in shown for k in range(classes))
