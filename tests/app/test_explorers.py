"""The activation and loss explorers open from the build panel's "?" buttons and the View menu,
draw the registries' curves and mark the current network's values with the shares they report."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog

from nnviz.app.main_window import MainWindow
from nnviz.core.curves import activation_use, explored_rows, forward_with, loss_marks

WAIT_MS = 10_000


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.step_epoch()
    qtbot.waitUntil(lambda: w.worker.latest().step > 0 and w.worker.latest().state == "paused")
    w.inspection.poll()
    yield w
    w.close()


def test_a_layer_rows_question_mark_opens_its_activation_with_its_values(window, qtbot):
    window.build_panel.layers.rows[1].explore.click()  # Hidden 2
    explorer = window.findChild(QDialog, "activationExplorer")
    assert explorer is window.inspection.activation_explorer and explorer.isVisible()
    design = window.worker.trainer.design
    assert explorer.current_layer() == 2
    assert explorer.activation.currentData() == design.layers[1].activation
    snap = window.worker.latest()
    data = window.worker.dataset
    rows = explored_rows(len(data.x_train))
    pre = forward_with(design, snap.weights, snap.biases, data.x_train[rows]).pre[1]
    use = activation_use(pre, 2, design.layers[1].activation)
    x, y = explorer.marks.getData()
    assert len(x) == pre.size  # every value of 256 samples × 8 units
    np.testing.assert_allclose(np.sort(x), np.sort(pre.ravel()))
    np.testing.assert_allclose(y, np.tanh(x))  # each value sits on the curve
    text = explorer.summary.text()
    assert f"{len(rows)} training samples × {pre.shape[1]} units" in text
    assert f"{use.saturated_share:.1%} of the values in the saturated range" in text
    assert f"{use.saturated_units:.1%} of the units saturated" in text
    curve_x, curve_y = explorer.curve.getData()
    np.testing.assert_allclose(curve_y, np.tanh(curve_x))
    assert len(explorer.saturated_regions) == 2 and not explorer.dead_regions

    explorer.activation.setCurrentIndex(explorer.activation.findData("relu"))  # compare
    relu = activation_use(pre, 2, "relu")
    assert f"{relu.dead_share:.1%} of the values in the dead range" in explorer.summary.text()
    assert "to compare" in explorer.summary.text()
    assert len(explorer.dead_regions) == 1 and not explorer.saturated_regions


def test_the_loss_question_mark_opens_the_loss_explorer_with_the_outputs(window):
    window.build_panel.optimizer.explore_loss.click()
    explorer = window.findChild(QDialog, "lossExplorer")
    assert explorer.isVisible()
    design = window.worker.trainer.design
    assert explorer.loss.currentData() == design.loss == "binary_cross_entropy"
    explorer.target_class.setCurrentIndex(1)
    snap = window.worker.latest()
    data = window.worker.dataset
    rows = explored_rows(len(data.x_train))
    output = forward_with(design, snap.weights, snap.biases, data.x_train[rows]).output
    labels = np.asarray(data.y_train)[rows]
    marks = loss_marks("binary_cross_entropy", output, labels[:, None], labels, 1)
    x, y = explorer.marks.getData()
    np.testing.assert_allclose(np.sort(x), np.sort(marks.x))
    np.testing.assert_allclose(y, -np.log(x), rtol=1e-9)  # on the class-1 curve
    assert f"{marks.samples} samples of this class" in explorer.summary.text()
    assert f"{np.mean(marks.loss):.4g}" in explorer.summary.text()
    curve_x, curve_y = explorer.loss_curve.getData()
    np.testing.assert_allclose(curve_y, -np.log(curve_x), rtol=1e-9)

    explorer.loss.setCurrentIndex(explorer.loss.findData("mse"))  # an element-wise loss
    assert explorer.target.currentWidget() is explorer.target_value
    assert explorer.chosen_target() == 1.0  # sigmoid's coded "this class"
    x, _ = explorer.marks.getData()
    assert len(x) == len(rows)  # every output, placed by its error
    explorer.loss.setCurrentIndex(explorer.loss.findData("cross_entropy"))
    assert "not class probabilities" not in explorer.summary.text()


def test_view_menu_opens_the_explorers_on_the_selected_layer(window):
    window.selection.set(layer=2, neuron=0)
    window.inspection.actions["activation_explorer"].trigger()
    assert window.inspection.activation_explorer.current_layer() == 2
    window.inspection.actions["loss_explorer"].trigger()
    assert window.inspection.loss_explorer.isVisible()
