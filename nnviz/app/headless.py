"""A finished run drawn without a window: the views built off screen, then exported.

`nnviz export` trains with the core alone, then hands the trainer here; the pictures come from
the same widgets the window shows, so a headless export looks exactly like one from the window.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSize

from nnviz.app.export import RunViews, export_run
from nnviz.app.views.data_view import DataView
from nnviz.app.views.layer_space_view import LayerSpaceView
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.app.views.plots import PlotsPanel
from nnviz.core.snapshot_maker import GRID_RESOLUTION
from nnviz.core.trainer import Trainer

NETWORK_SIZE = QSize(1000, 560)
PLANE_SIZE = QSize(520, 520)
LAYER_SPACE_SIZE = QSize(1200, 340)


def export_trainer(trainer: Trainer, folder: str | os.PathLike[str]) -> list[Path]:
    """Every export of `trainer`'s current state into `folder` (needs a QApplication)."""
    data = trainer.data
    design = trainer.design
    # A fresh grid of the final weights (training may have run without one, for speed).
    trainer.grid_resolution = GRID_RESOLUTION if data.plane else None
    trainer.show_layer_space(True)
    snapshot = trainer.snapshot()

    plots = PlotsPanel()
    plots.start_run(data.task, len(design.layers), trainer.evaluated_on())
    plots.set_snapshot(snapshot, force=True)
    canvas = NetworkCanvas()
    canvas.resize(NETWORK_SIZE)
    canvas.set_mode("off")
    canvas.set_design(design)
    canvas.set_feature_names(data.feature_names)
    canvas.set_picture(data.picture)
    canvas.set_snapshot(snapshot)
    data_view = DataView()
    data_view.set_dataset(data)
    data_view.set_snapshot(snapshot)
    plane = data_view.plane.plot if data_view.page() == "plane" else None
    if plane is not None:
        plane.resize(PLANE_SIZE)
    layer_space = LayerSpaceView()
    layer_space.resize(LAYER_SPACE_SIZE)
    layer_space.graphics.resize(LAYER_SPACE_SIZE)  # never shown: its layout never runs
    layer_space.set_dataset(data)
    layer_space.draw(snapshot.layer_space)
    views = RunViews(plots, canvas, plane, snapshot, design, layer_space)
    return export_run(views, folder)
