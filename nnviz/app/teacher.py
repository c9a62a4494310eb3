"""Teacher mode: hide parts of the window so a class sees only the idea at hand, and zoom the
window's text for a projector.

The parts to hide come from a lesson file (`"hide"`) or from the open design's `meta.hide`
(`window_parts.HIDEABLE` names: the data view, the Build panel, single plots, …). Only what was
visible is hidden, and `restore` shows exactly that again; a bad `meta.hide` is reported in the
banner and hides nothing.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

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


# Presentation zoom: the steps Zoom In / Zoom Out move through (1 = the window's own size).
ZOOM_LEVELS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)


class PresentationZoom(QObject):
    """View › Zoom In / Out / Reset: scales the text of every panel, label, menu and plot axis
    at once, for a projector; the layout follows by itself."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.base = QFont(QApplication.font())
        self.level = ZOOM_LEVELS.index(1.0)
        self._axis_sizes: dict[int, float] = {}  # fixed axis sizes before zooming, by axis

    @property
    def factor(self) -> float:
        return ZOOM_LEVELS[self.level]

    def zoom_in(self) -> None:
        self.set_level(self.level + 1)

    def zoom_out(self) -> None:
        self.set_level(self.level - 1)

    def reset(self) -> None:
        self.set_level(ZOOM_LEVELS.index(1.0))

    def set_level(self, level: int) -> None:
        level = min(max(level, 0), len(ZOOM_LEVELS) - 1)
        self.level = level
        font = QFont(self.base)
        font.setPointSizeF(self.base.pointSizeF() * self.factor)
        QApplication.setFont(font)
        for widget in QApplication.allWidgets():
            if isinstance(widget, pg.PlotWidget):
                for side in ("left", "bottom"):
                    self._scale_axis(widget.getAxis(side), font)
        self.window.statusBar().showMessage(f"Zoom {self.factor:.0%}", 2000)

    def _scale_axis(self, axis: pg.AxisItem, font: QFont) -> None:
        """Tick labels in the zoomed font, and a fixed-size axis grown to hold them."""
        axis.setStyle(tickFont=font)
        vertical = axis.orientation in ("left", "right")
        fixed = axis.fixedWidth if vertical else axis.fixedHeight
        if fixed is None:
            return
        base = self._axis_sizes.setdefault(id(axis), fixed)
        size = round(base * max(self.factor, 1.0))
        if vertical:
            axis.setWidth(size)
        else:
            axis.setHeight(size)

    def actions(self) -> list[QAction]:
        """Zoom In (Ctrl+= and Ctrl++), Zoom Out (Ctrl+−), Reset Zoom (Ctrl+0)."""
        out = []
        for text, slot, keys in (
            ("Zoom &In", self.zoom_in, ["Ctrl+=", QKeySequence.StandardKey.ZoomIn]),
            ("Zoom &Out", self.zoom_out, [QKeySequence.StandardKey.ZoomOut]),
            ("&Reset Zoom", self.reset, ["Ctrl+0"]),
        ):
            action = QAction(text, self.window)
            shortcuts = []
            for key in keys:
                shortcuts.extend(
                    QKeySequence.keyBindings(key)
                    if not isinstance(key, str)
                    else [QKeySequence(key)]
                )
            action.setShortcuts(shortcuts)
            action.triggered.connect(slot)
            self.window.addAction(action)
            out.append(action)
        return out
