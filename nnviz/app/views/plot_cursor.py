"""A cursor on every training plot: where the timeline stands, what lies under the mouse.

A vertical line marks the step the window shows when it shows a past moment. Hovering a plot
writes the step, the epoch and each curve's value there (`nnviz.core.readout`) in the plot's
top-left corner, with a dotted line under the mouse; a left click asks for that step
(`stepRequested`), which the timeline shows.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor

from nnviz.app.views.plots import FOREGROUND, PlotsPanel
from nnviz.core.readout import epoch_of, readout

CURSOR = QColor(200, 40, 120)
HOVER = QColor(120, 126, 134)


class PlotCursors(QObject):
    """Cursor lines and hover read-outs for the plots of a `PlotsPanel`."""

    stepRequested = Signal(int)  # noqa: N815 - Qt naming

    def __init__(self, panel: PlotsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.batches_per_epoch = 1
        self.last_step = 0
        self._lines: dict[str, pg.InfiniteLine] = {}
        self._hover: dict[str, pg.InfiniteLine] = {}
        self._labels: dict[str, pg.TextItem] = {}
        for name, widget in panel.plot_widgets().items():
            plot = widget.getPlotItem()
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR, width=2))
            hover = pg.InfiniteLine(
                angle=90, movable=False, pen=pg.mkPen(HOVER, style=Qt.PenStyle.DotLine)
            )
            label = pg.TextItem(
                color=FOREGROUND,
                fill=pg.mkBrush(255, 255, 255, 225),
                border=pg.mkPen(QColor(200, 204, 210)),
                anchor=(0, 0),
            )
            for item, z in ((line, 15), (hover, 14), (label, 30)):
                item.setZValue(z)
                item.hide()
                plot.addItem(item, ignoreBounds=True)
            self._lines[name], self._hover[name], self._labels[name] = line, hover, label
            scene = widget.scene()
            scene.sigMouseMoved.connect(lambda pos, n=name: self._on_moved(n, pos))
            scene.sigMouseClicked.connect(lambda event, n=name: self._on_clicked(n, event))
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            for name, widget in self.panel.plot_widgets().items():
                if widget is watched:
                    self._hide_hover(name)
        return False

    def set_run(self, batches_per_epoch: int, last_step: int) -> None:
        """The run's epoch length and newest step (steps under the mouse stay within it)."""
        self.batches_per_epoch = max(int(batches_per_epoch), 1)
        self.last_step = int(last_step)

    def set_cursor(self, step: int | None) -> None:
        """Mark `step` on every plot (None: no mark, the window shows the present)."""
        for line in self._lines.values():
            if step is None:
                line.hide()
            else:
                line.setValue(epoch_of(step, self.batches_per_epoch))
                line.show()

    def cursor(self, name: str) -> float | None:
        """The cursor's epoch on one plot, None when hidden."""
        line = self._lines[name]
        return float(line.value()) if line.isVisible() else None

    def hover_text(self, name: str) -> str:
        label = self._labels[name]
        return label.textItem.toPlainText() if label.isVisible() else ""

    def _epoch_at(self, name: str, pos: QPointF) -> float | None:
        plot = self.panel.plot_widgets()[name].getPlotItem()
        box = plot.getViewBox()
        if not box.sceneBoundingRect().contains(pos):
            return None
        return float(box.mapSceneToView(pos).x())

    def _on_moved(self, name: str, pos: QPointF) -> None:
        epoch = self._epoch_at(name, pos)
        if epoch is None:
            self._hide_hover(name)
            return
        result = readout(epoch, self.panel.curve_data(name), self.batches_per_epoch, self.last_step)
        label, hover = self._labels[name], self._hover[name]
        label.setText(result.text())
        # in the top-left corner, where the edge never clips it (the legend steps aside)
        (x0, _x1), (_y0, y1) = self.panel.plot_widgets()[name].getPlotItem().viewRange()
        label.setPos(x0, y1)
        hover.setValue(result.epoch)
        label.show()
        hover.show()
        self.panel.set_read_out(name, True)

    def _hide_hover(self, name: str) -> None:
        self._labels[name].hide()
        self._hover[name].hide()
        self.panel.set_read_out(name, False)

    def _on_clicked(self, name: str, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        epoch = self._epoch_at(name, event.scenePos())
        if epoch is not None:
            result = readout(epoch, {}, self.batches_per_epoch, self.last_step)
            self.stepRequested.emit(result.step)
