"""The import preview: a table's first rows or a folder's pictures, what was detected, and the
network the data will get — before anything changes.

The data is read in a background thread (a large image folder takes a while), with progress
in the dialog; every choice (header row, label column, task, image size, grey or colour)
reads it again. What to show comes from `core.data_preview`; this module only draws it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.builder.widgets import ComboBox, SpinBox
from nnviz.app.data_loading import CancelledError, throttled
from nnviz.app.style import ERROR_TEXT
from nnviz.app.views.images import rgb_image
from nnviz.core.data_io import DEFAULT_IMAGE_SIZE, TASKS
from nnviz.core.data_preview import DataPreview, kind_of, network_line, preview_data
from nnviz.core.design import Design, DesignError
from nnviz.core.image_folder import MAX_SIDE

THUMB_PX = 64
LABEL_TINT = QColor(255, 236, 179)  # the label column, in the table
ERROR_STYLE = f"color: {ERROR_TEXT}"

# A design that fits a preview, or DesignError: supplied by the window (the current design
# moved onto the data).
Fit = Callable[[DataPreview], Design]


class PreviewLoader(QObject):
    """Reads previews in a worker thread; results arrive as signals in the GUI thread.

    Each load has a generation number: a result for an older choice is dropped, and an older
    load still decoding stops at its next progress report.
    """

    loaded = Signal(int, object)  # generation, DataPreview
    failed = Signal(int, str)  # generation, the one-line reason
    progressed = Signal(int, int, int)  # generation, files done, files in all

    def __init__(self) -> None:
        super().__init__()  # no parent: the thread may outlive the dialog and still emit
        self.generation = 0
        self._stop = threading.Event()

    def start(self, path: Path, choices: dict[str, Any]) -> int:
        self._stop.set()
        self._stop = threading.Event()
        self.generation += 1
        args = (self.generation, path, dict(choices), self._stop)
        threading.Thread(target=self._run, args=args, daemon=True, name="nnviz-import").start()
        return self.generation

    def cancel(self) -> None:
        self._stop.set()

    def _run(self, generation: int, path: Path, choices: dict, stop: threading.Event) -> None:
        def report(done: int, total: int) -> None:
            self.progressed.emit(generation, done, total)

        try:
            found = preview_data(path, choices, throttled(stop.is_set, report))
        except CancelledError:
            return
        except DesignError as error:
            self.failed.emit(generation, str(error))
            return
        except OSError as error:
            self.failed.emit(generation, f"{path.name}: {error.strerror or error}")
            return
        self.loaded.emit(generation, found)


class ImportDialog(QDialog):
    """Preview `path` with the person's choices; `design` is what accepting installs."""

    previewChanged = Signal()  # noqa: N815  a load ended (shown or failed)

    def __init__(
        self,
        path: Path,
        fit: Fit,
        parent: QWidget | None = None,
        choices: dict[str, Any] | None = None,
    ) -> None:
        """`choices`: dataset fields already set (the design's, when it is read again)."""
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(f"Import data — {path.name}")
        self.path = Path(path)
        self.kind = kind_of(self.path)
        self.fit = fit
        self.choices: dict[str, Any] = dict(choices or {})
        self.preview: DataPreview | None = None
        self.design: Design | None = None
        self.error = ""
        self._generation = 0
        self.loader = PreviewLoader()
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.progressed.connect(self._on_progress)
        self._build()
        self._show_choices()
        self.resize(760, 560)
        self.reload()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        where = QLabel(str(self.path))
        where.setStyleSheet("color: #555")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.options = QHBoxLayout()
        self.options.setSpacing(8)
        if self.kind == "csv":
            self._build_csv_options()
        else:
            self._build_folder_options()
        self.options.addStretch(1)

        self.table = QTableWidget()
        self.table.setObjectName("importTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().sectionClicked.connect(self._on_column_clicked)
        self.table.horizontalHeader().setToolTip("Click a column to make it the label column")
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.thumbs = QWidget()
        self.thumbs.setObjectName("importThumbnails")
        self.thumb_grid = QGridLayout(self.thumbs)
        self.thumb_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.thumbs)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(scroll)
        self.pages.setCurrentIndex(0 if self.kind == "csv" else 1)

        self.progress = QProgressBar()
        self.progress.setFormat(
            "Reading line %v of %m…" if self.kind == "csv" else "Reading %v of %m pictures…"
        )
        self.progress.hide()
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.network = QLabel()
        self.network.setObjectName("importNetwork")
        self.network.setWordWrap(True)
        bold = QFont(self.network.font())
        bold.setBold(True)
        self.network.setFont(bold)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Use this data")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(self.options)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.network)
        layout.addWidget(self.buttons)

    def _option(self, text: str, widget: QWidget) -> QWidget:
        label = QLabel(text)
        label.setBuddy(widget)
        self.options.addWidget(label)
        self.options.addWidget(widget)
        return widget

    def _build_csv_options(self) -> None:
        self.header = self._option(
            "Header row",
            _choice_box(
                "Whether the first row names the columns.",
                [("Detect", None), ("First row names the columns", True), ("No header row", False)],
            ),
        )
        self.task = self._option(
            "Task",
            _choice_box(
                "Classes (labels name a category) or regression (labels are numbers to predict).",
                [("Detect", None), *((t.capitalize(), t) for t in TASKS)],
            ),
        )
        self.header.currentIndexChanged.connect(self._on_csv_choice)
        self.task.currentIndexChanged.connect(self._on_csv_choice)

    def _build_folder_options(self) -> None:
        tip = "Every picture is resized to this many pixels (height × width)."
        self.height = self._option("Size", SpinBox(1, MAX_SIDE, tip))
        self.width = self._option("×", SpinBox(1, MAX_SIDE, tip))
        self.height.setValue(DEFAULT_IMAGE_SIZE[0])
        self.width.setValue(DEFAULT_IMAGE_SIZE[1])
        self.colour = QCheckBox("Colour (3 values per pixel)")
        self.colour.setToolTip("Off: one grey value per pixel, three times fewer inputs.")
        self.skip = QCheckBox("Skip unreadable files")
        self.skip.setToolTip("Leave out files that cannot be decoded instead of refusing.")
        for widget in (self.colour, self.skip):
            self.options.addWidget(widget)
        self.height.valueChanged.connect(self._on_folder_choice)
        self.width.valueChanged.connect(self._on_folder_choice)
        self.colour.toggled.connect(self._on_folder_choice)
        self.skip.toggled.connect(self._on_folder_choice)

    # ------------------------------------------------------------------ choices
    def _show_choices(self) -> None:
        """The option widgets as `choices` say, without reading the data for each."""
        if self.kind == "csv":
            widgets = ((self.header, "header"), (self.task, "task"))
            for box, key in widgets:
                box.blockSignals(True)
                box.set_value(self.choices.get(key))
                box.blockSignals(False)
            return
        height, width = self.choices.get("size", DEFAULT_IMAGE_SIZE)
        states = (
            (self.height, lambda: self.height.setValue(height)),
            (self.width, lambda: self.width.setValue(width)),
            (self.colour, lambda: self.colour.setChecked(not self.choices.get("grayscale", True))),
            (self.skip, lambda: self.skip.setChecked(self.choices.get("skip_unreadable", False))),
        )
        for widget, show in states:
            widget.blockSignals(True)
            show()
            widget.blockSignals(False)

    def set_choice(self, key: str, value: Any) -> None:
        """Set one dataset field (None: back to detected/default) and read the data again."""
        if value is None:
            self.choices.pop(key, None)
        else:
            self.choices[key] = value
        self.reload()

    def reload(self) -> None:
        self.ok.setEnabled(False)
        self.progress.hide()
        self.summary.setText("Reading…")
        self._generation = self.loader.start(self.path, self.choices)

    def _on_csv_choice(self) -> None:
        if self.header.currentData() != self.choices.get("header"):
            self.choices.pop("label_column", None)  # names and positions change with the header
        self.choices.update(header=self.header.currentData(), task=self.task.currentData())
        self.choices = {k: v for k, v in self.choices.items() if v is not None}
        self.reload()

    def _on_folder_choice(self) -> None:
        size = [self.height.value(), self.width.value()]
        self.choices = {
            "size": None if tuple(size) == DEFAULT_IMAGE_SIZE else size,
            "grayscale": False if self.colour.isChecked() else None,
            "skip_unreadable": True if self.skip.isChecked() else None,
        }
        self.choices = {k: v for k, v in self.choices.items() if v is not None}
        self.reload()

    def _on_column_clicked(self, column: int) -> None:
        found = self.preview
        if found is None or found.layout is None:
            return
        # by name when the file names its columns, else by position (counted from 1)
        label = found.layout.columns[column] if found.layout.header else column + 1
        last = column == len(found.layout.columns) - 1
        self.set_choice("label_column", None if last else label)

    # ------------------------------------------------------------------ results
    def _on_progress(self, generation: int, done: int, total: int) -> None:
        if generation != self._generation:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.show()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.progress.hide()
        self.preview, self.design, self.error = None, None, message
        self.table.clear()
        self.table.setColumnCount(0)
        self.table.setRowCount(0)
        self._clear_thumbnails()
        self.summary.setText(_error_html(message))
        self.network.clear()
        self.ok.setEnabled(False)
        self.previewChanged.emit()

    def _on_loaded(self, generation: int, found: DataPreview) -> None:
        if generation != self._generation:
            return
        self.progress.hide()
        self.preview, self.design, self.error = found, None, found.error
        lines = [_html(line) for line in found.lines()]
        if found.error:
            lines.insert(0, _error_html(found.error))
        self.summary.setText("<br>".join(lines))
        if found.layout is not None:
            self._show_table(found)
        else:
            self._show_thumbnails(found)
        if found.table is None:
            self.network.clear()
        else:
            try:
                self.design = self.fit(found)
            except DesignError as error:
                self.error = str(error)
                self.network.setText(_error_html(self.error))
            else:
                self.network.setText(_html(f"Network: {network_line(self.design)}"))
        self.ok.setEnabled(self.design is not None)
        self.previewChanged.emit()

    def _show_table(self, found: DataPreview) -> None:
        layout, label = found.layout, found.label_index
        rows = layout.first_rows
        self.table.clear()
        self.table.setColumnCount(len(layout.columns))
        self.table.setRowCount(len(rows))
        names = [
            (name if layout.header else f"column {name}") + (" (label)" if j == label else "")
            for j, name in enumerate(layout.columns)
        ]
        self.table.setHorizontalHeaderLabels(names)
        self.table.setVerticalHeaderLabels([str(line) for line in layout.first_lines])
        self.table.verticalHeader().setToolTip("Line in the file (as error messages count rows)")
        tint = QBrush(LABEL_TINT)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                item = QTableWidgetItem(text)
                if j == label:
                    item.setBackground(tint)
                self.table.setItem(i, j, item)
        header_font = self.table.horizontalHeader().font()
        for j in range(len(layout.columns)):
            font = QFont(header_font)
            font.setBold(j == label)
            self.table.horizontalHeaderItem(j).setFont(font)
        self.table.resizeColumnsToContents()

    def _clear_thumbnails(self) -> None:
        while self.thumb_grid.count():
            item = self.thumb_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

    def _show_thumbnails(self, found: DataPreview) -> None:
        self._clear_thumbnails()
        listing = found.listing
        pictures_per_class = found.thumbnails or ((),) * len(listing.classes)
        for row, (name, count, pictures) in enumerate(
            zip(listing.classes, listing.counts, pictures_per_class, strict=True)
        ):
            pictures_text = f"{count:,} picture{'s' if count != 1 else ''}"
            title = QLabel(
                f"<b>{_html(name)}</b><br><span style='color:#555'>{pictures_text}</span>"
            )
            self.thumb_grid.addWidget(title, row, 0)
            for col, picture in enumerate(pictures, start=1):
                tile = QLabel()
                tile.setPixmap(_thumbnail(picture))
                tile.setToolTip(f"{name}: as the network sees it")
                self.thumb_grid.addWidget(tile, row, col)

    def done(self, result: int) -> None:
        self.loader.cancel()
        super().done(result)


def _choice_box(tip: str, items: list[tuple[str, Any]]) -> ComboBox:
    box = ComboBox(tip)
    for text, value in items:
        box.addItem(text, value)
    return box


def _thumbnail(picture: np.ndarray) -> QPixmap:
    pixels = np.clip(np.round(picture * 255), 0, 255).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    image = rgb_image(pixels)
    return QPixmap.fromImage(image).scaled(
        THUMB_PX,
        THUMB_PX,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )


def _error_html(text: str) -> str:
    return f"<span style='{ERROR_STYLE}'>{_html(text)}</span>"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
