"""The tools that look inside one training step, in one place: the explorers (and the inspector
and step-through that build on them), hooked into the window with a few lines.

`InspectionTools(window)` creates the tools, adds their View-menu entries, connects the build
panel's "?" buttons, and feeds them the run: a light timer looks at the worker's latest snapshot
(without taking it from the window's own frame loop) and tells each open tool about a new run or
a new snapshot. The explorers are windows of their own, built the first time they are opened
(their plots would cost the window's start-up for nothing).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction

from nnviz.app.explorers import ActivationExplorer, LossExplorer
from nnviz.app.inspector import InspectorDock
from nnviz.app.inspector_feed import InspectorFeed
from nnviz.app.step_through import StepThrough

POLL_MS = 100  # how often the tools look for a new snapshot (they redraw far less often)


class InspectionTools(QObject):
    """Owned by the main window as `window.inspection`."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._explorers: dict[type, ActivationExplorer | LossExplorer] = {}
        self.inspector = InspectorDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector)
        self.inspector.hide()
        self.inspector.exploreActivation.connect(self._on_inspector_activation)
        self.inspector.exploreLoss.connect(self._on_explore_loss)
        self.feed = InspectorFeed(window, self.inspector)
        self.step_through = StepThrough(window)
        self.step_through.walkChanged.connect(self.feed.follow_step_through)
        window.centralWidget().layout().insertWidget(1, self.step_through)  # under the banner
        self._trainer = None
        self._snapshot = None
        self.actions: dict[str, QAction] = {}
        for key, text, slot in (
            ("activation_explorer", "&Activation Explorer…", self.explore_activation),
            ("loss_explorer", "&Loss Explorer…", self.explore_loss),
        ):
            action = QAction(text, window)
            action.triggered.connect(slot)
            self.actions[key] = action
        step_action = QAction("Step &Through…", window)
        step_action.setShortcut("T")
        step_action.setToolTip(
            "Walk through the next training step phase by phase: forward, loss, backward, "
            "update (→ / ←), then take it (T)"
        )
        step_action.triggered.connect(self.step_through.start)
        window.addAction(step_action)
        self.actions["step_through"] = step_action
        train = window.menus.get("train")
        if train is not None:
            train.insertAction(window.actions["epoch"], step_action)
        inspector_action = self.inspector.toggleViewAction()
        inspector_action.setText("Neuron &Inspector")
        view = window.menus.get("view")
        if view is not None:
            view.addSeparator()
            view.addAction(inspector_action)
            for key in ("activation_explorer", "loss_explorer"):
                view.addAction(self.actions[key])
        panel = window.build_panel
        panel.layers.exploreActivation.connect(self._on_explore_layer)
        panel.optimizer.exploreLoss.connect(self._on_explore_loss)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    @property
    def activation_explorer(self) -> ActivationExplorer:
        return self._explorer(ActivationExplorer)

    @property
    def loss_explorer(self) -> LossExplorer:
        return self._explorer(LossExplorer)

    def _explorer(self, kind):
        """The explorer of this kind, built (and given the run) the first time it is asked."""
        explorer = self._explorers.get(kind)
        if explorer is None:
            explorer = self._explorers[kind] = kind(self.window)
            trainer = self._trainer  # the run the tools were last told of (poll tells the next)
            explorer.set_run(*((trainer.design, trainer.data) if trainer else (None, None)))
            explorer.set_snapshot(self._snapshot)
        return explorer

    def build_explorers(self) -> None:
        self._explorer(ActivationExplorer)
        self._explorer(LossExplorer)

    def tools(self):
        """The explorers built so far."""
        return tuple(self._explorers.values())

    def poll(self) -> None:
        """Hand a new run, and the latest snapshot, to every tool."""
        worker = self.window.worker
        trainer = worker.trainer
        if trainer is not self._trainer:
            self._trainer = trainer
            self._snapshot = None
            for tool in self.tools():
                tool.set_run(trainer.design if trainer else None, worker.dataset)
            self.feed.set_run(trainer)
        snapshot = self.window.timeline_panel.viewing or worker.latest()  # a past moment?
        if snapshot is not None and snapshot is not self._snapshot:
            self._snapshot = snapshot
            for tool in self.tools():
                tool.set_snapshot(snapshot)
            self.feed.set_snapshot(snapshot)
            self.step_through.on_snapshot(snapshot)

    def explore_activation(self, activation: str | None = None, layer: int | None = None) -> None:
        """Open the activation explorer (default: on the selected neuron's layer)."""
        self.poll()
        selection = self.window.selection
        if layer is None and selection.layer:
            layer = selection.layer
        self.activation_explorer.show_for(activation or None, layer)

    def explore_loss(self, loss: str | None = None) -> None:
        self.poll()
        self.loss_explorer.show_for(loss or None)

    def _on_explore_layer(self, index: int) -> None:
        """A build panel row's "?": its activation, with that layer's values."""
        design = self.window.document.design
        self.explore_activation(design.layers[index].activation, index + 1)

    def _on_inspector_activation(self) -> None:
        """The inspected neuron's activation, with its layer's values."""
        layer = self.window.selection.layer
        design = self._trainer.design if self._trainer is not None else None
        if design is None or not layer:
            self.explore_activation()
            return
        self.explore_activation(design.layers[layer - 1].activation, layer)

    def _on_explore_loss(self) -> None:
        self.explore_loss(self.window.document.design.loss)
