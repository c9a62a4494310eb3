"""The build panel: the editor of the design, docked beside the network view."""

from nnviz.app.builder.panel import BuildPanel

__all__ = ["BuildPanel"]
