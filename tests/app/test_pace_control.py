"""The toolbar's training speed reaches the trainer, and survives a new run."""

from __future__ import annotations

import pytest

from nnviz.app.main_window import MainWindow
from nnviz.core.examples import example_path
from nnviz.core.pace import FULL_SPEED, PACES


@pytest.fixture
def window(qtbot):
    win = MainWindow(str(example_path("xor")))
    qtbot.addWidget(win)
    yield win
    win.shutdown()


def test_speed_box_offers_every_pace_and_starts_at_full_speed(window):
    box = window.speed_box
    assert [box.itemText(i) for i in range(box.count())] == [p.label for p in PACES]
    assert box.currentText() == FULL_SPEED.label
    assert window.worker.trainer.pacer.steps_per_s is None
    assert "steps a second" in box.toolTip()


def test_a_chosen_pace_slows_this_run_and_the_next(window):
    window.speed_box.setCurrentText("1 step/s")
    assert window.worker.trainer.pacer.steps_per_s == 1.0
    old = window.worker.trainer
    window.actions["reset"].trigger()
    assert window.worker.trainer is not old
    assert window.worker.trainer.pacer.steps_per_s == 1.0
    window.speed_box.setCurrentText(FULL_SPEED.label)
    assert window.worker.trainer.pacer.steps_per_s is None
