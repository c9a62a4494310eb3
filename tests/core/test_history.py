import math

import numpy as np
import pytest

from nnviz.core.history import History
from nnviz.core.history_svg import history_charts


def test_append_and_columns_are_copies():
    h = History(["epoch", "loss"], capacity=10)
    h.append({"epoch": 1, "loss": 0.5})
    h.append_row((2, 0.25))
    cols = h.columns()
    assert list(cols) == ["epoch", "loss"]
    np.testing.assert_array_equal(cols["epoch"], [1, 2])
    np.testing.assert_array_equal(cols["loss"], [0.5, 0.25])
    cols["loss"][0] = 99.0
    assert h.column("loss")[0] == 0.5
    assert h.last() == {"epoch": 2.0, "loss": 0.25}


def test_missing_keys_are_nan_and_unknown_keys_fail():
    h = History(["a", "b"], capacity=10)
    h.append({"a": 1.0})
    assert math.isnan(h.column("b")[0])
    with pytest.raises(KeyError):
        h.append({"c": 1.0})


def test_bounded_after_many_records_and_newest_kept_exactly():
    capacity = 100
    h = History(["i"], capacity=capacity)
    n = 10_000
    for i in range(n):
        h.append_row((i,))
        assert len(h) <= capacity
    assert h.total == n
    values = h.column("i")
    assert np.all(np.diff(values) > 0), "order is kept"
    assert values[0] == 0, "the very first record survives thinning"
    assert values[-1] == n - 1
    # The newest part is exact: consecutive records with no gaps.
    tail = values[-capacity // 4 :]
    np.testing.assert_array_equal(np.diff(tail), 1)
    # The older part is thinned: gaps grow towards the start.
    assert np.diff(values[:5]).min() > 1


def test_decimation_thins_older_half_by_two():
    h = History(["i"], capacity=8)
    for i in range(9):
        h.append_row((i,))
    np.testing.assert_array_equal(h.column("i"), [0, 2, 4, 5, 6, 7, 8])


def test_csv_round_trip(tmp_path):
    h = History(["epoch", "loss", "acc"], capacity=50)
    for i in range(20):
        h.append({"epoch": i, "loss": 1 / (i + 1), "acc": math.nan if i % 3 else i / 20})
    path = tmp_path / "history.csv"
    h.to_csv(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,acc"
    assert len(lines) == 21
    back = History.from_csv(path)
    for name, column in h.columns().items():
        np.testing.assert_array_equal(back.column(name), column)


def test_from_csv_rejects_ragged_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3"):
        History.from_csv(path)


def test_duplicate_names_rejected():
    with pytest.raises(ValueError):
        History(["a", "a"])


def test_history_charts_are_svg_with_gaps_for_nan():
    columns = {
        "epoch": np.arange(1.0, 6.0),
        "train_loss": np.array([1.0, 0.5, np.nan, 0.2, 0.1]),
        "test_loss": np.array([1.1, 0.6, 0.4, 0.3, 0.2]),
        "train_accuracy": np.linspace(0.5, 1, 5),
        "test_accuracy": np.linspace(0.5, 0.9, 5),
        "grad_norm_L1": np.ones(5),
    }
    charts = history_charts(columns)
    assert set(charts) == {"loss.svg", "accuracy.svg", "grad_norm.svg"}
    loss = charts["loss.svg"]
    assert loss.startswith("<svg") and loss.rstrip().endswith("</svg>")
    assert loss.count("<polyline") == 3  # train loss split by its NaN, test loss whole
    assert "layer L1" in charts["grad_norm.svg"]
