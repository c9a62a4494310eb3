"""`BuildPanel`: every section of the design editor in one scrollable column for a dock.

The panel never holds design state of its own: it shows `document.design`, redraws on
`designChanged` (undo and redo included), and writes back only through the `Editor`, which
refuses invalid edits with a one-line reason shown in red at the top.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.builder.dataset_section import DatasetSection
from nnviz.app.builder.editor import Editor, ReadLater
from nnviz.app.builder.layers_section import LayersSection
from nnviz.app.builder.training_section import OptimizerSection, TrainingSection
from nnviz.app.document import DesignDocument
from nnviz.core.data_cache import DataCache
from nnviz.core.design import Design
from nnviz.core.errors import plain_words

PANEL_WIDTH = 330
JUMP_MARGIN = 6  # pixels above a section scrolled to by its button


class BuildPanel(QWidget):
    """The design editor: data, network, loss and optimizer, training."""

    def __init__(
        self,
        document: DesignDocument,
        data_cache: DataCache | None = None,
        read_later: ReadLater | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`data_cache`: the window's datasets (the panel's own when None); `read_later`: how
        the window reads slow data in the background (without it the panel reads it itself)."""
        super().__init__(parent)
        self.document = document
        self.editor = Editor(document, data_cache, read_later, self)

        self.error = QLabel()
        self.error.setObjectName("buildError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(
            "QLabel#buildError { color: #b00020; background: #fdecee; border: 1px solid #f3b6bf;"
            " border-radius: 3px; padding: 4px 6px; }"
        )
        self.error.hide()
        self.note = QLabel()  # what an edit changed besides the field edited (undoable)
        self.note.setObjectName("buildNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(
            "QLabel#buildNote { color: #33383e; background: #eef4fb; border: 1px solid #c4d7ec;"
            " border-radius: 3px; padding: 4px 6px; }"
        )
        self.note.hide()

        self.dataset = DatasetSection(self.editor)
        self.layers = LayersSection(self.editor)
        self.optimizer = OptimizerSection(self.editor)
        self.training = TrainingSection(self.editor)
        self.sections = (self.dataset, self.layers, self.optimizer, self.training)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(8)
        for section in self.sections:
            column.addWidget(section)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(content)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        # One click to each section: on a small screen (1366×768) the later ones start below
        # the fold, and a learner looking for the loss would not guess to scroll.
        jumps = QHBoxLayout()
        jumps.setContentsMargins(6, 2, 6, 0)
        jumps.setSpacing(4)
        self.jumps: dict[str, QToolButton] = {}
        for section in self.sections:
            button = QToolButton()
            button.setText(section.title().replace("&", ""))
            button.setAutoRaise(True)
            button.setToolTip(f"Scroll to {section.title().replace('&', '')}")
            button.clicked.connect(partial(self.show_section, section))
            jumps.addWidget(button)
            self.jumps[section.objectName() or section.title()] = button
        jumps.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(jumps)
        layout.addWidget(self.error)
        layout.addWidget(self.note)
        layout.addWidget(self.scroll, 1)
        # Never narrower than the sections need beside the scroll bar: the scroll area has no
        # horizontal bar, and a narrower one would cut their right edge off.
        scroll_bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(max(PANEL_WIDTH - 30, content.minimumSizeHint().width() + scroll_bar))

        self.editor.errorChanged.connect(self.show_error)
        self.editor.noticed.connect(self.show_note)
        self.editor.rejected.connect(self.refresh)
        document.designChanged.connect(self._on_design_changed)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(PANEL_WIDTH, 720)

    @property
    def error_text(self) -> str:
        """The reason the last edit was refused, or "" (shown in red above the sections)."""
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def show_error(self, message: str) -> None:
        """The engine's reason, in the window's words (see `plain_words`)."""
        message = plain_words(message)
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def show_section(self, section: QWidget) -> None:
        """Scroll so `section` starts at the top of the panel."""
        self.scroll.verticalScrollBar().setValue(section.y() - JUMP_MARGIN)

    @property
    def note_text(self) -> str:
        """What the last edit changed besides what was edited, or "" (until the next edit)."""
        return self.note.text() if self.note.isVisibleTo(self) else ""

    def show_note(self, message: str) -> None:
        self.note.setText(message)
        self.note.setVisible(bool(message))

    def refresh(self) -> None:
        """Show the document's design in every widget (without echoing edits back)."""
        design = self.document.design
        for section in self.sections:
            section.refresh(design)

    def _on_design_changed(self, old: Design, new: Design) -> None:
        self.show_error("")
        self.show_note("")
        self.refresh()
