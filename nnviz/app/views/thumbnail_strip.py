"""A row of training pictures to pick the traced sample from: click one and the whole window
follows it (the canvas, the probabilities, the inspector), through the window's selection.

It shows the samples around the chosen one (a page of as many as fit), the chosen one framed.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from nnviz.app.views.images import picture_image

HEIGHT = 46
PAD = 4
CHOSEN = QColor(214, 39, 40)
MUTED = QColor(190, 195, 200)


class ThumbnailStrip(QWidget):
    """Training samples as small pictures; `picked(row)` when one is clicked."""

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleThumbnails")
        self.setFixedHeight(HEIGHT)
        self.setToolTip("Click a picture to trace that training sample through the network")
        self._dataset = None
        self._current: int | None = None
        self._cache: dict[int, object] = {}

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset if getattr(dataset, "picture", None) is not None else None
        self._cache = {}
        self.update()

    def set_current(self, row: int | None) -> None:
        self._current = row
        self.update()

    def rows(self) -> list[int]:
        """The training rows shown, left to right: a page of as many as fit, holding the
        chosen one."""
        if self._dataset is None:
            return []
        n = len(self._dataset.x_train)
        fit = max(1, (self.width() - PAD) // (HEIGHT - 2 * PAD + PAD))
        start = ((self._current or 0) // fit) * fit
        return list(range(start, min(start + fit, n)))

    def _slot(self, k: int) -> QRectF:
        side = HEIGHT - 2 * PAD
        return QRectF(PAD + k * (side + PAD), PAD, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        if self._dataset is None:
            return
        look = self._dataset.picture
        for k, row in enumerate(self.rows()):
            picture = self._cache.get(row)
            if picture is None:
                picture = self._cache[row] = picture_image(self._dataset.x_train[row], look)
            rect = self._slot(k)
            painter.drawImage(rect, picture)
            pen = QPen(CHOSEN if row == self._current else MUTED)
            pen.setWidthF(2.0 if row == self._current else 1.0)
            painter.setPen(pen)
            painter.drawRect(rect)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for k, row in enumerate(self.rows()):
                if self._slot(k).contains(event.position()):
                    self.picked.emit(row)
                    return
        super().mousePressEvent(event)
