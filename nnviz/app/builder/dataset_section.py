"""The data group: which dataset, how much of it, how noisy, and which input features.

Every change goes through `adapt_to_dataset`, so the input layer always follows the data and
the output layer and loss follow its task and class count.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.builder.adapt import adapt_to_dataset
from nnviz.app.builder.editor import Editor, Section
from nnviz.app.builder.preview import DataPreview
from nnviz.app.builder.source_row import SourceRow
from nnviz.app.builder.widgets import ComboBox, DoubleSpinBox, SpinBox
from nnviz.app.style import ERROR_TEXT
from nnviz.core.data_cache import DataNotLoadedError
from nnviz.core.data_io import FILE_LOADERS
from nnviz.core.dataset_fields import MAX_PLANE_CLASSES, column_from_text
from nnviz.core.datasets import DATASETS, DEFAULT_SAMPLES, Dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.features import DEFAULT_FEATURES, FEATURES
from nnviz.core.mnist import default_source
from nnviz.core.specs import MAX_SAMPLES, MAX_SEED, TASKS, DatasetSpec

FEATURE_COLUMNS = 4
SPIN_MAX = 2**31 - 1

# File dialogs' name filters per file format.
FILE_FILTERS = {
    "csv": "CSV tables (*.csv *.csv.gz *.txt);;All files (*)",
    "npz": "NumPy archives (*.npz);;All files (*)",
    "idx": "IDX files (*.idx *-ubyte *.gz);;All files (*)",
}

AskFile = Callable[[str, str], str | None]


class DatasetSection(Section):
    """Edits `design.dataset` (and, through adaptation, the network's two ends).

    How a CSV file or a folder of pictures is read (header row, picture size, colour…) is
    chosen in the import preview: `readingOptionsRequested` asks the window to open it."""

    readingOptionsRequested = Signal()  # noqa: N815

    def __init__(self, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__("Data", editor, parent)
        self.ask_file: AskFile = self._ask_file_dialog
        self.ask_folder: Callable[[str], str | None] = self._ask_folder_dialog

        self.name = ComboBox("Which data the network learns from.")
        self.name.fill(DATASETS)
        self.preview = DataPreview()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setObjectName("datasetInfo")

        self.samples = SpinBox(0, min(MAX_SAMPLES, SPIN_MAX), "")
        self.samples.setSingleStep(50)
        self.noise = DoubleSpinBox(
            0.0,
            0.5,
            0.05,
            2,
            "How much the labels are blurred near the boundary (0 = clean, 0.5 = very noisy). "
            "Noisy data cannot be fitted perfectly; a network that does fit it is memorising.",
        )
        self.classes = SpinBox(
            2, MAX_PLANE_CLASSES, "How many classes (arms or clusters) the set has."
        )
        self.test_split = SpinBox(
            0,
            95,
            "Share of the samples held out as a test set: never trained on, it shows how well "
            "the network generalises (test loss rising while train loss falls = overfitting).",
        )
        self.test_split.setSuffix(" %")
        self.seed = SpinBox(
            0, min(MAX_SEED, SPIN_MAX), "Random seed of the data: the same seed, the same points."
        )

        self.features: dict[str, QCheckBox] = {}
        feature_box = QWidget()
        feature_grid = QGridLayout(feature_box)
        feature_grid.setContentsMargins(0, 0, 0, 0)
        feature_grid.setHorizontalSpacing(6)
        feature_grid.setVerticalSpacing(2)
        for i, feature in enumerate(FEATURES):
            box = QCheckBox(FEATURES.description(feature).split(",")[0])
            box.setToolTip(
                f"Feed {FEATURES.description(feature)} to the network as an input. Hand-made "
                "features can replace hidden layers: with X₁² and X₂² a circle is a straight cut."
            )
            box.toggled.connect(self._on_features)
            feature_grid.addWidget(box, i // FEATURE_COLUMNS, i % FEATURE_COLUMNS)
            self.features[feature] = box
        self.standardize = QCheckBox("Standardize inputs")
        self.standardize.setToolTip(
            "Shift and scale every input to mean 0 and standard deviation 1 (using the training "
            "split). Inputs on similar scales make gradient descent far better behaved."
        )

        self.path = QLineEdit()
        self.path.setPlaceholderText("data file")
        self.path.setToolTip("Your data file; relative paths are relative to the design file.")
        self.browse = QPushButton("Browse…")
        self.browse.setToolTip("Pick the data file.")
        self.labels_path = QLineEdit()
        self.labels_path.setPlaceholderText("labels file")
        self.labels_path.setToolTip("The IDX file of labels that goes with the images file.")
        self.reading = QPushButton("Reading options…")
        self.reading.setObjectName("readingOptions")
        self.reading.setToolTip(
            "Preview the file or folder as the network gets it and choose how it is read: the "
            "header row, the label column and the task of a table; the size, colour and "
            "unreadable files of a folder of pictures."
        )
        self.reading.clicked.connect(self.readingOptionsRequested)
        self.browse_labels = QPushButton("Browse…")
        self.browse_labels.setToolTip("Pick the labels file.")
        self.label_column = QLineEdit()
        self.label_column.setPlaceholderText("last column")
        self.label_column.setToolTip(
            "The CSV column holding the labels or targets: its name, or its position "
            "(1 the first, -1 the last)."
        )
        self.source_row = SourceRow()
        self.source_row.sourceChosen.connect(
            lambda source: self._edit("Source", "dataset.source", source=source)
        )
        self.task = ComboBox("Whether the targets are classes or values to predict.")
        self.task.add("auto", None, "Classification when the labels are whole numbers")
        for task in TASKS:
            self.task.add(task, task, f"Treat the targets as {task} targets")

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.preview)
        top.addWidget(self.info, 1)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(4)
        self.form.addRow("Source", self.source_row)
        self.form.addRow("Samples", self.samples)
        self.form.addRow("Noise", self.noise)
        self.form.addRow("Classes", self.classes)
        self.form.addRow("Test split", self.test_split)
        self.form.addRow("Seed", self.seed)
        self.form.addRow("File", _row(self.path, self.browse))
        self.form.addRow("Labels", _row(self.labels_path, self.browse_labels))
        self.form.addRow("Label column", self.label_column)
        self.form.addRow("", self.reading)
        self.form.addRow("Task", self.task)
        self.features_title = QLabel("Input features")
        self.form.addRow(self.features_title)
        self.form.addRow(feature_box)
        self.form.addRow(self.standardize)

        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addWidget(self.name)
        layout.addLayout(top)
        layout.addLayout(self.form)

        self.name.currentIndexChanged.connect(self._on_name)
        self.samples.valueChanged.connect(self._on_samples)
        self.noise.valueChanged.connect(
            lambda v: self._edit("Noise", "dataset.noise", noise=float(v))
        )
        self.classes.valueChanged.connect(
            lambda v: self._edit("Classes", "dataset.classes", classes=int(v))
        )
        self.test_split.valueChanged.connect(
            lambda v: self._edit("Test split", "dataset.test_fraction", test_fraction=v / 100)
        )
        self.seed.valueChanged.connect(lambda v: self._edit("Data seed", "dataset.seed", seed=v))
        self.standardize.toggled.connect(
            lambda on: self._edit("Standardize inputs", None, standardize=bool(on))
        )
        self.path.editingFinished.connect(
            lambda: self._on_path_text(self.path, "path", "Data file")
        )
        self.labels_path.editingFinished.connect(
            lambda: self._on_path_text(self.labels_path, "labels_path", "Labels file")
        )
        self.label_column.editingFinished.connect(self._on_label_column)
        self.task.currentIndexChanged.connect(
            lambda _: self._edit("Task", None, task=self.task.value())
        )
        self.browse.clicked.connect(lambda: self._browse("path"))
        self.browse_labels.clicked.connect(lambda: self._browse("labels_path"))

    # --- showing ---------------------------------------------------------------------------

    def _show(self, design: Design) -> None:
        spec = design.dataset
        kind = DATASETS.get(spec.name)
        self.name.set_value(spec.name)
        self.samples.setMinimum(10 if kind.plane else 0)
        self.samples.setSpecialValueText("" if kind.plane else "all")
        self.samples.setValue(spec.samples or (DEFAULT_SAMPLES if kind.plane else 0))
        self.samples.setToolTip(
            "How many points to generate; more points show the shape better but train slower."
            if kind.plane
            else "How many rows to use (a random subset); 'all' uses the whole file."
        )
        self.noise.setValue(spec.noise)
        self.classes.setValue(spec.classes or kind.classes or 2)
        self.test_split.setValue(round(spec.test_fraction * 100))
        self.seed.setValue(spec.seed)
        chosen = spec.features or DEFAULT_FEATURES
        for feature, box in self.features.items():
            box.setChecked(feature in chosen)
        self.standardize.setChecked(spec.standardize)
        self.path.setText(spec.path or "")
        self.labels_path.setText(spec.labels_path or "")
        self.label_column.setText("" if spec.label_column is None else str(spec.label_column))
        self.task.set_value(spec.task)

        if kind.sources:
            self.source_row.show_for(spec.name, spec.source or default_source(spec.name))
        fmt = kind.file_format
        rows = {
            self.source_row: kind.sources,
            self.noise: kind.noise,
            self.classes: kind.takes_classes,
            self.path.parentWidget(): fmt is not None,
            self.labels_path.parentWidget(): fmt == "idx",
            self.label_column: fmt == "csv",
            self.reading: fmt in ("csv", "image_folder"),
            self.task: fmt in ("csv", "npz"),
            self.features["x1"].parentWidget(): kind.plane,
            self.features_title: kind.plane,
        }
        for widget, visible in rows.items():
            self.form.setRowVisible(widget, visible)

        try:
            data = self.editor.data(spec)
        except DataNotLoadedError as waiting:
            self.preview.set_dataset(None, placeholder="loading…")
            self.info.setText(
                f"{DATASETS.description(spec.name)}<br>"
                f"<i>{waiting}: it is read in the background (see the status bar)</i>"
            )
            return
        except DesignError as error:
            self.preview.set_dataset(None, str(error))
            self.info.setText(f"<span style='color:{ERROR_TEXT}'>{error}</span>")
            return
        self.preview.set_dataset(data)
        self.info.setText(_summary(DATASETS.description(spec.name), data))

    # --- editing ---------------------------------------------------------------------------

    def _edit(self, text: str, key: str | None, **changes: object) -> None:
        if self._updating:
            return
        spec = dataclasses.replace(self.editor.design.dataset, **changes)
        self._commit(spec, text, key)

    def _commit(self, spec: DatasetSpec, text: str, key: str | None = None) -> None:
        try:
            shape = self.editor.data_shape(spec)
            candidate = adapt_to_dataset(self.editor.design, spec, shape, self.editor.base_dir)
        except DataNotLoadedError as waiting:  # a folder of pictures, a long file: read first
            self.editor.read_then(waiting, lambda: self._commit(spec, text, key))
            return
        except DesignError as error:
            self.editor.fail(str(error))
            return
        self.editor.commit(candidate, text, key)

    def _on_name(self) -> None:
        if self._updating:
            return
        name = self.name.value()
        old = self.editor.design.dataset
        kind = DATASETS.get(name)
        was_plane = DATASETS.get(old.name).plane
        both_plane = kind.plane and was_plane
        spec = DatasetSpec(
            name=name,
            samples=old.samples if both_plane else None,
            noise=old.noise if kind.noise else 0.0,
            test_fraction=old.test_fraction,
            seed=old.seed,
            features=old.features if both_plane else None,
            standardize=old.standardize,
        )
        if kind.file_format is not None:
            paths = self._ask_paths(name, kind.file_format)
            if paths is None:
                self.editor.rejected.emit()
                return
            spec = dataclasses.replace(spec, **paths)
        self._commit(spec, f"Dataset: {name}")

    def _on_samples(self, value: int) -> None:
        plane = DATASETS.get(self.editor.design.dataset.name).plane
        self._edit("Samples", "dataset.samples", samples=value if plane or value > 0 else None)

    def _on_features(self) -> None:
        if self._updating:
            return
        chosen = tuple(name for name, box in self.features.items() if box.isChecked())
        old = self.editor.design.dataset
        if chosen == DEFAULT_FEATURES and old.features is None:
            return
        self._edit("Input features", None, features=chosen)

    def _on_label_column(self) -> None:
        column = column_from_text(self.label_column.text())
        if not self._updating and column != self.editor.design.dataset.label_column:
            self._edit("Label column", None, label_column=column)

    def _on_path_text(self, field: QLineEdit, key: str, text: str) -> None:
        value = field.text().strip() or None
        if self._updating or value == getattr(self.editor.design.dataset, key):
            return
        self._edit(text, None, **{key: value})

    def _browse(self, key: str) -> None:
        fmt = DATASETS.get(self.editor.design.dataset.name).file_format
        title = "Labels file" if key == "labels_path" else "Data file"
        if key == "path" and fmt is not None and FILE_LOADERS.get(fmt).folder:
            chosen = self.ask_folder("Folder of pictures (one sub-folder per class)")
        else:
            chosen = self.ask_file(title, FILE_FILTERS.get(fmt or "", "All files (*)"))
        if chosen:
            self._edit(title, None, **{key: self._relative(chosen)})

    def _ask_paths(self, name: str, fmt: str) -> dict[str, str] | None:
        """Ask for the file(s) a file dataset needs; None when the person cancels."""
        about = FILE_LOADERS.description(fmt)
        if FILE_LOADERS.get(fmt).folder:
            path = self.ask_folder(f"Open a {about[0].lower()}{about[1:]}")
        else:
            path = self.ask_file(f"Open {about}", FILE_FILTERS.get(fmt, "All files (*)"))
        if not path:
            return None
        paths = {"path": self._relative(path)}
        if fmt == "idx":
            labels = self.ask_file("Open the IDX labels file", FILE_FILTERS["idx"])
            if not labels:
                return None
            paths["labels_path"] = self._relative(labels)
        return paths

    def _relative(self, path: str) -> str:
        return relative_path(path, self.editor.base_dir)

    def _ask_folder_dialog(self, title: str) -> str | None:
        start = str(self.editor.base_dir or Path.home())
        return QFileDialog.getExistingDirectory(self, title, start) or None

    def _ask_file_dialog(self, title: str, filters: str) -> str | None:
        start = str(self.editor.base_dir or Path.home())
        path, _ = QFileDialog.getOpenFileName(self, title, start, filters)
        return path or None


def relative_path(path: str, base: Path | None) -> str:
    """Paths inside the design's folder are stored relative, so the folder can move."""
    if base is None:
        return path
    try:
        return Path(os.path.relpath(path, base)).as_posix() if _inside(path, base) else path
    except ValueError:
        return path


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return box


def _summary(description: str, data: Dataset) -> str:
    if data.task == "classification":
        what = f"{data.classes} classes"
    else:
        targets = 1 if data.y_train.ndim == 1 else data.y_train.shape[1]
        what = f"regression, {targets} target{'s' if targets != 1 else ''}"
    inputs = f"{data.n_features} input{'s' if data.n_features != 1 else ''}"
    return (
        f"<b>{description}</b><br>"
        f"<span style='color:#555'>{what} · {inputs}<br>"
        f"{len(data.x_train):,} train · {len(data.x_test):,} test</span>"
    )
