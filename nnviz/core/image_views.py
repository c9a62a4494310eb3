"""What an image network shows beyond its neurons: the first layer's weights as pictures, and the
test samples it gets wrong.

Both are plain functions of arrays, so the window, the exports and the tests compute them the
same way. A first-layer neuron's incoming weights, one per pixel, laid out as the input picture,
show what that neuron responds to: positive weights where it wants ink (light, in a folder of
photos), negative where it wants none. The mistakes are looked for in a fixed, bounded sample
of the test split (the same rows every time, so the gallery changes only when the network's
answers do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.core.pictures import Picture

MOSAIC_GAP = 1  # pixels of a picture between two units' pictures in a mosaic
MAX_ZOOM = 8  # screen pixels per weight at most
MISTAKE_SAMPLES = 1000  # test samples examined for the gallery
MISTAKE_LIMIT = 60  # mistakes kept (the first ones in that sample)


def weight_images(weights: np.ndarray, picture: Picture) -> np.ndarray:
    """(units, rows, cols): unit j's picture is column j of W (shaped (values, units)), a
    colour pixel's three weights added."""
    return picture.per_pixel(weights)


def weight_scale(weights: np.ndarray) -> float:
    """One colour scale for all the pictures (so neurons compare): the 99th percentile of |w|."""
    magnitude = np.abs(np.asarray(weights, dtype=np.float64))
    finite = magnitude[np.isfinite(magnitude)]
    scale = float(np.percentile(finite, 99)) if finite.size else 0.0
    return scale if scale > 0 else 1.0


@dataclass(frozen=True)
class MosaicGrid:
    """Where each unit's picture goes in a mosaic: `columns` × `rows` cells of `cell` screen
    pixels (a picture and the gap after it), each weight drawn as a `zoom` × `zoom` square."""

    columns: int
    rows: int
    zoom: int
    image_shape: tuple[int, int]
    gap: int = MOSAIC_GAP

    @property
    def cell(self) -> tuple[int, int]:
        """(height, width) in screen pixels from one picture to the next."""
        h, w = self.image_shape
        return (h + self.gap) * self.zoom, (w + self.gap) * self.zoom

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole mosaic in screen pixels."""
        cell_h, cell_w = self.cell
        return self.columns * cell_w, self.rows * cell_h

    def unit_at(self, x: float, y: float, units: int) -> int | None:
        """The unit whose picture (not its gap) holds the point (x, y), or None."""
        cell_h, cell_w = self.cell
        if x < 0 or y < 0:
            return None
        column, row = int(x // cell_w), int(y // cell_h)
        h, w = self.image_shape
        inside = x - column * cell_w < w * self.zoom and y - row * cell_h < h * self.zoom
        unit = row * self.columns + column
        return unit if inside and column < self.columns and unit < units else None


def mosaic_grid(units: int, image_shape: tuple[int, int], width: int, height: int) -> MosaicGrid:
    """The grid that shows all `units` pictures in a width × height area at the largest whole
    zoom (every weight a crisp square); at least zoom 1, taller than `height` if need be (the
    view then scrolls), and never wider than `width` unless one picture is."""
    h, w = image_shape
    best = None
    for zoom in range(1, MAX_ZOOM + 1):
        columns = max(1, min(units, width // ((w + MOSAIC_GAP) * zoom)))
        grid = MosaicGrid(columns, math.ceil(units / columns), zoom, (h, w))
        fits = grid.size[1] <= height and (columns * (w + MOSAIC_GAP) * zoom <= width or zoom == 1)
        if best is None or fits:
            best = grid
        if not fits:
            break
    return best


def tile(images: np.ndarray, columns: int) -> np.ndarray:
    """(units, h, w) pictures laid out in rows of `columns`, MOSAIC_GAP apart, as one 2-D
    array of their values; gaps and empty cells are NaN."""
    units, h, w = images.shape
    rows = math.ceil(units / columns)
    out = np.full((rows * (h + MOSAIC_GAP), columns * (w + MOSAIC_GAP)), np.nan)
    for unit in range(units):
        r, c = divmod(unit, columns)
        y, x = r * (h + MOSAIC_GAP), c * (w + MOSAIC_GAP)
        out[y : y + h, x : x + w] = images[unit]
    return out


@dataclass(frozen=True)
class MistakesView:
    """Test samples the network classifies wrongly, in the order of the examined sample.

    `rows` index the test split; `images` are their inputs (for thumbnails); `confidence` is the
    probability the network gave its (wrong) answer; `examined` how many samples were looked at,
    `wrong` how many of those it got wrong (more than are kept when over `MISTAKE_LIMIT`).
    """

    step: int
    rows: np.ndarray
    images: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    examined: int
    wrong: int


def find_mistakes(
    step: int,
    rows: np.ndarray,
    x: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    probabilities: np.ndarray,
    limit: int = MISTAKE_LIMIT,
) -> MistakesView:
    """The first `limit` samples whose prediction differs from the label.

    `rows`, `x`, `labels`, `predicted` and `probabilities` (n, classes) describe the same n
    examined samples, in the same order."""
    wrong = np.flatnonzero(np.asarray(predicted) != np.asarray(labels))
    keep = wrong[:limit]
    confidence = probabilities[keep, predicted[keep]] if len(keep) else np.zeros(0)
    views = (
        np.asarray(rows)[keep],
        np.asarray(x, dtype=np.float32)[keep],
        np.asarray(labels, dtype=np.int64)[keep],
        np.asarray(predicted, dtype=np.int64)[keep],
        np.asarray(confidence, dtype=np.float64),
    )
    for array in views:
        array.flags.writeable = False
    return MistakesView(step, *views, examined=len(labels), wrong=len(wrong))


MISTAKES_HZ = 2.0  # new galleries a second while training (a forward pass over the sample)


class MistakeFinder:
    """Keeps the fixed test sample the gallery is drawn from and its latest `MistakesView`.

    Only for classification of image data with a test split; `view()` recomputes at most
    MISTAKES_HZ times a second while training, and for every new step once a run has settled,
    so its cost does not grow with the data set (at most MISTAKE_SAMPLES samples, a forward pass
    each time)."""

    def __init__(self, data, dtype: np.dtype, seed: int) -> None:
        self.active = (
            data.task == "classification" and data.picture is not None and len(data.x_test) > 0
        )
        self._view: MistakesView | None = None
        self._time = -np.inf
        if not self.active:
            return
        rng = np.random.default_rng(seed + 104729)
        self._rows = np.sort(rng.permutation(len(data.x_test))[:MISTAKE_SAMPLES])
        self._x = np.ascontiguousarray(data.x_test[self._rows], dtype=dtype)
        self._y = np.asarray(data.y_test[self._rows])

    def view(self, network, targets, step: int, settled: bool, now: float) -> MistakesView | None:
        if not self.active:
            return None
        view = self._view
        if view is not None and (
            view.step == step or (not settled and now - self._time < 1 / MISTAKES_HZ)
        ):
            return view
        with np.errstate(all="ignore"):
            output = network.forward_grid(self._x)[-1]
        predicted = targets.predict(output)
        if output.shape[1] == 1:
            p = np.clip((output[:, 0] - targets.low) / (targets.high - targets.low), 0.0, 1.0)
            probabilities = np.column_stack([1.0 - p, p])
        else:
            probabilities = output
        self._view = find_mistakes(step, self._rows, self._x, self._y, predicted, probabilities)
        self._time = now
        return self._view
