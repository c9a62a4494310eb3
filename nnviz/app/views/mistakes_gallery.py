"""The test samples the network gets wrong, each with its true and its predicted class.

Drawn from the snapshot's `MistakesView` (computed in core on a fixed, bounded sample of the
test split, so the caption says how many were examined); it changes as training goes on. The
thumbnails keep one readable size and the dock scrolls through them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from nnviz.app.views.images import picture_image
from nnviz.core.class_names import class_name
from nnviz.core.image_views import MistakesView
from nnviz.core.pictures import Picture
from nnviz.core.snapshot import Snapshot

MARGIN = 6
THUMB = 56  # pixels a side: a 28×28 picture at twice its size
SPACING = 8
LINE_H = 13  # one line of a thumbnail's label
TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
WRONG = QColor(213, 94, 0)


class MistakesGallery(QWidget):
    """A grid of misclassified test samples: picture, "true → predicted", confidence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakesGallery")
        self.setMinimumSize(220, 160)
        self.setMouseTracking(True)
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
        self._fit_height()
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
        shown = f", the first {len(view.rows)} shown" if view.wrong > len(view.rows) else ""
        return (
            f"Wrong on {view.wrong} of {view.examined:,} test samples at step {view.step}"
            f"{shown} · true → predicted, with the network's confidence in its answer"
        )

    def label_lines(self) -> list[list[str]]:
        """What is written under each picture, line by line: "7 → 9" and the confidence, or,
        where class names are too long for that ("T-shirt/top → ankle boot"), the true
        class, "→ predicted" and the confidence, each cut to the thumbnail's width."""
        if self._view is None:
            return []
        metrics = QFontMetrics(self._font)
        room = THUMB + SPACING
        names = [
            (class_name(self._names, t), class_name(self._names, p))
            for t, p in zip(self._view.true.tolist(), self._view.predicted.tolist(), strict=True)
        ]
        split = any(metrics.horizontalAdvance(f"{t} → {p}") > room for t, p in names)
        lines = []
        confidences = self._view.confidence.tolist()
        for (true, predicted), confidence in zip(names, confidences, strict=True):
            words = [true, f"→ {predicted}"] if split else [f"{true} → {predicted}"]
            words = [metrics.elidedText(w, Qt.TextElideMode.ElideRight, room) for w in words]
            lines.append([*words, f"{confidence:.0%}"])
        return lines

    def layout_for(self, width: int) -> tuple[int, int]:
        """(columns, height) of the grid at this width: thumbnails of THUMB pixels, as many
        rows as the mistakes need (the dock scrolls)."""
        columns = max(1, (width - 2 * MARGIN) // (THUMB + SPACING))
        rows = math.ceil(len(self._pictures) / columns)
        return columns, self._caption_height(width) + rows * self._row_height() + MARGIN

    def _row_height(self) -> int:
        lines = self.label_lines()
        return THUMB + 4 + LINE_H * (len(lines[0]) if lines else 2)

    def _caption_height(self, width: int) -> int:
        metrics = QFontMetrics(self._font)
        box = metrics.boundingRect(
            0, 0, max(width - 2 * MARGIN, 40), 1000, Qt.TextFlag.TextWordWrap, self.summary()
        )
        return box.height() + 6

    def mistake_at(self, x: float, y: float) -> int | None:
        """The position in the gallery of the thumbnail under a point, or None."""
        if not self._pictures:
            return None
        columns = self.layout_for(self.width())[0]
        top = self._caption_height(self.width())
        c, r = int((x - MARGIN) // (THUMB + SPACING)), int((y - top) // self._row_height())
        k = r * columns + c
        inside = x >= MARGIN and y >= top and c < columns
        return k if inside and k < len(self._pictures) else None

    def mouseMoveEvent(self, event) -> None:
        k = self.mistake_at(event.position().x(), event.position().y())
        if k is None:
            self.setToolTip("")
        else:
            view = self._view
            self.setToolTip(
                f"Test sample {int(view.rows[k])}: {self.captions()[k]}, "
                f"{view.confidence[k]:.0%} sure of its answer"
            )
        super().mouseMoveEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        self.setMinimumHeight(self.layout_for(self.width())[1])

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setFont(self._font)
        painter.setPen(TEXT)
        caption = self._caption_height(self.width())
        painter.drawText(
            QRectF(MARGIN, 2, self.width() - 2 * MARGIN, caption),
            Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
            self.summary(),
        )
        if not self._pictures:
            return
        columns = self.layout_for(self.width())[0]
        row_height = self._row_height()
        outline = QPen(MUTED)
        for k, (picture, lines) in enumerate(zip(self._pictures, self.label_lines(), strict=True)):
            r, c = divmod(k, columns)
            x = MARGIN + c * (THUMB + SPACING)
            y = caption + r * row_height
            rect = QRectF(x, y, THUMB, THUMB)
            painter.drawImage(rect, picture)
            painter.setPen(outline)
            painter.drawRect(rect)
            for n, line in enumerate(lines):
                painter.setPen(MUTED if n == len(lines) - 1 else WRONG)
                painter.drawText(
                    QRectF(x - SPACING / 2, y + THUMB + 2 + n * LINE_H, THUMB + SPACING, LINE_H),
                    Qt.AlignmentFlag.AlignHCenter,
                    line,
                )
