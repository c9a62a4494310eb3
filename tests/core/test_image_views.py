"""First-layer weights as pictures, and the gallery of mistakes, against the numbers they show."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.image_views import find_mistakes, weight_images, weight_scale
from nnviz.core.pictures import Picture


def test_each_units_picture_is_its_column_of_the_weight_matrix():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6 * 4, 5))
    images = weight_images(w, Picture(6, 4))
    assert images.shape == (5, 6, 4)
    for unit in range(5):
        for r in range(6):
            for c in range(4):
                assert images[unit, r, c] == w[r * 4 + c, unit]


def test_a_colour_pixels_three_weights_are_added():
    w = np.arange(2 * 3 * 3 * 2, dtype=float).reshape(18, 2)  # 2×3 pixels, 3 values each
    images = weight_images(w, Picture(2, 3, channels=3))
    assert images.shape == (2, 2, 3)
    assert images[1, 0, 2] == w[6, 1] + w[7, 1] + w[8, 1]  # pixel (0, 2): values 6, 7, 8


def test_weight_images_refuse_a_shape_that_does_not_fit():
    with pytest.raises(ValueError, match="3×3"):
        weight_images(np.zeros((10, 2)), Picture(3, 3))


def test_one_colour_scale_for_all_units_ignores_outliers_and_nan():
    w = np.linspace(-1, 1, 1001)
    w[0] = 1000.0
    w[1] = np.nan
    assert weight_scale(w) == pytest.approx(np.percentile(np.abs([*w[2:].tolist(), 1000.0]), 99))
    assert weight_scale(w) < 1.0
    assert weight_scale(np.zeros(4)) == 1.0


def test_mistakes_are_exactly_the_samples_predicted_wrongly():
    rows = np.array([10, 11, 12, 13, 14])
    x = np.arange(5 * 4).reshape(5, 4)
    labels = np.array([0, 1, 2, 1, 0])
    probabilities = np.array(
        [[0.9, 0.1, 0], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.3, 0.5], [0.6, 0.4, 0]]
    )
    predicted = probabilities.argmax(axis=1)
    view = find_mistakes(7, rows, x, labels, predicted, probabilities)
    assert view.rows.tolist() == [11, 13]
    assert view.true.tolist() == [1, 1]
    assert view.predicted.tolist() == [0, 2]
    assert view.confidence.tolist() == [0.7, 0.5]
    assert view.images.tolist() == [x[1].tolist(), x[3].tolist()]
    assert (view.examined, view.wrong, view.step) == (5, 2, 7)
    limited = find_mistakes(7, rows, x, labels, predicted, probabilities, limit=1)
    assert limited.rows.tolist() == [11] and limited.wrong == 2


def _digits_trainer(**dataset):
    from nnviz.core.design import Design
    from nnviz.core.trainer import Trainer
    from tests.design_factory import xor_design

    design = xor_design(
        inputs=64,
        layers=[{"units": 6, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
        loss="cross_entropy",
        dataset={"name": "digits", "samples": 400, "test_fraction": 0.25, "seed": 0, **dataset},
    )
    return Trainer(Design.from_dict(design))


def test_the_snapshots_gallery_is_every_wrong_prediction_on_its_test_rows():
    trainer = _digits_trainer()
    for _ in range(3):
        trainer.step_batch()
    view = trainer.snapshot().mistakes
    data = trainer.data
    predicted = trainer.network.forward(data.x_test).output.argmax(axis=1)
    wrong = np.flatnonzero(predicted != data.y_test)
    assert view.examined == len(data.x_test)  # fewer than MISTAKE_SAMPLES: all of them
    assert view.wrong == len(wrong)
    assert view.rows.tolist() == wrong[: len(view.rows)].tolist()
    assert view.true.tolist() == data.y_test[view.rows].tolist()
    assert view.predicted.tolist() == predicted[view.rows].tolist()
    assert np.allclose(view.images, data.x_test[view.rows])


def test_plane_data_has_no_gallery():
    from nnviz.core.design import Design
    from nnviz.core.trainer import Trainer
    from tests.design_factory import xor_design

    assert Trainer(Design.from_dict(xor_design())).snapshot().mistakes is None


def test_the_mosaic_takes_the_largest_whole_zoom_that_fits():
    from nnviz.core.image_views import mosaic_grid

    grid = mosaic_grid(128, (28, 28), 1000, 640)  # 29-pixel cells: 34 across at zoom 1
    assert grid.zoom == 2 and grid.size[0] <= 1000 and grid.size[1] <= 640
    assert grid.columns * grid.rows >= 128 and grid.columns == 1000 // 58
    assert mosaic_grid(128, (28, 28), 1000, 400).zoom == 1  # zoom 2 would need 8 × 58 px rows
    small = mosaic_grid(128, (28, 28), 200, 100)  # even zoom 1 is too tall: it scrolls
    assert (small.zoom, small.columns) == (1, 6) and small.size[1] > 100
    assert mosaic_grid(12, (8, 8), 500, 300).zoom == 8  # never more than MAX_ZOOM


def test_a_point_of_the_mosaic_names_its_unit_and_a_gap_none():
    from nnviz.core.image_views import MosaicGrid

    grid = MosaicGrid(columns=3, rows=2, zoom=2, image_shape=(4, 5))  # cells 10 × 12 px
    assert grid.unit_at(0, 0, 6) == 0 and grid.unit_at(9.9, 7.9, 6) == 0
    assert grid.unit_at(10.5, 0, 6) is None  # the gap after unit 0
    assert grid.unit_at(12, 10, 6) == 4 and grid.unit_at(12, 10, 4) is None  # no unit 4
    assert grid.unit_at(-1, 3, 6) is None and grid.unit_at(36, 0, 6) is None


def test_tiling_puts_each_picture_in_its_cell_with_nan_between():
    from nnviz.core.image_views import tile

    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    out = tile(images, columns=2)
    assert out.shape == (3 * 3, 2 * 4)
    assert np.array_equal(out[3:5, 4:7], images[3])  # unit 3: row 1, column 1
    assert np.isnan(out[2]).all() and np.isnan(out[:, 3]).all()  # gaps
    assert np.isnan(out[6:8, 4:7]).all()  # no unit 5
