"""Decoding image files with Qt's image reader, for `nnviz.core.image_folder`.

The core never imports Qt, so the window and the `nnviz` command call `install()` to hand it
this decoder. `QImageReader` and `QImage` need no display and no `QGuiApplication` (they work
under `QT_QPA_PLATFORM=offscreen` and with none at all), so headless training reads images
too. Qt is imported on the first decode only, to keep `nnviz --help` fast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnviz.core.image_folder import ImageReadError, set_image_decoder

# ITU-R BT.601 luma weights: how bright red, green and blue look to a person
LUMA = np.array([0.299, 0.587, 0.114])


def read_image(path: Path, size: tuple[int, int], grayscale: bool) -> np.ndarray:
    """The image at `path`, resized to `size` (height, width), in [0, 1].

    Transparent pixels are shown over white. Returns (h, w) when `grayscale`, else (h, w, 3).
    Raises ImageReadError with Qt's reason when the file cannot be decoded.
    """
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage, QImageReader

    height, width = size
    reader = QImageReader(str(path))
    full = reader.size()  # from the file's header, before any pixel is decoded
    most = QImageReader.allocationLimit() * 2**20 // 4  # Qt decodes 4 bytes a pixel
    if full.isValid() and full.width() * full.height() > most:
        raise ImageReadError(
            f"{full.width():,}×{full.height():,} pixels, more than the {most / 1e6:.0f} "
            "million an image may have"
        )
    reader.setAutoTransform(True)
    reader.setScaledSize(QSize(width, height))
    image = reader.read()
    if image.isNull():
        raise ImageReadError(reader.errorString())
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    if (image.width(), image.height()) != (width, height):
        raise ImageReadError(f"decoded at {image.width()}×{image.height()}, not {width}×{height}")
    line = image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=line * height)
    rgba = raw.reshape(height, line)[:, : width * 4].reshape(height, width, 4) / 255.0
    alpha = rgba[..., 3:]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)
    return rgb @ LUMA if grayscale else rgb


def install() -> None:
    """Make Qt's reader the core's image decoder."""
    set_image_decoder(read_image)
