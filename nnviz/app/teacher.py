"""Teacher mode: hide parts of the window so a class sees only the idea at hand.

The parts to hide come from a lesson file (`"hide"`) or from the open design's `meta.hide`
(`window_parts.HIDEABLE` names: the data view, the Build panel, single plots, …). Only what was
visible is hidden, and `restore` shows exactly that again; a bad `meta.hide` is reported in the
banner and hides nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from nnviz.core.design import Design, DesignError
from nnviz.core.window_parts import hidden_parts


class TeacherMode(QObject):
    """The parts hidden now, and by whom: the design's `meta` or a lesson."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.hidden: list[QWidget] = []
        self.names: tuple[str, ...] = ()
        window.document.designChanged.connect(self._on_design_changed)

    def hide_parts(self, names: tuple[str, ...]) -> None:
        """Hide `names` (after showing again whatever an earlier call hid)."""
        self.restore()
        for name in names:
            part = self._part(name)
            if part is not None and not part.isHidden():
                part.hide()
                self.hidden.append(part)
        self.names = tuple(names)

    def restore(self) -> None:
        for part in self.hidden:
            part.show()
        self.hidden = []
        self.names = ()

    def apply_design(self, design: Design) -> None:
        """The design's own `meta.hide` (none: everything shown)."""
        try:
            names = hidden_parts(design.meta)
        except DesignError as error:
            self.window.banner.show_message(f"Teacher mode not applied: {error}")
            names = ()
        self.hide_parts(names)

    def _on_design_changed(self, old: Design, new: Design) -> None:
        if old.meta.get("hide") != new.meta.get("hide"):
            self.apply_design(new)

    def _part(self, name: str) -> QWidget | None:
        return self.window.findChild(QWidget, name)
