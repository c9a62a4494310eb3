"""The docks an image network adds to the window: first-layer weight pictures and the gallery
of misclassified test samples, side by side with the training curves.

The window creates one `ImageDocks`, hands it each run's dataset and each snapshot; it shows the
docks for image data (and hides them for other data, where they would be empty).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea

from nnviz.app.views.mistakes_gallery import MistakesGallery
from nnviz.app.views.weight_images import WeightImagesView
from nnviz.core.snapshot import Snapshot


class ImageDocks:
    """Owns the "First-layer weights" and "Mistakes" docks of one window."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.weights = WeightImagesView()
        self.gallery = MistakesGallery()
        self.weights_dock = _dock(window, "First-layer weights", "weightImagesDock", self.weights)
        scroll = QScrollArea()
        scroll.setWidget(self.gallery)
        scroll.setWidgetResizable(True)  # as wide as the dock, as tall as the mistakes need
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.gallery_dock = _dock(window, "Mistakes", "mistakesGalleryDock", scroll)
        # Beside the curves' group of tabs (splitting next to a tabbed dock would add a tab).
        window.tabifyDockWidget(self.weights_dock, self.gallery_dock)
        self.weights_dock.raise_()
        self._image_data = False
        self._latest: Snapshot | None = None
        for dock in self.docks():  # a dock brought to front shows the run as it is now
            dock.visibilityChanged.connect(self._on_visibility)
        # A weight picture clicked selects its neuron everywhere; the selected one is framed.
        self.selection = window.selection
        self.weights.picked.connect(self._on_picked)
        self.selection.changed.connect(self._on_selection)
        self.show_for(None)

    def _on_picked(self, unit: int) -> None:
        self.selection.set(layer=1, neuron=unit)

    def _on_selection(self) -> None:
        first_layer = self.selection.layer == 1
        self.weights.set_selected(self.selection.neuron if first_layer else None)

    def docks(self) -> tuple[QDockWidget, QDockWidget]:
        return self.weights_dock, self.gallery_dock

    def show_for(self, dataset) -> None:
        """A new run: image data shows both docks (weights in front), other data hides them."""
        picture = getattr(dataset, "picture", None)
        self.weights.set_picture(picture)
        self.gallery.set_picture(picture)
        image_data = picture is not None
        if image_data != self._image_data or dataset is None:
            for dock in self.docks():
                dock.setVisible(image_data)
            if image_data:
                self.weights_dock.raise_()
        self._image_data = image_data

    def set_snapshot(self, snapshot: Snapshot, settled: bool) -> None:
        self._latest = snapshot
        if not self._image_data:
            return
        if not self.weights_dock.visibleRegion().isEmpty():
            self.weights.set_snapshot(snapshot, force=settled)
        if not self.gallery_dock.visibleRegion().isEmpty():
            self.gallery.set_snapshot(snapshot)

    def _on_visibility(self, visible: bool) -> None:
        """A tab chosen while the run is paused gets no new snapshot: draw the last one."""
        if visible and self._latest is not None:
            self.set_snapshot(self._latest, True)


def _dock(window: QMainWindow, title: str, name: str, widget) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock, Qt.Orientation.Horizontal)
    return dock
