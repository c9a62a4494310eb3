"""Weights files: round trips, and every kind of bad file refused in one line naming the array."""

import io
import os
import zipfile

import numpy as np
import pytest
from math_helpers import make_design

from nnviz.core.design import DesignError
from nnviz.core.network import Network
from nnviz.core.weights_io import load_weights, save_weights

DESIGN = make_design(sizes=(2, 8, 4), activations=("tanh", "sigmoid"))


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Work inside tmp_path, so messages name files as 'weights.npz'."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _arrays(**changes):
    net = Network(DESIGN, seed=1)
    arrays = {"W0": net.weights[0], "b0": net.biases[0], "W1": net.weights[1], "b1": net.biases[1]}
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


def _write(path, arrays, allow_pickle=False):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, allow_pickle=allow_pickle)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_keeps_every_value_and_the_dtype(tmp_path, dtype):
    design = make_design(sizes=(3, 5, 2), activations=("relu", "linear"), dtype=dtype)
    net = Network(design, seed=4)
    save_weights(tmp_path / "w.npz", net)
    weights, biases = load_weights(tmp_path / "w.npz", design)
    for k in range(2):
        assert weights[k].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(weights[k], net.weights[k])
        np.testing.assert_array_equal(biases[k], net.biases[k])
    other = Network(design, seed=99)
    other.load_weights(weights, biases)
    x = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_reads_compressed_npz_files_too(tmp_path):
    np.savez_compressed(tmp_path / "w.npz", **_arrays())
    weights, _ = load_weights(tmp_path / "w.npz", DESIGN)
    np.testing.assert_array_equal(weights[1], _arrays()["W1"])


def test_saves_a_pair_of_lists_with_the_documented_array_names(tmp_path):
    net = Network(DESIGN, seed=2)
    save_weights(tmp_path / "w.npz", (list(net.weights), list(net.biases)))
    with np.load(tmp_path / "w.npz", allow_pickle=False) as saved:
        assert sorted(saved.files) == ["W0", "W1", "b0", "b1"]
        assert saved["W1"].shape == (8, 4)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            _arrays(W1=np.zeros((8, 3))),
            "weights.npz: W1 has shape (8, 3), the design needs (8, 4)",
        ),
        (_arrays(b1=None), "weights.npz: b1 is missing (expected W0, b0, W1, b1)"),
        (
            _arrays(W2=np.zeros((4, 1))),
            "weights.npz: unexpected array 'W2.npy' (expected W0, b0, W1, b1)",
        ),
        (_arrays(b0=np.full(8, np.nan)), "weights.npz: b0 holds NaN or infinite values"),
        (_arrays(W0=np.full((2, 8), np.inf)), "weights.npz: W0 holds NaN or infinite values"),
        (
            _arrays(W0=np.ones((2, 8), dtype=np.int64)),
            "weights.npz: W0 has dtype int64, needs floating-point numbers",
        ),
    ],
    ids=["shape", "missing", "unexpected", "nan", "inf", "integers"],
)
def test_bad_arrays_are_refused_naming_the_file_and_the_array(in_tmp, arrays, message):
    _write(in_tmp / "weights.npz", arrays)
    with pytest.raises(DesignError) as error:
        load_weights("weights.npz", DESIGN)
    assert str(error.value) == message


def test_object_arrays_are_refused_without_unpickling(in_tmp):
    _write(in_tmp / "weights.npz", _arrays(W0=np.array([{"x": 1}], dtype=object)), True)
    with pytest.raises(DesignError, match=r"^weights\.npz: W0 holds Python objects"):
        load_weights("weights.npz", DESIGN)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "not a valid .npz file"),
        (None, "not a valid .npz file"),  # truncated: the first half of a real file
    ],
    ids=["garbage", "truncated"],
)
def test_files_that_are_not_npz_archives(in_tmp, content, message):
    _write(in_tmp / "weights.npz", _arrays())
    if content is None:
        whole = (in_tmp / "weights.npz").read_bytes()
        content = whole[: len(whole) // 2]
    (in_tmp / "weights.npz").write_bytes(content)
    with pytest.raises(DesignError, match=rf"^weights\.npz: {message}"):
        load_weights("weights.npz", DESIGN)


def test_truncated_array_data_is_refused(in_tmp):
    """A member whose header promises more data than it holds."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.zeros((2, 8)))
    short = buffer.getvalue()[:-40]
    with zipfile.ZipFile(in_tmp / "weights.npz", "w") as archive:
        for name, array in _arrays().items():
            archive.writestr(f"{name}.npy", short if name == "W0" else _npy(array))
    with pytest.raises(DesignError, match=r"^weights\.npz: W0 is damaged"):
        load_weights("weights.npz", DESIGN)


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array))
    return buffer.getvalue()


def test_a_file_far_larger_than_the_design_is_refused_before_reading(in_tmp):
    _write(in_tmp / "weights.npz", _arrays(W0=np.zeros((2000, 2000))))
    with pytest.raises(DesignError, match=r"^weights\.npz: file is too large for this design"):
        load_weights("weights.npz", DESIGN)


def test_missing_file_and_folder(in_tmp):
    with pytest.raises(DesignError, match=r"^nothing\.npz: file not found$"):
        load_weights("nothing.npz", DESIGN)
    (in_tmp / "folder.npz").mkdir()
    with pytest.raises(DesignError, match=r"^folder\.npz: is not a regular file$"):
        load_weights("folder.npz", DESIGN)


def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    save_weights(path, Network(DESIGN, seed=1))
    before = path.read_bytes()

    def fail(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        save_weights(path, Network(DESIGN, seed=2))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["weights.npz"]
