"""CSV tables as people have them: dialects, header or not, label columns, text classes, errors."""

import gzip

import numpy as np
import pytest

from nnviz.core import csv_table
from nnviz.core.csv_table import sniff_csv
from nnviz.core.data_io import FileRequest, load_file
from nnviz.core.datasets import make_dataset
from nnviz.core.design import DesignError
from nnviz.core.resources import resource_path

IRIS = resource_path("data", "iris.data")


def write(path, content: bytes | str, gz: bool = False):
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def table(tmp_path, content: bytes | str, **choices):
    return load_file("csv", FileRequest(write(tmp_path / "data.csv", content), **choices))


def csv_data(tmp_path, text: str, **spec):
    write(tmp_path / "data.csv", text)
    spec = {"name": "csv", "path": "data.csv", "test_fraction": 0.0, **spec}
    return make_dataset(spec, tmp_path)


def refused(tmp_path, content: bytes | str, **choices) -> str:
    with pytest.raises(DesignError) as info:
        table(tmp_path, content, **choices)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the classic file ---------------------------------------------------------------------------


def test_iris_data_has_150_flowers_and_no_header():
    text = IRIS.read_text()
    assert len(IRIS.read_bytes()) == 4551 and text.endswith("Iris-virginica\n\n")
    assert text.splitlines()[0] == "5.1,3.5,1.4,0.2,Iris-setosa"


def test_iris_loads_all_150_rows_with_only_a_path():
    data = make_dataset({"name": "csv", "path": str(IRIS), "test_fraction": 0.0})
    assert data.x_train.shape == (150, 4) and data.task == "classification"
    assert data.class_names == ("Iris-setosa", "Iris-versicolor", "Iris-virginica")
    assert np.bincount(data.y_train).tolist() == [50, 50, 50]
    assert data.feature_names == ("column 1", "column 2", "column 3", "column 4")
    first = data.x_train[np.argmin(np.abs(data.x_train - [5.1, 3.5, 1.4, 0.2]).sum(axis=1))]
    assert first.tolist() == [5.1, 3.5, 1.4, 0.2]
    layout = sniff_csv(FileRequest(IRIS))
    assert (layout.separator, layout.header, layout.columns) == (
        ",",
        False,
        ("1", "2", "3", "4", "5"),
    )


# --- dialects -----------------------------------------------------------------------------------

ROWS = [("1.5", "2", "cat"), ("3", "4.25", "dog"), ("5", "6", "cat")]


def dialect(separator: str, header: bool, quote: bool, bom: bool, newline: str) -> str:
    def line(cells):
        return separator.join(f'"{c}"' if quote else c for c in cells)

    lines = ([line(("width", "height", "animal"))] if header else []) + [line(r) for r in ROWS]
    return ("\ufeff" if bom else "") + newline.join(lines) + newline + newline + newline


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize(
    ("quote", "bom", "newline"), [(False, False, "\n"), (True, True, "\r\n"), (True, False, "\r\n")]
)
def test_every_dialect_reads_the_same_table(tmp_path, separator, header, quote, bom, newline):
    text = dialect(separator, header, quote, bom, newline)
    found = table(tmp_path, text)
    assert found.x.tolist() == [[1.5, 2.0], [3.0, 4.25], [5.0, 6.0]]
    assert found.y.tolist() == [0, 1, 0] and found.class_names == ("cat", "dog")
    names = ("width", "height") if header else ("column 1", "column 2")
    assert found.feature_names == names
    layout = sniff_csv(FileRequest(tmp_path / "data.csv"))
    assert layout.separator == separator and layout.header is header
    assert layout.first_rows == tuple(ROWS)
    assert layout.first_lines == ((2, 3, 4) if header else (1, 2, 3))


@pytest.mark.parametrize("separator", [";", "\t"])
@pytest.mark.parametrize("header", [True, False])
def test_decimal_commas_in_a_file_not_separated_by_commas(tmp_path, separator, header):
    rows = [("1,5", "-2", "Smith, J."), ("3", '"4,25"', "Doe, A."), ("0,5e1", "6", "Smith, J.")]
    lines = ([separator.join(("width", "height", "name"))] if header else []) + [
        separator.join(row) for row in rows
    ]
    found = table(tmp_path, "\r\n".join(lines) + "\r\n")
    assert found.x.tolist() == [[1.5, -2.0], [3.0, 4.25], [5.0, 6.0]]
    assert found.class_names == ("Doe, A.", "Smith, J.")  # text keeps its commas
    layout = sniff_csv(FileRequest(tmp_path / "data.csv"))
    assert layout.decimal == "," and layout.header is header
    assert layout.first_rows[0] == ("1.5", "-2", "Smith, J.")


def test_points_and_commas_together_are_not_decimal_commas(tmp_path):
    message = refused(tmp_path, "a;b;y\n1.5;2,5;0\n3;4;1\n")
    assert message.startswith("data.csv: row 2, column 'b': not a number ('2,5')")
    assert sniff_csv(FileRequest(tmp_path / "data.csv")).decimal == "."


def test_gzipped_csv_with_blank_lines_between_rows(tmp_path):
    text = '\ufeff"first";"second";"class"\n\n1;2;0\n 3 ; 4 ;1\n\n5;6;0\n'
    write(tmp_path / "data.csv.gz", text, gz=True)
    data = make_dataset({"name": "csv", "path": "data.csv.gz", "test_fraction": 0}, tmp_path)
    assert data.feature_names == ("first", "second") and len(data.x_train) == 3


def test_quoted_fields_may_hold_the_separator(tmp_path):
    found = table(tmp_path, 'a,b,name\n1,2,"Smith, J."\n3,4,"Doe, A."\n')
    assert found.class_names == ("Doe, A.", "Smith, J.") and found.x.shape == (2, 2)


def test_header_can_be_set_either_way(tmp_path):
    text = "10,20,1\n1,2,0\n3,4,1\n"
    assert table(tmp_path, text).x.shape == (3, 2)
    with_header = table(tmp_path, text, header=True)
    assert with_header.x.shape == (2, 2) and with_header.feature_names == ("10", "20")
    message = refused(tmp_path, "a,b,y\n1,2,0\n", header=False)
    assert (
        message
        == "data.csv: row 1, column 1: not a number ('a'); only the label column may hold text"
    )


def test_headerless_first_row_repeating_a_value_is_data(tmp_path):
    found = table(tmp_path, "0.1,0.1,0\n0.2,0.3,1\n")
    assert found.x.tolist() == [[0.1, 0.1], [0.2, 0.3]]


def test_a_header_over_text_labels_is_found_by_the_numeric_columns(tmp_path):
    found = table(tmp_path, "length,species\n1.4,setosa\n4.7,versicolor\n")
    assert found.feature_names == ("length",) and found.class_names == ("setosa", "versicolor")


# --- label column -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label_column", "labels", "features"),
    [
        (None, [0, 1, 0], [[1, 10], [2, 20], [3, 30]]),
        (3, [0, 1, 0], [[1, 10], [2, 20], [3, 30]]),
        (-1, [0, 1, 0], [[1, 10], [2, 20], [3, 30]]),
        (1, [0, 1, 2], [[10, 0], [20, 1], [30, 0]]),
        (-3, [0, 1, 2], [[10, 0], [20, 1], [30, 0]]),
        (2, [0, 1, 2], [[1, 0], [2, 1], [3, 0]]),
        (-2, [0, 1, 2], [[1, 0], [2, 1], [3, 0]]),
    ],
)
@pytest.mark.parametrize("header", [True, False])
def test_label_column_by_position(tmp_path, label_column, labels, features, header):
    text = ("a,b,c\n" if header else "") + "1,10,0\n2,20,1\n3,30,0\n"
    found = table(tmp_path, text, label_column=label_column, header=header)
    assert found.x.tolist() == features and found.y.tolist() == labels


def test_label_column_by_name_and_text_labels(tmp_path):
    text = (
        "species,length,width\nsetosa,1.4,0.2\nvirginica,5.1,1.8\nsetosa,1.3,0.3\nversicolor,4,1\n"
    )
    data = csv_data(tmp_path, text, label_column="species")
    assert data.feature_names == ("length", "width")
    assert data.class_names == ("setosa", "versicolor", "virginica") and data.classes == 3
    assert sorted(data.y_train.tolist()) == [0, 0, 1, 2]


@pytest.mark.parametrize(
    ("text", "label_column", "expected"),
    [
        ("a,b,c\n1,2,3\n", 4, "data.csv: no column 4 for the labels (the file has 3 columns;"),
        ("a,b,c\n1,2,3\n", -4, "data.csv: no column -4 for the labels"),
        ("a,b,c\n1,2,3\n", 0, "data.csv: no column 0 for the labels"),
        ("1,2,3\n4,5,6\n", "c", "data.csv: has no header row, so no column is called 'c'"),
        ("alpha,beta,gamma\n1,2,3\n", "delta", "data.csv: no column 'delta' for the labels"),
    ],
)
def test_bad_label_columns_say_what_exists(tmp_path, text, label_column, expected):
    assert refused(tmp_path, text, label_column=label_column).startswith(expected)


def test_unknown_label_column_lists_the_columns(tmp_path):
    message = refused(tmp_path, "alpha,beta,gamma\n1,2,3\n", label_column="delta")
    assert message == "data.csv: no column 'delta' for the labels (columns: alpha, beta, gamma)"


# --- task ---------------------------------------------------------------------------------------


def test_label_is_the_last_column_and_labels_are_renumbered(tmp_path):
    data = csv_data(tmp_path, "h1,h2,target\n1,2,-1\n3,4.5,1\n5,6e-1,-1\n7,8,1\n")
    assert data.task == "classification" and data.classes == 2
    assert data.feature_names == ("h1", "h2") and data.class_names == ("-1", "1")
    assert data.points_train is None and data.plane is None and data.picture is None
    assert sorted(map(tuple, data.x_train)) == [(1, 2), (3, 4.5), (5, 0.6), (7, 8)]
    lookup = {tuple(x): y for x, y in zip(data.x_train, data.y_train, strict=True)}
    assert lookup[(1.0, 2.0)] == 0 and lookup[(3.0, 4.5)] == 1


def test_regression_when_labels_are_not_whole_numbers(tmp_path):
    data = csv_data(tmp_path, "a,b,y\n0,1,0.5\n1,0,1.25\n2,2,-3\n")
    assert data.task == "regression" and data.classes is None
    assert data.y_train.shape == (3, 1) and data.y_train.dtype == np.float64
    assert sorted(data.y_train[:, 0]) == [-3, 0.5, 1.25]


def test_many_distinct_whole_numbers_are_regression(tmp_path):
    rows = "".join(f"{i},{1000 + 7 * i}\n" for i in range(200))
    assert table(tmp_path, "x,price\n" + rows).task == "regression"
    assert table(tmp_path, "x,price\n" + rows, task="classification").classes == 200


def test_task_forces_regression_on_integer_labels(tmp_path):
    data = csv_data(tmp_path, "a,y\n0,1\n1,2\n2,3\n", task="regression")
    assert data.task == "regression" and data.y_train.shape == (3, 1)


def test_float_labels_that_are_whole_numbers_are_classes(tmp_path):
    data = csv_data(tmp_path, "a,y\n0,1.0\n1,0.0\n2,1.0\n")
    assert data.task == "classification" and data.classes == 2


# --- refusals -----------------------------------------------------------------------------------


def test_is_read_in_chunks_with_correct_row_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_table, "CHUNK_ROWS", 4)
    rows = [f"{i},{i % 2}" for i in range(10)]
    rows[8] = "8x,0"
    message = refused(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    assert message.startswith("data.csv: row 10, column 'x': not a number ('8x')")
    found = table(tmp_path, "x,y\n" + "\n".join(f"{i},{i % 2}" for i in range(10)) + "\n")
    assert sorted(found.x[:, 0]) == list(range(10))


def test_a_long_table_reports_how_many_lines_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_table, "CHUNK_VALUES", 4 * 10)  # ten rows of four cells a chunk
    text = "a,b,c,y\n" + "".join(f"{i},{i},{i},{i % 2}\n" for i in range(45))
    seen = []
    found = table(tmp_path, text, progress=lambda done, total: seen.append((done, total)))
    assert len(found.x) == 45
    assert seen == [(11, 46), (21, 46), (31, 46), (41, 46), (46, 46)]
    seen.clear()
    spec = {"name": "csv", "path": "data.csv"}
    make_dataset(spec, tmp_path, lambda done, total: seen.append((done, total)))  # the window's
    assert seen == [(11, 46), (21, 46), (31, 46), (41, 46), (46, 46)]


def test_non_numeric_feature_column_is_named_with_a_row(tmp_path):
    text = "age,sex,smoker\n41,M,1\n37,F,0\n"
    message = refused(tmp_path, text)
    assert message == (
        "data.csv: row 2, column 'sex': not a number ('M'); only the label column may hold text"
    )
    message = refused(tmp_path, "41,M,1\n37,F,0\n")
    assert message.startswith("data.csv: row 1, column 2: not a number ('M')")


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("", {}, "data.csv: file is empty"),
        ("\n  \n", {}, "data.csv: file is empty"),
        (",,\n,,\n", {}, "data.csv: file has no rows (only empty cells)"),
        ("a\n1\n", {}, "data.csv: row 1: needs at least 2 columns"),
        ("a,,y\n1,2,3\n", {}, "data.csv: row 1: column 2 has no name"),
        ("a,a,y\n1,2,3\n", {}, "data.csv: row 1: column name 'a' appears twice"),
        ("a,b,y\n", {}, "data.csv: no data rows after the header"),
        ("a,b,y\n1,2,0\n3,4\n", {}, "data.csv: row 3 has 2 cells, expected 3 like the header"),
        ("a,b,y\n1,2,0\n3,4,1,9\n", {}, "data.csv: row 3 has 4 cells, expected 3"),
        ("1,2,0\n3,4\n", {}, "data.csv: row 2 has 2 cells, expected 3 like the first row"),
        ("a,b,x3\n1,2,0\n1,abc,1\n", {"label_column": "a"}, "data.csv: row 3, column 'b': not a"),
        ("a,b,y\n1,2,0\n\n1,abc,1\n", {}, "data.csv: row 4, column 'b': not a number ('abc')"),
        ("a,b,y\n1,,0\n", {}, "data.csv: row 2, column 'b': empty cell (missing value)"),
        ("a,b,y\n1,nan,0\n", {}, "data.csv: row 2, column 'b': not a finite number ('nan')"),
        ("a,b,y\n1,2,0\n1,-inf,1\n", {}, "data.csv: row 3, column 'b': not a finite number"),
        ("a,b,y\n1,2,0\n1,1e999,1\n", {}, "data.csv: row 3, column 'b': not a finite number"),
        ("a,b,y\n1,2,0\n1,2,\n", {}, "data.csv: row 3, column 'y': empty cell (no label)"),
        ("a,b,y\n1,2,0\n1,2,inf\n", {}, "data.csv: row 3, column 'y': not a finite number"),
        ("a,b,y\n1,2,cat\n", {"task": "regression"}, "data.csv: row 2, column 'y': not a number"),
        ("a,b,y\n1,2,5\n3,4,5\n", {}, "data.csv, column 'y': classification needs at least 2"),
        ("1,2,5\n3,4,5\n", {}, "data.csv, column 3: classification needs at least 2"),
        (
            "a,b,y\n1,2,0.5\n3,4,1\n",
            {"task": "classification"},
            "data.csv, column 'y': class labels must",
        ),
        ('a,b,y\n1,"2,0\n', {}, "data.csv: row"),
    ],
)
def test_bad_files_are_one_clear_line(tmp_path, text, choices, expected):
    assert refused(tmp_path, text, **choices).startswith(expected)


def test_binary_junk_is_not_a_text_table(tmp_path):
    message = refused(tmp_path, b"a,b\n\xff\xfe\x00\x01")
    assert message == "data.csv: not a text table (byte 4 is not UTF-8 text)"


def test_a_spreadsheets_windows_1252_file_is_read(tmp_path):
    text = "Größe;Breite;Sorte\n1,4;0,2;Äpfel\n4,7;1,4;Birnen\n"
    found = table(tmp_path, text.encode("cp1252"))
    assert found.feature_names == ("Größe", "Breite") and found.class_names == ("Birnen", "Äpfel")
    assert found.x.tolist() == [[1.4, 0.2], [4.7, 1.4]]
    layout = sniff_csv(FileRequest(tmp_path / "data.csv"))
    assert (layout.encoding, layout.decimal, layout.separator) == ("Windows-1252", ",", ";")


def test_too_many_rows_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_table, "MAX_SAMPLES", 5)
    text = "a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(6))
    assert refused(tmp_path, text) == "data.csv: more than 5 rows are not supported"


# --- the design's dataset fields ----------------------------------------------------------------


def test_header_and_label_position_from_a_design_round_trip(tmp_path):
    from nnviz.core.design import Design, default_design

    write(tmp_path / "data.csv", "7;1.5;a\n8;2.5;b\n9;3.5;a\n")
    spec = {"name": "csv", "path": "data.csv", "header": False, "label_column": -1}
    d = default_design().to_dict()
    d.update(inputs=2, dataset={**spec, "test_fraction": 0.0})
    design = Design.from_dict(d, base_dir=tmp_path)
    assert design.dataset.header is False and design.dataset.label_column == -1
    assert Design.from_dict(design.to_dict(), base_dir=tmp_path) == design
    data = make_dataset(design.dataset, tmp_path)
    assert data.class_names == ("a", "b") and data.x_train.shape == (3, 2)
    write(tmp_path / "data.csv", "7;1.5;0\n8;2.5;1\n9;3.5;0\n")
    first = make_dataset({**spec, "label_column": 1, "test_fraction": 0.0}, tmp_path)
    assert first.class_names == ("7", "8", "9") and first.x_train.shape == (3, 2)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("header", "yes", "dataset.header: must be true or false"),
        ("label_column", 0, "dataset.label_column: a position counts from 1"),
        ("label_column", 1.5, "dataset.label_column: must be a column name or a position"),
        ("label_column", True, "dataset.label_column: must be a column name or a position"),
    ],
)
def test_bad_csv_fields_name_the_field(tmp_path, field, value, expected):
    with pytest.raises(DesignError) as info:
        make_dataset({"name": "csv", "path": "x.csv", field: value}, tmp_path)
    assert str(info.value).startswith(expected)


@pytest.mark.parametrize(
    ("field", "value"), [("size", [4, 4]), ("grayscale", False), ("skip_unreadable", True)]
)
def test_image_fields_do_not_apply_to_csv(tmp_path, field, value):
    with pytest.raises(DesignError, match=rf"^dataset\.{field}: does not apply to csv"):
        make_dataset({"name": "csv", "path": "x.csv", field: value}, tmp_path)


def test_a_wrong_input_count_names_only_the_first_columns(tmp_path):
    from nnviz.core.design import Design, default_design
    from nnviz.core.trainer import Trainer

    header = ",".join(f"pixel{i}" for i in range(784)) + ",digit\n"
    rows = "".join(",".join(["0"] * 784) + f",{i % 2}\n" for i in range(4))
    write(tmp_path / "wide.csv", header + rows)
    d = default_design().to_dict()
    d.update(inputs=4, dataset={"name": "csv", "path": "wide.csv"})
    with pytest.raises(DesignError) as info:
        Trainer(Design.from_dict(d, base_dir=tmp_path))
    assert str(info.value) == (
        "inputs: the design has 4 input(s) but dataset 'csv' gives 784 feature(s) "
        "(pixel0, pixel1, pixel2, pixel3, pixel4, pixel5, …)"
    )


@pytest.mark.parametrize(
    ("text", "column"), [("3", 3), (" -1 ", -1), ("+2", 2), ("species", "species"), ("", None)]
)
def test_a_typed_label_column_is_a_position_when_it_is_a_whole_number(text, column):
    from nnviz.core.dataset_fields import column_from_text

    assert column_from_text(text) == column


def test_a_long_table_is_read_once_for_all_who_ask(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_table, "KEEP_FROM_BYTES", 10)  # this little table counts as long
    csv_table._kept.clear()
    text = "a,b,y\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(20))
    first = table(tmp_path, text)
    again = table(tmp_path, text)
    assert again is first and not first.x.flags.writeable  # shared, so never changed
    assert table(tmp_path, text, label_column=1) is not first  # read with other choices
    changed = table(tmp_path, text.replace("19,38", "19,39"))  # the same size, new content
    assert changed is not first and changed.x[-1].tolist() == [19.0, 39.0]
    csv_table._kept.clear()
