"""Runs a lesson in the window: opens its design, hides what it hides, walks its steps.

Each step frames its target widget and shows a card beside it (`Callout`); the widget stays
usable, so the learner does what the step asks in the real window. A step's check is evaluated
a few times a second on a `LearnerState` built from the window (latest snapshot, design,
selection, visible parts, step-through phase); the check itself lives in core. Progress (the
step reached, lessons finished, the welcome dismissed) is kept in the settings, so a lesson left
half-way resumes where it was, also after a restart.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox, QScrollArea, QWidget

from nnviz.app.callout import Callout
from nnviz.app.settings import app_settings
from nnviz.core.design import DesignError
from nnviz.core.lesson_checks import LearnerState, passed
from nnviz.core.lessons import Lesson, list_lessons
from nnviz.core.window_parts import TARGETS

CHECK_MS = 250  # how often the step's check looks at the window
PROGRESS_KEY = "lessons/{name}/step"
DONE_KEY = "lessons/{name}/done"
WELCOME_KEY = "lessons/welcome_dismissed"


def find_part(window: QWidget, name: str) -> QWidget | None:
    """The window's widget with object name `name` (floating docks included); parts the window
    builds on first use (hidden docks' content, the explorers) are built when asked for."""
    if window.objectName() == name:
        return window
    found = window.findChild(QWidget, name)
    if found is None:
        window.build_lazy_parts()
        found = window.findChild(QWidget, name)
    return found


def reveal(widget: QWidget) -> None:
    """Make `widget` visible: itself and every dock or panel around it that is hidden."""
    chain = []
    current = widget
    while current is not None:  # up to its window: a floating dock is one
        chain.append(current)
        current = current.parentWidget()
    for item in reversed(chain):
        if item.isHidden():
            item.show()
    dock = next((w for w in chain if isinstance(w, QDockWidget)), None)
    if dock is not None:
        dock.raise_()  # its tab, when tabbed with another dock
    scroll = next((w for w in chain if isinstance(w, QScrollArea)), None)
    if scroll is not None and scroll.widget() is not widget:
        scroll.ensureWidgetVisible(widget, 0, 0)
        scroll.horizontalScrollBar().setValue(0)  # a section wider than the panel: its start


class LessonProgress:
    """Progress kept between launches: the step each lesson reached and which are done."""

    def step(self, name: str) -> int:
        value = app_settings().value(PROGRESS_KEY.format(name=name), 0)
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return 0

    def set_step(self, name: str, index: int) -> None:
        self._set(PROGRESS_KEY.format(name=name), index)

    def done(self, name: str) -> bool:
        return _truthy(app_settings().value(DONE_KEY.format(name=name), False))

    def set_done(self, name: str) -> None:
        self._set(DONE_KEY.format(name=name), True)

    def welcome_dismissed(self) -> bool:
        return _truthy(app_settings().value(WELCOME_KEY, False))

    def dismiss_welcome(self) -> None:
        self._set(WELCOME_KEY, True)

    @staticmethod
    def _set(key: str, value) -> None:
        settings = app_settings()
        settings.setValue(key, value)
        settings.sync()


def _truthy(value) -> bool:
    """QSettings gives back a bool, or the string 'true' from an INI file."""
    return value is True or str(value).lower() == "true"


class LessonRunner(QObject):
    """The lesson in progress in one window (at most one at a time)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.progress = LessonProgress()
        self.lesson: Lesson | None = None
        self.index = 0
        self.done = False
        self._opened = None  # the design the lesson opened last
        self.callout = Callout(self.back, self.next, self.leave, self)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.poll)
        self.edits = 0  # weights and biases set by hand since the step began
        self.runs_before = 0  # runs listed when the step began
        window.inspection.inspector.editRequested.connect(self._on_edit)

    # ------------------------------------------------------------------ lessons
    def lessons(self) -> list[Lesson]:
        """The bundled lessons; a broken file is reported in a dialog (none listed)."""
        try:
            return list_lessons()
        except DesignError as error:
            QMessageBox.warning(self.window, "Cannot read the lessons", str(error))
            return []

    def start(self, lesson: Lesson, resume: bool = True) -> bool:
        """Open `lesson`'s design and show its first step (or the one reached before)."""
        self.leave()
        if not self.window.files.open_untitled(lesson.design, lesson.weights):
            return False
        self.lesson = lesson
        self._opened = lesson.design
        self.window.teacher.hide_parts(lesson.hide)
        saved = self.progress.step(lesson.name) if resume else 0
        self.index = min(saved, len(lesson.steps) - 1)
        self.timer.start()
        self.show_step()
        return True

    def show_step(self) -> None:
        lesson, step = self.lesson, self.current_step
        design, weights = self.step_design()
        if design is not self._opened:  # a step's own design; the learner's edits stay else
            self._opened = design
            self.window.files.open_untitled(design, weights, ask=False)
        for name in step.show:
            part = find_part(self.window, name)
            if part is not None:
                reveal(part)
        target = find_part(self.window, step.target)
        if target is None:  # validated against TARGETS, but a window may lack a part
            target = self.window.canvas
        reveal(target)
        card = self.callout.point_at(target, step.placement)
        card.progress.setText(f"{lesson.title} · step {self.index + 1} of {len(lesson.steps)}")
        card.title.setText(step.title)
        card.text.setText(step.text)
        card.back_button.setEnabled(self.index > 0)
        last = self.index == len(lesson.steps) - 1
        card.next_button.setText("Finish" if last else "Next")
        self.done = step.check is None
        self.edits = 0
        self.runs_before = len(self.window.runs_dock.runs)
        card.set_task(step.task, self.done)
        self.callout.place()
        self.progress.set_step(lesson.name, self.index)
        self.poll()

    def step_design(self):
        """The design and starting weights of the current step: the latest a step up to here
        named, else the lesson's (so Back restores what the learner saw before)."""
        steps = [s for s in self.lesson.steps[: self.index + 1] if s.design is not None]
        if steps:
            return steps[-1].design, steps[-1].weights
        return self.lesson.design, self.lesson.weights

    @property
    def current_step(self):
        return self.lesson.steps[self.index] if self.lesson is not None else None

    # ------------------------------------------------------------------ checks
    def learner_state(self) -> LearnerState:
        """What the checks may look at, read from the window now."""
        window = self.window
        selection = window.selection
        stepper = window.inspection.step_through
        phase = stepper.phases[stepper.index] if stepper.active() and stepper.phases else None
        playground = window.playground_dock.widget()
        return LearnerState(
            snapshot=window.worker.latest(),
            design=window.document.design,
            selection={f: getattr(selection, f) for f in ("layer", "neuron", "link", "sample")},
            shown=frozenset(
                name
                for name in TARGETS
                if (part := find_part(window, name)) is not None and part.isVisible()
            ),
            phase=phase.kind if phase is not None else None,
            phase_layer=phase.layer if phase is not None else None,
            surface=playground.surface_box.currentData(),
            step_mode=playground.step_box.isChecked(),
            edits=self.edits,
            runs=len(window.runs_dock.runs) - self.runs_before,
        )

    def _on_edit(self, *_args) -> None:
        self.edits += 1

    def poll(self) -> None:
        """Evaluate the step's check; once passed, the card says so."""
        step = self.current_step
        if step is None:
            return
        self.callout.place()
        if self.done or step.check is None:
            return
        if passed(step.check, self.learner_state()):
            self.done = True
            self.callout.card.set_task(step.task, True)

    # ------------------------------------------------------------------ navigation
    def next(self) -> None:
        if self.lesson is None:
            return
        if self.index == len(self.lesson.steps) - 1:
            self.finish()
            return
        self.index += 1
        self.show_step()

    def back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.index -= 1
            self.show_step()

    def finish(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        self.progress.set_done(lesson.name)
        self.progress.set_step(lesson.name, 0)
        self.leave()
        self.window.statusBar().showMessage(f"Lesson finished: {lesson.title}", 8000)

    def leave(self) -> None:
        """Stop the lesson here; Help › Lessons resumes it at the same step."""
        if self.lesson is None:
            return
        self.lesson = None
        self.timer.stop()
        self.callout.hide()
        self.window.teacher.restore()

    # ------------------------------------------------------------------ menu and welcome
    def fill_menu(self, menu: QMenu) -> None:
        """Help › Lessons: every lesson with its progress, and Leave while one runs."""
        menu.clear()
        for number, lesson in enumerate(self.lessons(), 1):
            reached = self.progress.step(lesson.name)
            if self.progress.done(lesson.name):
                state = "  ✓"
            elif reached:
                state = f"  (at step {reached + 1} of {len(lesson.steps)})"
            else:
                state = ""
            action = menu.addAction(f"{number}. {lesson.title} — {lesson.minutes} min{state}")
            action.setToolTip(lesson.summary)
            action.triggered.connect(lambda _=False, chosen=lesson: self.start(chosen))
        menu.addSeparator()
        leave = menu.addAction("Leave the Lesson")
        leave.setEnabled(self.lesson is not None)
        leave.triggered.connect(self.leave)

    def offer_welcome(self) -> QMessageBox | None:
        """On a first launch: offer lesson 1 (Later asks again next time; starting it or
        "Don't Show Again" ends the offer). Returns the non-modal box, or None when the offer
        has ended."""
        lessons = self.lessons() if not self.progress.welcome_dismissed() else []
        if not lessons:
            return None
        first = lessons[0]
        box = QMessageBox(self.window)
        box.setObjectName("welcome")
        box.setWindowTitle("Welcome to nnviz")
        box.setText(
            f"<b>New to neural networks?</b><br>Lesson 1, <i>{first.title}</i>, takes about "
            f"{first.minutes} minutes and walks you through this window. Every lesson is in "
            "Help › Lessons."
        )
        start = box.addButton("Start Lesson 1", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        never = box.addButton("Don't Show Again", QMessageBox.ButtonRole.DestructiveRole)

        def answered(button) -> None:
            if button in (start, never):  # one who started a lesson knows where they are
                self.progress.dismiss_welcome()
            if button is start:
                self.start(first)

        box.buttonClicked.connect(answered)
        box.setModal(False)
        box.show()
        return box
