"""Image networks: weight pictures and the mistakes gallery in the window, from the snapshot."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.main_window import MainWindow
from nnviz.app.views.mistakes_gallery import MistakesGallery
from nnviz.app.views.weight_images import WeightImagesView
from nnviz.core.design import Design
from nnviz.core.pictures import Picture
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design

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
    snapshot = trained.snapshot()
    view.set_snapshot(snapshot, force=True)
    images = view.unit_images()
    w = snapshot.weights[0]
    assert images.shape == (12, 8, 8)
    assert np.array_equal(images[4].ravel(), w[:, 4])
    unit = view.unit_at(10, 40)
    assert unit == 0
    assert not view.grab().isNull()


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
