"""Numpy arrays to QImages, shared by the canvas and the data view."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from nnviz.app.views.colormap import packed
from nnviz.core.pictures import Picture


def rgb32_image(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of an (h, w) array of packed 0xFFRRGGBB pixels."""
    h, w = pixels.shape
    data = np.ascontiguousarray(pixels, dtype=np.uint32)
    return QImage(data.tobytes(), w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of an (h, w, 3) uint8 array."""
    return rgb32_image(packed(rgb))


def picture_image(values: np.ndarray, picture: Picture) -> QImage:
    """A sample as it looks (ink on paper for digits, its own colours for a photo)."""
    return rgb_image(picture.rgb(values))
