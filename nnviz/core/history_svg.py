"""Plain SVG line charts of a training history, for headless runs (`nnviz train --out`).

The window draws its plots with Qt; the command line has no Qt, so it writes these small
self-contained SVG files instead: one chart per quantity, a line per column, NaN as gaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

WIDTH, HEIGHT = 640, 360
MARGIN = {"left": 70, "right": 20, "top": 36, "bottom": 44}
LEGEND_WIDTH = 110
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def line_chart(
    x: np.ndarray,
    series: Mapping[str, np.ndarray],
    title: str,
    x_label: str = "epoch",
    log_y: bool = False,
) -> str:
    """An SVG document with one polyline per series (non-positive values skipped on a log axis)."""
    values = {name: np.asarray(v, dtype=np.float64) for name, v in series.items()}
    x = np.asarray(x, dtype=np.float64)
    shown = [_transform(v, log_y) for v in values.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in shown] + [np.zeros(0)])
    y_lo, y_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if y_hi - y_lo < 1e-12:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
    x_lo, x_hi = (float(np.nanmin(x)), float(np.nanmax(x))) if x.size else (0.0, 1.0)
    if x_hi - x_lo < 1e-12:
        x_hi = x_lo + 1.0
    left, top = MARGIN["left"], MARGIN["top"]
    plot_w = WIDTH - left - MARGIN["right"]
    plot_h = HEIGHT - top - MARGIN["bottom"]

    def px(value: float) -> float:
        return left + (value - x_lo) / (x_hi - x_lo) * plot_w

    def py(value: float) -> float:
        return top + (1 - (value - y_lo) / (y_hi - y_lo)) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#888"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        value = y_lo + fraction * (y_hi - y_lo)
        label = _number(10**value if log_y else value)
        parts.append(
            f'<text x="{left - 6}" y="{py(value) + 4:.1f}" text-anchor="end">{label}</text>'
        )
        xv = x_lo + fraction * (x_hi - x_lo)
        parts.append(
            f'<text x="{px(xv):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{_number(xv)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    for i, (name, y) in enumerate(zip(values, shown, strict=True)):
        color = COLORS[i % len(COLORS)]
        for run in _finite_runs(x, y):
            points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>'
            )
        legend_x, legend_y = left + plot_w - LEGEND_WIDTH, top + 16 + 16 * i
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 18}" y2="{legend_y - 4}" '
            f'stroke="{color}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{legend_x + 24}" y="{legend_y}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _transform(values: np.ndarray, log_y: bool) -> np.ndarray:
    if not log_y:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def _finite_runs(x: np.ndarray, y: np.ndarray) -> list[Sequence[tuple[float, float]]]:
    """Stretches of consecutive finite points: NaN breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for a, b in zip(x, y, strict=True):
        if math.isfinite(a) and math.isfinite(b):
            runs[-1].append((float(a), float(b)))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _number(value: float) -> str:
    return f"{value:.3g}"


def history_charts(columns: Mapping[str, np.ndarray]) -> dict[str, str]:
    """File name → SVG text: loss (log scale), accuracy or R², and gradient norms per layer."""
    epoch = columns["epoch"]
    charts = {
        "loss.svg": line_chart(
            epoch,
            {"train loss": columns["train_loss"], "test loss": columns["test_loss"]},
            "Loss",
            log_y=True,
        )
    }
    for score, title in (("accuracy", "Accuracy"), ("r2", "R²")):
        if f"train_{score}" in columns:
            lines = {f"{split} {score}": columns[f"{split}_{score}"] for split in ("train", "test")}
            charts[f"{score}.svg"] = line_chart(epoch, lines, title)
    grads = {
        name.replace("grad_norm_", "layer "): values
        for name, values in columns.items()
        if name.startswith("grad_norm_")
    }
    charts["grad_norm.svg"] = line_chart(epoch, grads, "Gradient norm per layer", log_y=True)
    return charts
