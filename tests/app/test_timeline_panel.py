"""The timeline under the canvas: scrubbing shows a past step exactly, Shift+S steps back,
the plots mark the step and read out values under the mouse, and "Resume from here" branches."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from window_steps import WAIT_MS, LeftClick, step_window

from nnviz.app.main_window import MainWindow
from nnviz.app.views.data_view import DataView
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.core.trainer import Trainer

STEPS = 60


@pytest.fixture
def window(still_window):
    return still_window


def stopped_at(window: MainWindow, step: int):
    trainer = Trainer(window.worker.trainer.design)
    while trainer.step < step:
        trainer.step_batch()
    trainer.state = "paused"
    return trainer.snapshot()


def test_scrubbing_shows_that_steps_weights_in_every_view(qtbot, window):
    step_window(qtbot, window, STEPS)
    slider = window.timeline_panel.slider
    assert slider.objectName() == "timelineSlider" and slider.maximum() == STEPS
    slider.setValue(23)
    qtbot.waitUntil(lambda: window.timeline_panel.viewing is not None, timeout=WAIT_MS)
    shown = window.timeline_panel.viewing
    expected = stopped_at(window, 23)
    assert shown.step == 23
    for got, want in zip(shown.weights, expected.weights, strict=True):
        assert np.array_equal(got, want)
    # the canvas and the data view draw what a run stopped at step 23 draws
    reference = NetworkCanvas()
    qtbot.addWidget(reference)
    reference.resize(window.canvas.size())
    reference.set_mode("off")
    reference.set_design(window.worker.trainer.design)
    reference.set_feature_names(window.worker.dataset.feature_names)
    reference.set_snapshot(expected)
    for column in range(len(expected.layer_sizes)):
        for x, y in window.canvas.neuron_positions(column):
            text = window.canvas.tooltip_at(x, y)
            assert text and text == reference.tooltip_at(x, y)
    plane = DataView()
    qtbot.addWidget(plane)
    plane.set_dataset(window.worker.dataset)
    plane.set_snapshot(expected)
    assert np.array_equal(window.data_view.plane.image_array(), plane.plane.image_array())
    assert "step <b>23</b>" in window.status["step"].text()
    assert "step 23 of 60" in window.timeline_panel.label.text()
    bpe = expected.batches_per_epoch
    assert window.timeline_panel.cursors.cursor("loss") == pytest.approx(23 / bpe)
    # back to the present
    window.timeline_panel.live_button.click()
    assert window.timeline_panel.viewing is None
    assert window.timeline_panel.cursors.cursor("loss") is None
    assert f"step <b>{STEPS}</b>" in window.status["step"].text()


def test_shift_s_steps_back_one_step_at_a_time(qtbot, window):
    step_window(qtbot, window, 12)
    action = window.actions["step_back"]
    assert action.shortcut().toString() == "Shift+S"
    action.trigger()
    assert window.timeline_panel.viewing.step == 11
    action.trigger()
    action.trigger()
    assert window.timeline_panel.viewing.step == 9
    shown, expected = window.timeline_panel.viewing, stopped_at(window, 9)
    for got, want in zip(shown.grad_weights, expected.grad_weights, strict=True):
        assert np.array_equal(got, want)
    window.actions["step"].trigger()  # S inside the past: the next recorded step
    assert window.timeline_panel.viewing.step == 10
    assert window.worker.trainer.step == 12  # the run itself did not train


def test_hovering_a_plot_reads_out_and_a_click_jumps_there(qtbot, window):
    step_window(qtbot, window, 50)
    cursors = window.timeline_panel.cursors
    plot = window.plots.plot_widgets()["loss"]
    box = plot.getPlotItem().getViewBox()
    bpe = window.worker.latest().batches_per_epoch
    pos = box.mapViewToScene(QPointF(30 / bpe, 0.3))
    cursors._on_moved("loss", pos)
    text = cursors.hover_text("loss")
    assert text.startswith("step 30 · epoch") and "batches:" in text
    with qtbot.waitSignal(cursors.stepRequested) as blocker:
        plot.scene().sigMouseClicked.emit(LeftClick(pos))
    assert blocker.args == [30]
    assert window.timeline_panel.viewing.step == 30


def test_resume_from_here_continues_exactly_and_keeps_the_old_run(qtbot, window):
    step_window(qtbot, window, 40)
    old = window.worker.trainer
    window.timeline_panel.show_step(25)
    window.timeline_panel.resume_button.click()
    branch = window.worker.trainer
    assert branch is not old and branch.step == 25
    runs = window.runs_dock.runs  # the abandoned future is a run
    assert len(runs) == 2 and runs.runs[1].name == "same design; from run 1 at step 25"
    assert (runs.runs[0].id, "loss") in window.plots.overlays
    assert window.timeline_panel.viewing is None
    step_window(qtbot, window, 15)
    expected = stopped_at(window, 40)
    for got, want in zip(branch.network.weights, expected.weights, strict=True):
        assert np.array_equal(got, want)
    assert list(window.timeline_panel.timeline.steps()) == list(range(41))


def test_a_learning_rate_changed_at_a_past_moment_applies_to_the_branch(qtbot, window):
    step_window(qtbot, window, 30)
    window.timeline_panel.show_step(12)
    design = window.document.design
    optimizer = dataclasses.replace(
        design.optimizer, params={**design.optimizer.params, "learning_rate": 0.005}
    )
    window.document.set_design(dataclasses.replace(design, optimizer=optimizer), "lr")
    window.timeline_panel.resume_button.click()
    branch = window.worker.trainer
    assert branch.step == 12
    step_window(qtbot, window, 1)
    assert branch.learning_rate == pytest.approx(0.005)
    assert window.runs_dock.runs.runs[-1].name.startswith("learning rate 0.03 → 0.005")


def test_the_inspector_takes_the_shown_moments_step_apart(qtbot, window):
    """At a past moment the inspector shows that moment's own step (the one it had just
    taken), as a run stopped there would."""
    step_window(qtbot, window, 20)
    window.selection.set(layer=1, neuron=0)
    window.timeline_panel.show_step(7)
    feed = window.inspection.feed
    window.inspection.poll()
    qtbot.waitUntil(lambda: feed.walk is not None and feed.walk.step == 6, timeout=WAIT_MS)
    assert feed.walk.taken
    stopped = Trainer(window.worker.trainer.design)
    while stopped.step < 7:
        stopped.step_batch()
    expected = stopped.last_walkthrough(feed.walk.sample)
    assert np.array_equal(feed.walk.layers[0].W, expected.layers[0].W)
    assert np.array_equal(feed.walk.layers[0].W_after, expected.layers[0].W_after)
    assert np.array_equal(feed.walk.layers[0].W_after, stopped.network.weights[0])
