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
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFileDialog
from window_steps import step_window

from nnviz.app import export_actions, frame_loop
from nnviz.app.export import export_widget_picture
from nnviz.app.layer_space_dock import SHOWN_SHARE
from nnviz.app.main_window import MainWindow
from nnviz.app.views.colormap import CLASS_COLORS
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
    vb = view.view_boxes()[panel]
    return vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))


def test_one_panel_per_layer_with_every_sample_in_its_class_colour(view):
    snapshot = shown(view, trainer_for(layers=BOTTLENECK))
    space = snapshot.layer_space
    assert view.panel_count() == 4
    assert "Layer 2 (2 tanh)" in view.panel_titles()[2]
    assert "unit 1 / unit 2" in view.panel_titles()[2]  # both coordinates named
    items = view._panels[2]
    assert sum(len(s.data) for s in items.scatters) == len(space.rows)
    for cls, scatter in enumerate(items.scatters):
        xs, ys = scatter.getData()
        expected = space.panels[2].points[space.labels == cls]
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected)
        assert scatter.opts["brush"].color().getRgb()[:3] == CLASS_COLORS[cls]
    legend = view.legend.text()  # the colours are named, in class order
    names = [html.escape(n).replace(" ", "&nbsp;") for n in view._dataset.class_names]
    assert all(name in legend for name in names)
    assert legend.index(names[0]) < legend.index(names[1])
    boundary_x, _ = items.boundary.getData()
    assert len(boundary_x) == 2  # one segment: the output's line in this layer's coordinates
    assert items.regions.isVisible()
    assert not view._panels[1].regions.isVisible()  # only where the output layer decides


@pytest.mark.parametrize(("size", "columns"), [((900, 320), 4), ((1366, 300), 4), ((500, 700), 2)])
def test_panels_are_squares_as_large_as_fit_with_the_decision_shaded_edge_to_edge(
    qtbot, view, size, columns
):
    shown(view, trainer_for(layers=BOTTLENECK))
    view.resize(*size)

    def boxes():
        return [vb.sceneBoundingRect() for vb in view.view_boxes()]

    qtbot.waitUntil(
        lambda: view._placed[0] == columns and all(b.width() == b.height() for b in boxes()),
        timeout=WAIT_MS,
    )
    area = view.graphics.viewport().rect()
    assert all(area.contains(box.toAlignedRect()) for box in boxes())  # none cut at an edge
    sides = {round(box.width()) for box in boxes()}
    assert len(sides) == 1 and min(sides) >= 100
    items = view._panels[2]  # the last hidden layer: shaded over its whole square
    (x0, x1), (y0, y1) = items.vb.viewRange()
    rect = items.regions.mapRectToParent(items.regions.boundingRect())
    assert rect.left() <= x0 + 1e-6 and rect.right() >= x1 - 1e-6
    assert rect.top() <= y0 + 1e-6 and rect.bottom() >= y1 - 1e-6


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
    scatters = view._panels[1].scatters
    assert sum(len(s.data) for s in scatters) == len(snapshot.layer_space.rows)
    assert len(scatters) > 2  # a scale of target colours, not two classes


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
    qtbot.waitUntil(lambda: window.worker.trainer.layer_space_shown, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.layer_space.panel_count() == 4, timeout=WAIT_MS)
    window.plots_dock.raise_()
    qtbot.waitUntil(lambda: not window.worker.trainer.layer_space_shown, timeout=WAIT_MS)
    window.worker.step_batch()
    qtbot.waitUntil(lambda: window.worker.latest().step == 1, timeout=WAIT_MS)
    assert window.worker.latest().layer_space is None  # hidden: no frames are built
    assert dock.toggleViewAction() in window.menus["view"].actions()


@pytest.mark.parametrize(("phase", "drawn"), [(0.2, True), (0.4, False), (2.0, True)])
def test_layer_space_redraws_in_its_own_turn(window, monkeypatch, phase, drawn):
    calls = []
    monkeypatch.setattr(window.canvas, "update_phase", lambda: phase)
    monkeypatch.setattr(window.layer_space, "set_snapshot", lambda s: calls.append(s))
    running = dataclasses.replace(window.worker.latest(), state="running")
    window.frames.update_in_turn(running, settled=False)
    assert bool(calls) == drawn
    assert frame_loop.LAYER_SPACE_TURN[1] <= frame_loop.DATA_TURN[0]


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
    other = int(space.rows[30])  # and a point hovered here is ringed in the data view
    view._on_mouse_moved(scene_pos(view, 2, space.panels[2].points[30]))
    xs, ys = window.data_view.plane.hovered_mark.getData()
    np.testing.assert_allclose([xs[0], ys[0]], window.worker.dataset.points_train[other])
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


def sample_points(window, step: int, layer: int) -> np.ndarray:
    """Layer `layer`'s activations of the frame's samples after `step` steps of the run."""
    trainer = Trainer(window.worker.trainer.design)
    while trainer.step < step:
        trainer.step_batch()
    rows = window.layer_space.frame().rows
    return trainer.network.forward(trainer.data.x_train[rows]).post[layer - 1]


def test_the_dock_asks_for_room_while_it_shows_and_gives_it_back(qtbot, window):
    before = window.plots_dock.height()
    dock = window.layer_space_dock
    dock.raise_()
    qtbot.waitUntil(lambda: dock._room is not None and dock._room[1] > 0, timeout=WAIT_MS)
    assert dock.height() > before
    assert SHOWN_SHARE * window.height() > before
    qtbot.waitUntil(lambda: window.layer_space._placed[1] >= 220, timeout=WAIT_MS)
    window.plots_dock.raise_()
    qtbot.waitUntil(lambda: window.plots_dock.height() == before, timeout=WAIT_MS)


def test_scrubbing_the_timeline_shows_that_steps_layer_space(qtbot, window):
    step_window(qtbot, window, 12)
    window.layer_space_dock.raise_()
    qtbot.waitUntil(lambda: getattr(window.layer_space.frame(), "step", 0) == 12, timeout=WAIT_MS)
    live = window.layer_space.frame()
    window.timeline_panel.show_step(4)
    past = window.layer_space.frame()
    assert past.step == 4 and window.timeline_panel.viewing.step == 4
    np.testing.assert_allclose(past.panels[2].points, sample_points(window, 4, 2), atol=1e-12)
    for now, then in zip(live.projections[1:], past.projections[1:], strict=True):
        if now.kind == "pca":  # turned to follow the frame on screen: no flip
            assert np.all(np.sum(now.basis * then.basis, axis=0) > 0)
    window.timeline_panel.live_button.click()
    assert window.layer_space.frame().step == 12


def test_a_past_moment_chosen_while_the_dock_is_hidden_is_drawn_when_it_shows(qtbot, window):
    step_window(qtbot, window, 8)
    window.timeline_panel.show_step(3)
    assert window.layer_space.frame() is None  # behind the training curves: nothing drawn
    window.layer_space_dock.raise_()
    qtbot.waitUntil(lambda: window.layer_space.frame() is not None, timeout=WAIT_MS)
    assert window.layer_space.frame().step == 3
    np.testing.assert_allclose(
        window.layer_space.frame().panels[2].points, sample_points(window, 3, 2), atol=1e-12
    )


def test_exporting_while_a_past_moment_shows_writes_that_moment(
    qtbot, window, tmp_path, monkeypatch
):
    step_window(qtbot, window, 6)
    window.timeline_panel.show_step(2)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "past.svg"), "")
    )
    window.actions["export_layer_space"].trigger()
    assert ET.parse(tmp_path / "past.svg").getroot().find(f"{SVG}title").text == "Layer space"
    assert window.layer_space.frame().step == 2


def class_pixels(image: QImage, rect, colour) -> int:
    """How many pixels of `rect` (in the image's pixels) are near a class's point colour."""
    ptr = image.convertToFormat(QImage.Format.Format_RGB32).constBits()
    rgb = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.width(), 4)[..., 2::-1]
    part = rgb[int(rect.top()) : int(rect.bottom()), int(rect.left()) : int(rect.right())]
    return int(np.sum(np.abs(part.astype(int) - colour).sum(axis=-1) < 40))


def test_the_svg_export_draws_each_point_in_its_own_class_colour(view, tmp_path):
    snapshot = shown(view, trainer_for(layers=BOTTLENECK))
    panel = snapshot.layer_space.panels[0]  # xor's input: each quadrant holds one class
    corner = (panel.points[:, 0] > 0.2) & (panel.points[:, 1] > 0.2)
    (cls,) = set(snapshot.layer_space.labels[corner])
    export_widget_picture(view.graphics, tmp_path / "space.svg")
    renderer = QSvgRenderer(str(tmp_path / "space.svg"))
    image = QImage(view.graphics.size(), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    vb = view.view_boxes()[0]
    corner_at = vb.mapViewToScene(QPointF(0.2, 0.2))
    far_at = vb.mapViewToScene(QPointF(panel.extent[1], panel.extent[3]))
    rect = QRectF(corner_at, far_at).normalized()
    assert class_pixels(image, rect, CLASS_COLORS[cls]) > 50
    assert class_pixels(image, rect, CLASS_COLORS[1 - cls]) == 0


def test_titles_too_wide_for_their_panel_take_their_short_form(qtbot, view):
    """Ten narrow panels in a row: no title runs into the next panel."""
    layers = [{"units": 8, "activation": "sigmoid"} for _ in range(8)]
    snapshot = shown(view, trainer_for(layers=[*layers, BOTTLENECK[-1]]))
    view.resize(1100, 260)
    qtbot.waitUntil(lambda: view._placed[0] == 10, timeout=WAIT_MS)
    space = snapshot.layer_space
    assert len(view._panels) == len(space.panels) == 10
    for items in view._panels:
        assert items.label.item.boundingRect().width() <= items.side
        assert items.label.geometry().width() <= items.side + 1
    assert "Layer 3<br>" in view.panel_titles()[3]  # "Layer 3 (8 sigmoid)" did not fit
    assert f"PC1/PC2 · {space.panels[3].explained:.0%}" in view.panel_titles()[3]
    last = view.view_boxes()[-1].sceneBoundingRect()
    assert last.right() <= view.graphics.viewport().width()  # the row fits in the view
