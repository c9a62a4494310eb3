"""Where everything sits on the network canvas: pure geometry, redone only on resize or redesign.

A layer is drawn one of three ways (a registry of kinds, chosen by `layer_kind`):
`neurons` — one rounded square per unit (with a heatmap thumbnail for 2-D data);
`strip` — a narrow column of cells, one per unit, for layers too wide to draw one by one;
`image` — the input drawn as a picture of the current sample when it is picture data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.pictures import Picture

STRIP_THRESHOLD = 24
HEADER_H = 46.0
FOOTER_H = 62.0
SIDE_MARGIN = 28.0
NAMES_MARGIN = 64.0  # room for short names ("x1", "P(disc)") beside the first and last column
MAX_NAMES_SHARE = 0.22  # longer names ("Iris-versicolor") may take this share of the width
NAME_PITCH = 18.0  # a named column (inputs, named outputs) spaces its units this far if it can
STRIP_W = 18.0
MAX_STRIP_CELL = 14.0


@dataclass(frozen=True)
class LayerGeometry:
    """One column of the canvas; arrays are indexed by unit (an image input's units are its
    pixels' values, a colour pixel's three sharing its place)."""

    kind: str
    units: int
    x: float
    rect: tuple[float, float, float, float]
    centers: np.ndarray
    cell: float
    picture: Picture | None = None

    @property
    def left(self) -> float:
        return self.rect[0]

    @property
    def right(self) -> float:
        return self.rect[0] + self.rect[2]

    def link_out(self) -> np.ndarray:
        """Where a unit's outgoing links start: its right edge (a pixel's centre in an image)."""
        if self.kind == "image":
            return self.centers
        return np.column_stack([np.full(self.units, self.right), self.centers[:, 1]])

    def link_in(self) -> np.ndarray:
        """Where a unit's incoming links end: its left edge."""
        return np.column_stack([np.full(self.units, self.left), self.centers[:, 1]])

    def unit_at(self, x: float, y: float) -> int | None:
        """The unit under a point, or None."""
        x0, y0, w, h = self.rect
        if self.kind == "neurons":
            d = np.maximum(np.abs(self.centers[:, 0] - x), np.abs(self.centers[:, 1] - y))
            i = int(np.argmin(d))
            return i if d[i] <= self.cell / 2 + 1 else None
        if not (x0 <= x <= x0 + w and y0 <= y <= y0 + h):
            return None
        if self.kind == "strip":
            return min(int((y - y0) / self.cell), self.units - 1)
        picture = self.picture
        r = min(int((y - y0) / self.cell), picture.rows - 1)
        c = min(int((x - x0) / self.cell), picture.cols - 1)
        return (r * picture.cols + c) * picture.channels


def layer_kind(index: int, units: int, picture: Picture | None) -> str:
    """How a layer is drawn: a picture input as a picture, wide layers as strips."""
    if index == 0 and picture is not None and picture.values == units:
        return "image"
    return "strip" if units > STRIP_THRESHOLD else "neurons"


def labels_top(layers: list[LayerGeometry], height: float) -> float:
    """Where the layer labels start: just under the tallest column, never below the footer."""
    lowest = max((g.rect[1] + g.rect[3] for g in layers), default=0.0)
    return min(lowest + 14.0, height - FOOTER_H + 6.0)


def compute_layout(
    layer_sizes: tuple[int, ...],
    width: float,
    height: float,
    picture: Picture | None = None,
    thumbnails: bool = False,
    header: float = HEADER_H,
    names: tuple[float, float] | None = None,
) -> list[LayerGeometry]:
    """Columns evenly spread across the widget, each centred vertically in the drawing band
    between the header (`header` pixels tall) and the footer. `names` are the pixel widths of
    the widest input name and output name (None or 0: no output names): room is left for them
    beside the first and last columns of neurons, up to a share of the width. Units share one
    spacing, except that the named columns (the inputs, named outputs) keep room for a line of
    text per unit if the band has it."""
    kinds = [layer_kind(i, n, picture) for i, n in enumerate(layer_sizes)]
    inputs, outputs = names or (0.0, 0.0)
    room = MAX_NAMES_SHARE * width

    def margin(text_width: float) -> float:
        return float(np.clip(text_width + 16.0, NAMES_MARGIN, max(room, NAMES_MARGIN)))

    left = margin(inputs) if kinds[0] == "neurons" else SIDE_MARGIN
    right = margin(outputs) if outputs and kinds[-1] == "neurons" else SIDE_MARGIN
    top, bottom = header, max(height - FOOTER_H, header + 40.0)
    band = bottom - top
    col_w = max((width - left - right) / len(layer_sizes), 30.0)
    xs = left + (np.arange(len(layer_sizes)) + 0.5) * col_w

    neuron_counts = [n for n, k in zip(layer_sizes, kinds, strict=True) if k == "neurons"]
    most = max(neuron_counts, default=1)
    size_cap = 60.0 if thumbnails else 40.0
    side = float(np.clip(min(size_cap, 0.74 * band / most, 0.42 * col_w), 6.0, size_cap))
    pitch = min(band / most, side * 1.5)

    named = {0, len(layer_sizes) - 1} if outputs else {0}
    layers = []
    for column, (n, kind, x) in enumerate(zip(layer_sizes, kinds, xs, strict=True)):
        cy = top + band / 2
        if kind == "neurons":
            # A few named units beside a crowded layer: spread out, so their names fit.
            spread = min(band / n, max(pitch, NAME_PITCH)) if column in named else pitch
            ys = cy + (np.arange(n) - (n - 1) / 2) * spread
            centers = np.column_stack([np.full(n, x), ys])
            rect = (x - side / 2, ys[0] - side / 2, side, ys[-1] - ys[0] + side)
            layers.append(LayerGeometry(kind, n, float(x), rect, centers, side))
        elif kind == "strip":
            cell = min(band / n, MAX_STRIP_CELL)
            h = cell * n
            ys = cy - h / 2 + (np.arange(n) + 0.5) * cell
            centers = np.column_stack([np.full(n, x), ys])
            rect = (x - STRIP_W / 2, cy - h / 2, STRIP_W, h)
            layers.append(LayerGeometry(kind, n, float(x), rect, centers, cell))
        else:
            rows, cols = picture.shape
            extent = min(0.62 * band, 0.62 * col_w, 190.0)
            px = extent / max(rows, cols)
            w, h = px * cols, px * rows
            x0, y0 = x - w / 2, cy - h / 2
            r, c = np.divmod(np.arange(n) // picture.channels, cols)
            centers = np.column_stack([x0 + (c + 0.5) * px, y0 + (r + 0.5) * px])
            rect = (x0, y0, w, h)
            layers.append(LayerGeometry(kind, n, float(x), rect, centers, px, picture))
    return layers


def legible_rows(ys: list[float], height: float) -> list[int]:
    """Which of the labels centred at `ys` (top to bottom) to write, `height` tall each, so none
    overlaps the one above it: every one while they have room, else as many as fit."""
    kept: list[int] = []
    for index, y in enumerate(ys):
        if not kept or y - ys[kept[-1]] >= height:
            kept.append(index)
    return kept
