"""Links drawn in a few batches instead of one pen per link.

Per-link pens cost 80–98 ms a frame for ~2,000 links on this stack; sorting links into 16 bins
(8 magnitudes × 2 signs) with pre-built pens and one `QPainter.drawLines` per bin keeps a frame
within a few milliseconds. Very dense layer pairs (an image input into 128 units) keep only their
strongest links, which is also what a person can actually read.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, Qt
from PySide6.QtGui import QColor, QPen

from nnviz.app.views.colormap import DIVERGING_LUT, LUT_SIZE

LEVELS = 8
BINS = 2 * LEVELS
MAX_ALL_LINKS = 1600
STRONGEST = 160
CROWDED = 300
MIN_WIDTH = 0.6
MAX_WIDTH = 4.2
BACKGROUND_RGB = np.array([255.0, 255.0, 255.0])


def bin_of(values: np.ndarray, scale: float) -> np.ndarray:
    """Bin per value: 0..LEVELS-1 for negatives (weak → strong), LEVELS..BINS-1 for the rest."""
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    v = np.nan_to_num(np.asarray(values, dtype=float))
    level = np.minimum((np.abs(v) / scale * LEVELS).astype(np.intp), LEVELS - 1)
    return np.where(v < 0, LEVELS - 1 - level, LEVELS + level)


def bin_magnitude(b: np.ndarray | int) -> np.ndarray | float:
    """Relative magnitude (0..1] represented by a bin: the centre of its level."""
    level = np.where(np.asarray(b) < LEVELS, LEVELS - 1 - np.asarray(b), np.asarray(b) - LEVELS)
    return (level + 0.5) / LEVELS


# Weak bins first so the strong links are painted on top.
WEAK_FIRST = sorted(range(BINS), key=lambda b: float(bin_magnitude(b)))


def _bin_pens(width_gain: float, opacity_gain: float) -> list[QPen]:
    pens = []
    for b in range(BINS):
        mag = float(bin_magnitude(b))
        sign = -1.0 if b < LEVELS else 1.0
        lut_row = round((sign * max(mag, 0.35) + 1) * 0.5 * (LUT_SIZE - 1))
        # Opaque pens pre-blended with the background: translucent strokes cost 5–20× more.
        opacity = min(1.0, (0.25 + 0.75 * mag) * opacity_gain)
        rgb = BACKGROUND_RGB + opacity * (DIVERGING_LUT[lut_row].astype(float) - BACKGROUND_RGB)
        pen = QPen(QColor(*(round(c) for c in rgb)))
        pen.setWidthF((MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * mag) * width_gain)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pens.append(pen)
    return pens


class LinkPens:
    """Pre-built pens shared by all batches: normal, the update flash, and the dim (not reached)."""

    def __init__(self) -> None:
        self.normal = _bin_pens(1.0, 1.0)
        self.flash = _bin_pens(1.7, 1.3)
        # Crowded pairs use thinner strokes: wide antialiased lines cost up to twice as much.
        self.thin = _bin_pens(0.5, 1.0)
        self.thin_flash = _bin_pens(0.85, 1.3)
        self.dim = QPen(QColor(228, 231, 234))
        self.dim.setWidthF(0.8)

    def for_batch(self, batch: LinkBatch, flash: bool) -> list[QPen]:
        if batch.crowded:
            return self.thin_flash if flash else self.thin
        return self.flash if flash else self.normal


class LinkBatch:
    """The links between two consecutive columns, binned for the latest values."""

    def __init__(self, src: np.ndarray, dst: np.ndarray) -> None:
        self.src = np.asarray(src, dtype=float)
        self.dst = np.asarray(dst, dtype=float)
        self.n_in, self.n_out = len(self.src), len(self.dst)
        self.dense = self.n_in * self.n_out > MAX_ALL_LINKS
        self.crowded = self.n_in * self.n_out > CROWDED
        self._all_lines: list[QLineF] | None = None if self.dense else self._lines(*self._all())
        self.rows = np.zeros(0, dtype=np.intp)
        self.cols = np.zeros(0, dtype=np.intp)
        self.bins = np.zeros(0, dtype=np.intp)
        self.batches: list[tuple[int, list[QLineF]]] = []
        self.shown_lines: list[QLineF] = []
        self.x_span = (
            float(min(self.src[:, 0].min(), self.dst[:, 0].min())),
            float(max(self.src[:, 0].max(), self.dst[:, 0].max())),
        )

    def _all(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.divmod(np.arange(self.n_in * self.n_out), self.n_out)
        return rows, cols

    def _lines(self, rows: np.ndarray, cols: np.ndarray) -> list[QLineF]:
        a, b = self.src[rows], self.dst[cols]
        return [QLineF(x0, y0, x1, y1) for x0, y0, x1, y1 in np.column_stack([a, b]).tolist()]

    def set_values(self, values: np.ndarray, scale: float) -> None:
        """Re-bin for new values (fan_in × units); dense pairs keep only their strongest links."""
        flat = np.asarray(values, dtype=float).reshape(-1)
        if self.dense:
            strength = np.abs(flat)
            keep = np.argpartition(strength, -STRONGEST)[-STRONGEST:]
            keep = keep[np.argsort(strength[keep])]
            rows, cols = np.divmod(keep, self.n_out)
            lines = self._lines(rows, cols)
        else:
            keep = np.argsort(np.nan_to_num(np.abs(flat)), kind="stable")
            rows, cols = np.divmod(keep, self.n_out)
            lines = [self._all_lines[i] for i in keep.tolist()]
        bins = bin_of(flat[keep], scale)
        if not self.dense and self.crowded:
            # In a crowded pair the two weakest levels are a pale haze that only costs time.
            strong = np.abs(bins - (LEVELS - 0.5)) > 2
            rows, cols, bins = rows[strong], cols[strong], bins[strong]
            lines = [lines[i] for i in np.flatnonzero(strong).tolist()]
        self.rows, self.cols, self.bins = rows, cols, bins
        self.shown_lines = lines
        order = np.argsort(bins, kind="stable")
        bounds = np.searchsorted(bins[order], np.arange(BINS + 1))
        order_list = order.tolist()
        self.batches = [
            (b, [lines[i] for i in order_list[bounds[b] : bounds[b + 1]]])
            for b in WEAK_FIRST
            if bounds[b + 1] > bounds[b]
        ]

    def bin_for(self, row: int, col: int) -> int | None:
        """The bin of a drawn link, or None when it is not drawn (too weak in a dense pair)."""
        hit = np.flatnonzero((self.rows == row) & (self.cols == col))
        return int(self.bins[hit[0]]) if hit.size else None

    def nearest(self, x: float, y: float, tolerance: float = 4.0) -> tuple[int, int] | None:
        """The drawn link closest to a point (within tolerance pixels), as (row, col)."""
        if self.rows.size == 0:
            return None
        a, b = self.src[self.rows], self.dst[self.cols]
        d = b - a
        p = np.array([x, y])
        t = np.clip(((p - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-9), 0.0, 1.0)
        dist = np.hypot(*(a + t[:, None] * d - p).T)
        i = int(np.argmin(dist))
        return (int(self.rows[i]), int(self.cols[i])) if dist[i] <= tolerance else None
