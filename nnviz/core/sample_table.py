"""One sample of a table (a CSV's row) as the data view lists it beside its class probabilities.

Each input is written as the file has it; when the inputs are standardized, the value the
network gets follows it, so "5.1 → −0.90" says both what was measured and what was computed
with. The values of a batch mean are the means of the batch's inputs, and say so in the caption
the view writes above them.
"""

from __future__ import annotations

import numpy as np

MAX_ROWS = 10  # inputs listed; a wider table ends with how many more there are


def sample_lines(data, values: np.ndarray, most: int = MAX_ROWS) -> list[str]:
    """ "name  value" for each of the first `most` inputs, "name  value → input" when
    standardized, then "… and N more inputs" for the rest."""
    network = np.asarray(values, dtype=np.float64)
    standardized = data.feature_mean is not None
    raw = network * data.feature_std + data.feature_mean if standardized else network
    lines = []
    for name, value, given in zip(data.feature_names[:most], raw, network, strict=False):
        text = f"{name}  {value:.4g}"
        lines.append(f"{text} → {given:.3g}" if standardized else text)
    hidden = len(network) - len(lines)
    if hidden > 0:
        lines.append(f"… and {hidden:,} more input{'s' if hidden != 1 else ''}")
    return lines
