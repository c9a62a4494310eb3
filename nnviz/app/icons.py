"""Icons drawn for nnviz, shipped as SVG (and PNG sizes of the application icon) in resources."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from nnviz.core.resources import resource_path

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@cache
def app_icon() -> QIcon:
    """The application icon: crisp PNGs at the usual sizes, the SVG for everything else."""
    icon = QIcon(str(resource_path("icons", "nnviz.svg")))
    for size in APP_ICON_SIZES:
        path = resource_path("icons", f"nnviz-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


@cache
def icon(name: str) -> QIcon:
    """A toolbar icon by name (play, pause, step, epoch, reset, open)."""
    path = resource_path("icons", f"{name}.svg")
    if not path.is_file():
        raise KeyError(f"no icon named {name!r} in {path.parent}")
    return QIcon(str(path))
