"""The window's selection: one observed object that the canvas, the data view and the toolbar
read and write (click a neuron, a link or a point; arrow keys on the canvas)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from design_factory import XOR, merged
from PySide6.QtCore import QPoint, QPointF, Qt

from nnviz.app.main_window import MainWindow
from nnviz.app.selection import Selection, SelectionState, kept_selection
from nnviz.app.views.canvas_selection import SELECTED
from nnviz.app.views.data_view import DataView
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def trained():
    layers = [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}]
    trainer = Trainer(Design.from_dict(merged(XOR, layers=layers)))
    for _ in range(3):
        trainer.step_batch()
    return trainer


def test_set_emits_once_only_when_something_differs(qtbot):
    selection = Selection()
    seen = []
    selection.changed.connect(lambda: seen.append(selection.last_changed))
    assert selection.set(layer=1, neuron=2, link=(0, 1, 2))
    assert seen == [frozenset({"layer", "neuron", "link"})]
    assert not selection.set(layer=1, neuron=np.int64(2))  # same values: no signal
    assert len(seen) == 1
    assert selection.set(sample=7)
    assert seen[-1] == frozenset({"sample"})
    assert (selection.layer, selection.neuron, selection.link, selection.sample) == (
        1,
        2,
        (0, 1, 2),
        7,
    )
    assert selection.clear() and selection.sample == 7 and selection.neuron is None
    with pytest.raises(TypeError, match="colour"):
        selection.set(colour=1)


def test_a_new_run_keeps_what_still_exists():
    xor = make_dataset({"name": "xor", "samples": 40, "test_fraction": 0.5})
    state = SelectionState(layer=2, neuron=3, link=(1, 3, 0), sample=15, hovered_sample=4)
    assert kept_selection(state, (2, 4, 4, 1), xor) == {
        "layer": 2,
        "neuron": 3,
        "link": (1, 3, 0),
        "sample": 15,
        "hovered_sample": None,
    }
    smaller = kept_selection(state, (2, 3, 1), xor)
    assert smaller["layer"] is None and smaller["neuron"] is None and smaller["link"] is None
    assert (
        kept_selection(dataclasses.replace(state, sample=25), (2, 4, 4, 1), xor)["sample"] is None
    )
    digits = make_dataset({"name": "digits", "test_fraction": 0.2})
    assert kept_selection(SelectionState(), (64, 10), digits)["sample"] == 0  # a real sample


@pytest.fixture
def canvas(qtbot, trained):
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.set_selection(Selection())
    widget.set_snapshot(trained.snapshot())
    return widget


def test_clicking_a_neuron_or_a_link_selects_it(canvas, qtbot):
    selection = canvas.selection()
    x, y = canvas.neuron_positions(1)[2]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert (selection.layer, selection.neuron, selection.link) == (1, 2, None)
    image = canvas.grab().toImage()
    pitch = canvas.neuron_positions(1)[1][1] - canvas.neuron_positions(1)[0][1]
    ring = {image.pixelColor(round(x), round(y - dy)).name() for dy in range(round(pitch))}
    assert SELECTED.name() in ring  # the chosen neuron is outlined
    src, dst = canvas.neuron_positions(0)[1], canvas.neuron_positions(1)[3]
    mid = (src + dst) / 2
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(mid[0]), round(mid[1])))
    assert selection.link == (0, 1, 3)
    assert (selection.layer, selection.neuron) == (1, 3)  # the link's own neuron
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(5, canvas.height() - 5))
    assert (selection.layer, selection.neuron, selection.link) == (None, None, None)


def test_arrow_keys_walk_the_neurons(canvas, qtbot):
    selection = canvas.selection()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Down)  # nothing chosen yet: the first hidden unit
    assert (selection.layer, selection.neuron) == (1, 0)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert (selection.layer, selection.neuron) == (1, 2)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)  # the output has one unit: clamped to it
    assert (selection.layer, selection.neuron) == (2, 0)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert selection.layer == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert (selection.layer, selection.neuron) == (0, 0)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert selection.neuron is None


def test_spotlight_dims_all_but_its_columns(canvas):
    x_in, y_in = (round(v) for v in canvas.neuron_positions(0)[0])
    x_out, y_out = (round(v) for v in canvas.neuron_positions(2)[0])
    before = canvas.grab().toImage()
    canvas.set_spotlight((2,))
    after = canvas.grab().toImage()
    assert after.pixelColor(x_out, y_out) == before.pixelColor(x_out, y_out)
    assert after.pixelColor(x_in, y_in).lightness() > before.pixelColor(x_in, y_in).lightness()


def test_clicking_a_training_point_traces_it_and_rings_it(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    qtbot.waitExposed(view)
    spiral = make_dataset({"name": "spiral", "samples": 200, "noise": 0.1, "test_fraction": 0.3})
    view.set_dataset(spiral)
    view.plane.show_test.setChecked(False)
    row = 17
    box = view.plane.plot.getPlotItem().getViewBox()
    scene = box.mapViewToScene(QPointF(*spiral.points_train[row]))
    assert view.plane.train_point_at(scene) == row
    view._on_plane_moved(scene)
    assert view.selection.hovered_sample == row
    widget_pos = view.plane.plot.mapFromScene(scene)
    qtbot.mouseClick(view.plane.plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert view.selection.sample == row
    assert view.plane.marked() == pytest.approx(tuple(spiral.points_train[row]))
    far = box.mapViewToScene(QPointF(100.0, 100.0))
    assert view.plane.train_point_at(far) is None


def test_window_toolbar_data_view_and_trainer_share_the_sample(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.selection.set(sample=9)
        assert window.trace_box.currentIndex() == 1 and window.sample_box.value() == 9
        qtbot.waitUntil(lambda: window.worker.latest().trace_sample == 9, timeout=WAIT_MS)
        window.trace_box.setCurrentIndex(0)
        assert window.selection.sample is None
        qtbot.waitUntil(lambda: window.worker.latest().trace_sample is None, timeout=WAIT_MS)
        window.selection.set(layer=1, neuron=2)
        window.run.reset()  # the same network: the neuron stays chosen
        assert (window.selection.layer, window.selection.neuron) == (1, 2)
    finally:
        window.close()


def test_image_data_traces_a_real_sample_and_steps_through_them(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        design = Design.from_dict(
            merged(
                XOR,
                inputs=64,
                layers=[{"units": 8, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
                loss="cross_entropy",
                dataset={"name": "digits", "test_fraction": 0.2},
            )
        )
        window.document.set_design(design, "digits")
        assert window.selection.sample == 0
        qtbot.waitUntil(lambda: window.worker.latest().trace_sample == 0, timeout=WAIT_MS)
        window.data_view.next_button.click()
        assert window.selection.sample == 1 and window.sample_box.value() == 1
        window.update_frame()
        qtbot.waitUntil(lambda: window.worker.latest().trace_sample == 1, timeout=WAIT_MS)
    finally:
        window.close()


def test_clicking_the_batch_mean_picture_traces_a_real_sample(qtbot):
    view = DataView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.set_dataset(make_dataset({"name": "digits", "test_fraction": 0.2}))
    assert view.page() == "image" and view.selection.sample is None
    qtbot.mouseClick(view.sample, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    assert view.selection.sample == 0
    view.selection.set(sample=9)
    qtbot.mouseClick(view.sample, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    assert view.selection.sample == 9  # a traced sample stays chosen
