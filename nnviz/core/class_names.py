"""What each class is called, and what each output neuron stands for.

A dataset gives `class_names` (digits "0".."9", a 2-D set's "ring"/"disc", a CSV's text labels);
snapshots carry them, and every view labels classes through these functions so that an output
neuron, a probability bar, a legend and a gallery caption always say the same name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def class_name(class_names: Sequence[str] | None, label: int) -> str:
    """The name of class `label`, or its number when the dataset names none."""
    if class_names is not None and 0 <= label < len(class_names):
        return class_names[label]
    return str(label)


def output_unit_names(class_names: Sequence[str] | None, units: int) -> tuple[str, ...] | None:
    """What each output neuron means: one name per class for k units, "P(<class 1>)" for the
    single sigmoid unit of a two-class network; None when the outputs are not classes."""
    if not class_names:
        return None
    if units == 1 and len(class_names) == 2:
        return (f"P({class_names[1]})",)
    if units == len(class_names):
        return tuple(class_names)
    return None


def class_probabilities(output: np.ndarray) -> np.ndarray:
    """One sample's class probabilities from the output layer: a single unit's p gives
    (1 − p, p); k units are already one probability per class."""
    output = np.nan_to_num(np.asarray(output, dtype=np.float64).ravel())
    if output.size == 1:
        return np.array([1.0 - output[0], output[0]])
    return output


def numbered(prefix: str, classes: int) -> tuple[str, ...]:
    """ "arm 0", "arm 1", … for sets whose classes are only told apart by number."""
    return tuple(f"{prefix} {k}" for k in range(classes))
