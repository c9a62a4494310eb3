"""The test samples the network gets wrong, each with its true and its predicted class.

Drawn from the snapshot's `MistakesView` (computed in core on a fixed, bounded sample of the
test split, so the caption says how many were examined); it changes as training goes on.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from nnviz.app.views.images import picture_image
from nnviz.core.class_names import class_name
from nnviz.core.image_views import MistakesView
from nnviz.core.pictures import Picture
from nnviz.core.snapshot import Snapshot

CAPTION_H = 22
LABEL_H = 28
MIN_THUMB = 44
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
WRONG = QColor(213, 94, 0)


class MistakesGallery(QWidget):
    """A grid of misclassified test samples: picture, "true → predicted", confidence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakesGallery")
        self.setMinimumSize(220, 160)
        self._picture: Picture | None = None
        self._view: MistakesView | None = None
        self._names: tuple[str, ...] | None = None
        self._pictures: list = []
        self._font = QFont(self.font())
        self._font.setPointSizeF(8.0)

    def set_picture(self, picture: Picture | None) -> None:
        self._picture = picture
        self._view = None
        self._pictures = []
        self.update()

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None or snapshot.mistakes is None or snapshot.mistakes is self._view:
            return
        self._view = snapshot.mistakes
        self._names = snapshot.class_names
        look = self._picture or Picture(1, self._view.images.shape[1])
        self._pictures = [picture_image(image, look) for image in self._view.images]
        self.update()

    def captions(self) -> list[str]:
        """ "true → predicted" under each picture, in the order shown."""
        if self._view is None:
            return []
        return [
            f"{class_name(self._names, t)} → {class_name(self._names, p)}"
            for t, p in zip(self._view.true.tolist(), self._view.predicted.tolist(), strict=True)
        ]

    def summary(self) -> str:
        view = self._view
        if view is None:
            return "Mistakes on test samples appear here once the network has trained a step"
        shown = f" (first {len(view.rows)} shown)" if view.wrong > len(view.rows) else ""
        return (
            f"Wrong on {view.wrong} of {view.examined:,} test samples{shown} · "
            f"true → predicted (the network's confidence) · step {view.step}"
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setFont(self._font)
        painter.setPen(TEXT)
        painter.drawText(
            QRectF(6, 0, self.width() - 12, CAPTION_H),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.summary(),
        )
        if not self._pictures:
            return
        width, height = self.width() - 12, self.height() - CAPTION_H - 4
        count = len(self._pictures)
        columns, thumb = _fit(count, width, height)
        captions = self.captions()
        confidence = self._view.confidence.tolist()
        outline = QPen(MUTED)
        for k, picture in enumerate(self._pictures):
            r, c = divmod(k, columns)
            x = 6 + c * (thumb + 6)
            y = CAPTION_H + 2 + r * (thumb + LABEL_H)
            if y + thumb > self.height():
                break
            rect = QRectF(x, y, thumb, thumb)
            painter.drawImage(rect, picture)
            painter.setPen(outline)
            painter.drawRect(rect)
            painter.setPen(WRONG)
            label = QRectF(x - 3, y + thumb, thumb + 6, 14)
            painter.drawText(label, Qt.AlignmentFlag.AlignHCenter, captions[k])
            painter.setPen(MUTED)
            painter.drawText(
                label.translated(0, 12), Qt.AlignmentFlag.AlignHCenter, f"{confidence[k]:.0%}"
            )


def _fit(count: int, width: float, height: float) -> tuple[int, float]:
    """(columns, thumbnail side) showing as many pictures as fit, none smaller than MIN_THUMB."""
    best = (max(int(width // (MIN_THUMB + 6)), 1), float(MIN_THUMB))
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        side = min(width / columns - 6, height / rows - LABEL_H)
        if side >= best[1]:
            best = (columns, side)
    return best[0], min(best[1], 96.0)
