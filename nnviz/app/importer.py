"""File › Import Data…, Import Image Folder… and data dropped on the window: the preview, then
one undoable design change that moves the current network onto the data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtWidgets import QFileDialog

from nnviz.app.builder.adapt import DataShape, adapt_to_dataset
from nnviz.app.builder.dataset_section import relative_path
from nnviz.app.import_dialog import ImportDialog
from nnviz.app.window_api import WindowApi
from nnviz.core.data_preview import DataPreview, choices_of
from nnviz.core.design import Design
from nnviz.core.specs import DatasetSpec

DROPPED_TABLES = (".csv", ".tsv", ".data", ".csv.gz")  # not .txt: notes are dropped by mistake
TABLE_FILTERS = "Tables (*.csv *.tsv *.txt *.data *.csv.gz);;All files (*)"


class DataImporter(QObject):
    """Owned by the window as `window.importer`; `dialog` is the open preview, if any."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ImportDialog | None = None

    def _start_dir(self) -> str:
        return str(self.window.document.base_dir or Path.home())

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Import a data table", self._start_dir(), TABLE_FILTERS
        )
        if path:
            self.preview(Path(path))

    def ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self.window, "Import a folder of pictures (one sub-folder per class)", self._start_dir()
        )
        if path:
            self.preview(Path(path))

    def dropped_data(self, mime: QMimeData) -> Path | None:
        """The first local folder or table file among dropped URLs."""
        for url in mime.urls() if mime.hasUrls() else ():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.is_dir() or path.name.lower().endswith(DROPPED_TABLES):
                    return path
        return None

    def preview(self, path: Path, choices: dict | None = None) -> ImportDialog:
        """Open the preview on `path` (window-modal; accepting changes the design), with the
        dataset fields in `choices` already set."""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ImportDialog(path, self.fit, self.window, choices)
        self.dialog.accepted.connect(self._apply)
        self.dialog.finished.connect(self._forget)
        self.dialog.open()
        return self.dialog

    def preview_current(self) -> ImportDialog | None:
        """The preview on the design's own file or folder, as the design reads it, to change
        how it is read (header row, label column, task, picture size, colour)."""
        spec = self.window.document.design.dataset
        if spec.path is None:
            return None
        path = Path(spec.path).expanduser()
        base = self.window.document.base_dir
        if not path.is_absolute() and base is not None:
            path = base / path
        return self.preview(path, choices_of(spec))

    def fit(self, found: DataPreview) -> Design:
        """The current design moved onto the previewed data; raises DesignError. The same
        file read again keeps its subset and standardization; other data starts without."""
        current = self.window.document.design
        base = self.window.document.base_dir
        path_text = relative_path(str(found.path), base)
        fields = found.dataset_fields(path_text)
        old = current.dataset
        same = {}
        if old.name == found.kind and old.path == path_text:
            same = {"samples": old.samples, "standardize": old.standardize}
        spec = DatasetSpec(**fields, test_fraction=old.test_fraction, seed=old.seed, **same)
        shape = DataShape(found.table.task, found.features, found.table.classes, found.targets)
        return adapt_to_dataset(current, spec, shape, base)

    def _apply(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.design is None:
            return
        self.window.document.set_design(dialog.design, f"Import data: {dialog.path.name}")

    def _forget(self) -> None:
        self.dialog = None
