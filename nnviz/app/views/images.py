"""Numpy arrays to QImages, shared by the canvas and the data view."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from nnviz.app.views.colormap import packed


def rgb32_image(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of an (h, w) array of packed 0xFFRRGGBB pixels."""
    h, w = pixels.shape
    data = np.ascontiguousarray(pixels, dtype=np.uint32)
    return QImage(data.tobytes(), w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of an (h, w, 3) uint8 array."""
    return rgb32_image(packed(rgb))


def ink_image(values: np.ndarray, shape: tuple[int, int]) -> QImage:
    """A sample as dark ink on paper, stretched to its own range so faint digits still show."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    lo, hi = float(v.min()), float(v.max())
    ink = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    grey = (250 - 215 * ink).astype(np.uint8).reshape(shape)
    return rgb_image(np.repeat(grey[:, :, None], 3, axis=2))
