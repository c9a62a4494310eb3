"""The one gate through which the build panel changes the design.

Sections propose a candidate design; `Editor.commit` checks it with the engine's own rules and
either pushes it to the document (one undo step) or reports the reason and asks the panel to
show the current design again, so an invalid edit never reaches the document.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGroupBox, QWidget

from nnviz.app.builder.adapt import DataShape, check
from nnviz.app.document import DesignDocument
from nnviz.core.datasets import Dataset, make_dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.specs import DatasetSpec

CACHED_DATASETS = 6


class DataCache:
    """Recently built datasets by spec, so previews and checks do not regenerate them."""

    def __init__(self, size: int = CACHED_DATASETS) -> None:
        self._size = size
        self._items: OrderedDict[tuple[DatasetSpec, Path | None], Dataset | DesignError] = (
            OrderedDict()
        )

    def keep(self, spec: DatasetSpec, base_dir: Path | None, data: Dataset) -> None:
        """Remember a dataset built elsewhere (the run's, read in the background) so the panel
        does not read a long table a second time, in the window's thread."""
        self._items[(spec, base_dir)] = data
        self._items.move_to_end((spec, base_dir))
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, spec: DatasetSpec, base_dir: Path | None) -> Dataset:
        """The dataset for `spec`; a spec that cannot be built raises its `DesignError`."""
        key = (spec, base_dir)
        if key not in self._items:
            try:
                self._items[key] = make_dataset(spec, base_dir)
            except DesignError as error:
                self._items[key] = error
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        item = self._items[key]
        if isinstance(item, DesignError):
            raise item
        return item


class Editor(QObject):
    """Shared by the panel's sections: the document, the data cache and `commit`."""

    errorChanged = Signal(str)  # noqa: N815  ("" when the last edit went through)
    rejected = Signal()  # an edit was refused: widgets must show the document's design again
    noticed = Signal(str)  # what an accepted edit changed besides the field edited

    def __init__(self, document: DesignDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.cache = DataCache()

    @property
    def design(self) -> Design:
        return self.document.design

    @property
    def base_dir(self) -> Path | None:
        return self.document.base_dir

    def data(self, spec: DatasetSpec | None = None) -> Dataset:
        """The dataset of `spec` (default: the current design's); raises `DesignError`."""
        return self.cache.get(spec if spec is not None else self.design.dataset, self.base_dir)

    def shape(self, spec: DatasetSpec | None = None) -> DataShape | None:
        """The data's shape, or None when it cannot be built (e.g. a missing file)."""
        try:
            return DataShape.of(self.data(spec))
        except DesignError:
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
            return DataShape.of(self.data(candidate.dataset))
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
