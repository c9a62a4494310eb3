"""The banner above the network: one inline, non-blocking message at a time (a problem in a
warning colour, or a neutral note such as an example's description), with an optional button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class Banner(QFrame):
    """An inline, non-blocking message above the network with an optional action button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(close)
        self._callback = None
        self.button.clicked.connect(self._on_button)
        self.hide()

    def show_message(
        self, text: str, button: str | None = None, callback=None, kind: str = "problem"
    ) -> None:
        """`kind` "problem" (a warning colour) or "info" (a neutral note, e.g. an example's
        description)."""
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
            self.label.style().unpolish(self.label)
            self.label.style().polish(self.label)
        self.label.setText(text)
        self.button.setVisible(button is not None)
        self.button.setText(button or "")
        self._callback = callback
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def _on_button(self) -> None:
        callback = self._callback
        self.hide()
        if callback is not None:
            callback()
