"""Recording the window for slides: frames of a view grabbed while it trains, written as an
animated GIF or WebP (Pillow).

`Recorder` grabs its target widget `fps` times a second (scaled to `width` pixels wide), stops
by itself after `seconds` (or when `stop()` is called), and then encodes the frames in a
background thread, so neither the grabbing nor the encoding holds up training for long: a grab
is one repaint of the view into a picture, about what a frame of the window costs anyway. The
file is written atomically; `saved` says where, `failed` why not.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from nnviz.core.atomic import write_atomic

FORMATS = {".gif": "GIF", ".webp": "WEBP"}
FPS_RANGE = (1, 30)
WIDTH_RANGE = (160, 1920)
SECONDS_RANGE = (1, 120)


@dataclass(frozen=True)
class RecordingSettings:
    """What to record: `target` names a view ("canvas", "data", "window")."""

    target: str
    path: Path
    fps: int = 10
    width: int = 800
    seconds: int = 10

    @property
    def frame_count(self) -> int:
        return self.fps * self.seconds


def frame_array(image: QImage, width: int, height: int | None = None) -> np.ndarray:
    """A grabbed picture scaled to `width` and `height` (default: in proportion, even) as
    (h, w, 3) uint8."""
    if height is None:
        height = max(2, round(image.height() * width / max(image.width(), 1)) // 2 * 2)
    scaled = image.scaled(
        width,
        height,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_RGB888)
    stride = scaled.bytesPerLine()
    buffer = np.frombuffer(scaled.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def encode_animation(frames: list[np.ndarray], fps: int, suffix: str) -> bytes:
    """Frames → the bytes of an animated GIF or WebP at `fps`, looping forever."""
    from PIL import Image

    fmt = FORMATS.get(suffix.lower())
    if fmt is None:
        raise ValueError(f"unknown recording format {suffix!r} (use {', '.join(FORMATS)})")
    if not frames:
        raise ValueError("no frames were recorded")
    pictures = [Image.fromarray(frame) for frame in frames]
    options = {"lossless": False, "quality": 85} if fmt == "WEBP" else {"optimize": False}
    out = io.BytesIO()
    pictures[0].save(
        out,
        format=fmt,
        save_all=True,
        append_images=pictures[1:],
        duration=round(1000 / fps),
        loop=0,
        **options,
    )
    return out.getvalue()


class Recorder(QObject):
    """Grabs one widget at a fixed rate for a fixed time, then writes the file."""

    progressed = Signal(int, int)
    saved = Signal(str)  # the file written
    failed = Signal(str)  # one line: why nothing was written

    def __init__(self, widget: QWidget, settings: RecordingSettings) -> None:
        super().__init__(widget)
        self.widget = widget
        self.settings = settings
        self.frames: list[np.ndarray] = []
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / settings.fps))
        self._timer.timeout.connect(self._grab)
        self._writer: threading.Thread | None = None

    @property
    def recording(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self.frames = []
        self._grab()
        self._timer.start()

    def stop(self) -> None:
        """Stop grabbing and write what was recorded (in a background thread)."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        frames, settings = self.frames, self.settings
        self._writer = threading.Thread(
            target=self._write, args=(frames, settings), name="nnviz-recording", daemon=True
        )
        self._writer.start()

    def _grab(self) -> None:
        """One frame, the size of the first: a view resized while it is recorded (a dock
        given room, a window dragged larger) must not give frames of mixed sizes."""
        image = self.widget.grab().toImage()
        height = self.frames[0].shape[0] if self.frames else None
        self.frames.append(frame_array(image, self.settings.width, height))
        self.progressed.emit(len(self.frames), self.settings.frame_count)
        if len(self.frames) >= self.settings.frame_count:
            self.stop()

    def _write(self, frames: list[np.ndarray], settings: RecordingSettings) -> None:
        try:
            data = encode_animation(frames, settings.fps, settings.path.suffix)
            write_atomic(settings.path, data)
        except (OSError, ValueError) as error:
            self.failed.emit(f"{settings.path.name}: {error}")
        else:
            self.saved.emit(str(settings.path))
