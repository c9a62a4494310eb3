"""What the import preview shows, decided headless: layout, labels, classes, pictures, fields."""

import os

import numpy as np
import pytest
from PIL import Image

from nnviz import imaging
from nnviz.core.data_preview import kind_of, network_line, preview_data
from nnviz.core.design import DesignError, default_design
from nnviz.core.resources import resource_path

IRIS = resource_path("data", "iris.data")


@pytest.fixture
def pictures(tmp_path):
    imaging.install()
    for label, shade in (("dark", 40), ("light", 200)):
        (tmp_path / "pics" / label).mkdir(parents=True)
        for i in range(10):
            Image.new("L", (6, 4), shade + i).save(tmp_path / "pics" / label / f"{i}.png")
    return tmp_path / "pics"


def test_iris_preview_says_what_was_detected():
    found = preview_data(IRIS)
    assert found.kind == "csv" and found.samples == 150 and found.features == 4
    assert found.layout.first_rows[0] == ("5.1", "3.5", "1.4", "0.2", "Iris-setosa")
    assert len(found.layout.first_rows) == 20 and found.label_index == 4
    assert found.counts == (50, 50, 50)
    assert found.lines() == [
        "Comma-separated · no header row (detected) · 150 rows × 5 columns",
        "Labels: column 5 (click a column to choose another) · inputs: the other 4",
        "Task: classification (detected), 3 classes: Iris-setosa 50 · Iris-versicolor 50 · "
        "Iris-virginica 50",
    ]
    assert found.dataset_fields("iris.data") == {"name": "csv", "path": "iris.data"}


def test_choices_are_kept_as_dataset_fields_and_change_what_is_read(tmp_path):
    (tmp_path / "t.csv").write_text("a;b;c\n1;2;0.5\n3;4;1.5\n5;6;2.5\n")
    found = preview_data(tmp_path / "t.csv", {"label_column": 1, "task": "regression"})
    assert found.label_index == 0 and found.table.task == "regression"
    assert (
        found.lines()[0]
        == "Semicolon-separated · first row names the columns (detected) · 3 rows × 3 columns"
    )
    assert found.lines()[1].startswith("Labels: column 'a'")
    assert found.lines()[2] == "Task: regression (set), 1 target(s) from 1 to 5"
    fields = found.dataset_fields("t.csv")
    assert fields == {"name": "csv", "path": "t.csv", "label_column": 1, "task": "regression"}
    no_header = preview_data(tmp_path / "t.csv", {"header": False, "label_column": "c"})
    assert no_header.error.startswith("t.csv: has no header row, so no column is called 'c'")
    assert no_header.table is None and no_header.lines() == [
        "Semicolon-separated · no header row (set) · 3 columns"
    ]
    text_input = preview_data(tmp_path / "t.csv", {"label_column": "a", "header": False})
    assert text_input.error == "t.csv: has no header row, so no column is called 'a'; " + (
        "give the label column's position (1 to 3, or -1 for the last)"
    )
    text_feature = preview_data(tmp_path / "t.csv", {"header": False})
    assert text_feature.error.startswith("t.csv: row 1, column 1: not a number ('a')")
    assert text_feature.lines()[1].startswith("Labels: column 3 ")


def test_a_file_without_any_layout_raises(tmp_path):
    (tmp_path / "empty.csv").write_text("\n\n")
    with pytest.raises(DesignError, match=r"empty\.csv: file is empty"):
        preview_data(tmp_path / "empty.csv")


def test_choices_of_the_other_kind_are_ignored(tmp_path):
    found = preview_data(IRIS, {"size": [4, 4], "grayscale": False, "header": None})
    assert found.choices == {}


def test_folder_preview_counts_classes_and_shows_pictures_as_the_network_sees_them(pictures):
    assert kind_of(pictures) == "image_folder"
    found = preview_data(pictures, {"size": [2, 3]})
    assert found.counts == (10, 10) and found.features == 6
    assert [t.shape for t in found.thumbnails] == [(8, 2, 3), (8, 2, 3)]
    assert np.allclose(found.thumbnails[0][0], 40 / 255, atol=0.01)
    assert found.lines() == [
        "20 images resized to 2×3 · 1 grey value per pixel = 6 inputs",
        "Task: classification (one class per sub-folder), 2 classes: dark 10 · light 10",
    ]
    colour = preview_data(pictures, {"size": [2, 3], "grayscale": False})
    assert colour.thumbnails[1].shape == (8, 2, 3, 3) and colour.features == 18
    assert "3 colour values (red, green, blue) per pixel = 18 inputs" in colour.lines()[0]


def test_skipped_files_are_listed(pictures):
    (pictures / "dark" / "bad.png").write_bytes(b"nope")
    found = preview_data(pictures, {"skip_unreadable": True})
    assert found.lines()[1] == "Skipped 1 unreadable: dark/bad.png"


def test_network_line_reads_like_the_layers():
    assert network_line(default_design()) == (
        "4 inputs → 8 tanh → 8 tanh → 1 sigmoid · loss binary_cross_entropy"
    )


def test_a_lone_text_column_among_the_inputs_is_offered_as_the_label(tmp_path):
    rows = "".join(f"{('cat', 'dog')[i % 2]},{i},{i * 0.5}\n" for i in range(10))
    (tmp_path / "pets.csv").write_text("kind,age,weight\n" + rows)
    found = preview_data(tmp_path / "pets.csv")
    assert found.table is None and found.error.startswith("pets.csv: row 2, column 'kind'")
    assert found.lines()[-1] == "Column 'kind' holds text: click it to make it the label"
    chosen = preview_data(tmp_path / "pets.csv", {"label_column": "kind"})
    assert chosen.table.class_names == ("cat", "dog")
    assert not any("holds text" in line for line in chosen.lines())


def test_a_decimal_comma_is_said(tmp_path):
    (tmp_path / "eu.csv").write_text("länge;breite;art\n1,4;0,2;a\n4,7;1,4;b\n")
    found = preview_data(tmp_path / "eu.csv")
    assert found.lines()[0] == (
        "Semicolon-separated · decimal comma (detected) · first row names the columns "
        "(detected) · 2 rows × 3 columns"
    )
    assert found.table.x.tolist() == [[1.4, 0.2], [4.7, 1.4]]


def test_a_designs_own_choices_reopen_its_preview():
    from nnviz.core.data_preview import choices_of
    from nnviz.core.design import DatasetSpec

    table = DatasetSpec("csv", path="t.csv", header=False, label_column=-2, task="regression")
    assert choices_of(table) == {"header": False, "label_column": -2, "task": "regression"}
    assert choices_of(DatasetSpec("csv", path="iris.data")) == {}
    folder = DatasetSpec("image_folder", path="pics", size=(6, 5), grayscale=False)
    assert choices_of(folder) == {"size": [6, 5], "grayscale": False}
    skipping = DatasetSpec("image_folder", path="pics", skip_unreadable=True)
    assert choices_of(skipping) == {"skip_unreadable": True}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_before_the_preview_would_wait_on_it(tmp_path):
    os.mkfifo(tmp_path / "stream.csv")
    with pytest.raises(DesignError, match=r"^dataset\.path: not a regular file \(a pipe"):
        preview_data(tmp_path / "stream.csv")
