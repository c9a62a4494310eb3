"""Numbers as a status line shows them: fixed digits where they fit, powers of ten where not.

A diverging run sends losses to 1e300 and R² to -1e301; `"{:.4f}"` would print three hundred
digits. `fixed(x, 4)` keeps the usual "0.0123" and says "1.23e+300" for what would not fit.
"""

from __future__ import annotations

import math

MAX_FIXED = 1e6  # from here on a value is written with a power of ten


def fixed(value: float, decimals: int) -> str:
    """`value` with `decimals` decimals, or in scientific notation when it is huge."""
    if not math.isfinite(value):
        return "–"
    if abs(value) >= MAX_FIXED:
        return f"{value:.{max(decimals - 1, 1)}e}"
    return f"{value:.{decimals}f}"


def percent(value: float, decimals: int = 1) -> str:
    """A share as a percentage (accuracy is always within 0..1)."""
    return f"{value:.{decimals}%}" if math.isfinite(value) else "–"


MIN_PLAIN, MAX_PLAIN = 1e-4, 1e5  # tick labels outside this are written as 8e300, 1e-5


def tick(value: float) -> str:
    """A tick label at most about six characters wide, however far a run has diverged:
    "0.25", "0.0001", "2000", "8e300", "1e-5"."""
    if value == 0 or MIN_PLAIN <= abs(value) < MAX_PLAIN:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def split_label(split: str, used: int, total: int) -> str:
    """A split's name beside its epoch values: "train", or "train · 2,000 of 56,000" when
    they are computed on a sample of it."""
    return split if used >= total else f"{split} · {used:,} of {total:,}"


def evaluation_note(evaluated_on: dict[str, tuple[int, int]]) -> str:
    """What the epoch values are computed on, in one sentence; "" when on every sample."""
    sampled = {s: (used, total) for s, (used, total) in evaluated_on.items() if used < total}
    if not sampled:
        return ""
    parts = [f"{used:,} of the {total:,} {split}" for split, (used, total) in sampled.items()]
    return (
        f"Epoch values are computed on a fixed random sample: {' and '.join(parts)} samples "
        "(the same ones every epoch), so an epoch's metrics cost the same on a large set as "
        "on a small one."
    )
