"""What the window's helpers may use of the window.

The File menu's logic, the Runs dock and the timeline are handed the main window; they see it
through `WindowApi`, so none imports the window's module (which imports them) and what they
rely on is written down in one place.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QStatusBar

from nnviz.app.data_loading import DataLoading
from nnviz.app.document import DesignDocument
from nnviz.app.run_lifecycle import RunLifecycle
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.app.views.plots import PlotsPanel
from nnviz.app.worker import TrainingWorker
from nnviz.core.runs import RunList
from nnviz.core.snapshot import Snapshot


class Messages(Protocol):
    """The banner above the network: one inline message at a time."""

    def show_message(
        self, text: str, button: str | None = None, callback=None, kind: str = "problem"
    ) -> None: ...

    def text(self) -> str: ...

    def hide(self) -> None: ...


class RunsList(Protocol):
    runs: RunList


class WindowApi(Protocol):
    document: DesignDocument
    worker: TrainingWorker
    data_loading: DataLoading
    plots: PlotsPanel
    canvas: NetworkCanvas
    banner: Messages
    runs_dock: RunsList
    run: RunLifecycle  # install a run through it

    def show_moment(self, snapshot: Snapshot) -> None: ...

    def toggle_play(self) -> None: ...

    def update_title(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...
