"""Lessons in the window: a scripted learner walks every step of every lesson and does what each
check asks; the callout points at the real widget, which stays usable; progress, leaving,
resuming, the first-launch welcome, and teacher mode."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from nnviz.app.lesson_runner import LessonProgress, find_part
from nnviz.app.main_window import MainWindow
from nnviz.core.lesson_checks import CHECKS
from nnviz.core.lessons import list_lessons
from nnviz.core.specs import LayerSpec
from nnviz.core.window_parts import TARGETS

TRAIN_MS = 90_000


@pytest.fixture
def window(shown_window):
    return shown_window


# ---------------------------------------------------------------------- the scripted learner
LEARNER = {}


def learner(kind):
    def register(action):
        LEARNER[kind] = action
        return action

    return register


def _set_design(window, **changes):
    design = dataclasses.replace(window.document.design, **changes)
    window.document.set_design(design, "lesson")


def _train_until_passed(qtbot, window):
    window.worker.play()
    qtbot.waitUntil(lambda: window.lessons.poll() or window.lessons.done, timeout=TRAIN_MS)
    window.worker.pause()


for kind in ("loss_below", "accuracy_above", "steps_at_least", "epochs_at_least"):
    learner(kind)(lambda qtbot, window, check: _train_until_passed(qtbot, window))


@learner("selected")
def _select(qtbot, window, check):
    fields = {
        "layer": {"layer": check.get("layer", 1)},
        "neuron": {"layer": check.get("layer", 1), "neuron": 0},
        "link": {"link": (0, 0, 0)},
        "sample": {"sample": 0},
    }
    window.selection.set(**fields[check["what"]])


@learner("dead_unit_selected")
def _find_dead(qtbot, window, check):
    def dead_unit():
        snapshot = window.worker.latest()
        if snapshot is None or snapshot.grid is None:
            return None
        for layer in range(1, snapshot.n_layers):
            for unit, picture in enumerate(snapshot.grid.neuron_maps[layer]):
                if np.all(picture <= 0):
                    return layer, unit
        return None

    window.worker.play()
    qtbot.waitUntil(lambda: dead_unit() is not None, timeout=TRAIN_MS)
    window.worker.pause()
    layer, unit = dead_unit()
    window.selection.set(layer=layer, neuron=unit)


@learner("shown")
def _show(qtbot, window, check):
    find_part(window, check["target"]).show()


@learner("surface_is")
def _surface(qtbot, window, check):
    window.playground_dock.widget().set_surface(check["name"])


@learner("step_mode_on")
def _step_mode(qtbot, window, check):
    window.playground_dock.widget().step_box.setChecked(True)


@learner("phase_reached")
def _phase(qtbot, window, check):
    stepper = window.inspection.step_through
    if not stepper.active():
        stepper.start()
        qtbot.waitUntil(lambda: stepper.active() and bool(stepper.phases))
    while not window.lessons.poll() and not window.lessons.done:
        before = stepper.index
        stepper.next()
        assert stepper.index == before + 1, "the step-through ended before the phase"


@learner("weight_edited")
def _edit(qtbot, window, check):
    inspector = window.inspection.inspector
    window.worker.pause()
    window.selection.set(layer=1, neuron=0)
    inspector.show()
    qtbot.waitUntil(lambda: inspector.edit_button.isEnabled())
    inspector.edit_value.setValue(inspector.edit_value.value() + 0.5)
    inspector.edit_button.click()


@learner("runs_added")
def _race(qtbot, window, check):
    from nnviz.core.race import variants

    names = ["sgd", "rmsprop", "adam", "adagrad", "adamw"]
    designs = variants(window.document.design, "optimizer", names[: max(2, check["value"])])
    window.runs_dock.start_race(designs, 2, "optimizer")
    qtbot.waitUntil(lambda: window.runs_dock.race is None, timeout=TRAIN_MS)


@learner("activation_is")
def _activation(qtbot, window, check):
    layers = list(window.document.design.layers)
    k = check.get("layer", 0)
    layers[k] = dataclasses.replace(layers[k], activation=check["name"])
    _set_design(window, layers=tuple(layers))


@learner("optimizer_is")
def _optimizer(qtbot, window, check):
    params = {"learning_rate": 0.01}
    if "momentum" in check:
        params["momentum"] = check["momentum"]
    spec = dataclasses.replace(window.document.design.optimizer, name=check["name"], params=params)
    _set_design(window, optimizer=spec)


@learner("learning_rate_between")
def _rate(qtbot, window, check):
    design = window.document.design
    params = dict(design.optimizer.params, learning_rate=math.sqrt(check["min"] * check["max"]))
    _set_design(window, optimizer=dataclasses.replace(design.optimizer, params=params))


@learner("hidden_layers_at_least")
def _layers(qtbot, window, check):
    layers = list(window.document.design.layers)
    while len(layers) - 1 < check["value"]:
        layers.insert(0, LayerSpec(4, "tanh"))
    _set_design(window, layers=tuple(layers))


def test_the_learner_can_do_every_kind_of_check():
    assert set(LEARNER) == set(CHECKS.names())


# ---------------------------------------------------------------------- every lesson, every step
@pytest.mark.slow
@pytest.mark.parametrize("lesson", list_lessons(), ids=lambda lesson: lesson.name)
def test_a_learner_walks_every_step_and_passes_every_check(qtbot, window, lesson):
    runner = window.lessons
    assert runner.start(lesson, resume=False)
    assert window.document.design == lesson.design
    for index, step in enumerate(lesson.steps):
        assert runner.index == index and runner.current_step is step
        target = find_part(window, step.target)
        assert target is not None, step.target
        qtbot.waitUntil(target.isVisible)
        for name in step.show:
            assert find_part(window, name).isVisible()
        card = runner.callout.card
        assert card.isVisible() and card.title.text() == step.title
        assert card.progress.text().endswith(f"step {index + 1} of {len(lesson.steps)}")
        assert runner.callout.target is target
        if step.check is not None:
            assert card.task.text() == f"Try it: {step.task}"
            LEARNER[step.check["kind"]](qtbot, window, step.check)
            qtbot.waitUntil(lambda: runner.poll() or runner.done, timeout=TRAIN_MS)
            assert card.task.text() == f"✓ Done: {step.task}"
        else:
            assert card.task.isHidden()
        runner.next()
    assert runner.lesson is None and not runner.callout.card.isVisible()
    assert LessonProgress().done(lesson.name)


def test_every_target_name_is_a_part_of_the_window(window):
    missing = [name for name in TARGETS if find_part(window, name) is None]
    assert missing == []


def test_the_target_stays_usable_under_the_callout(qtbot, window):
    lesson = list_lessons()[0]
    window.lessons.start(lesson, resume=False)
    frame = window.lessons.callout.frame
    assert frame.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    card = window.lessons.callout.card
    target = window.lessons.callout.target
    card_rect = card.geometry()
    target_rect = target.geometry().translated(target.mapTo(window, target.rect().topLeft()))
    assert not card_rect.intersects(target_rect) or lesson.steps[0].placement == "over"


def test_back_next_leave_and_resume_after_a_restart(qtbot, window):
    lesson = list_lessons()[1]
    runner = window.lessons
    runner.start(lesson, resume=False)
    runner.next()
    runner.next()
    runner.back()
    assert runner.index == 1
    runner.leave()
    assert runner.lesson is None and not runner.callout.card.isVisible()
    assert LessonProgress().step(lesson.name) == 1
    again = MainWindow()
    qtbot.addWidget(again)
    again.lessons.fill_menu(again.menus["lessons"])
    texts = [a.text() for a in again.menus["lessons"].actions()]
    assert f"2. {lesson.title} — {lesson.minutes} min  (at step 2 of {len(lesson.steps)})" in texts
    again.menus["lessons"].actions()[1].trigger()
    assert again.lessons.lesson == lesson and again.lessons.index == 1
    again.lessons.leave()
    again.close()


def test_a_lesson_hides_parts_and_gives_them_back(qtbot, window):
    lesson = dataclasses.replace(list_lessons()[0], hide=("dataView", "build_dock"))
    window.lessons.start(lesson, resume=False)
    assert window.data_view.isHidden() and window.build_dock.isHidden()
    window.lessons.leave()
    assert window.data_view.isVisible() and window.build_dock.isVisible()


def test_a_designs_meta_hides_parts_in_teacher_mode(qtbot, window):
    design = window.document.design
    keep = ("lossPlot",)
    hide = ("dataView", "build_dock", "scorePlot", "gradNormPlot", "stuckPlot")
    _set_design(window, meta={**design.meta, "hide": list(hide)})
    assert all(find_part(window, name).isHidden() for name in hide)
    assert all(find_part(window, name).isVisible() for name in (*keep, "networkCanvas"))
    _set_design(window, meta={"hide": ["canvas"]})
    assert all(find_part(window, name).isVisible() for name in hide)
    assert "Teacher mode not applied: meta.hide[0]: cannot hide 'canvas'" in window.banner.text()


def test_first_launch_welcome_offers_lesson_one(qtbot, window):
    box = window.lessons.offer_welcome()
    assert box is not None and box.objectName() == "welcome" and box.isVisible()
    start = next(b for b in box.buttons() if b.text() == "Start Lesson 1")
    start.click()
    assert window.lessons.lesson.name == list_lessons()[0].name
    window.lessons.leave()
    box = window.lessons.offer_welcome()
    assert box is None  # a learner who started a lesson knows where they are


def test_welcome_dismissed_for_good(qtbot, window):
    box = window.lessons.offer_welcome()
    never = next(b for b in box.buttons() if b.text() == "Don't Show Again")
    never.click()
    assert window.lessons.lesson is None
    assert window.lessons.offer_welcome() is None
    later = MainWindow()
    qtbot.addWidget(later)
    assert later.lessons.offer_welcome() is None
    later.close()


def test_later_asks_again_next_time(qtbot, window):
    box = window.lessons.offer_welcome()
    next(b for b in box.buttons() if b.text() == "Later").click()
    assert isinstance(window.lessons.offer_welcome(), QMessageBox)
