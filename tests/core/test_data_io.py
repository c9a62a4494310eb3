"""A person's own files: NPZ, IDX and what every file shares (paths, size limits, subsets)."""

import gzip
import struct

import numpy as np
import pytest

from nnviz.core import data_io
from nnviz.core.datasets import make_dataset
from nnviz.core.design import DesignError
from nnviz.core.pictures import Picture

IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    code = IDX_CODES[array.dtype.str[1:]]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content: bytes | str, gz: bool = False):
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def refused(tmp_path, spec: dict) -> str:
    with pytest.raises(DesignError) as info:
        make_dataset(spec, tmp_path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- any file -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["csv", "npz", "idx"])
def test_missing_file_or_folder_is_named(tmp_path, name):
    extra = {"labels_path": "labels.idx"} if name == "idx" else {}
    message = refused(tmp_path, {"name": name, "path": "nothing.bin", **extra})
    assert message == f"dataset.path: file not found: {tmp_path / 'nothing.bin'}"
    (tmp_path / "folder").mkdir()
    message = refused(tmp_path, {"name": name, "path": "folder", **extra})
    assert message == f"dataset.path: is a folder, not a file: {tmp_path / 'folder'}"


def test_absolute_paths_ignore_base_dir(tmp_path):
    path = write(tmp_path / "abs.csv", "a,y\n1,0\n2,1\n")
    data = make_dataset({"name": "csv", "path": str(path)}, base_dir="/nonexistent")
    assert len(data.x_train) + len(data.x_test) == 2


def test_too_large_files_are_refused_by_size(tmp_path, monkeypatch):
    monkeypatch.setattr(data_io, "MAX_FILE_BYTES", 100)
    write(tmp_path / "big.csv", "a,y\n" + "1,0\n" * 40)
    message = refused(tmp_path, {"name": "csv", "path": "big.csv"})
    assert message.startswith("big.csv: file is too large")


def test_gzip_bombs_are_cut_at_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(data_io, "MAX_FILE_BYTES", 1000)
    write(tmp_path / "bomb.csv", "a,y\n" + "0,1\n" * 100_000, gz=True)
    message = refused(tmp_path, {"name": "csv", "path": "bomb.csv"})
    assert message.startswith("bomb.csv: data is too large")


def test_broken_gzip_is_a_clear_error(tmp_path):
    write(tmp_path / "cut.csv", gzip.compress(b"a,y\n1,0\n" * 100)[:30])
    assert refused(tmp_path, {"name": "csv", "path": "cut.csv"}).startswith("cut.csv: cannot read")


def test_file_subset_is_seeded(tmp_path):
    write(tmp_path / "d.csv", "a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(100)))
    spec = {"name": "csv", "path": "d.csv", "samples": 30, "seed": 2, "test_fraction": 0}
    a, b = make_dataset(spec, tmp_path), make_dataset(spec, tmp_path)
    assert a.x_train.shape == (30, 1) and np.array_equal(a.x_train, b.x_train)
    assert len(np.unique(a.x_train)) == 30
    more = make_dataset({**spec, "samples": 1000}, tmp_path)
    assert more.x_train.shape == (100, 1)


# --- NPZ ----------------------------------------------------------------------------------------


def npz(tmp_path, name="data.npz", **arrays):
    np.savez(tmp_path / name, **arrays)
    return {"name": "npz", "path": name, "test_fraction": 0.0}


def test_npz_integer_labels_are_classes(tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    data = make_dataset(npz(tmp_path, x=x, y=np.array([3, 7, 3, 7, 9, 9])), tmp_path)
    assert data.task == "classification" and data.classes == 3
    assert data.class_names == ("3", "7", "9") and data.feature_names == ("x1", "x2")
    assert data.x_train.dtype == np.float64
    order = np.argsort(data.x_train[:, 0])
    assert data.y_train[order].tolist() == [0, 1, 0, 1, 2, 2]


def test_npz_regression_with_several_targets(tmp_path):
    spec = npz(tmp_path, x=np.ones((5, 3)), y=np.arange(10.0).reshape(5, 2))
    data = make_dataset(spec, tmp_path)
    assert data.task == "regression" and data.y_train.shape == (5, 2)


def test_npz_images_keep_their_shape(tmp_path):
    spec = npz(tmp_path, x=np.zeros((4, 3, 5), dtype=np.uint8), y=np.array([0, 1, 0, 1]))
    data = make_dataset(spec, tmp_path)
    assert data.picture == Picture(3, 5) and data.n_features == 15


def test_npz_text_labels_are_classes(tmp_path):
    data = make_dataset(npz(tmp_path, x=np.ones((3, 1)), y=np.array(["b", "a", "b"])), tmp_path)
    assert data.class_names == ("a", "b")


class Marker:
    """Unpickling this creates a file: proof that pickled data was (or was not) executed."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (_touch, (str(self.path),))


def _touch(path: str) -> None:
    open(path, "w").close()


def test_npz_with_object_arrays_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled"
    x = np.empty((2, 1), dtype=object)
    x[0, 0] = x[1, 0] = Marker(marker)
    spec = npz(tmp_path, x=x, y=np.array([0, 1]))
    marker.unlink(missing_ok=True)
    message = refused(tmp_path, spec)
    assert message.startswith("data.npz: array 'x' holds Python objects")
    assert not marker.exists()
    with np.load(tmp_path / "data.npz", allow_pickle=True) as archive:
        archive["x"]  # the same file does run code when pickles are allowed
    assert marker.exists()


@pytest.mark.parametrize(
    ("arrays", "expected"),
    [
        ({"x": np.ones((3, 2))}, "data.npz: missing array 'y' (found: x)"),
        ({"features": np.ones(3), "y": np.ones(3)}, "data.npz: missing array 'x' (found:"),
        ({"x": np.ones(3), "y": np.ones(3)}, "data.npz: array 'x' must be shaped"),
        ({"x": np.ones((3, 2, 2, 2)), "y": np.ones(3)}, "data.npz: array 'x' must be shaped"),
        ({"x": np.ones((3, 2)), "y": np.ones((3, 1, 1))}, "data.npz: array 'y' must be shaped"),
        ({"x": np.ones((3, 2)), "y": np.ones(4)}, "data.npz: 'x' has 3 samples but 'y' has 4"),
        ({"x": np.ones((0, 2)), "y": np.ones(0)}, "data.npz: holds no samples"),
        ({"x": np.ones((3, 0)), "y": np.ones(3)}, "data.npz: holds no input features"),
        ({"x": np.ones((3, 2), complex), "y": np.ones(3)}, "data.npz: array 'x' must be numeric"),
        ({"x": np.array([["a"], ["b"]]), "y": np.ones(2)}, "data.npz: array 'x' must be numeric"),
        ({"x": np.array([[1.0], [np.nan]]), "y": [0, 1]}, "data.npz: x[1, 0] is not a finite"),
        ({"x": np.ones((2, 1)), "y": [0.0, np.inf]}, "data.npz, array 'y': label of sample 1"),
        ({"x": np.ones((2, 1)), "y": np.ones(2, complex)}, "data.npz, array 'y': must be numeric"),
    ],
)
def test_bad_npz_files_are_one_clear_line(tmp_path, arrays, expected):
    assert refused(tmp_path, npz(tmp_path, **arrays)).startswith(expected)


def test_npz_that_is_not_an_archive(tmp_path):
    np.save(tmp_path / "plain.npy", np.ones(3))
    (tmp_path / "plain.npy").rename(tmp_path / "data.npz")
    message = refused(tmp_path, {"name": "npz", "path": "data.npz"})
    assert message == "data.npz: not an .npz archive (a zip of .npy arrays)"


def test_npz_text_labels_cannot_be_regression(tmp_path):
    spec = npz(tmp_path, x=np.ones((2, 1)), y=np.array(["a", "b"]))
    message = refused(tmp_path, {**spec, "task": "regression"})
    assert message.startswith("data.npz, array 'y': text labels need task classification")


# --- IDX ----------------------------------------------------------------------------------------


def idx_pair(tmp_path, images: np.ndarray, labels: np.ndarray, gz: bool = False) -> dict:
    suffix = ".gz" if gz else ""
    write(tmp_path / f"images.idx{suffix}", idx_bytes(images), gz)
    write(tmp_path / f"labels.idx{suffix}", idx_bytes(labels), gz)
    return {
        "name": "idx",
        "path": f"images.idx{suffix}",
        "labels_path": f"labels.idx{suffix}",
        "test_fraction": 0.0,
    }


@pytest.mark.parametrize("gz", [False, True])
def test_idx_mnist_like_pair(tmp_path, gz):
    images = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3) * 4
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    data = make_dataset(idx_pair(tmp_path, images, labels, gz), tmp_path)
    assert data.picture == Picture(4, 3) and data.n_features == 12 and data.classes == 5
    order = np.argsort(data.x_train[:, 0])
    np.testing.assert_allclose(data.x_train[order], images.reshape(5, 12) / 255.0)
    assert data.y_train[order].tolist() == [4, 2, 1, 0, 3]  # 7 2 1 0 4 renumbered
    assert data.class_names == ("0", "1", "2", "4", "7")


@pytest.mark.parametrize("dtype", ["i1", ">i2", ">i4", ">f4", ">f8"])
def test_idx_other_dtypes_are_read_big_endian(tmp_path, dtype):
    images = np.array([[1, -2], [300 if dtype != "i1" else 3, 4], [5, 6]], dtype=dtype)
    spec = idx_pair(tmp_path, images, np.array([0, 1, 1], dtype=np.uint8))
    data = make_dataset(spec, tmp_path)
    assert data.picture is None
    assert sorted(map(tuple, data.x_train)) == sorted(map(tuple, images.astype(float)))


def test_idx_float_labels_are_regression(tmp_path):
    spec = idx_pair(tmp_path, np.zeros((3, 2), np.uint8), np.array([0.5, 1.5, 2.0], ">f4"))
    data = make_dataset(spec, tmp_path)
    assert data.task == "regression" and data.y_train.shape == (3, 1)


def _idx_error(tmp_path, images: bytes, labels: bytes) -> str:
    write(tmp_path / "img.idx", images)
    write(tmp_path / "lab.idx", labels)
    return refused(tmp_path, {"name": "idx", "path": "img.idx", "labels_path": "lab.idx"})


GOOD_IMAGES = idx_bytes(np.zeros((3, 2, 2), np.uint8))
GOOD_LABELS = idx_bytes(np.array([0, 1, 2], np.uint8))


@pytest.mark.parametrize(
    ("images", "labels", "expected"),
    [
        (b"\x00\x00", GOOD_LABELS, "img.idx: too short to be an IDX file (2 bytes)"),
        (b"PK\x03\x04" + GOOD_IMAGES[4:], GOOD_LABELS, "img.idx: not an IDX file (magic number"),
        (b"\x00\x00\x07\x03" + GOOD_IMAGES[4:], GOOD_LABELS, "img.idx: not an IDX file"),
        (b"\x00\x00\x08\x00", GOOD_LABELS, "img.idx: not an IDX file (magic number 0x00000800)"),
        (GOOD_IMAGES[:10], GOOD_LABELS, "img.idx: truncated IDX header (needs 16 bytes, has 10)"),
        (GOOD_IMAGES[:-1], GOOD_LABELS, "img.idx: truncated: the header promises 12 bytes"),
        (GOOD_IMAGES + b"\x00", GOOD_LABELS, "img.idx: 1 unexpected bytes after the data"),
        (GOOD_IMAGES, GOOD_LABELS[:-2], "lab.idx: truncated"),
        (idx_bytes(np.zeros((0, 2), np.uint8)), GOOD_LABELS, "img.idx: holds no samples"),
        (GOOD_LABELS, GOOD_LABELS, "img.idx: the images file must be shaped (samples, ...)"),
        (GOOD_IMAGES, idx_bytes(np.zeros(4, np.uint8)), "lab.idx: 4 labels for 3 images in img"),
        (GOOD_IMAGES, GOOD_IMAGES, "lab.idx: labels must be shaped (samples,)"),
        (idx_bytes(np.array([[0.0], [np.nan], [1]], ">f4")), GOOD_LABELS, "img.idx: value 0 of"),
        (GOOD_IMAGES, idx_bytes(np.array([0, 0, 0], np.uint8)), "lab.idx: classification needs"),
    ],
)
def test_bad_idx_files_are_one_clear_line(tmp_path, images, labels, expected):
    assert _idx_error(tmp_path, images, labels).startswith(expected)


def test_idx_missing_labels_file_is_named(tmp_path):
    write(tmp_path / "img.idx", GOOD_IMAGES)
    message = refused(tmp_path, {"name": "idx", "path": "img.idx", "labels_path": "nope.idx"})
    assert message == f"dataset.labels_path: file not found: {tmp_path / 'nope.idx'}"


def test_idx_sample_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(data_io, "MAX_SAMPLES", 2)
    message = _idx_error(tmp_path, GOOD_IMAGES, GOOD_LABELS)
    assert message == "img.idx: 3 samples; at most 2 are supported"
