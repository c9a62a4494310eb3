"""The main window: a trainable network on launch, commands, live edits, resets, errors."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtWidgets import QMessageBox

from nnviz.app.main_window import MainWindow
from nnviz.core.design import Design, save_design
from nnviz.core.examples import list_examples

WAIT_MS = 10_000


@pytest.fixture
def window(main_window):
    return main_window


def latest(window: MainWindow):
    return window.worker.latest()


def long_run(window: MainWindow) -> None:
    """A live edit of the epoch budget, so a fast machine cannot finish during a test."""
    design = window.document.design
    training = dataclasses.replace(design.training, epochs=1_000_000)
    trainer = window.worker.trainer
    window.document.set_design(dataclasses.replace(design, training=training), "epochs")
    assert window.worker.trainer is trainer and trainer.epochs == 1_000_000


def with_learning_rate(design: Design, lr: float) -> Design:
    params = dict(design.optimizer.params, learning_rate=lr)
    return dataclasses.replace(
        design, optimizer=dataclasses.replace(design.optimizer, params=params)
    )


def test_launch_shows_a_network_that_can_learn(window):
    design = window.document.design
    assert window.windowTitle().startswith(f"nnviz — {design.name}")
    assert not window.windowIcon().isNull()
    assert window.update_frame() or latest(window) is not None
    assert window.canvas.neuron_count() == sum(design.layer_sizes)
    assert window.data_view.page() == "plane"
    assert set(window.plots.plot_widgets()) == {"loss", "score", "grad_norm", "stuck"}
    assert latest(window).step == 0


def test_play_pause_and_plots_follow(qtbot, window):
    long_run(window)
    window.actions["play"].trigger()
    assert window.worker.is_playing and window.actions["play"].isChecked()
    qtbot.waitUntil(lambda: latest(window).epoch >= 3, timeout=WAIT_MS)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).state == "paused", timeout=WAIT_MS)
    assert not window.actions["play"].isChecked()
    step = window.worker.trainer.step
    qtbot.wait(150)
    assert window.worker.trainer.step == step
    window.update_frame()
    n = len(latest(window).history["epoch"])
    x, _ = window.plots.curves["loss:train"].getOriginalDataset()
    assert len(x) == n >= 3
    assert "paused" in window.status["state"].text()
    assert f"step <b>{step}</b>" in window.status["step"].text()


def test_step_and_epoch_actions(qtbot, window):
    qtbot.waitUntil(lambda: latest(window).state == "paused", timeout=WAIT_MS)
    window.actions["step"].trigger()
    qtbot.waitUntil(lambda: latest(window).step == 1, timeout=WAIT_MS)
    window.actions["epoch"].trigger()
    per_epoch = window.worker.trainer.batches_per_epoch
    qtbot.waitUntil(lambda: latest(window).step == per_epoch, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: latest(window).state == "paused", timeout=WAIT_MS)
    assert window.worker.trainer.epoch == 1


def test_reset_action_returns_to_step_zero(qtbot, window):
    long_run(window)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).epoch >= 2, timeout=WAIT_MS)
    window.actions["reset"].trigger()
    assert latest(window).step == 0
    assert not window.worker.is_playing
    runs = window.runs_dock.runs
    assert len(runs) == 2 and runs.current == runs.runs[1].id
    assert (runs.runs[0].id, "loss") in window.plots.overlays


def test_learning_rate_edit_applies_live(qtbot, window):
    long_run(window)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).step > 5, timeout=WAIT_MS)
    trainer = window.worker.trainer
    window.document.set_design(with_learning_rate(window.document.design, 0.0025), "lr")
    qtbot.waitUntil(lambda: trainer.learning_rate == pytest.approx(0.0025), timeout=WAIT_MS)
    assert window.worker.trainer is trainer
    assert trainer.step > 0


def test_structural_change_resets_and_keeps_the_old_run(qtbot, window):
    long_run(window)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).epoch >= 3, timeout=WAIT_MS)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).state == "paused", timeout=WAIT_MS)
    window.update_frame()
    old = window.worker.trainer
    design = window.document.design
    layers = (
        *design.layers[:-1],
        dataclasses.replace(design.layers[0], units=5),
        design.layers[-1],
    )
    window.document.set_design(dataclasses.replace(design, layers=layers), "add layer")
    assert window.worker.trainer is not old
    assert latest(window).step == 0
    assert latest(window).layer_sizes == (design.inputs, *(layer.units for layer in layers))
    first = window.runs_dock.runs.runs[0]
    x, _ = window.plots.overlays[first.id, "loss"].getOriginalDataset()
    assert len(x) >= 3
    assert window.runs_dock.runs.runs[1].name.startswith("hidden layers 8-8 → 8-8-5")
    window.actions["undo"].trigger()
    assert window.document.design == design
    assert latest(window).layer_sizes == design.layer_sizes


def test_divergence_shows_a_message(qtbot, window, tmp_path):
    d = window.document.design.to_dict()
    d["layers"] = [{"units": 16, "activation": "relu"}, {"units": 1, "activation": "linear"}]
    d["loss"] = "mse"
    d["optimizer"] = {"name": "sgd", "learning_rate": 1e6}
    path = tmp_path / "diverge.json"
    save_design(Design.from_dict(d), path)
    assert window.open_path(path)
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: "diverged" in window.banner.text(), timeout=WAIT_MS)
    assert "learning rate" in window.banner.text()
    assert "diverged" in window.status["state"].text()
    assert not window.actions["play"].isChecked()
    window.banner.button.click()  # lower the learning rate and start again
    assert window.document.design.optimizer.params["learning_rate"] == pytest.approx(1e5)
    assert latest(window).step == 0 and latest(window).state != "diverged"


def test_opening_a_bad_file_shows_a_dialog_and_changes_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnviz-design", "version": 1, "name": 3}')
    design, trainer = window.document.design, window.worker.trainer
    assert not window.open_path(bad)
    assert len(shown) == 1
    assert shown[0][2].startswith("bad.json: ")
    assert "\n" not in shown[0][2]
    assert window.document.design is design
    assert window.worker.trainer is trainer


def test_opening_a_good_file(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: pytest.fail(str(args)))
    d = window.document.design.to_dict()
    d["name"] = "Opened"
    d["dataset"] = {**d["dataset"], "name": "circle", "samples": 200}
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(d))
    assert window.open_path(path)
    assert window.document.path == path
    assert window.windowTitle().startswith("nnviz — Opened")
    assert window.worker.dataset.name == "circle"


def test_close_during_training_stops_the_thread(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: latest(window).step > 20, timeout=WAIT_MS)
    window.close()  # joins the thread within the worker's own bound, or says it could not
    assert not window.worker.thread.isRunning()


def test_sample_trace_from_the_toolbar(qtbot, window):
    window.trace_box.setCurrentIndex(1)
    window.sample_box.setValue(4)
    qtbot.waitUntil(lambda: latest(window).trace_sample == 4, timeout=WAIT_MS)
    window.trace_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: latest(window).trace_sample is None, timeout=WAIT_MS)


def test_status_fields_keep_their_size_so_new_numbers_do_not_relayout_the_window(window):
    """A status label that could grow would re-lay out (and repaint) the whole window with
    every new number while training: the numbers of a long run keep every field's size."""
    snapshot = dataclasses.replace(
        latest(window),
        step=1_234_567,
        epoch=12_345,
        steps_per_s=12_345.0,
        metrics={"train_loss": 0.012345, "test_loss": 12.3456, "train_accuracy": 0.5},
    )
    sizes = {name: label.size() for name, label in window.status.items()}
    window.frames.show_status(snapshot)
    for name, label in window.status.items():
        assert label.minimumSize() == label.maximumSize() == sizes[name]
        assert label.sizeHint().width() <= label.width(), name  # the text still fits


def test_a_status_number_wider_than_its_field_widens_it_once_and_is_never_cut(window):
    fields = window.status
    wide = dataclasses.replace(latest(window), step=123_456_789, epoch=1_234_567)
    window.frames.show_status(wide)
    widened = {name: label.width() for name, label in fields.items()}
    for label in fields.values():
        assert label.sizeHint().width() <= label.width()
        assert label.minimumSize() == label.maximumSize()
    window.frames.show_status(dataclasses.replace(wide, step=12, epoch=1))
    assert {name: label.width() for name, label in fields.items()} == widened  # never shrinks


def test_status_numbers_change_at_a_readable_rate_but_states_at_once(qtbot, window, monkeypatch):
    monkeypatch.setattr("nnviz.app.frame_loop.STATUS_HZ", 1e-9)  # one update, then none
    window.frame_timer.stop()  # frames are pulled here
    long_run(window)
    window.update_frame()
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.update_frame() and latest(window).state == "running")
    shown = window.status["step"].text()
    qtbot.waitUntil(lambda: window.update_frame() and latest(window).step > 50, timeout=WAIT_MS)
    assert window.status["step"].text() == shown and "running" in window.status["state"].text()
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: window.update_frame() and latest(window).state == "paused")
    assert window.status["step"].text() == f"step <b>{latest(window).step}</b>"


@pytest.mark.parametrize(
    ("phase", "data", "plots"),
    [(0.1, False, False), (0.4, True, False), (0.7, False, True), (2.0, True, True)],
)
def test_costly_redraws_take_turns_while_training(window, monkeypatch, phase, data, plots):
    """The data view and the plots each redraw in their own part of the canvas's cycle, so no
    frame does two costly redraws; a settled run updates everything at once."""
    calls = []
    monkeypatch.setattr(window.canvas, "update_phase", lambda: phase)
    monkeypatch.setattr(window.data_view, "set_snapshot", lambda s: calls.append("data"))
    monkeypatch.setattr(window.plots, "set_snapshot", lambda s, force: calls.append("plots"))
    running = dataclasses.replace(latest(window), state="running")
    window.frames.update_in_turn(running, settled=False)
    assert calls == ["data"] * data + ["plots"] * plots
    calls.clear()
    window.frames.update_in_turn(dataclasses.replace(running, state="paused"), settled=True)
    assert calls == ["data", "plots"]


def test_a_regression_run_says_r2_in_the_status_bar_from_step_zero(qtbot, window):
    assert window.files.open_example(next(e for e in list_examples() if e.name == "plane"))
    qtbot.waitUntil(lambda: window.status["score"].text().startswith("R²"), timeout=5000)


def test_status_bar_numbers_stay_short_after_a_divergence(window):
    from snapshot_factory import make_snapshot

    huge = {"train_loss": 1e300, "test_loss": 2e301, "train_r2": -1e300, "test_r2": -1e301}
    window.frames.show_status(make_snapshot(state="diverged", metrics=huge))
    assert window.status["loss"].text() == "loss <b>1.000e300</b>  (test 2.000e301)"
    assert window.status["score"].text() == "R² <b>-1.00e300</b>  (test -1.00e301)"
    for name in ("loss", "score"):
        label = window.status[name]
        assert label.sizeHint().width() <= label.width()  # the whole text fits


def test_a_tiny_training_loss_keeps_its_significant_digits_at_a_steady_width(window):
    from snapshot_factory import make_snapshot

    label = window.status["loss"]
    width = label.width()
    for train, test in ((0.5, 0.6), (3.2104e-5, 0.016912), (0.0012345, 1234.5)):
        metrics = {"train_loss": train, "test_loss": test, "train_accuracy": 1.0}
        window.frames.show_status(make_snapshot(state="paused", metrics=metrics))
        assert label.width() == width  # numbers of training as it goes: no re-layout
        assert label.sizeHint().width() <= width
    window.frames.show_status(
        make_snapshot(state="paused", metrics={"train_loss": 3.2104e-5, "test_loss": 0.016912})
    )
    assert label.text() == "loss <b>3.210e-5</b>  (test 0.01691)"


def test_hidden_docks_are_built_when_first_shown_not_at_start_up(qtbot, window):
    """The first frame does not pay for plots nobody sees yet (`nnviz bench --launch`)."""
    window.show()
    qtbot.waitExposed(window)
    docks = (window.distributions_dock, window.inspection.inspector, window.playground_dock)
    assert not any(dock.built for dock in docks)
    assert not window.playground_dock.isFloating()  # a floating dock would be a shown window
    assert window.inspection.tools() == ()  # no explorer built
    window.distributions_dock.raise_()  # its tab, behind the training curves
    qtbot.waitUntil(lambda: window.distributions_dock.built, timeout=WAIT_MS)
    assert window.distributions_dock.widget().isVisible()
    window.playground_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.playground_dock.isVisible, timeout=WAIT_MS)
    assert window.playground_dock.built and window.playground_dock.isFloating()
