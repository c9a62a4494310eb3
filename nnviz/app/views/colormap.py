"""Colours shared by every view, so a colour means the same thing on the canvas and the plane.

Negative values are orange and positive values blue, meeting at a pale grey for zero, as in
TensorFlow Playground; orange against blue stays distinct for the common colour-vision
deficiencies. Everything here is vectorised: a whole layer is coloured with one table lookup.
"""

from __future__ import annotations

import numpy as np

NEGATIVE = (245, 147, 34)
ZERO = (236, 238, 240)
POSITIVE = (8, 119, 189)
LUT_SIZE = 256

# Okabe–Ito: distinct under the common colour-vision deficiencies; the first two match the
# diverging map's ends so two-class data reads the same as a sigmoid output.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    NEGATIVE,
    POSITIVE,
    (0, 158, 115),
    (204, 121, 167),
    (213, 94, 0),
    (86, 180, 233),
    (240, 228, 66),
    (0, 0, 0),
    (153, 153, 153),
    (117, 79, 160),
)


def _diverging_lut() -> np.ndarray:
    """256×3 uint8 table running NEGATIVE → ZERO → POSITIVE, interpolated in linear light."""
    t = np.linspace(-1.0, 1.0, LUT_SIZE)[:, None]
    neg, zero, pos = (np.asarray(c, dtype=float) / 255.0 for c in (NEGATIVE, ZERO, POSITIVE))
    lin = [c**2.2 for c in (neg, zero, pos)]
    mixed = np.where(t < 0, lin[1] + (lin[0] - lin[1]) * (-t), lin[1] + (lin[2] - lin[1]) * t)
    return np.round(255.0 * np.clip(mixed, 0, 1) ** (1 / 2.2)).astype(np.uint8)


DIVERGING_LUT = _diverging_lut()


def packed(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (…, 3) → uint32 0xFFRRGGBB, the pixel layout of an RGB32 QImage."""
    c = np.asarray(rgb, dtype=np.uint32)
    return (0xFF000000 | (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]).astype(np.uint32)


def faded(rgb: np.ndarray, keep: float) -> np.ndarray:
    """Colours washed towards white, keeping `keep` of their strength (for not-yet-lit parts)."""
    return np.round(255 - keep * (255 - rgb.astype(float))).astype(np.uint8)


def lut_index(values: np.ndarray, scale: float) -> np.ndarray:
    """Table rows for values divided by scale; ±scale and beyond land on the ends, 0 in the middle.

    NaN (a diverged run) maps to the middle, so a broken value never paints a misleading colour.
    """
    scale = float(scale) if np.isfinite(scale) and scale > 0 else 1.0
    half = (LUT_SIZE - 1) / 2
    t = np.asarray(values, dtype=float) * (half / scale)
    t += half + 0.5
    np.clip(t, 0.0, LUT_SIZE - 0.5, out=t)
    t[np.isnan(t)] = half + 0.5
    return t.astype(np.intp)


def diverging_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """uint8 RGB for each value (shape + (3,)), zero-centred, saturating at ±scale."""
    return DIVERGING_LUT[lut_index(values, scale)]


def class_rgb(labels: np.ndarray) -> np.ndarray:
    """uint8 RGB per integer class label (cycling through the palette beyond ten classes)."""
    palette = np.asarray(CLASS_COLORS, dtype=np.uint8)
    return palette[np.asarray(labels, dtype=np.intp) % len(palette)]


def robust_scale(values: np.ndarray, floor: float = 1e-6) -> float:
    """The largest finite magnitude in values (never below floor), the natural ±scale of a layer."""
    a = np.abs(np.asarray(values))
    if a.size == 0:
        return floor
    top = float(a.max())
    if not np.isfinite(top):
        finite = a[np.isfinite(a)]
        top = float(finite.max()) if finite.size else 0.0
    return max(top, floor)


class SmoothedScale:
    """A per-key ±scale that follows a layer's largest |value| without flickering frame to frame.

    It rises quickly (so colours saturate only briefly) and falls slowly (so a single quiet
    snapshot does not wash every colour out).
    """

    def __init__(self, rise: float = 0.6, fall: float = 0.15) -> None:
        self._rise = rise
        self._fall = fall
        self._values: dict[object, float] = {}

    def update(self, key: object, target: float) -> float:
        old = self._values.get(key)
        if old is None or not np.isfinite(old):
            new = target
        else:
            rate = self._rise if target > old else self._fall
            new = old + rate * (target - old)
        self._values[key] = new
        return new

    def get(self, key: object, default: float = 1.0) -> float:
        return self._values.get(key, default)

    def clear(self) -> None:
        self._values.clear()
