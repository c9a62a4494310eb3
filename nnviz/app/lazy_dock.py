"""A dock whose content is built the first time it is shown or asked for.

Most docks start hidden (the playground, the inspector, the distributions behind the training
curves), and building their plots costs a window's start-up hundreds of milliseconds that its
first frame does not need. A `LazyDock` holds only its title, its place and its View-menu entry
until then; `widget()` (from Python) builds the content, so code that reaches into a dock's
content always finds it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDockWidget, QWidget


class LazyDock(QDockWidget):
    """`build()` makes the content, once: when the dock is first on screen or `widget()` is
    asked."""

    def __init__(self, title: str, parent: QWidget, build: Callable[[], QWidget]) -> None:
        super().__init__(title, parent)
        self._build: Callable[[], QWidget] | None = build
        # Not on a show event: a dock tabbed behind another is shown with the window too, but
        # only `visibilityChanged` says whether its tab is the one on screen.
        self.visibilityChanged.connect(self._on_visibility)

    @property
    def built(self) -> bool:
        return self._build is None

    def widget(self) -> QWidget:
        if self._build is not None:
            build, self._build = self._build, None
            self.setWidget(build())
        return super().widget()

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self.widget()
