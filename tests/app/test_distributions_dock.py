"""The Distributions panel draws core's histograms and confusion matrix of the run, and a
clicked cell shows its samples (rings on the plane for 2-D data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from window_steps import LeftClick, step_window

from nnviz.core.distributions import confusion


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
