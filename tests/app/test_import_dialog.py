"""The import preview: what it shows, every choice in it ending in a valid, undoable design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from nnviz.app.main_window import MainWindow
from nnviz.core.design import Design
from nnviz.core.resources import resource_path
from nnviz.core.trainer import Trainer

WAIT_MS = 20_000
FLOWERS = "length,width,species\n" + "".join(
    f"{1 + i % 5},{2 + i % 3},{('rose', 'tulip', 'iris')[i % 3]}\n" for i in range(30)
)


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    if w.importer.dialog is not None:
        w.importer.dialog.reject()
    w.document.undo_stack.setClean()
    w.close()


def pictures(root: Path, classes=("cats", "dogs"), per_class=4, suffix="png") -> Path:
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            color = (200 - 150 * k, 40 + 10 * i, 60 + 150 * k)
            Image.new("RGB", (10, 8), color).save(root / name / f"{i}.{suffix}")
    return root


def settle(qtbot, dialog) -> None:
    """Wait for the preview now loading (a choice starts a new load)."""
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        pass


def preview(qtbot, window, path: Path):
    dialog = window.importer.preview(path)
    assert dialog.preview is None and not dialog.ok.isEnabled()  # read in the background
    settle(qtbot, dialog)
    return dialog


def headers(dialog) -> list[str]:
    table = dialog.table
    return [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]


def accept(window, dialog) -> Design:
    before = window.document.undo_stack.count()
    dialog.ok.click()
    assert window.document.undo_stack.count() == before + 1
    design = window.document.design
    assert Design.from_dict(design.to_dict(), base_dir=design.base_dir) == design
    return design


def test_iris_preview_then_accept_gives_a_design_for_three_flowers(qtbot, window):
    old = window.document.design
    dialog = preview(qtbot, window, resource_path("data", "iris.data"))
    assert headers(dialog) == ["column 1", "column 2", "column 3", "column 4", "column 5 (label)"]
    assert dialog.table.rowCount() == 20 and dialog.table.item(0, 4).text() == "Iris-setosa"
    assert "no header row (detected)" in dialog.summary.text()
    assert "Iris-versicolor 50" in dialog.summary.text()
    assert dialog.network.text() == (
        "Network: 4 inputs → 8 tanh → 8 tanh → 3 softmax · loss cross_entropy"
    )
    design = accept(window, dialog)
    assert design.inputs == 4 and design.layers[-1].units == 3 and design.loss == "cross_entropy"
    assert design.dataset.name == "csv" and design.dataset.path.endswith("iris.data")
    data = window.worker.dataset
    assert data.class_names == ("Iris-setosa", "Iris-versicolor", "Iris-virginica")
    window.document.undo_stack.undo()
    assert window.document.design == old


def click_column(qtbot, dialog, column: int) -> None:
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.table.horizontalHeader().sectionClicked.emit(column)


def choose(qtbot, combo, value) -> None:
    dialog = combo.window()
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        combo.set_value(value)


def test_text_labels_and_a_text_feature_refused_with_its_column(qtbot, window, tmp_path):
    (tmp_path / "flowers.csv").write_text(FLOWERS)
    dialog = preview(qtbot, window, tmp_path / "flowers.csv")
    assert headers(dialog) == ["length", "width", "species (label)"]
    assert dialog.table.verticalHeaderItem(0).text() == "2"  # the file's line, as errors say
    click_column(qtbot, dialog, 0)
    assert headers(dialog) == ["length (label)", "width", "species"]
    assert dialog.choices == {"label_column": "length"}
    assert dialog.summary.text().startswith(
        "<span style='color: #b00020'>flowers.csv: row 2, column 'species': not a number ('rose')"
    )
    assert not dialog.ok.isEnabled()
    click_column(qtbot, dialog, 2)
    assert dialog.choices == {} and dialog.ok.isEnabled()
    design = accept(window, dialog)
    assert design.dataset.path == str(tmp_path / "flowers.csv") and design.inputs == 2
    assert window.worker.dataset.class_names == ("iris", "rose", "tulip")
    assert window.worker.latest().class_names == ("iris", "rose", "tulip")
    window.update_frame()
    assert window.canvas.output_labels() == ("iris", "rose", "tulip")  # beside the outputs


def test_header_task_and_label_choices_end_in_the_design(qtbot, window, tmp_path):
    rows = "".join(f"{i % 7},{i % 4 * 0.5},{i % 3}\n" for i in range(40))
    (tmp_path / "numbers.csv").write_text("a,b,c\n" + rows)
    dialog = preview(qtbot, window, tmp_path / "numbers.csv")
    assert dialog.network.text().endswith("→ 3 softmax · loss cross_entropy")
    choose(qtbot, dialog.task, "regression")
    assert dialog.network.text().endswith("→ 1 linear · loss mse")
    click_column(qtbot, dialog, 0)
    assert dialog.choices == {"task": "regression", "label_column": "a"}
    choose(qtbot, dialog.header, False)
    assert dialog.choices == {"task": "regression", "header": False}
    assert "row 1, column 1: not a number ('a')" in dialog.summary.text()
    choose(qtbot, dialog.header, True)
    click_column(qtbot, dialog, 0)
    design = accept(window, dialog)
    spec = design.dataset
    assert (spec.header, spec.task, spec.label_column) == (True, "regression", "a")
    assert design.layers[-1].units == 1 and design.loss == "mse"
    trainer = Trainer(design)
    assert trainer.data.task == "regression" and trainer.data.feature_names == ("b", "c")


def test_a_label_chosen_by_position_reaches_the_build_panel(qtbot, window, tmp_path):
    rows = "".join(f"{i % 4},{i % 5 * 0.5},{i % 3}\n" for i in range(40))
    (tmp_path / "plain.csv").write_text(rows)  # no header: columns are known by position
    dialog = preview(qtbot, window, tmp_path / "plain.csv")
    assert headers(dialog) == ["column 1", "column 2", "column 3 (label)"]
    click_column(qtbot, dialog, 0)
    assert dialog.choices == {"label_column": 1}
    design = accept(window, dialog)
    assert design.dataset.label_column == 1 and design.layers[-1].units == 4
    panel = window.build_panel.dataset
    assert panel.label_column.text() == "1" and window.build_panel.error_text == ""
    assert window.worker.dataset.class_names == ("0", "1", "2", "3")


def test_image_folder_preview_size_colour_and_accept(qtbot, window, tmp_path):
    root = pictures(tmp_path / "pets", suffix="bmp")
    dialog = preview(qtbot, window, root)
    grid = dialog.thumb_grid
    names = [grid.itemAtPosition(r, 0).widget().text() for r in range(2)]
    assert "cats" in names[0] and "dogs" in names[1]
    tiles = [grid.itemAtPosition(0, c) for c in range(1, 6)]
    assert sum(t is not None for t in tiles) == 4
    assert isinstance(tiles[0].widget(), QLabel) and not tiles[0].widget().pixmap().isNull()
    assert dialog.network.text().startswith("Network: 784 inputs → ")
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.height.setValue(6)
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.width.setValue(5)
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.colour.setChecked(True)
    assert dialog.choices == {"size": [6, 5], "grayscale": False}
    assert "6×5 · 3 colour values (red, green, blue) per pixel = 90 inputs" in dialog.summary.text()
    design = accept(window, dialog)
    assert design.inputs == 90 and design.dataset.size == (6, 5)
    assert design.dataset.grayscale is False
    data = window.worker.dataset
    assert data.class_names == ("cats", "dogs")
    # the window shows the pictures in their colours, with the classes' names
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.worker.latest() is not None, timeout=WAIT_MS)
    window.update_frame()
    view = window.data_view
    assert view.page() == "image" and view.sample.bar_names() == ["cats", "dogs"]
    assert window.canvas.layer_kinds()[0] == "image"
    assert window.canvas.unit_name(0, 5) == "pixel (0, 1) blue"
    row = window.worker.latest().trace_sample
    expected = np.round(data.x_train[row][:3] * 255)
    shown = view.sample.grab().toImage().pixelColor(20, 20)
    assert np.abs(np.array([shown.red(), shown.green(), shown.blue()]) - expected).max() <= 2
    assert view.thumbnails.rows()[:2] == [0, 1]


def test_unreadable_and_single_class_folders_are_explained(qtbot, window, tmp_path):
    root = pictures(tmp_path / "pets")
    (root / "dogs" / "torn.png").write_bytes(b"not a png")
    dialog = preview(qtbot, window, root)
    assert "pets: cannot read dogs/torn.png as an image" in dialog.summary.text()
    assert not dialog.ok.isEnabled()
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.skip.setChecked(True)
    assert "Skipped 1 unreadable: dogs/torn.png" in dialog.summary.text()
    assert accept(window, dialog).dataset.skip_unreadable is True
    single = pictures(tmp_path / "one", classes=("cats",))
    dialog = preview(qtbot, window, single)
    assert "needs at least 2 class sub-folders, found only 'cats'" in dialog.summary.text()
    assert not dialog.ok.isEnabled()


def test_a_large_folder_reports_progress_while_the_window_stays_free(qtbot, window, tmp_path):
    root = pictures(tmp_path / "many", per_class=150)
    dialog = window.importer.preview(root)
    seen = []
    dialog.loader.progressed.connect(lambda g, done, total: seen.append((done, total)))
    settle(qtbot, dialog)
    assert seen and seen[-1] == (300, 300)
    assert dialog.preview.samples == 300


def test_cancel_leaves_the_design_alone(qtbot, window):
    old, count = window.document.design, window.document.undo_stack.count()
    dialog = preview(qtbot, window, resource_path("data", "iris.data"))
    dialog.reject()
    assert window.document.design == old and window.document.undo_stack.count() == count


def _drop(window, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    enter = QDragEnterEvent(QPoint(20, 20), *args)
    QApplication.sendEvent(window, enter)
    if enter.isAccepted():
        QApplication.sendEvent(window, QDropEvent(QPointF(20, 20), *args))
    return enter.isAccepted()


def test_dropping_a_folder_or_a_table_opens_the_preview(qtbot, window, tmp_path):
    root = pictures(tmp_path / "pets")
    assert _drop(window, root)
    qtbot.waitUntil(lambda: window.importer.dialog is not None, timeout=WAIT_MS)
    assert window.importer.dialog.path == root
    window.importer.dialog.reject()
    (tmp_path / "t.csv").write_text(FLOWERS)
    assert _drop(window, tmp_path / "t.csv")
    qtbot.waitUntil(lambda: window.importer.dialog is not None, timeout=WAIT_MS)
    assert window.importer.dialog.kind == "csv"


def test_file_menu_has_both_imports(window):
    texts = [a.text() for a in window.menus["file"].actions()]
    assert "&Import Data…" in texts and "Import Image &Folder…" in texts


def test_reading_options_reopen_the_preview_as_the_design_reads_its_folder(qtbot, window, tmp_path):
    root = pictures(tmp_path / "pets")
    dialog = preview(qtbot, window, root)
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.height.setValue(6)
    with qtbot.waitSignal(dialog.previewChanged, timeout=WAIT_MS):
        dialog.colour.setChecked(True)
    accept(window, dialog)
    panel = window.build_panel.dataset
    assert not panel.reading.isHidden()
    panel.reading.click()
    again = window.importer.dialog
    settle(qtbot, again)
    assert again.choices == {"size": [6, 28], "grayscale": False}
    assert (again.height.value(), again.width.value(), again.colour.isChecked()) == (6, 28, True)
    with qtbot.waitSignal(again.previewChanged, timeout=WAIT_MS):
        again.width.setValue(4)
    design = accept(window, again)
    assert design.dataset.size == (6, 4) and design.dataset.grayscale is False
    assert design.inputs == 6 * 4 * 3


def test_reading_options_of_a_table_keep_its_header_label_and_standardization(
    qtbot, window, tmp_path
):
    rows = "".join(f"{i % 3},{i % 5 * 0.5},{i % 4}\n" for i in range(40))
    (tmp_path / "plain.csv").write_text(rows)
    dialog = preview(qtbot, window, tmp_path / "plain.csv")
    choose(qtbot, dialog.header, False)
    click_column(qtbot, dialog, 0)
    accept(window, dialog)
    panel = window.build_panel.dataset
    panel.standardize.setChecked(True)
    assert window.document.design.dataset.standardize
    panel.reading.click()
    again = window.importer.dialog
    settle(qtbot, again)
    assert again.choices == {"header": False, "label_column": 1}
    assert again.header.currentData() is False and headers(again)[0] == "column 1 (label)"
    choose(qtbot, again.task, "regression")
    design = accept(window, again)
    spec = design.dataset
    assert (spec.header, spec.label_column, spec.task, spec.standardize) == (
        False,
        1,
        "regression",
        True,
    )
    assert design.layers[-1].units == 1 and design.loss == "mse"
