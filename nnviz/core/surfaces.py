"""Classic 2-D loss surfaces for the optimizer playground: a value and a gradient for each.

A surface is a function of one point (x, y), so an optimizer's path over it can be drawn whole
and checked by hand. They are chosen for what each shows: the round bowl (every optimizer gets
there), the narrow ravine (plain SGD zig-zags across and crawls along; momentum fixes both), the
saddle (a flat pass between two valleys: the gradient almost vanishes at its centre) and
Rosenbrock's curved valley (easy to find, slow to follow).

`value` works on whole grids (for contour lines); `gradient` on one point, shaped (2,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.core.registry import Registry

Point = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """One surface: its formula in words, where to look at it and where paths start.

    `extent` is (x_min, x_max, y_min, y_max); `learning_rate` a rate at which none of the
    playground's paths diverges from `start`, so a first look shows them all.
    """

    name: str
    title: str
    formula: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray], np.ndarray]
    extent: tuple[float, float, float, float]
    start: Point
    minima: tuple[Point, ...]
    learning_rate: float


SURFACES: Registry[Surface] = Registry("surface")


def _add(surface: Surface, description: str) -> None:
    SURFACES.add(surface.name, surface, description)


def _bowl_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (x**2 + y**2)


def _bowl_gradient(p: np.ndarray) -> np.ndarray:
    return np.array([p[0], p[1]])


RAVINE_X, RAVINE_Y = 0.1, 10.0  # curvatures along and across the ravine (ratio 100)


def _ravine_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (RAVINE_X * x**2 + RAVINE_Y * y**2)


def _ravine_gradient(p: np.ndarray) -> np.ndarray:
    return np.array([RAVINE_X * p[0], RAVINE_Y * p[1]])


def _saddle_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (x**2 - y**2) + 0.25 * y**4


def _saddle_gradient(p: np.ndarray) -> np.ndarray:
    return np.array([p[0], -p[1] + p[1] ** 3])


def _rosenbrock_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_gradient(p: np.ndarray) -> np.ndarray:
    x, y = p
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)])


_add(
    Surface(
        "bowl",
        "Round bowl",
        "f = (x² + y²) / 2",
        _bowl_value,
        _bowl_gradient,
        (-2.0, 2.0, -2.0, 2.0),
        (-1.6, 1.2),
        ((0.0, 0.0),),
        0.1,
    ),
    "The same curvature in every direction: the gradient points straight at the minimum.",
)
_add(
    Surface(
        "ravine",
        "Narrow ravine",
        "f = (0.1·x² + 10·y²) / 2",
        _ravine_value,
        _ravine_gradient,
        (-4.0, 4.0, -2.0, 2.0),
        (-3.6, 1.2),
        ((0.0, 0.0),),
        0.12,
    ),
    "Steep across, nearly flat along: plain SGD bounces between the walls and crawls forward.",
)
_add(
    Surface(
        "saddle",
        "Saddle",
        "f = (x² − y²) / 2 + y⁴ / 4",
        _saddle_value,
        _saddle_gradient,
        (-2.0, 2.0, -2.0, 2.0),
        (-1.8, 0.01),
        ((0.0, -1.0), (0.0, 1.0)),
        0.1,
    ),
    "A pass between two valleys: near its centre the gradient almost vanishes.",
)
_add(
    Surface(
        "rosenbrock",
        "Rosenbrock's valley",
        "f = (1 − x)² + 100·(y − x²)²",
        _rosenbrock_value,
        _rosenbrock_gradient,
        (-2.0, 2.0, -1.0, 3.0),
        (-1.2, 1.0),
        ((1.0, 1.0),),
        0.001,
    ),
    "A curved, flat-bottomed valley: finding it is easy, following it to (1, 1) is slow.",
)


def surface_grid(surface: Surface, resolution: int = 160) -> np.ndarray:
    """The surface's values on a `resolution`² grid over its extent; row i is y and column j
    is x, both rising (the layout an image of the surface needs)."""
    x0, x1, y0, y1 = surface.extent
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return surface.value(gx, gy)


def contour_levels(values: np.ndarray, count: int = 14) -> np.ndarray:
    """Levels at evenly spaced quantiles of the grid's values: each band between two lines
    covers about the same area, so a steep surface is not all lines and a flat one not blank."""
    quantiles = np.linspace(0.0, 1.0, count + 2)[1:-1] ** 2
    return np.unique(np.quantile(values, quantiles))
