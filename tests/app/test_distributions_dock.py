"""The Distributions panel draws core's histograms and confusion matrix of the run (its past
too, from the timeline), follows the moment the timeline shows, and a clicked cell shows its
samples (rings on the plane for 2-D data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from window_steps import WAIT_MS, LeftClick, step_window, stopped_at

from nnviz.core.distributions import Confusion, confusion


@pytest.fixture
def window(still_window):
    return still_window


def test_histograms_and_the_matrix_follow_the_run(qtbot, window):
    dock = window.distributions_dock
    step_window(qtbot, window, 2)
    assert len(dock.record) == 0  # not shown: nothing recorded
    assert dock.objectName() == "distributionsDock"
    window.show()
    step_window(qtbot, window, 2)
    assert len(dock.record) == 0  # on screen, but behind the training curves' tab
    dock.raise_()  # it records only while shown
    assert dock.shown
    step_window(qtbot, window, 30)
    snapshot = window.worker.latest()
    assert dock.record.steps[-1] == snapshot.step
    for layer in range(len(snapshot.weights)):
        heat = dock.record.heatmap("weights", layer)
        direct, _ = np.histogram(snapshot.weights[layer].ravel(), bins=heat.edges)
        assert np.array_equal(heat.current, direct)
    dock.redraw()
    expected = confusion(window.worker.trainer.design, snapshot, window.worker.dataset)
    assert np.array_equal(dock.result.matrix, expected.matrix)
    assert dock.matrix_plot.objectName() == "confusionMatrix"
    window.plots_dock.raise_()  # behind the curves' tab: shown no more, nothing recorded
    recorded = len(dock.record)
    step_window(qtbot, window, 5)
    assert len(dock.record) == recorded


def test_a_clicked_cell_rings_its_samples_on_the_plane(qtbot, window):
    dock = window.distributions_dock
    window.show()
    dock.raise_()
    step_window(qtbot, window, 25)
    dock.redraw()
    result = dock.result
    true, predicted = 1, 0
    box = dock.matrix_plot.getPlotItem().getViewBox()
    dock._on_matrix_clicked(LeftClick(box.mapViewToScene(QPointF(predicted + 0.5, true + 0.5))))
    rows = result.samples(true, predicted)
    assert np.array_equal(dock.shown_rows(), rows)
    data = window.worker.dataset
    assert np.array_equal(dock.highlighted_points(), data.points_test[rows])
    assert dock.cell_label.text().startswith(f"{len(rows)} test sample(s) of class")


def test_image_data_shows_the_cells_pictures(qtbot):
    from nnviz.app.main_window import MainWindow
    from nnviz.core.resources import resource_path

    window = MainWindow(str(resource_path("examples", "digits.json")))
    qtbot.addWidget(window)
    try:
        dock = window.distributions_dock
        window.show()
        dock.raise_()
        step_window(qtbot, window, 3)
        dock.redraw()
        counts = dock.result.matrix
        true, predicted = np.unravel_index(np.argmax(counts), counts.shape)
        dock.show_cell(int(true), int(predicted))
        shown = min(int(counts[true, predicted]), 24)
        assert shown > 0 and dock.gallery.count() == shown
    finally:
        window.close()


def test_opened_late_it_shows_the_whole_run_from_the_timeline(qtbot, window):
    dock = window.distributions_dock
    step_window(qtbot, window, 40)
    assert len(dock.record) == 0
    window.show()
    dock.raise_()
    qtbot.waitUntil(lambda: len(dock.record) == 41, timeout=WAIT_MS)  # every recorded step
    for step in (0, 17, 40):
        expected = stopped_at(window, step)
        for (quantity, layer), values in dock.record.values(expected).items():
            heat = dock.record.heatmap(quantity, layer)
            direct, _ = np.histogram(values, bins=heat.edges)
            assert np.array_equal(heat.at(step), direct), (step, quantity, layer)


def test_a_past_moment_is_its_now_with_a_cursor_and_its_own_matrix(qtbot, window):
    dock = window.distributions_dock
    window.show()
    dock.raise_()
    step_window(qtbot, window, 40)
    window.timeline_panel.show_step(23)
    expected = stopped_at(window, 23)
    heat = dock.record.heatmap(dock.quantity.currentData(), dock.layer.currentData())
    direct, _ = np.histogram(expected.weights[0].ravel(), bins=heat.edges)
    assert np.array_equal(dock.bars.opts["width"], direct)
    assert dock.cursor.isVisible() and dock.cursor.value() == 23
    assert "Step 23" in dock.hist_plot.getPlotItem().titleLabel.text
    matrix = confusion(window.worker.trainer.design, expected, window.worker.dataset)
    assert dock.result.step == 23 and np.array_equal(dock.result.matrix, matrix.matrix)
    assert "step 23 " in dock.matrix_plot.getPlotItem().titleLabel.text
    window.timeline_panel.live_button.click()
    assert not dock.cursor.isVisible() and dock.result.step == 40


def test_behind_the_curves_tab_neither_a_past_moment_nor_the_past_is_recorded(qtbot, window):
    dock = window.distributions_dock
    window.show()
    step_window(qtbot, window, 20)
    window.timeline_panel.show_step(7)  # on screen, but behind the training curves' tab
    dock._fill_past()
    assert not dock.shown and len(dock.record) == 0
    dock.raise_()  # in front: the past up to the moment shown
    qtbot.waitUntil(lambda: list(dock.record.steps) == list(range(8)), timeout=WAIT_MS)
    assert dock.cursor.isVisible() and dock.cursor.value() == 7


def test_the_matrix_title_fits_at_1366x768_and_says_a_sample_was_counted(qtbot, shown_window):
    dock = shown_window.distributions_dock
    dock.raise_()
    k, rows = 10, np.arange(2_000)
    names = tuple(f"digit {i}" for i in range(k))
    title = dock.matrix_plot.getPlotItem().titleLabel
    for size in (2_000, 14_000):
        dock.result = Confusion(
            123_456, "test", np.full((k, k), 20), rows % k, rows % k, names, rows, size
        )
        dock._draw_matrix()
        assert title.item.boundingRect().width() <= dock.matrix_plot.width(), title.text
    assert title.text.endswith("test accuracy 10.0% on 2,000")
    assert "2,000 of 14,000 test samples" in dock.matrix_plot.toolTip()


def test_class_names_too_wide_for_the_columns_number_them(qtbot):
    from nnviz.app.main_window import MainWindow
    from nnviz.core.resources import resource_path

    window = MainWindow(str(resource_path("examples", "iris.json")))
    qtbot.addWidget(window)
    try:
        dock = window.distributions_dock
        window.resize(1366, 768)
        window.show()
        dock.raise_()
        step_window(qtbot, window, 3)
        dock.redraw()
        names = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
        dock.matrix_plot.resize(260, 160)  # a small matrix: the names do not fit under it
        qtbot.waitUntil(lambda: dock.matrix_labels()[1] == ["1", "2", "3"], timeout=5000)
        assert dock.matrix_labels()[0] == [f"{n} · {k + 1}" for k, n in enumerate(names)]
        dock.matrix_plot.resize(1200, 700)  # cells wide enough: the names themselves
        qtbot.waitUntil(lambda: dock.matrix_labels() == (names, names), timeout=5000)
    finally:
        window.close()
