"""`nnviz lessons`: list the bundled lessons, or check a lesson file (`validate FILE`).

A teacher writing a lesson checks it here without opening the window: every problem is one line
naming the file and the field, exit status 2.
"""

from __future__ import annotations

import argparse

from nnviz.cli_inputs import BadInputError
from nnviz.core.errors import first_line


def run_lessons(args: argparse.Namespace) -> int:
    from nnviz.core.design import DesignError
    from nnviz.core.lessons import list_lessons, load_lesson

    if args.action is None:
        if args.file is not None:
            raise BadInputError(f"lessons: unexpected {args.file!r} (did you mean: validate)")
        try:
            lessons = list_lessons()
        except DesignError as error:
            raise BadInputError(first_line(error)) from None
        width = max((len(lesson.name) for lesson in lessons), default=0)
        for lesson in lessons:
            steps = f"{len(lesson.steps)} steps, {lesson.minutes} min"
            print(f"{lesson.name:<{width}}  {lesson.title} ({steps})")
        return 0
    if args.file is None:
        raise BadInputError("lessons validate: which lesson file? (nnviz lessons validate FILE)")
    try:
        lesson = load_lesson(args.file)
    except DesignError as error:
        raise BadInputError(first_line(error)) from None
    checks = sum(step.check is not None for step in lesson.steps)
    print(f"{args.file}: ok ({lesson.title}: {len(lesson.steps)} steps, {checks} checks)")
    return 0
