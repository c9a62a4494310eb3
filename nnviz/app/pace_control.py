"""The toolbar's training speed: a choice of `nnviz.core.pace.PACES`, full speed first chosen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from nnviz.core.pace import FULL_SPEED, PACES

TOOLTIP = (
    "Training speed: how many steps a second the run takes. At one or two steps a second the "
    "network shows every step's forward pass, loss, backward pass and update; faster, the "
    "animation shows one step in several."
)


def pace_box() -> QComboBox:
    """A combo box of every pace (each with its own tooltip), set to full speed."""
    box = QComboBox()
    box.setObjectName("paceBox")
    for i, pace in enumerate(PACES):
        box.addItem(pace.label)
        box.setItemData(i, pace.description, Qt.ItemDataRole.ToolTipRole)
    box.setCurrentText(FULL_SPEED.label)
    box.setToolTip(TOOLTIP)
    return box
