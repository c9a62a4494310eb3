"""The one gate through which the build panel changes the design.

Sections propose a candidate design; `Editor.commit` checks it with the engine's own rules and
either pushes it to the document (one undo step) or reports the reason and asks the panel to
show the current design again, so an invalid edit never reaches the document.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGroupBox, QWidget

from nnviz.app.builder.adapt import DataShape, check
from nnviz.app.document import DesignDocument
from nnviz.core.data_cache import DataCache, DataNotLoadedError
from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.specs import DatasetSpec

# The window's `DataLoading.load_then`: read slow data in the background, then call back.
ReadLater = Callable[[DataNotLoadedError, Callable[[], None], Callable[[str], None]], None]


class Editor(QObject):
    """Shared by the panel's sections: the document, the data cache and `commit`."""

    errorChanged = Signal(str)  # noqa: N815  ("" when the last edit went through)
    rejected = Signal()  # an edit was refused: widgets must show the document's design again
    noticed = Signal(str)  # what an accepted edit changed besides the field edited

    def __init__(
        self,
        document: DesignDocument,
        cache: DataCache | None = None,
        read_later: ReadLater | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.cache = cache if cache is not None else DataCache()
        self.read_later = read_later

    @property
    def design(self) -> Design:
        return self.document.design

    @property
    def base_dir(self) -> Path | None:
        return self.document.base_dir

    def data(self, spec: DatasetSpec | None = None) -> Dataset:
        """The dataset of `spec` (default: the current design's); raises `DesignError`, or
        `DataNotLoadedError` for data slow to read that the window has not read yet (the
        panel never waits for it: the window reads it in the background)."""
        return self.cache.quick_get(
            spec if spec is not None else self.design.dataset, self.base_dir
        )

    def data_shape(self, spec: DatasetSpec) -> DataShape:
        """The shape of `spec`'s data, known without reading it for the built-in sets;
        raises `DesignError` when the data cannot be built, and `DataNotLoadedError` when a
        large file or a folder of pictures must be read first (see `read_then`)."""
        try:
            return DataShape.of(self.data(spec))
        except DataNotLoadedError:
            known = DataShape.known(spec)
            if known is not None:
                return known
            if self.read_later is not None:
                raise
            # a panel without a window to read in the background: read it here
            return DataShape.of(self.cache.get(spec, self.base_dir))

    def read_then(self, waiting: DataNotLoadedError, then: Callable[[], None]) -> None:
        """Have the window read `waiting`'s data in the background, then call `then()`; a read
        that fails is reported as a refused edit (a cancelled one changes nothing)."""
        self.read_later(waiting, then, self.fail)

    def shape(self, spec: DatasetSpec | None = None) -> DataShape | None:
        """The data's shape, or None when it cannot be built (e.g. a missing file) or is not
        read yet."""
        try:
            return self.data_shape(spec if spec is not None else self.design.dataset)
        except (DesignError, DataNotLoadedError):
            return None

    def commit(self, candidate: Design, text: str, merge_key: str | None = None) -> bool:
        """Apply `candidate` as one undo step if the engine accepts it; else explain and revert."""
        try:
            shape = self._checked_shape(candidate)
            check(candidate, shape, self.base_dir)
        except DesignError as error:
            self.fail(str(error))
            return False
        self.errorChanged.emit("")
        self.document.set_design(candidate, text, merge_key)
        return True

    def fail(self, message: str) -> None:
        self.errorChanged.emit(message)
        self.rejected.emit()

    def _checked_shape(self, candidate: Design) -> DataShape | None:
        """A new dataset must build; an unchanged one that cannot (missing file) is not checked."""
        if candidate.dataset != self.design.dataset:
            return self.data_shape(candidate.dataset)
        return self.shape(candidate.dataset)


class Section(QGroupBox):
    """One group of the build panel: shows a design through `_show`, edits it through `editor`.

    `_updating` is True while `refresh` fills the widgets, so their change signals, which fire
    then too, are not taken for the person's edits.
    """

    def __init__(self, title: str, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.editor = editor
        self._updating = False

    def refresh(self, design: Design) -> None:
        self._updating = True
        try:
            self._show(design)
        finally:
            self._updating = False

    def _show(self, design: Design) -> None:
        raise NotImplementedError
