"""Recording the window for slides: frames of a view grabbed while it trains, written as an
animated GIF or WebP (Pillow) or, where the optional `imageio-ffmpeg` is installed (it ships
its own ffmpeg), an MP4 video.

`Recorder` grabs its target widget `fps` times a second and stops by itself after `seconds`
(or at `stop()`). The GUI thread does only the grab (a copy of what the screen shows where the
platform allows, else a repaint of the view: see `Grabber`); scaling to `width` and encoding
happen in a background thread, while recording, with Pillow and ffmpeg, which work
outside Python's interpreter lock, so training keeps its pace. At most `MAX_PENDING` grabbed
frames wait for the encoder: when it falls behind, a tick is skipped rather than memory
filled, and the recording takes a little longer but keeps its frame count. GIF and WebP hold
every frame until the file is written (Pillow's encoders need them all), so their length is
limited to `FRAME_BYTES` of frames (`frame_limit`); MP4 streams to ffmpeg and has no limit.
The file is written atomically; `saved` says where, `failed` why not.
"""

from __future__ import annotations

import io
import math
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from nnviz.core.atomic import write_atomic, write_atomic_path
from nnviz.core.registry import Registry

FPS_RANGE = (1, 30)
WIDTH_RANGE = (160, 1920)
SECONDS_RANGE = (1, 120)
MAX_PENDING = 8  # grabbed frames waiting for the encoder, at most
SAME_PICTURE = 4.0  # mean grey levels by which the screen's copy may differ from a repaint
FRAME_BYTES = 512 * 2**20  # memory GIF and WebP may hold in frames until the file is written

Frames = Iterator[np.ndarray]  # (height, width, 3) uint8 pictures, in order


@dataclass(frozen=True)
class RecordingFormat:
    """How one kind of file is written from a stream of frames."""

    title: str
    write: Callable[[Path, Frames, int], None]  # (path, frames, fps); writes atomically
    bytes_per_pixel: int  # what each frame held until the end costs (0: streamed)
    available: Callable[[], bool] = lambda: True

    def frame_limit(self, width: int, height: int) -> int | None:
        """The most frames of this size the format can record (None: no limit)."""
        if not self.bytes_per_pixel:
            return None
        return max(1, FRAME_BYTES // (self.bytes_per_pixel * width * height))


def frame_durations(count: int, fps: int, unit_ms: int) -> list[int]:
    """Per-frame display times in whole `unit_ms` (GIF counts hundredths of a second) whose
    running sums stay on the true times k/fps, so a recording lasts exactly count/fps."""
    ends = [round((k + 1) * 1000 / (fps * unit_ms)) for k in range(count)]
    return [(end - start) * unit_ms for start, end in zip([0, *ends], ends, strict=False)]


def _pillow_writer(
    fmt: str, unit_ms: int, palette: bool, **options
) -> Callable[[Path, Frames, int], None]:
    """A writer of `fmt` through Pillow; `palette`: each frame is reduced to its own 256
    colours as it arrives (what GIF stores), so a kept frame costs a byte a pixel."""

    def write(path: Path, frames: Frames, fps: int) -> None:
        from PIL import Image

        pictures = [_paletted(frame) if palette else Image.fromarray(frame) for frame in frames]
        if not pictures:
            raise ValueError("no frames were recorded")
        out = io.BytesIO()
        pictures[0].save(
            out,
            format=fmt,
            save_all=True,
            append_images=pictures[1:],
            duration=frame_durations(len(pictures), fps, unit_ms),
            loop=0,
            **options,
        )
        write_atomic(path, out.getvalue())

    return write


def _paletted(frame: np.ndarray):
    """A frame in 256 colours of its own: the fast octree, without dithering (Pillow's default
    for GIF, a median cut, takes about a second a frame of a picture with many colours)."""
    from PIL import Image

    return Image.fromarray(frame).quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )


def _write_mp4(path: Path, frames: Frames, fps: int) -> None:
    import imageio_ffmpeg

    first = next(frames, None)
    if first is None:
        raise ValueError("no frames were recorded")
    height, width = first.shape[:2]

    def encode(temp: Path) -> None:
        video = imageio_ffmpeg.write_frames(
            str(temp),
            (width, height),
            fps=fps,
            codec="libx264",
            quality=8,
            macro_block_size=2,  # frames are even-sized already: no resizing
            output_params=["-f", "mp4"],  # the temporary file's name says nothing of it
        )
        video.send(None)
        video.send(np.ascontiguousarray(first))
        for frame in frames:
            video.send(np.ascontiguousarray(frame))
        video.close()

    write_atomic_path(path, encode)


def _has_ffmpeg() -> bool:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


FORMATS: Registry[RecordingFormat] = Registry("recording format")
FORMATS.add(
    ".gif",
    RecordingFormat("Animated GIF", _pillow_writer("GIF", 10, True, optimize=False), 1),
    "Plays everywhere (slides, web pages); 256 colours a frame; held in memory until written",
)
FORMATS.add(
    ".webp",
    RecordingFormat(
        "Animated WebP", _pillow_writer("WEBP", 1, False, lossless=False, quality=85), 3
    ),
    "Full colour, small files; browsers and recent slide software play it",
)
FORMATS.add(
    ".mp4",
    RecordingFormat("MP4 video (H.264)", _write_mp4, 0, _has_ffmpeg),
    "A video any player shows, of any length (needs the optional imageio-ffmpeg)",
)


def offered_formats() -> list[str]:
    """The formats this installation can write: MP4 only where imageio-ffmpeg is installed."""
    return [suffix for suffix in FORMATS if FORMATS.get(suffix).available()]


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


def frame_height(width: int, height: int, target_width: int) -> int:
    """The height of a frame `target_width` wide (even, as video needs) of a width × height
    view."""
    return max(2, round(height * target_width / max(width, 1) / 2) * 2)


# QImage.Format_RGB32 is 0xffRRGGBB in the machine's byte order: its bytes, for Pillow
_RGB32_RAW = "BGRX" if sys.byteorder == "little" else "XRGB"


def frame_from_pixels(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A grabbed RGB32 picture, (h, w, 4) bytes, scaled to `size` (width, height) as
    (height, width, 3) uint8; Pillow's filters do it without the interpreter lock."""
    from PIL import Image

    h, w = pixels.shape[:2]
    picture = Image.frombuffer("RGB", (w, h), pixels, "raw", _RGB32_RAW, 0, 1)
    if picture.size != size:  # averaging blocks first, then bilinear: sharp text, and quick
        picture = picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(picture)


class Grabber:
    """Takes a widget's frames as pictures of its own (QImage is safe to read in another
    thread, where `frame_from_pixels(image_pixels(frame), size)` turns it into a frame).

    Where the platform can copy what the screen shows (`QScreen.grabWindow`: X11, Windows,
    the offscreen platform), a frame is that copy: no repaint, well under a millisecond, so
    recording costs the training next to nothing. The first frame checks it against a repaint
    of the widget (`QWidget.grab`); if the copy is missing or differs (Wayland gives none,
    macOS without the screen-recording permission shows the desktop instead), every frame is
    a repaint, which costs about what a frame of the window costs.
    """

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self.from_screen: bool | None = None  # decided by the first frame

    def __call__(self) -> QImage:
        if self.from_screen is None:
            painted = self.widget.grab().toImage()
            shown = self._from_screen()
            self.from_screen = shown is not None and _same(
                image_pixels(shown), image_pixels(painted)
            )
            return painted
        if self.from_screen:
            shown = self._from_screen()
            if shown is not None:
                return shown
        return self.widget.grab().toImage()

    def _from_screen(self) -> QImage | None:
        widget = self.widget
        window = widget.window()
        screen = window.screen()
        if screen is None:
            return None
        corner = widget.mapTo(window, QPoint(0, 0))
        image = screen.grabWindow(
            window.winId(), corner.x(), corner.y(), widget.width(), widget.height()
        ).toImage()
        return None if image.isNull() else image


def image_pixels(image: QImage) -> np.ndarray:
    """A picture's pixels as (h, w, 4) RGB32 bytes: a view into it (keep the picture while
    the pixels are used), or a copy when it had to be converted to RGB32 first."""
    converted = image.format() != QImage.Format.Format_RGB32
    if converted:
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    pixels = raw.reshape(h, stride)[:, : 4 * w].reshape(h, w, 4)
    return pixels.copy() if converted else pixels


def _same(shown: np.ndarray, painted: np.ndarray) -> bool:
    """Whether the screen's copy shows the widget as its repaint does (a few grey levels of
    difference at most, for text drawn a pixel apart)."""
    if shown.shape != painted.shape:
        return False
    difference = np.abs(shown[..., :3].astype(np.int16) - painted[..., :3])
    return float(difference.mean()) < SAME_PICTURE


_END = object()  # the last item of the frame queue


class Recorder(QObject):
    """Grabs one widget at a fixed rate for a fixed time while a background thread encodes."""

    progressed = Signal(int, int)
    saved = Signal(str)  # the file written
    failed = Signal(str)  # one line: why nothing was written

    def __init__(self, widget: QWidget, settings: RecordingSettings) -> None:
        super().__init__(widget)
        self.widget = widget
        self.settings = settings
        self.format = FORMATS.get(settings.path.suffix.lower())
        self.grabbed = 0
        self.skipped = 0  # ticks skipped while the encoder caught up
        # (width, height) of every frame: as the view is now, until the first frame says
        self.size = (settings.width, frame_height(widget.width(), widget.height(), settings.width))
        self._frames: queue.Queue = queue.Queue()
        self.grabber = Grabber(widget)
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / settings.fps))
        self._timer.timeout.connect(self._grab)
        self._encoder: threading.Thread | None = None

    @property
    def recording(self) -> bool:
        return self._timer.isActive()

    @property
    def frame_count(self) -> int:
        """Frames this recording takes: as asked, or the format's limit at this size."""
        limit = self.format.frame_limit(*self.size)
        wanted = self.settings.frame_count
        return wanted if limit is None else min(wanted, limit)

    def start(self) -> None:
        self._encoder = threading.Thread(target=self._encode, name="nnviz-recording", daemon=True)
        self._encoder.start()
        self._timer.start()
        self._grab()

    def stop(self) -> None:
        """Stop grabbing; the encoder writes what was recorded."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        self._frames.put(_END)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the file is written (for tests and the command line); True if so."""
        if self._encoder is not None:
            self._encoder.join(timeout)
        return self._encoder is not None and not self._encoder.is_alive()

    def _grab(self) -> None:
        if not self._timer.isActive():
            return
        if self._frames.qsize() >= MAX_PENDING:
            self.skipped += 1
            return
        image = self.grabber()
        if not self.grabbed:  # every frame takes the first's size, whatever the view does next
            width = self.settings.width
            self.size = (width, frame_height(image.width(), image.height(), width))
        self._frames.put(image)
        self.grabbed += 1
        self.progressed.emit(self.grabbed, self.frame_count)
        if self.grabbed >= self.frame_count:
            self.stop()

    def _incoming(self, ended: threading.Event) -> Frames:
        while (item := self._frames.get()) is not _END:
            yield frame_from_pixels(image_pixels(item), self.size)
        ended.set()

    def _encode(self) -> None:
        path = self.settings.path
        ended = threading.Event()  # the last frame was taken
        try:
            self.format.write(path, self._incoming(ended), self.settings.fps)
        except (OSError, ValueError, RuntimeError) as error:
            self.failed.emit(f"{path.name}: {error}")
            while not ended.is_set() and self._frames.get() is not _END:
                pass  # frames still grabbed until the stop are dropped
        else:
            self.saved.emit(str(path))


def longest_seconds(fmt: RecordingFormat, fps: int, size: tuple[int, int]) -> int | None:
    """The longest recording, in whole seconds, the format allows at this size and rate."""
    limit = fmt.frame_limit(*size)
    return None if limit is None else max(1, math.floor(limit / fps))
