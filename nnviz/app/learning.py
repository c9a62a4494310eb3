"""Hooks the learning tools into the main window: lessons, teacher mode, the playground.

Kept out of `main_window.py` so the window gains them with one call. It also gives the window's
parts the object names lessons point at (`window_parts.TARGETS`).
"""

from __future__ import annotations

from nnviz.app.lesson_runner import LessonRunner
from nnviz.app.teacher import PresentationZoom, TeacherMode
from nnviz.app.views.optimizer_playground import make_playground_dock

# Object names for parts the window builds without one.
PLOT_NAMES = {
    "loss": "lossPlot",
    "score": "scorePlot",
    "grad_norm": "gradNormPlot",
    "stuck": "stuckPlot",
}


def name_parts(window) -> None:
    window.canvas.setObjectName("networkCanvas")
    window.data_view.setObjectName("dataView")
    window.statusBar().setObjectName("statusBar")
    panel = window.build_panel
    for section, name in (
        (panel.dataset, "datasetSection"),
        (panel.layers, "layersSection"),
        (panel.optimizer, "optimizerSection"),
        (panel.training, "trainingSection"),
    ):
        section.setObjectName(name)
    for key, widget in window.plots.plot_widgets().items():
        widget.setObjectName(PLOT_NAMES[key])


def install_learning(window) -> None:
    """Lessons (Help › Lessons), teacher mode, presentation zoom (View menu) and the
    playground dock (View and Help menus)."""
    name_parts(window)
    window.playground_dock = make_playground_dock(window)
    toggle = window.playground_dock.toggleViewAction()
    toggle.setText("Optimizer &Playground")
    window.menus["view"].addAction(toggle)
    window.teacher = TeacherMode(window)
    window.zoom = PresentationZoom(window)
    window.menus["view"].addSeparator()
    for action in window.zoom.actions():
        window.menus["view"].addAction(action)
    window.lessons = LessonRunner(window)
    lessons = window.menus["help"].addMenu("&Lessons")
    lessons.setObjectName("lessonsMenu")
    lessons.aboutToShow.connect(lambda: window.lessons.fill_menu(lessons))
    window.menus["lessons"] = lessons
    window.menus["help"].addAction(toggle)
    window.teacher.apply_design(window.document.design)
