"""The toolbar's training speed reaches the trainer, and survives a new run."""

from __future__ import annotations

from nnviz.core.pace import FULL_SPEED, PACES


def test_speed_box_offers_every_pace_and_starts_at_full_speed(main_window):
    box = main_window.speed_box
    assert [box.itemText(i) for i in range(box.count())] == [p.label for p in PACES]
    assert box.currentText() == FULL_SPEED.label
    assert main_window.worker.trainer.pacer.steps_per_s is None
    assert "steps a second" in box.toolTip()


def test_a_chosen_pace_slows_this_run_and_the_next(main_window):
    main_window.speed_box.setCurrentText("1 step/s")
    assert main_window.worker.trainer.pacer.steps_per_s == 1.0
    old = main_window.worker.trainer
    main_window.actions["reset"].trigger()
    assert main_window.worker.trainer is not old
    assert main_window.worker.trainer.pacer.steps_per_s == 1.0
    main_window.speed_box.setCurrentText(FULL_SPEED.label)
    assert main_window.worker.trainer.pacer.steps_per_s is None
