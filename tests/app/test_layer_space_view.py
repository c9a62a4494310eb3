"""The layer space view: one panel per layer from snapshots, the traced and hovered samples
ringed in every panel, a picture beside the cursor for images, and its dock in the window."""

from __future__ import annotations

import dataclasses
import html
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from design_factory import xor_design
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from nnviz.app import export_actions
from nnviz.app import main_window as main_window_module
from nnviz.app.main_window import MainWindow
from nnviz.app.views.layer_space_view import LayerSpaceView
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer

WAIT_MS = 10_000
SVG = "{http://www.w3.org/2000/svg}"
BOTTLENECK = [
    {"units": 8, "activation": "tanh"},
    {"units": 2, "activation": "tanh"},
    {"units": 1, "activation": "sigmoid"},
]


def trainer_for(**changes) -> Trainer:
    t = Trainer(Design.from_dict(xor_design(**changes)))
    t.show_layer_space(True)
    return t


@pytest.fixture
def view(qtbot):
    v = LayerSpaceView()
    qtbot.addWidget(v)
    v.resize(900, 320)
    v.show()
    return v


def shown(view: LayerSpaceView, trainer: Trainer, steps: int = 20):
    for _ in range(steps):
        trainer.step_batch()
    view.set_dataset(trainer.data)
    snapshot = trainer.snapshot()
    assert view.set_snapshot(snapshot)
    return snapshot


def scene_pos(view: LayerSpaceView, panel: int, xy):
    vb = view.plot_items()[panel].vb
    return vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))


def test_one_panel_per_layer_with_every_sample_in_its_class_colour(view):
    snapshot = shown(view, trainer_for(layers=BOTTLENECK))
    space = snapshot.layer_space
    assert view.panel_count() == 4
    assert "Layer 2 (2 tanh)" in view.panel_titles()[2]
    assert "exact 2-D" in view.panel_titles()[2]
    items = view._panels[2]
    drawn = sum(len(s.data) for s in items.scatters)
    assert drawn == len(space.rows)
    for cls, scatter in enumerate(items.scatters):
        xs, ys = scatter.getData()
        expected = space.panels[2].points[space.labels == cls]
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected)
    legend = view.legend.text()  # the colours are named, in class order
    names = [html.escape(name) for name in view._dataset.class_names]
    assert all(name in legend for name in names)
    assert legend.index(names[0]) < legend.index(names[1])
    boundary_x, _ = items.boundary.getData()
    assert len(boundary_x) == 2  # one segment: the output's line in this layer's coordinates
    assert items.regions.isVisible()
    assert not view._panels[1].regions.isVisible()  # only where the output layer decides


def test_a_frame_is_drawn_once_and_not_while_hidden(view):
    t = trainer_for(layers=BOTTLENECK)
    snapshot = shown(view, t)
    assert not view.set_snapshot(snapshot)  # the same frame again
    view.hide()
    t.step_batch()
    assert not view.set_snapshot(t.snapshot())
    assert view.frame() is snapshot.layer_space


def test_traced_sample_is_ringed_in_every_panel(view):
    t = trainer_for(layers=BOTTLENECK)
    t.set_trace_sample(5)
    snapshot = shown(view, t)
    for items, panel in zip(view._panels, snapshot.layer_space.panels, strict=True):
        xs, ys = items.trace.getData()
        np.testing.assert_allclose([xs[0], ys[0]], panel.trace)


def test_hovering_a_point_rings_that_sample_in_every_panel_and_says_which(view):
    snapshot = shown(view, trainer_for(layers=BOTTLENECK))
    space = snapshot.layer_space
    index = 17
    row = int(space.rows[index])
    view._on_mouse_moved(scene_pos(view, 2, space.panels[2].points[index]))
    assert view.selection.hovered_sample == row
    assert view.hovered() == row
    for items, panel in zip(view._panels, space.panels, strict=True):
        xs, ys = items.hover.getData()
        np.testing.assert_allclose([xs[0], ys[0]], panel.points[index])
    assert f"Sample #{row}" in view.footer.text()
    d = view._dataset
    assert f"class {d.class_names[d.y_train[row]]}" in view.footer.text()
    view.selection.set(hovered_sample=None)  # e.g. the pointer left the data view's point
    assert len(view._panels[0].hover.data) == 0
    assert view.footer.text().startswith("Hover a point")


def test_hovering_an_image_sample_shows_its_picture_beside_the_cursor(view):
    t = trainer_for(
        inputs=64,
        layers=[{"units": 8, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
        loss="cross_entropy",
        dataset={"name": "digits", "samples": 400},
    )
    snapshot = shown(view, t, steps=5)
    space = snapshot.layer_space
    assert space.panels[0].kind == "pca" and space.panels[0].grid is None
    view._on_mouse_moved(scene_pos(view, 1, space.panels[1].points[3]))
    assert view.hovered() is not None
    assert view.picture.isVisible() and not view.picture.pixmap().isNull()
    view._on_mouse_moved(scene_pos(view, 1, (1e6, 1e6)))
    assert not view.picture.isVisible()


def test_regression_points_take_the_target_colours(view):
    t = trainer_for(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": "plane", "samples": 120},
    )
    snapshot = shown(view, t, steps=3)
    drawn = sum(len(s.data) for s in view._panels[1].scatters)
    assert drawn == len(snapshot.layer_space.rows)
    assert len(view._panels[1].scatters) > 2


@pytest.fixture
def window(qtbot, tmp_path):
    path = tmp_path / "bottleneck.json"
    path.write_text(json.dumps(xor_design(layers=BOTTLENECK)))
    w = MainWindow(str(path))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    yield w
    w.close()


def test_window_builds_layer_spaces_only_while_its_dock_shows(qtbot, window):
    dock = window.layer_space_dock
    assert dock.objectName() == "layerSpaceDock"
    assert window.layer_space.objectName() == "layerSpace"
    assert window.worker.latest().layer_space is None  # behind the training curves
    dock.raise_()
    qtbot.waitUntil(lambda: window.worker.trainer.layer_space is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.layer_space.panel_count() == 4, timeout=WAIT_MS)
    window.plots_dock.raise_()
    qtbot.waitUntil(lambda: window.worker.trainer.layer_space is None, timeout=WAIT_MS)
    assert dock.toggleViewAction() in window.menus["view"].actions()


@pytest.mark.parametrize(("phase", "drawn"), [(0.2, True), (0.4, False), (2.0, True)])
def test_layer_space_redraws_in_its_own_turn(window, monkeypatch, phase, drawn):
    calls = []
    monkeypatch.setattr(window.canvas, "update_phase", lambda: phase)
    monkeypatch.setattr(window.layer_space, "set_snapshot", lambda s: calls.append(s))
    running = dataclasses.replace(window.worker.latest(), state="running")
    window._update_in_turn(running, settled=False)
    assert bool(calls) == drawn
    assert main_window_module.LAYER_SPACE_TURN[1] <= main_window_module.DATA_TURN[0]


def test_file_export_draws_the_current_state_with_the_dock_behind(window, tmp_path, monkeypatch):
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "space.svg"), "")
    )
    assert window.layer_space.frame() is None  # never shown
    window.actions["export_layer_space"].trigger()
    root = ET.parse(tmp_path / "space.svg").getroot()
    assert root.find(f"{SVG}title").text == "Layer space"
    assert window.layer_space.frame().step == window.worker.latest().step
    assert window.layer_space.panel_count() == 4


def test_right_click_exports_a_png_at_the_chosen_size(view, tmp_path, monkeypatch):
    shown(view, trainer_for(layers=BOTTLENECK))
    actions = {a.text(): a for a in view.export_menu().actions()}
    assert list(actions) == ["Export as PNG…", "Export as SVG…"]
    monkeypatch.setattr(export_actions, "ask_png_size", lambda parent, size: (QSize(600, 200), 2.0))
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "space.png"), "")
    )
    actions["Export as PNG…"].trigger()
    image = QImage(str(tmp_path / "space.png"))
    assert (image.width(), image.height()) == (1200, 400)


def test_window_shares_hovered_and_traced_samples_with_the_data_view(qtbot, window):
    window.layer_space_dock.raise_()
    qtbot.waitUntil(lambda: window.layer_space.frame() is not None, timeout=WAIT_MS)
    view = window.layer_space
    space = view.frame()
    row = int(space.rows[11])
    window.selection.set(hovered_sample=row)  # as the data view does under the pointer
    xs, ys = view._panels[1].hover.getData()
    np.testing.assert_allclose([xs[0], ys[0]], space.panels[1].points[11])
    click = type(
        "Click",
        (),
        {
            "button": lambda self: Qt.MouseButton.LeftButton,
            "scenePos": lambda self: scene_pos(view, 2, space.panels[2].points[11]),
        },
    )()
    view._on_mouse_clicked(click)
    assert window.selection.sample == row
    qtbot.waitUntil(lambda: window.worker.trainer.trace_sample == row, timeout=WAIT_MS)
