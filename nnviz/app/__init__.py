"""The window (Qt). Importing it gives the core Qt's image decoder for image-folder datasets."""

from nnviz import imaging

imaging.install()
