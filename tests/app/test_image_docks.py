"""Image networks: weight pictures and the mistakes gallery in the window, from the snapshot."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnviz.app.main_window import MainWindow
from nnviz.app.views.colormap import DIVERGING_LUT, lut_index
from nnviz.app.views.mistakes_gallery import MistakesGallery
from nnviz.app.views.weight_images import MARGIN, WeightImagesView
from nnviz.core.design import Design
from nnviz.core.pictures import Picture
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design

MNIST_LIKE = xor_design(
    inputs=784,
    layers=[{"units": 32, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
    loss="cross_entropy",
    dataset={"name": "mnist", "samples": 200},
)
DIGITS = xor_design(
    inputs=64,
    layers=[{"units": 12, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
    loss="cross_entropy",
    dataset={"name": "digits", "samples": 300, "test_fraction": 0.3, "seed": 0},
)


@pytest.fixture
def trained():
    trainer = Trainer(Design.from_dict(DIGITS))
    for _ in range(5):
        trainer.step_batch()
    trainer.state = "paused"
    return trainer


def _shown(qtbot, widget, width: int):
    """`widget` sized width×300 for 8×8 images."""
    qtbot.addWidget(widget)
    widget.resize(width, 300)
    widget.set_picture(Picture(8, 8))
    return widget


def test_weight_pictures_show_each_units_column_of_w(qtbot, trained):
    view = _shown(qtbot, WeightImagesView(), 500)
    view.show()
    snapshot = trained.snapshot()
    view.set_snapshot(snapshot, force=True)
    images = view.unit_images()
    w = snapshot.weights[0]
    assert images.shape == (12, 8, 8)
    assert np.array_equal(images[4].ravel(), w[:, 4])
    # what is drawn: every weight a zoom × zoom square in its unit's colour for its value
    grid = view.grid()
    assert grid.zoom > 1 and grid.columns * grid.rows >= 12
    picture = view.mosaic.grab().toImage()
    cell_h, cell_w = grid.cell
    for unit, row, col in [(0, 0, 0), (4, 3, 5), (11, 7, 7)]:
        r, c = divmod(unit, grid.columns)
        x = MARGIN + c * cell_w + col * grid.zoom + grid.zoom // 2
        y = MARGIN + r * cell_h + row * grid.zoom + grid.zoom // 2
        expected = DIVERGING_LUT[lut_index(np.array([w[row * 8 + col, unit]]), view.scale())][0]
        drawn = picture.pixelColor(x, y)
        assert (drawn.red(), drawn.green(), drawn.blue()) == tuple(int(v) for v in expected)
        assert view.mosaic.unit_at(x, y) == unit
    assert view.mosaic.unit_at(1, 1) is None  # the margin


def test_a_small_dock_keeps_one_pixel_per_weight_and_scrolls(qtbot):
    view = WeightImagesView()
    qtbot.addWidget(view)
    view.resize(240, 160)
    view.show()
    view.set_picture(Picture(28, 28))
    trainer = Trainer(Design.from_dict(MNIST_LIKE))
    view.set_snapshot(trainer.snapshot(), force=True)
    grid = view.grid()
    assert grid.zoom == 1 and grid.columns * grid.rows >= 32
    assert view.mosaic.height() > view.scroll.viewport().height()  # taller: it scrolls
    assert view.mosaic.width() <= view.scroll.viewport().width()  # never sideways


def test_clicking_a_weight_picture_selects_its_neuron(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.run.install(Trainer(Design.from_dict(DIGITS)))
    window.show()
    docks = window.image_docks
    docks.weights_dock.raise_()
    window.image_docks.set_snapshot(window.worker.latest(), True)
    mosaic = docks.weights.mosaic
    grid = docks.weights.grid()
    cell_w = grid.cell[1]
    point = QPoint(MARGIN + 2 * cell_w + 2, MARGIN + 2)  # the third picture of the first row
    qtbot.mouseClick(mosaic, Qt.MouseButton.LeftButton, pos=point)
    assert (window.selection.layer, window.selection.neuron) == (1, 2)
    assert mosaic._selected == 2
    window.selection.set(layer=2, neuron=0)
    assert mosaic._selected is None
    window.close()


def test_gallery_shows_the_snapshots_mistakes_with_true_and_predicted_names(qtbot, trained):
    gallery = _shown(qtbot, MistakesGallery(), 600)
    snapshot = trained.snapshot()
    gallery.set_snapshot(snapshot)
    view = snapshot.mistakes
    assert view.wrong > 0
    expected = [f"{t} → {p}" for t, p in zip(view.true, view.predicted, strict=True)]
    assert gallery.captions() == expected
    assert f"Wrong on {view.wrong} of {view.examined}" in gallery.summary()
    assert not gallery.grab().isNull()


def test_every_mistake_gets_a_readable_thumbnail_and_a_small_dock_scrolls(qtbot, trained):
    from nnviz.app.views.mistakes_gallery import LINE_H, THUMB

    gallery = _shown(qtbot, MistakesGallery(), 300)
    gallery.set_snapshot(trained.snapshot())
    count = len(gallery.captions())
    columns, height = gallery.layout_for(300)
    assert columns == 4 and count > 4
    assert height >= -(-count // columns) * (THUMB + 2 * LINE_H)  # every row, none squeezed
    assert gallery.minimumHeight() == height


def test_long_class_names_go_on_two_lines_cut_to_the_thumbnail(qtbot, trained):
    import dataclasses

    from PySide6.QtGui import QFontMetrics

    from nnviz.app.views.mistakes_gallery import MARGIN as MARGIN_G
    from nnviz.app.views.mistakes_gallery import SPACING, THUMB
    from nnviz.core.mnist import FASHION_NAMES

    gallery = _shown(qtbot, MistakesGallery(), 400)
    snapshot = dataclasses.replace(trained.snapshot(), class_names=FASHION_NAMES)
    gallery.set_snapshot(snapshot)
    view, metrics = snapshot.mistakes, QFontMetrics(gallery._font)
    lines = gallery.label_lines()
    assert len(lines) == len(view.rows) and {len(k) for k in lines} == {3}
    first = lines[0]
    assert first[0].rstrip("…") in FASHION_NAMES[view.true[0]]
    assert first[1].startswith("→ ") and first[2] == f"{view.confidence[0]:.0%}"
    assert all(metrics.horizontalAdvance(x) <= THUMB + SPACING for k in lines for x in k)
    gallery.show()
    x, y = MARGIN_G + THUMB // 2, gallery._caption_height(400) + THUMB // 2
    assert gallery.mistake_at(x, y) == 0
    full = f"{FASHION_NAMES[view.true[0]]} → {FASHION_NAMES[view.predicted[0]]}"
    assert gallery.captions()[0] == full  # the whole names, for the thumbnail's tooltip
    digits = _shown(qtbot, MistakesGallery(), 400)
    digits.set_snapshot(trained.snapshot())
    assert {len(k) for k in digits.label_lines()} == {2}  # "7 → 9" fits on one line


def test_the_window_shows_image_docks_and_one_real_sample_for_image_data(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.run.install(Trainer(Design.from_dict(DIGITS)))
    window.show()
    assert all(dock.isVisibleTo(window) for dock in window.image_docks.docks())
    assert window.trace_box.currentIndex() == 1  # one sample, not the batch mean
    window.run.install(Trainer(Design.from_dict(xor_design())))
    assert not any(dock.isVisibleTo(window) for dock in window.image_docks.docks())
    window.close()


def test_clicking_a_thumbnail_traces_that_sample(qtbot):
    from PySide6.QtCore import QPoint, Qt

    from nnviz.app.views.data_view import DataView

    view = DataView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    trainer = Trainer(Design.from_dict(DIGITS))
    view.set_dataset(trainer.data)
    strip = view.thumbnails
    assert strip.rows()[:3] == [0, 1, 2]
    slot = strip._slot(2).center().toPoint()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(slot.x(), slot.y()))
    assert view.selection.sample == 2
    view.next_sample()
    assert view.selection.sample == 3 and strip._current == 3


def test_a_gallery_brought_to_front_while_paused_shows_the_current_mistakes(qtbot, tmp_path):
    from nnviz.core.design import save_design

    path = tmp_path / "digits.json"
    save_design(Design.from_dict(DIGITS), path)
    window = MainWindow(str(path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.step_epoch()
    qtbot.waitUntil(lambda: window.worker.latest().step > 0 and window.update_frame() is not None)
    qtbot.waitUntil(lambda: window.worker.latest().state == "paused")
    window.update_frame()
    docks = window.image_docks
    assert docks.gallery.captions() == []  # behind the weights' tab, it was not drawn
    docks.gallery_dock.raise_()
    qtbot.waitUntil(lambda: docks.gallery.captions() != [])
    window.close()


def _colour_run(tmp_path):
    """A run on a folder of 6×5 colour pictures: reddish cats, bluish dogs."""
    from PIL import Image

    for k, (name, colour) in enumerate((("cats", (200, 40, 30)), ("dogs", (30, 60, 210)))):
        (tmp_path / "pets" / name).mkdir(parents=True)
        for i in range(8):
            shade = tuple(v + 3 * i for v in colour)
            Image.new("RGB", (5, 6), shade).save(tmp_path / "pets" / name / f"{k}{i}.png")
    design = xor_design(
        inputs=90,
        layers=[{"units": 8, "activation": "relu"}, {"units": 2, "activation": "softmax"}],
        loss="cross_entropy",
        dataset={
            "name": "image_folder",
            "path": str(tmp_path / "pets"),
            "size": [6, 5],
            "grayscale": False,
            "test_fraction": 0.5,
        },
    )
    return Trainer(Design.from_dict(design))


def test_a_colour_pictures_weights_are_whole_pixel_squares_of_its_three_weights_added(
    qtbot, tmp_path
):
    trainer = _colour_run(tmp_path)
    view = WeightImagesView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    view.set_picture(trainer.data.picture)
    snapshot = trainer.snapshot()
    view.set_snapshot(snapshot, force=True)
    w = snapshot.weights[0]
    added = w[(2 * 5 + 4) * 3 : (2 * 5 + 4) * 3 + 3, 3].sum()  # unit 3, pixel (2, 4)
    assert view.unit_images().shape == (8, 6, 5) and view.unit_images()[3, 2, 4] == added
    assert "its 90 weights (a pixel's 3 added) as a 6×5 picture" in view.caption.text()
    grid = view.grid()
    assert grid.zoom > 1
    r, c = divmod(3, grid.columns)
    x = MARGIN + c * grid.cell[1] + 4 * grid.zoom + grid.zoom // 2
    y = MARGIN + r * grid.cell[0] + 2 * grid.zoom + grid.zoom // 2
    drawn = view.mosaic.grab().toImage().pixelColor(x, y)
    expected = DIVERGING_LUT[lut_index(np.array([added]), view.scale())][0]
    assert (drawn.red(), drawn.green(), drawn.blue()) == tuple(int(v) for v in expected)
    assert view.mosaic.unit_at(x, y) == 3


def test_the_gallery_draws_colour_mistakes_in_their_own_colours(qtbot, tmp_path):
    import dataclasses

    from nnviz.app.views.mistakes_gallery import MARGIN as MARGIN_G
    from nnviz.app.views.mistakes_gallery import THUMB
    from nnviz.core.image_views import find_mistakes

    trainer = _colour_run(tmp_path)
    data = trainer.data
    rows = np.arange(len(data.x_test))
    labels = np.asarray(data.y_test)
    wrong = 1 - labels  # every answer wrong, for the test
    probabilities = np.eye(2)[wrong]
    mistakes = find_mistakes(0, rows, data.x_test, labels, wrong, probabilities)
    gallery = _shown(qtbot, MistakesGallery(), 400)
    gallery.set_picture(data.picture)
    gallery.set_snapshot(dataclasses.replace(trainer.snapshot(), mistakes=mistakes))
    gallery.show()
    x, y = MARGIN_G + THUMB // 2, gallery._caption_height(400) + THUMB // 2
    assert gallery.mistake_at(x, y) == 0
    drawn = gallery.grab().toImage().pixelColor(x, y)
    expected = np.round(np.asarray(data.x_test[0][:3]) * 255)  # as the file has it: no negative
    assert np.abs(np.array([drawn.red(), drawn.green(), drawn.blue()]) - expected).max() <= 2
