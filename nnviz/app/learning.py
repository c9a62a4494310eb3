"""Hooks the learning tools into the main window: the optimizer playground and the Help menu.

Kept out of `main_window.py` so the window gains them with one call.
"""

from __future__ import annotations

from nnviz.app.views.optimizer_playground import make_playground_dock


def install_learning(window) -> None:
    """The playground dock (View menu, Help menu) on `window`."""
    window.playground_dock = make_playground_dock(window)
    toggle = window.playground_dock.toggleViewAction()
    toggle.setText("Optimizer &Playground")
    window.menus["view"].addAction(toggle)
    window.menus["help"].addAction(toggle)
