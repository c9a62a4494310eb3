"""`nnviz lessons` lists the bundled lessons; `nnviz lessons validate FILE` checks one."""

import json

from cli_runner import run_nnviz

from nnviz.core.lessons import lesson_paths, list_lessons


def test_lessons_lists_every_lesson_in_order():
    result = run_nnviz("lessons")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    lessons = list_lessons()
    assert [line.split()[0] for line in lines] == [lesson.name for lesson in lessons]
    for line, lesson in zip(lines, lessons, strict=True):
        assert f"{lesson.title} ({len(lesson.steps)} steps, {lesson.minutes} min)" in line


def test_validate_a_good_lesson():
    path = lesson_paths()[0]
    result = run_nnviz("lessons", "validate", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{path}: ok (Neurons and layers: ")


def test_validate_a_bad_lesson_is_one_line_and_exit_2(tmp_path):
    lesson = json.loads(lesson_paths()[0].read_text(encoding="utf-8"))
    lesson["steps"][2]["check"] = {"kind": "loss_below"}
    lesson["steps"][2]["try"] = "Train."
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    result = run_nnviz("lessons", "validate", path)
    assert result.returncode == 2
    assert result.stderr == f"nnviz: {path}: steps[2].check.value: required key is missing\n"
    assert result.stdout == ""


def test_validate_needs_a_file():
    result = run_nnviz("lessons", "validate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "which lesson file?" in result.stderr
    result = run_nnviz("lessons", "validate", "/nonexistent/lesson.json")
    assert result.returncode == 2
    assert result.stderr == "nnviz: /nonexistent/lesson.json: file not found\n"
