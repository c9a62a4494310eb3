"""The network canvas's header: what is shown (title, step, sample) on the left, the colour
legend with its caption on the right, arranged so that nothing overlaps at any width.

The arrangement is chosen for the widest title the sweep can show, not the current one, so the
legend does not jump about while the wave moves from layer to layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from nnviz.app.views.canvas_layout import HEADER_H

MARGIN = 14.0
GAP = 16.0
BAR_W = 150.0
BAR_H = 9.0
TICK_W = 36.0  # room for a tick label ("+max") centred on its tick
CAPTION_GAP = TICK_W / 2 + 4  # the caption ends clear of the "−max" under the bar's left end
ROW_H = 24.0  # an extra row when the legend has to go under the title
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
FRAME = QColor(200, 204, 208)


@dataclass(frozen=True)
class HeaderLayout:
    """Rectangles of the header's parts; `height` is where the drawing band may start."""

    height: float
    title: QRectF
    info: QRectF
    captions: tuple[QRectF, ...]
    bar: QRectF

    def parts(self) -> dict[str, QRectF]:
        """Every part by name, the legend as one rectangle (bar, ticks and caption)."""
        legend = QRectF(self.bar.adjusted(-TICK_W / 2, 0, TICK_W / 2, 17))
        for rect in self.captions:
            legend = legend.united(rect)
        return {"title": self.title, "info": self.info, "legend": legend}


class CanvasHeader:
    """Lays out and paints the header with fixed fonts and a pre-built legend image."""

    def __init__(self, base: QFont, legend: QImage) -> None:
        self.bold = QFont(base)
        self.bold.setPointSizeF(9.0)
        self.bold.setBold(True)
        self.small = QFont(base)
        self.small.setPointSizeF(8.0)
        self.legend = legend
        self._bold_metrics = QFontMetricsF(self.bold)
        self._small_metrics = QFontMetricsF(self.small)

    def layout(
        self,
        width: float,
        titles: Sequence[str],
        info: str,
        captions: Sequence[tuple[str, str]],
    ) -> HeaderLayout:
        """Legend beside the title when there is room (caption on one line, else two), else on
        a row of its own under the title. Widths are those of the widest candidates."""
        bold, small = self._bold_metrics, self._small_metrics
        title_w = max(bold.horizontalAdvance(t) for t in titles) + 4
        info_w = small.horizontalAdvance(info) + 4
        left_w = max(title_w, info_w)
        one = max(small.horizontalAdvance(" · ".join(c)) for c in captions) + 4
        two = max(small.horizontalAdvance(line) for c in captions for line in c) + 4
        title = QRectF(MARGIN, 8, title_w, 18)
        info_rect = QRectF(MARGIN, 26, info_w, 16)
        right = width - MARGIN - TICK_W / 2
        for caption_w, lines in ((one, 1), (two, 2)):
            if MARGIN + left_w + GAP + caption_w + CAPTION_GAP + BAR_W <= right:
                bar = QRectF(right - BAR_W, 14, BAR_W, BAR_H)
                return HeaderLayout(
                    HEADER_H, title, info_rect, self._captions(bar, caption_w, lines), bar
                )
        # Stacked: the legend gets a row under the title and info.
        lines = 1 if MARGIN + one + CAPTION_GAP + BAR_W <= right else 2
        caption_w = one if lines == 1 else two
        bar_left = min(MARGIN + caption_w + CAPTION_GAP, max(right - BAR_W, MARGIN))
        bar = QRectF(bar_left, HEADER_H + 4, BAR_W, BAR_H)
        return HeaderLayout(
            HEADER_H + ROW_H + 6, title, info_rect, self._captions(bar, caption_w, lines), bar
        )

    @staticmethod
    def _captions(bar: QRectF, caption_w: float, lines: int) -> tuple[QRectF, ...]:
        left = bar.left() - CAPTION_GAP - caption_w
        if lines == 1:
            return (QRectF(left, bar.top() - 4, caption_w, 16),)
        return (
            QRectF(left, bar.top() - 7, caption_w, 14),
            QRectF(left, bar.top() + 7, caption_w, 14),
        )

    def paint(
        self,
        painter: QPainter,
        layout: HeaderLayout,
        title: str,
        info: str,
        caption: tuple[str, str],
    ) -> None:
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(self.bold)
        painter.setPen(TEXT)
        painter.drawText(layout.title, left, title)
        painter.setFont(self.small)
        painter.setPen(MUTED)
        painter.drawText(layout.info, left, info)
        texts = (" · ".join(caption),) if len(layout.captions) == 1 else caption
        for rect, text in zip(layout.captions, texts, strict=True):
            painter.drawText(rect, right, text)
        bar = layout.bar
        painter.drawImage(bar, self.legend)
        painter.setPen(QPen(FRAME))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        painter.setPen(MUTED)
        for frac, text in ((0.0, "−max"), (0.5, "0"), (1.0, "+max")):
            x = bar.left() + frac * bar.width()
            painter.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + 3))
            painter.drawText(
                QRectF(x - TICK_W / 2, bar.bottom() + 3, TICK_W, 14),
                Qt.AlignmentFlag.AlignHCenter,
                text,
            )
