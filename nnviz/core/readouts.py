"""Numbers as a status line shows them: significant digits, powers of ten where plain digits
would not fit.

A loss falls to 0.00003 as training goes on, and a diverging run sends it to 1e300 and R² to
-1e301: fixed decimals would print "0.0000" for the first and three hundred digits for the
others. `significant(x, 4)` always keeps four significant digits in at most eleven characters:
"0.5000", "0.01690", "1234", "3.210e-5", "1.000e300".
"""

from __future__ import annotations

import math

# Plain digits from 0.001 up to (not including) 100,000; a power of ten outside.
MIN_PLAIN_EXPONENT, MAX_PLAIN_EXPONENT = -3, 4


def significant(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, plain where short, else as "3.210e-5"."""
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if MIN_PLAIN_EXPONENT <= exponent <= MAX_PLAIN_EXPONENT:
        return f"{value:.{max(digits - 1 - exponent, 0)}f}"
    mantissa, power = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(power)}"


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
