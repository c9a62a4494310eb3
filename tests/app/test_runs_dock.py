"""The Runs panel: every run listed with its name, colour and visibility; rename, delete, show
the design, start from a run's initial weights; sessions and exports keep the runs."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
from design_factory import xor_design
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPlainTextEdit
from window_steps import WAIT_MS, step_window

from nnviz.app import export
from nnviz.app.main_window import MainWindow
from nnviz.app.race_runner import RaceDialog
from nnviz.app.runs_dock import DesignDialog
from nnviz.core.design import Design
from nnviz.core.race import SETTINGS, parse_values, variants


@pytest.fixture
def window(still_window):
    return still_window


def with_optimizer(window: MainWindow, name: str, **params) -> None:
    design = window.document.design
    optimizer = dataclasses.replace(design.optimizer, name=name, params=params)
    window.document.set_design(dataclasses.replace(design, optimizer=optimizer), name)


def test_runs_are_listed_named_and_drawn_in_their_colours(qtbot, window):
    dock = window.runs_dock
    assert dock.objectName() == "runsDock" and len(dock.runs) == 1
    step_window(qtbot, window, 30)
    with_optimizer(window, "sgd", learning_rate=0.1)
    step_window(qtbot, window, 5)
    runs = dock.runs
    assert [r.name for r in runs] == ["first run", "optimizer adam → sgd, learning rate 0.03 → 0.1"]
    table = dock.table
    assert table.rowCount() == 2 and table.item(1, 1).text().endswith("(training)")
    assert table.item(0, 2).text() == "30" and table.item(0, 0).text() == "1"
    first = runs.runs[0]
    assert (first.id, "loss") in window.plots.overlays
    # hide, rename, show again
    item = table.item(0, 1)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not first.visible and (first.id, "loss") not in window.plots.overlays
    item = table.item(0, 1)
    item.setText("adam baseline")
    assert first.name == "adam baseline"
    table.item(0, 1).setCheckState(Qt.CheckState.Checked)
    assert "run 1" in window.plots.curve_data("loss")
    # the design dialog shows the run's design and what it changes
    dock.select(runs.runs[1].id)
    dialog = DesignDialog(window, runs.runs[1])
    qtbot.addWidget(dialog)
    text = dialog.findChild(QPlainTextEdit, "runDesignText").toPlainText()
    assert '"name": "sgd"' in text
    # delete the first: the second is the reference now
    dock.select(first.id)
    dock.delete_button.click()
    assert len(runs) == 1 and runs.runs[0].name == "first run"


def test_a_new_run_can_start_from_another_runs_initial_weights(qtbot, window):
    step_window(qtbot, window, 10)
    first = window.runs_dock.runs.runs[0]
    with_optimizer(window, "sgd", learning_rate=0.1, momentum=0.9)
    seeded = dataclasses.replace(
        window.document.design,
        training=dataclasses.replace(window.document.design.training, seed=7),
    )
    window.document.set_design(seeded, "seed")  # other weights unless told otherwise
    dock = window.runs_dock
    dock.select(first.id)
    dock.initial_button.click()
    run = dock.runs.runs[-1]
    assert run.note == f"initial weights of run {first.id}"
    trainer = window.worker.trainer
    assert trainer.step == 0 and trainer.seed == 7
    for got, want in zip(trainer.network.weights, first.initial[0], strict=True):
        assert np.array_equal(got, want)


def test_a_saved_session_reopens_with_every_run(qtbot, window, tmp_path):
    step_window(qtbot, window, 25)  # more than an epoch: curves to compare
    with_optimizer(window, "sgd", learning_rate=0.1)
    step_window(qtbot, window, 4)
    window.runs_dock.runs.rename(window.runs_dock.runs.runs[0].id, "baseline")
    path = tmp_path / "two.nnviz"
    assert window.files.save_session(path)
    other = MainWindow()
    qtbot.addWidget(other)
    try:
        assert other.open_path(path)
        runs = other.runs_dock.runs
        assert [r.name for r in runs] == [
            "baseline",
            "optimizer adam → sgd, learning rate 0.03 → 0.1",
        ]
        assert runs.current == runs.runs[1].id and other.worker.trainer.step == 4
        assert runs.runs[0].steps == 25
        assert (runs.runs[0].id, "loss") in other.plots.overlays
        saved = window.runs_dock.runs.runs[0].initial  # where the first run started
        other.runs_dock.select(runs.runs[0].id)
        assert other.runs_dock.initial_button.isEnabled()
        for got, want in zip(runs.runs[0].initial[0], saved[0], strict=True):
            assert np.array_equal(got, want)
    finally:
        other.close()


def test_export_writes_every_run_with_a_run_column(qtbot, window, tmp_path):
    step_window(qtbot, window, 25)
    with_optimizer(window, "sgd", learning_rate=0.1)
    step_window(qtbot, window, 25)
    views = export.RunViews(
        window.plots,
        window.canvas,
        None,
        window.worker.latest(),
        window.document.design,
        runs=window.runs_dock.runs,
    )
    export.export_run(views, tmp_path)
    with open(tmp_path / "runs.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["run", "epoch", "step"]
    names = {row[0] for row in rows[1:]}
    assert names == {"first run", "optimizer adam → sgd, learning rate 0.03 → 0.1"}


def test_a_race_of_three_optimizers_arrives_as_runs_from_the_same_weights(qtbot, window):
    dock = window.runs_dock
    first = dock.runs.runs[0]
    values = parse_values("optimizer", "sgd, momentum, adam")
    dock.start_race(variants(window.document.design, "optimizer", values), 3, "optimizer")
    assert not dock.race_button.isEnabled() and dock.stop_race_button.isEnabled()
    qtbot.waitUntil(lambda: dock.race is None, timeout=60_000)  # its thread has finished
    names = [r.name for r in dock.runs]
    assert names[1:] == [
        "optimizer adam → sgd; optimizer race",
        "optimizer adam → sgd with momentum 0.9; optimizer race",
        "same design; optimizer race",
    ]
    for run in dock.runs.runs[1:]:
        assert run.steps == 3 * window.worker.trainer.batches_per_epoch
        for got, want in zip(run.initial[0], first.initial[0], strict=True):
            assert np.array_equal(got, want)
        assert (run.id, "loss") in window.plots.overlays
    assert dock.race_button.isEnabled() and not dock.stop_race_button.isEnabled()


def test_a_race_can_be_stopped(qtbot, window):
    dock = window.runs_dock
    designs = variants(window.document.design, "learning_rate", [0.01, 0.1])
    dock.start_race(designs, 100_000, "learning_rate")
    qtbot.waitUntil(lambda: "epoch" in dock.race_label.text(), timeout=WAIT_MS)
    dock.stop_race_button.click()
    qtbot.waitUntil(lambda: dock.race is None, timeout=60_000)
    assert len(dock.runs) == 2 and dock.runs.runs[1].name.endswith(", stopped")


def test_a_race_reports_progress_without_flooding_the_window(qtbot, window):
    dock = window.runs_dock
    designs = variants(window.document.design, "learning_rate", [0.01, 0.1])
    dock.start_race(designs, 100_000, "learning_rate")
    epochs = []
    dock.race.progress.connect(lambda variant, epoch, total: epochs.append(epoch))
    qtbot.waitUntil(lambda: bool(epochs) and epochs[-1] >= 300, timeout=60_000)
    dock.stop_race_button.click()
    qtbot.waitUntil(lambda: dock.race is None, timeout=60_000)
    # hundreds of epochs, a report for only a few of them (at most ten a second)
    assert len(epochs) < epochs[-1] / 4


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_the_race_dialog_offers_each_setting_with_values_that_race(qtbot, setting):
    design = Design.from_dict(xor_design())
    dialog = RaceDialog(design)
    qtbot.addWidget(dialog)
    dialog.setting.setCurrentIndex(dialog.setting.findData(setting))
    assert dialog.values.text() == SETTINGS[setting].example
    assert dialog.hint.text().startswith("2 to 5 values, separated by commas.")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert len(dialog.designs) == len(SETTINGS[setting].example.split(","))


def test_the_race_dialog_says_what_is_wrong_and_stays_open(qtbot):
    dialog = RaceDialog(Design.from_dict(xor_design()))
    qtbot.addWidget(dialog)
    dialog.setting.setCurrentIndex(dialog.setting.findData("optimizer"))
    assert "sgd momentum 0.9" in dialog.hint.text()
    dialog.values.setText("sgd, sgd foo 1")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and not dialog.designs
    assert dialog.error.text().startswith("optimizer 'sgd foo 1': ")


def test_a_live_change_is_the_runs_own_so_later_names_do_not_repeat_it(qtbot, window):
    step_window(qtbot, window, 5)
    design = window.document.design
    training = dataclasses.replace(design.training, epochs=80)
    window.document.set_design(dataclasses.replace(design, training=training), "epochs")
    assert window.worker.trainer.step == 5  # the run goes on, with 80 epochs
    first = window.runs_dock.runs.runs[0]
    assert first.design.training.epochs == 80 and first.name == "first run"
    with_optimizer(window, "sgd", learning_rate=0.03)  # a fresh run
    assert window.runs_dock.runs.runs[1].name == "optimizer adam → sgd"
