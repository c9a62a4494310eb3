"""The layer space's dock: a tab beside the training curves, listed in View.

- While the dock shows, the worker puts a layer space into its snapshots; while it is hidden
  nothing of it is computed, so training runs at full speed.
- Shown, it asks for room: panels of a few pixels untangle nothing, so the bottom dock area
  grows to at least SHOWN_SHARE of the window's height, and gets its old height back when
  another tab is chosen (unless the learner has resized it in between).
- It shows the moment the window shows. A past moment of the timeline, whose snapshot carries
  no layer space, is drawn here from that moment's weights, its axes aligned with the frame on
  screen, so scrubbing back and forth never flips a panel.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMenu

from nnviz.app.views.layer_space_view import LayerSpaceView
from nnviz.app.worker import TrainingWorker
from nnviz.core.layer_space import layer_space_at
from nnviz.core.snapshot import Snapshot

SHOWN_SHARE = 0.42  # of the window's height, at least, for the dock area while it shows


class PastMoments(Protocol):
    viewing: Snapshot | None  # the past moment shown, None for the present


class LayerSpaceWindow(Protocol):
    """What the dock uses of the main window."""

    layer_space: LayerSpaceView
    worker: TrainingWorker
    timeline_panel: PastMoments
    plots_dock: QDockWidget
    menus: dict[str, QMenu]

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...

    def tabifyDockWidget(self, first: QDockWidget, second: QDockWidget) -> None: ...

    def resizeDocks(self, docks: list, sizes: list, orientation: Qt.Orientation) -> None: ...

    def height(self) -> int: ...


class LayerSpaceDock(QDockWidget):
    """The view in its own dock (see the module notes)."""

    def __init__(self, window: LayerSpaceWindow) -> None:
        super().__init__("Layer space", window)
        self.setObjectName("layerSpaceDock")
        self.setWidget(window.layer_space)
        self._window = window
        self._room: tuple[int, int] | None = None  # (height before, height given) while grown
        # Shown, as Qt's signal says: a dock behind another tab still answers isVisible() True.
        self.shown = False
        # A method of this GUI-thread object: the worker itself lives in the training thread.
        self.visibilityChanged.connect(self._on_visibility_changed)

    @property
    def view(self) -> LayerSpaceView:
        return self._window.layer_space

    def show_moment(self, snapshot: Snapshot) -> None:
        """The window shows `snapshot` (a past moment, or the present again)."""
        if self.shown:
            self.draw_moment(snapshot)

    def draw_moment(self, snapshot: Snapshot) -> LayerSpaceView:
        """The view drawn for `snapshot`'s moment, shown or not (exports draw a hidden one):
        the snapshot's own layer space, else one computed from its weights."""
        space = snapshot.layer_space
        trainer = self._window.worker.trainer
        if space is None and trainer is not None:
            view = self.view
            space = layer_space_at(
                trainer.design, trainer.data, trainer.targets, trainer.seed, snapshot, view.frame()
            )
        if space is not None:
            self.view.draw(space)
        return self.view

    def _on_visibility_changed(self, visible: bool) -> None:
        self.shown = visible
        self._window.worker.set_layer_space(visible)
        if not visible:
            self._give_room_back()
            return
        self._make_room()
        past = self._window.timeline_panel.viewing
        if past is not None:
            self.draw_moment(past)

    def _make_room(self) -> None:
        if self.isFloating() or self._room is not None:
            return
        window = self._window
        wanted = int(window.height() * SHOWN_SHARE)
        before = self.height()
        if before < wanted:
            window.resizeDocks([self], [wanted], Qt.Orientation.Vertical)
            self._room = (before, -1)
            QTimer.singleShot(0, self._note_room)  # the height given, once laid out

    def _note_room(self) -> None:
        if self._room is not None:
            self._room = (self._room[0], self.height())

    def _give_room_back(self) -> None:
        room, self._room = self._room, None
        if room is None or self.isFloating():
            return
        before, given = room
        if self.height() == given:  # not resized by the learner since
            self._window.resizeDocks([self], [before], Qt.Orientation.Vertical)


def add_layer_space_dock(window: LayerSpaceWindow) -> LayerSpaceDock:
    """The layer space dock, a tab beside the training curves, listed in View."""
    dock = LayerSpaceDock(window)
    dock.setFeatures(window.plots_dock.features())
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.tabifyDockWidget(window.plots_dock, dock)
    window.plots_dock.raise_()
    window.menus["view"].addAction(dock.toggleViewAction())
    return dock
