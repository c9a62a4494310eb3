"""Lesson files: the bundled lessons are valid, a malformed one is refused with one line naming
the file and the field; every check kind notices what it should and nothing else."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from nnviz.core.design import DesignError
from nnviz.core.examples import load_example
from nnviz.core.lesson_checks import CHECKS, LearnerState, passed, read_check
from nnviz.core.lessons import MAX_MINUTES, MAX_TEXT, lesson_paths, list_lessons, load_lesson
from nnviz.core.trainer import Trainer
from nnviz.core.window_parts import HIDEABLE, TARGETS, hidden_parts

GOOD = {
    "format": "nnviz-lesson",
    "version": 1,
    "title": "A lesson",
    "summary": "What it teaches.",
    "minutes": 5,
    "design": "xor",
    "hide": ["dataView"],
    "steps": [
        {"title": "First", "text": "Look here.", "target": "networkCanvas"},
        {
            "title": "Second",
            "text": "Train it.",
            "target": "lossPlot",
            "placement": "top",
            "show": ["plots_dock"],
            "try": "Press Play.",
            "check": {"kind": "loss_below", "value": 0.1},
        },
    ],
}


def write(tmp_path, lesson, name="lesson.json"):
    path = tmp_path / name
    path.write_text(json.dumps(lesson), encoding="utf-8")
    return path


def test_the_six_bundled_lessons_are_valid_and_short():
    lessons = list_lessons()
    assert [lesson.name[:2] for lesson in lessons] == ["01", "02", "03", "04", "05", "06"]
    assert len(lesson_paths()) == 6
    for lesson in lessons:
        assert lesson.minutes <= MAX_MINUTES < 10
        assert 4 <= len(lesson.steps) <= 12
        for step in lesson.steps:
            assert step.target in TARGETS
            assert (step.task is None) == (step.check is None)
            assert len(step.text) <= MAX_TEXT


def test_a_good_lesson_reads_completely(tmp_path):
    lesson = load_lesson(write(tmp_path, GOOD))
    assert lesson.name == "lesson" and lesson.title == "A lesson"
    assert lesson.design == load_example("xor")
    assert lesson.hide == ("dataView",)
    second = lesson.steps[1]
    assert second.placement == "top" and second.show == ("plots_dock",)
    assert second.task == "Press Play." and dict(second.check) == {
        "kind": "loss_below",
        "value": 0.1,
    }
    assert lesson.steps[0].placement == "right" and lesson.steps[0].check is None


def test_an_inline_design_and_starting_weights(tmp_path):
    from nnviz.core.weights_io import save_weights

    trainer = Trainer(load_example("gauss"))
    save_weights(tmp_path / "w.npz", trainer.network)
    lesson = dict(GOOD, design=load_example("gauss").to_dict(), weights="w.npz")
    read = load_lesson(write(tmp_path, lesson))
    assert read.design.layer_sizes == (2, 1)
    np.testing.assert_array_equal(read.weights[0][0], trainer.network.weights[0])


def _bad(path_in_lesson, value):
    lesson = copy.deepcopy(GOOD)
    *keys, last = path_in_lesson
    node = lesson
    for key in keys:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return lesson


BAD_CASES = [
    (("format",), "nnviz-design", "format: must be 'nnviz-lesson'"),
    (("version",), 2, "version: must be an integer from 1 to 1"),
    (("title",), KeyError, "title: required key is missing"),
    (("minutes",), 12, "minutes: must be an integer from 1 to 9"),
    (("design",), "nope", "design: unknown example 'nope'"),
    (("design",), {"format": "nnviz-design", "version": 1}, "design.name: required key"),
    (("hide",), ["networkCanvas"], "hide[0]: cannot hide 'networkCanvas'"),
    (("steps",), [], "steps: must hold 1 to 30 steps (got 0)"),
    (("steps", 0, "target"), "inspector", "steps[0].target: unknown part of the window"),
    (("steps", 0, "text"), "x" * 500, "steps[0].text: must be at most 420 characters"),
    (("steps", 0, "placement"), "middle", "steps[0].placement: unknown placement 'middle'"),
    (("steps", 0, "colour"), "red", "steps[0].colour: unknown key"),
    (("steps", 1, "try"), KeyError, "steps[1].try: required when a step has"),
    (("steps", 1, "check"), {"value": 1}, "steps[1].check.kind: required key is missing"),
    (("steps", 1, "check"), {"kind": "magic"}, "steps[1].check.kind: unknown check 'magic'"),
    (("steps", 1, "check", "value"), -1, "steps[1].check.value: must be a number greater"),
    (("steps", 1, "check", "split"), "all", "steps[1].check.split: unknown split 'all'"),
    (("steps", 1, "check", "extra"), 1, "steps[1].check.extra: unknown key"),
    (("steps", 1, "show"), ["nowhere"], "steps[1].show[0]: unknown part of the window"),
    (("steps", 1, "weights"), "w.npz", "steps[1].design: required when a step has"),
    (("weights",), "missing.npz", "weights: "),
]


@pytest.mark.parametrize(("where", "value", "message"), BAD_CASES, ids=[c[2] for c in BAD_CASES])
def test_a_malformed_lesson_is_one_line_naming_file_and_field(tmp_path, where, value, message):
    path = write(tmp_path, _bad(where, value))
    with pytest.raises(DesignError) as info:
        load_lesson(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{", "line 1 column 2: malformed JSON"), (b"[1]", "lesson: must be a JSON object")],
)
def test_unreadable_lesson_files(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(DesignError, match=message):
        load_lesson(path)
    with pytest.raises(DesignError, match="file not found"):
        load_lesson(tmp_path / "none.json")


def test_teacher_mode_in_a_designs_meta():
    assert hidden_parts({}) == ()
    assert hidden_parts({"hide": ["build_dock", "dataView"]}) == ("build_dock", "dataView")
    with pytest.raises(DesignError, match=r"meta.hide\[1\]: cannot hide 'canvas'"):
        hidden_parts({"hide": ["dataView", "canvas"]})
    assert set(HIDEABLE) <= set(TARGETS) and "networkCanvas" not in HIDEABLE


# ---------------------------------------------------------------------- checks


@pytest.fixture(scope="module")
def trained():
    """A relu network trained until some units are dead, and its snapshot."""
    trainer = Trainer(load_example("dead_relu"))
    for _ in range(3):
        trainer.run_epoch()
    trainer.evaluate()
    return trainer, trainer.snapshot()


def _dead_and_alive(snapshot):
    maps = snapshot.grid.neuron_maps[1]
    dead = [i for i in range(len(maps)) if np.all(maps[i] <= 0)]
    alive = [i for i in range(len(maps)) if np.any(maps[i] > 0)]
    return dead[0], alive[0]


def _cases(trainer, snapshot):
    """check → (a state where it holds, a state where it does not)."""
    design = trainer.design
    dead, alive = _dead_and_alive(snapshot)
    loss = snapshot.metrics["train_loss"]
    accuracy = snapshot.metrics["test_accuracy"]
    s = LearnerState
    return {
        "loss_below": ({"value": loss * 1.01}, s(snapshot=snapshot), s()),
        "accuracy_above": ({"value": accuracy - 0.01, "split": "test"}, s(snapshot=snapshot), s()),
        "steps_at_least": ({"value": snapshot.step}, s(snapshot=snapshot), s()),
        "epochs_at_least": ({"value": 3}, s(snapshot=snapshot), s()),
        "selected": (
            {"what": "neuron", "layer": 2},
            s(selection={"layer": 2, "neuron": 0}),
            s(selection={"layer": 1, "neuron": 0}),
        ),
        "dead_unit_selected": (
            {},
            s(snapshot=snapshot, design=design, selection={"layer": 1, "neuron": dead}),
            s(snapshot=snapshot, design=design, selection={"layer": 1, "neuron": alive}),
        ),
        "shown": ({"target": "lossPlot"}, s(shown=frozenset({"lossPlot"})), s()),
        "phase_reached": (
            {"phase": "backward", "layer": "output"},
            s(snapshot=snapshot, phase="backward", phase_layer=3),
            s(snapshot=snapshot, phase="backward", phase_layer=2),
        ),
        "weight_edited": ({}, s(edits=1), s()),
        "runs_added": ({"value": 3}, s(runs=3), s(runs=2)),
        "activation_is": ({"name": "relu", "layer": 1}, s(design=design), s()),
        "optimizer_is": ({"name": "sgd"}, s(design=design), s(design=load_example("xor"))),
        "learning_rate_between": ({"min": 1.0, "max": 3.0}, s(snapshot=snapshot), s()),
        "surface_is": ({"name": "ravine"}, s(surface="ravine"), s(surface="bowl")),
        "step_mode_on": ({}, s(step_mode=True), s()),
        "hidden_layers_at_least": ({"value": 2}, s(design=design), s(design=load_example("xor"))),
    }


def test_every_check_kind_is_covered(trained):
    assert set(_cases(*trained)) == set(CHECKS.names())


@pytest.mark.parametrize("kind", CHECKS.names())
def test_each_check_passes_when_done_and_not_before(trained, kind):
    params, done, not_done = _cases(*trained)[kind]
    check = read_check({"kind": kind, **params}, "check")
    assert passed(check, done)
    assert not passed(check, not_done)


def test_a_dead_unit_needs_a_relu_like_activation(trained):
    _trainer, snapshot = trained
    dead, _ = _dead_and_alive(snapshot)
    xor = load_example("xor")  # tanh hidden units cannot die
    state = LearnerState(snapshot=snapshot, design=xor, selection={"layer": 1, "neuron": dead})
    assert not passed({"kind": "dead_unit_selected"}, state)
