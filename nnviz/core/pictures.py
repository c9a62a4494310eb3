"""How the values of one sample make a picture, so every view draws a sample the same way.

Digits (the bundled 8×8 set, MNIST) store ink: 0 is paper and larger values are darker. A
folder of pictures stores light, as the files do: 0 is black and 1 white, in grey or in red,
green and blue. A view that drew both alike would show a person's own photos as negatives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANNEL_NAMES = ("red", "green", "blue")
PAPER, DARKEST_INK = 250, 35  # ink is drawn from nearly white paper to nearly black


@dataclass(frozen=True)
class Picture:
    """`rows`×`cols` pixels of `channels` values each (1 grey; 3 red, green, blue), stored
    row by row, a pixel's channels together; `ink` when a larger value is darker."""

    rows: int
    cols: int
    channels: int = 1
    ink: bool = True

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    @property
    def values(self) -> int:
        """Values per sample: the network's inputs."""
        return self.rows * self.cols * self.channels

    def pixel(self, value: int) -> tuple[int, int, int]:
        """(row, column, channel) of the sample's `value`-th value."""
        pixel, channel = divmod(value, self.channels)
        return (*divmod(pixel, self.cols), channel)

    def feature_names(self) -> tuple[str, ...]:
        """The inputs' names: "pixel(r,c)" in grey, "red(r,c)", "green(r,c)"… in colour."""
        kinds = ("pixel",) if self.channels == 1 else CHANNEL_NAMES
        return tuple(
            f"{kind}({r},{c})" for r in range(self.rows) for c in range(self.cols) for kind in kinds
        )

    def value_name(self, value: int) -> str:
        """What a value is called: "pixel (3, 4)", or "pixel (3, 4) red" in colour."""
        r, c, channel = self.pixel(value)
        colour = f" {CHANNEL_NAMES[channel]}" if self.channels == 3 else ""
        return f"pixel ({r}, {c}){colour}"

    def rgb(self, values: np.ndarray) -> np.ndarray:
        """(rows, cols, 3) uint8: the sample as it looks. Ink is stretched to the sample's own
        range, so a faint digit still shows; light is drawn as the file has it (0 black, 1
        white), stretched only when the values leave that range (standardized inputs)."""
        v = np.nan_to_num(np.asarray(values, dtype=np.float64)).reshape(
            self.rows, self.cols, self.channels
        )
        lo, hi = float(v.min()), float(v.max())
        if not self.ink and lo >= 0.0 and hi <= 1.0:
            lo, hi = 0.0, 1.0
        level = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        shade = PAPER - (PAPER - DARKEST_INK) * level if self.ink else 255.0 * level
        return np.broadcast_to(np.round(shade), (self.rows, self.cols, 3)).astype(np.uint8)

    def per_pixel(self, weights: np.ndarray) -> np.ndarray:
        """(units, rows, cols) from first-layer weights (values, units): unit j's weights laid
        out as the picture, a colour pixel's three weights added (its response to brightness)."""
        if weights.shape[0] != self.values:
            raise ValueError(
                f"{weights.shape[0]} weights per unit do not make a {self.rows}×{self.cols}"
                f"{'×3' if self.channels == 3 else ''} picture"
            )
        units = weights.shape[1]
        laid = np.ascontiguousarray(weights.T).reshape(units, self.rows, self.cols, self.channels)
        return laid.sum(axis=3) if self.channels > 1 else laid[..., 0]
