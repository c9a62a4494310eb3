"""The window's one source of truth for what the user built, with undo/redo.

Every editor changes the design only through `DesignDocument.set_design`, which pushes an undo
command; every view redraws from `designChanged`. Undo and redo go through the same signal, so
there is exactly one path by which the design ever changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from nnviz.core.design import Design

_MERGE_ID = 0x6E6E76  # any constant: QUndoStack only merges commands with the same id


class _SetDesign(QUndoCommand):
    """One edit: old design → new design; edits with the same merge key coalesce."""

    def __init__(self, doc: DesignDocument, old: Design, new: Design, text: str, key: str | None):
        super().__init__(text)
        self._doc = doc
        self.old = old
        self.new = new
        self.key = key

    def id(self) -> int:
        return _MERGE_ID if self.key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _SetDesign) or other.key != self.key:
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True

    def redo(self) -> None:
        self._doc._apply(self.new)

    def undo(self) -> None:
        self._doc._apply(self.old)


class DesignDocument(QObject):
    """Holds the current `Design`, its file path and the undo history of the window."""

    # Qt's naming for signals. designChanged(old, new) also fires on undo, redo and load.
    designChanged = Signal(object, object)  # noqa: N815
    modifiedChanged = Signal(bool)  # noqa: N815
    pathChanged = Signal(object)  # noqa: N815  (Path | None)

    def __init__(self, design: Design, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._design = design
        self._path = Path(path) if path is not None else None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    @property
    def design(self) -> Design:
        return self._design

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative data paths resolve against: the design's own, else the file's."""
        if self._design.base_dir is not None:
            return self._design.base_dir
        return self._path.parent if self._path is not None else None

    def set_design(self, new: Design, text: str, merge_key: str | None = None) -> bool:
        """Make `new` current as one undoable step; returns False when nothing changed.

        Consecutive calls with the same non-None `merge_key` (e.g. "layers.1.units" while the
        user types in a spin box) collapse into a single undo step.
        """
        if new == self._design:
            return False
        self.undo_stack.push(_SetDesign(self, self._design, new, text, merge_key))
        return True

    def load(self, design: Design, path: Path | None = None) -> None:
        """Replace the design wholesale (open / new file): the undo history starts over."""
        self.undo_stack.clear()
        self._set_path(path)
        old, self._design = self._design, design
        self.undo_stack.setClean()
        self.designChanged.emit(old, design)

    def mark_saved(self, path: Path) -> None:
        self._set_path(path)
        self.undo_stack.setClean()

    def mark_modified(self) -> None:
        """Unsaved changes without an undo step (e.g. work recovered after a crash)."""
        self.undo_stack.resetClean()

    def undo_action(self, parent: QObject) -> QAction:
        action = self.undo_stack.createUndoAction(parent, self.tr("&Undo"))
        action.setShortcuts(QKeySequence.StandardKey.Undo)
        return action

    def redo_action(self, parent: QObject) -> QAction:
        action = self.undo_stack.createRedoAction(parent, self.tr("&Redo"))
        keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        ctrl_shift_z = QKeySequence("Ctrl+Shift+Z")
        if ctrl_shift_z not in keys:
            keys.insert(0, ctrl_shift_z)
        action.setShortcuts(keys)
        return action

    def _apply(self, design: Design) -> None:
        old = self._design
        if design == old:
            return
        self._design = design
        self.designChanged.emit(old, design)

    def _set_path(self, path: Path | None) -> None:
        path = Path(path) if path is not None else None
        if path != self._path:
            self._path = path
            self.pathChanged.emit(path)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)
