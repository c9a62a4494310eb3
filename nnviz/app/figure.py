"""Export figure: one high-resolution picture for a slide, with the network, what it makes of
the data (the decision plane, or the traced image with its class probabilities) and the loss
curve side by side, each under its title."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QWidget

from nnviz.app.export import BACKGROUND, ExportError, laid_out, render_image, settled, write_png

FIGURE_SCALE = 3.0  # pixels per point: sharp on a projector and in print
TITLE_H = 28
GAP = 16
PANEL_SIZES = (QSize(760, 480), QSize(480, 480), QSize(560, 480))
TEXT = QColor(51, 56, 62)


def figure_image(panels: list[tuple[str, QWidget, QSize]], scale: float = FIGURE_SCALE) -> QImage:
    """Each (title, widget, size) drawn at `size` points, side by side, `scale`× the pixels."""
    width = sum(size.width() for _, _, size in panels) + GAP * (len(panels) + 1)
    height = max(size.height() for _, _, size in panels) + TITLE_H + 2 * GAP
    image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(scale)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    font = QFont(painter.font())
    font.setPointSizeF(13.0)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(TEXT)
    x = GAP
    for title, widget, size in panels:
        with ExitStack() as stack:
            if hasattr(widget, "set_mode"):  # the canvas: its settled state, not mid-sweep
                stack.enter_context(settled(widget))
            stack.enter_context(laid_out(widget, size))
            picture = render_image(widget, size, scale)
        painter.drawText(QRectF(x, GAP, size.width(), TITLE_H), Qt.AlignmentFlag.AlignLeft, title)
        painter.drawImage(QRectF(x, GAP + TITLE_H, size.width(), size.height()), picture)
        x += size.width() + GAP
    painter.end()
    return image


def export_figure(
    panels: list[tuple[str, QWidget]], path: str | os.PathLike[str], scale: float = FIGURE_SCALE
) -> QImage:
    """Write the figure of `panels` (title, widget) as a PNG; returns the picture."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ExportError(f"{path}: a figure is written as .png")
    sized = [(t, w, s) for (t, w), s in zip(panels, PANEL_SIZES, strict=False)]
    image = figure_image(sized, scale)
    write_png(path, image, "Figure")
    return image
