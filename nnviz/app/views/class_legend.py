"""A line naming each class in its colour, for every view that colours points by class."""

from __future__ import annotations

from html import escape

import numpy as np

from nnviz.app.views.colormap import class_rgb
from nnviz.core.class_names import class_name


def class_legend_html(dataset) -> str:
    """A dot in each class's colour with its name; empty for regression."""
    if dataset is None or dataset.task != "classification" or not dataset.classes:
        return ""
    colours = class_rgb(np.arange(dataset.classes)).tolist()
    names = [
        escape(class_name(dataset.class_names, k)).replace(" ", "&nbsp;")
        for k in range(dataset.classes)
    ]
    # Entries break onto a new line between each other only, never inside a name.
    return "&nbsp; ".join(
        f'<span style="color: rgb({r}, {g}, {b});">●</span>&nbsp;{name}'
        for (r, g, b), name in zip(colours, names, strict=True)
    )
