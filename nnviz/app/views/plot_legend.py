"""A plot legend small enough for the plots of a 1366×768 screen.

pyqtgraph's own legend gives every entry a 20×20 sample and a label with a 4-pixel text margin
all round: three rows of it are 73 pixels tall, taller than a training plot's whole drawing
area there (81), so with other runs overlaid the legend found no corner and was left out.
Here an entry is a short line beside its label with no text margin: rows of 13 pixels, and six
entries in two columns fit in the corner of the smallest plot.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QRectF

SAMPLE_SIZE = (16, 10)  # the line's width, and the row height it asks for
MARGINS = (5, 3, 5, 3)  # inside the legend's frame: left, top, right, bottom


class LineSample(ItemSample):
    """A curve's pen drawn as a short line (pyqtgraph's sample, smaller)."""

    def __init__(self, item) -> None:
        super().__init__(item)
        width, height = SAMPLE_SIZE
        self.setFixedWidth(width)
        self.setFixedHeight(height)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, *SAMPLE_SIZE)

    def paint(self, painter, *_args) -> None:
        if not self.item.isVisible():  # a curve hidden by a click on its sample: no line
            return
        width, height = SAMPLE_SIZE
        painter.setPen(pg.mkPen(self.item.opts["pen"]))
        painter.drawLine(0, height // 2, width, height // 2)


class CompactLegend(pg.LegendItem):
    """pyqtgraph's legend with `LineSample`s and labels without a text margin."""

    def __init__(self, **options) -> None:
        super().__init__(sampleType=LineSample, **options)
        self.layout.setContentsMargins(*MARGINS)

    def addItem(self, item, name: str) -> None:
        super().addItem(item, name)
        label = self.items[-1][1]
        label.item.document().setDocumentMargin(0)
        label.setText(label.text)  # measured again without the margin
        self.updateSize()


def add_compact_legend(plot: pg.PlotItem, **options) -> CompactLegend:
    """Give `plot` a `CompactLegend` where `PlotItem.addLegend` would put its own."""
    legend = CompactLegend(**options)
    legend.setParentItem(plot.getViewBox())
    plot.legend = legend
    return legend
