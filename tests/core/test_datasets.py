"""make_dataset: every dataset's shapes, ranges, noise, determinism, split and features."""

import gzip
import math
import struct

import numpy as np
import pytest
from PIL import Image

from nnviz import imaging
from nnviz.core.datasets import (
    DATASETS,
    PLANE,
    Dataset,
    class_count,
    feature_count,
    is_plane,
    load_digits,
    make_dataset,
    task_of,
)
from nnviz.core.design import DesignError
from nnviz.core.features import FEATURES, plane_features
from nnviz.core.pictures import Picture
from nnviz.core.specs import DatasetSpec
from tests.fake_downloads import install_small_set

PLANE_SETS = [name for name in DATASETS if DATASETS.get(name).plane]
TFP_SETS = ["circle", "xor", "gauss", "spiral", "plane", "multi_gauss"]
RNG = np.random.default_rng(1234)
FILE_X = RNG.normal(size=(60, 3))
FILE_Y = np.arange(60) % 3


def _write_idx(path, array: np.ndarray, code: int) -> None:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    path.write_bytes(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


@pytest.fixture
def spec_for(tmp_path, monkeypatch):
    imaging.install()
    """A small valid spec for any registered dataset (files are written into tmp_path)."""
    (tmp_path / "data.csv").write_text(
        "a,b,c,label\n"
        + "".join(f"{a},{b},{c},{y}\n" for (a, b, c), y in zip(FILE_X, FILE_Y, strict=True))
    )
    np.savez(tmp_path / "data.npz", x=FILE_X, y=FILE_Y)
    images = (np.arange(60 * 4 * 5) % 256).astype(np.uint8).reshape(60, 4, 5)
    _write_idx(tmp_path / "images.idx", images, 0x08)
    _write_idx(tmp_path / "labels.idx", FILE_Y.astype(np.uint8), 0x08)
    for i, y in enumerate(FILE_Y[:30]):
        (tmp_path / "pics" / f"class{y}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i]).save(tmp_path / "pics" / f"class{y}" / f"{i}.png")
    files = {
        "csv": {"path": "data.csv"},
        "npz": {"path": "data.npz"},
        "idx": {"path": "images.idx", "labels_path": "labels.idx"},
        "image_folder": {"path": "pics"},
    }

    def make(name: str, **extra) -> dict:
        if name == "fashion_mnist":  # download-only: a small stand-in, as if downloaded
            install_small_set(monkeypatch, tmp_path / "user-data", name)
        spec = {"name": name, **files.get(name, {}), **extra}
        if DATASETS.get(name).plane:
            spec.setdefault("samples", 200)
        return spec

    return make


def build(spec: dict, tmp_path) -> Dataset:
    return make_dataset(spec, base_dir=tmp_path)


@pytest.mark.parametrize("name", DATASETS.names())
def test_shapes_dtypes_and_labels(name, spec_for, tmp_path):
    data = build(spec_for(name, test_fraction=0.25), tmp_path)
    n_train, n_test = len(data.x_train), len(data.x_test)
    assert data.x_train.dtype == data.x_test.dtype == np.float64
    assert data.x_train.ndim == 2 and data.x_test.shape == (n_test, data.n_features)
    assert len(data.y_train) == n_train and len(data.y_test) == n_test
    assert np.all(np.isfinite(data.x_train)) and np.all(np.isfinite(data.x_test))
    assert len(data.feature_names) == data.n_features
    if data.task == "classification":
        assert data.y_train.dtype == np.int64 and data.y_train.ndim == 1
        labels = np.concatenate([data.y_train, data.y_test])
        assert labels.min() >= 0 and labels.max() < data.classes
        assert len(np.unique(labels)) == data.classes  # every class is present
    else:
        assert data.task == "regression" and data.classes is None
        assert data.y_train.dtype == np.float64 and data.y_train.shape == (n_train, 1)
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        assert not array.flags.writeable


@pytest.mark.parametrize("name", DATASETS.names())
def test_static_metadata_matches_the_built_dataset(name, spec_for, tmp_path):
    spec = spec_for(name)
    data = build(spec, tmp_path)
    kind = DATASETS.get(name)
    assert DATASETS.description(name) and "\n" not in DATASETS.description(name)
    assert is_plane(name) == kind.plane == (data.plane is not None)
    assert feature_count(spec) in (None, data.n_features)
    assert (feature_count(spec) is None) == (kind.file_format is not None)
    assert class_count(spec) in (None, data.classes)
    assert task_of(spec) in (None, data.task)
    if kind.file_format is None:
        assert task_of(spec) == data.task
        assert class_count(spec) == data.classes


@pytest.mark.parametrize("name", DATASETS.names())
def test_same_seed_same_arrays_other_seed_other_arrays(name, spec_for, tmp_path):
    first = build(spec_for(name, seed=3), tmp_path)
    again = build(spec_for(name, seed=3), tmp_path)
    other = build(spec_for(name, seed=4), tmp_path)
    for key in ("x_train", "y_train", "x_test", "y_test", "points_train"):
        a, b = getattr(first, key), getattr(again, key)
        assert (a is None and b is None) or np.array_equal(a, b)
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize("name", DATASETS.names())
@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.5])
def test_test_fraction_is_respected(name, fraction, spec_for, tmp_path):
    data = build(spec_for(name, test_fraction=fraction), tmp_path)
    total = len(data.x_train) + len(data.x_test)
    assert len(data.x_test) == math.floor(total * fraction + 0.5)
    if fraction == 0.0:
        assert data.x_test.shape == (0, data.n_features)
        assert data.y_test.shape == ((0,) if data.task == "classification" else (0, 1))


@pytest.mark.parametrize("name", DATASETS.names())
def test_split_is_a_partition_of_the_same_data(name, spec_for, tmp_path):
    """Changing test_fraction reshuffles which samples are held out, never the samples."""
    a = build(spec_for(name, test_fraction=0.2, seed=5), tmp_path)
    b = build(spec_for(name, test_fraction=0.6, seed=5), tmp_path)

    def rows(d):
        both = np.concatenate([d.x_train, d.x_test])
        return both[np.lexsort(both.T[::-1])]

    np.testing.assert_array_equal(rows(a), rows(b))


def test_classification_split_is_stratified():
    data = make_dataset({"name": "blobs", "classes": 4, "samples": 400, "test_fraction": 0.25})
    assert np.array_equal(np.bincount(data.y_test), [25, 25, 25, 25])
    assert np.array_equal(np.bincount(data.y_train), [75, 75, 75, 75])


def test_design_spec_object_and_mapping_give_the_same_dataset():
    mapping = {"name": "spiral", "samples": 300, "noise": 0.2, "seed": 9, "classes": 3}
    from_map = make_dataset(mapping)
    from_spec = make_dataset(DatasetSpec(**mapping))
    np.testing.assert_array_equal(from_map.x_train, from_spec.x_train)
    np.testing.assert_array_equal(from_map.y_test, from_spec.y_test)


def test_design_document_example():
    data = make_dataset(
        {"name": "xor", "samples": 400, "noise": 0.0, "test_fraction": 0.5, "seed": 1}
    )
    assert data.x_train.shape == data.x_test.shape == (200, 2)
    assert data.classes == 2 and data.plane == (-6.0, 6.0)


def test_default_sample_count_is_the_playgrounds():
    data = make_dataset({"name": "circle"})
    assert len(data.x_train) + len(data.x_test) == 500


# --- the Playground's shapes -------------------------------------------------------------------


def _all(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([data.points_train, data.points_test]),
        np.concatenate([data.y_train, data.y_test]),
    )


def _tfp(name: str, noise: float, samples: int = 1000, seed: int = 0) -> tuple:
    return _all(make_dataset({"name": name, "samples": samples, "noise": noise, "seed": seed}))


@pytest.mark.parametrize("name", PLANE_SETS)
def test_plane_points_are_raw_inputs_and_within_the_plane(name):
    data = make_dataset({"name": name, "samples": 300, "noise": 0.5, "seed": 2})
    assert data.plane == PLANE == (-6.0, 6.0)
    np.testing.assert_array_equal(data.x_train, data.points_train)
    points, _ = _all(data)
    if name not in ("gauss", "blobs", "moons"):  # Gaussian noise is unbounded
        assert np.all(np.abs(points) <= 6.0)


def test_circle_matches_the_playground():
    points, y = _tfp("circle", 0.0)
    r = np.hypot(points[:, 0], points[:, 1])
    assert np.all((r <= 2.5) | ((r >= 3.5) & (r <= 5.0)))
    np.testing.assert_array_equal(y, (r < 2.5).astype(int))
    assert np.sum(r <= 2.5) == 500  # half inside, half in the ring
    noisy_points, noisy_y = _tfp("circle", 0.5)
    noisy_r = np.hypot(noisy_points[:, 0], noisy_points[:, 1])
    assert np.all(noisy_r <= 5.0)  # noise relabels but never moves a point
    assert 0.05 < np.mean(noisy_y != (noisy_r < 2.5)) < 0.5


def test_xor_matches_the_playground():
    points, y = _tfp("xor", 0.0)
    assert np.all((np.abs(points) >= 0.3) & (np.abs(points) <= 5.3))
    np.testing.assert_array_equal(y, (points[:, 0] * points[:, 1] >= 0).astype(int))
    noisy_points, noisy_y = _tfp("xor", 0.5)
    flipped = np.mean(noisy_y != (noisy_points[:, 0] * noisy_points[:, 1] >= 0))
    assert 0.05 < flipped < 0.5


@pytest.mark.parametrize(("noise", "variance"), [(0.0, 0.5), (0.25, 2.25), (0.5, 4.0)])
def test_gauss_variance_follows_the_playgrounds_noise_scale(noise, variance):
    points, y = _tfp("gauss", noise, samples=4000)
    for label, center in ((1, 2.0), (0, -2.0)):
        cloud = points[y == label]
        assert len(cloud) == 2000
        np.testing.assert_allclose(cloud.mean(axis=0), [center, center], atol=0.15)
        np.testing.assert_allclose(cloud.var(axis=0), [variance, variance], rtol=0.1)


def test_two_spirals_are_the_playgrounds_formula():
    n = 400
    points, y = _tfp("spiral", 0.0, samples=n)
    i = np.arange(n // 2)
    r = i / (n // 2) * 5
    t = 1.75 * i / (n // 2) * 2 * np.pi
    for label, delta in ((1, 0.0), (0, np.pi)):
        expected = np.column_stack([r * np.sin(t + delta), r * np.cos(t + delta)])
        arm = points[y == label]
        np.testing.assert_allclose(
            arm[np.lexsort(arm.T)], expected[np.lexsort(expected.T)], atol=1e-12
        )
    noisy, _ = _tfp("spiral", 0.5, samples=n)
    shift = np.abs(noisy - points)  # same seed: the same arms, moved by at most noise
    assert 0.2 < shift.max() <= 0.5


@pytest.mark.parametrize("arms", [3, 5])
def test_spiral_arms_are_classes(arms):
    data = make_dataset({"name": "spiral", "classes": arms, "samples": 10 * arms})
    _, y = _all(data)
    assert data.classes == arms and np.array_equal(np.bincount(y), [10] * arms)


def test_plane_regression_matches_the_playground():
    points, y = _tfp("plane", 0.0)
    np.testing.assert_allclose(y[:, 0], points.sum(axis=1) / 10)
    noisy_points, noisy_y = _tfp("plane", 0.5)
    error = np.abs(noisy_y[:, 0] - noisy_points.sum(axis=1) / 10)
    assert 0.1 < error.max() <= 0.6 + 1e-12  # each coordinate moved by at most 6 * 0.5


def _multi_gauss_label(x: float, y: float) -> float:
    """The Playground's getLabel, written out as its loop."""
    label = 0.0
    for cx, cy, sign in [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1]]:
        scaled = sign * min(1.0, max(0.0, 1 - math.hypot(x - cx, y - cy) / 2))
        label = scaled if abs(scaled) > abs(label) else label
    scaled = -min(1.0, max(0.0, 1 - math.hypot(x - 4, y + 2.5) / 2))
    return scaled if abs(scaled) > abs(label) else label


def test_multi_gauss_matches_the_playgrounds_loop():
    points, y = _tfp("multi_gauss", 0.0, samples=300)
    expected = [_multi_gauss_label(px, py) for px, py in points]
    np.testing.assert_allclose(y[:, 0], expected)
    assert y.min() >= -1 and y.max() <= 1 and np.any(y == 0)
    noisy_points, noisy_y = _tfp("multi_gauss", 0.5, samples=300)
    noiseless = [_multi_gauss_label(px, py) for px, py in noisy_points]
    assert not np.allclose(noisy_y[:, 0], noiseless)


def test_moons_fill_two_interleaving_arcs():
    points, y = _tfp("moons", 0.0)
    base = points / 3.0 + [0.5, 0.25]  # back to scikit-learn's units
    upper, lower = base[y == 0], base[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)
    assert np.all(np.abs(points) <= [4.5, 2.25])
    noisy, _ = _tfp("moons", 0.5)
    assert np.std(np.hypot(*(noisy / 3.0 + [0.5, 0.25])[y == 0].T)) > 0.2


def test_blobs_default_to_three_separated_clusters():
    data = make_dataset({"name": "blobs", "samples": 900})
    points, y = _all(data)
    assert data.classes == 3 and class_count({"name": "blobs"}) == 3
    centers = np.array([points[y == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(np.hypot(*centers.T), 4.0, atol=0.2)


@pytest.mark.parametrize("name", ["circle", "xor", "plane", "spiral", "gauss", "moons"])
def test_noise_changes_the_data(name):
    clean, clean_y = _tfp(name, 0.0)
    noisy, noisy_y = _tfp(name, 0.5)
    assert not (np.array_equal(clean, noisy) and np.array_equal(clean_y, noisy_y))


# --- features, standardization and encode() ---------------------------------------------------


def test_features_are_computed_in_the_users_order():
    names = ("sin(x2)", "x1*x2", "x1", "x2^2", "x1^2", "sin(x1)", "x2")
    data = make_dataset({"name": "xor", "samples": 100, "features": list(names)})
    assert data.feature_names == names and data.n_features == 7
    p = data.points_train
    x1, x2 = p[:, 0], p[:, 1]
    expected = np.column_stack([np.sin(x2), x1 * x2, x1, x2**2, x1**2, np.sin(x1), x2])
    np.testing.assert_allclose(data.x_train, expected)
    assert feature_count({"name": "xor", "features": list(names)}) == 7
    assert set(FEATURES.names()) == set(names)


def test_standardize_uses_train_statistics_only():
    spec = {"name": "gauss", "samples": 400, "features": ["x1", "x1^2"], "standardize": True}
    data = make_dataset(spec)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0)
    raw_test = plane_features(data.points_test, ("x1", "x1^2"))
    np.testing.assert_allclose(data.x_test, (raw_test - data.feature_mean) / data.feature_std)
    assert not np.allclose(data.x_test.mean(axis=0), 0.0, atol=1e-12)


def test_standardize_guards_a_constant_column(tmp_path):
    (tmp_path / "c.csv").write_text("a,b,y\n" + "".join(f"{i},7,{i % 2}\n" for i in range(20)))
    data = make_dataset({"name": "csv", "path": "c.csv", "standardize": True}, tmp_path)
    assert np.all(np.isfinite(data.x_train)) and np.all(data.x_train[:, 1] == 0)


@pytest.mark.parametrize("name", PLANE_SETS)
@pytest.mark.parametrize("standardize", [False, True])
def test_encode_reproduces_the_network_inputs(name, standardize):
    spec = {"name": name, "samples": 120, "noise": 0.3, "standardize": standardize}
    spec["features"] = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    data = make_dataset(spec)
    np.testing.assert_allclose(data.encode(data.points_train), data.x_train, rtol=0, atol=1e-12)
    np.testing.assert_allclose(data.encode(data.points_test), data.x_test, rtol=0, atol=1e-12)
    axis = np.linspace(*data.plane, 100)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    assert data.encode(grid).shape == (10_000, 7)


def test_encode_refuses_non_plane_data_and_bad_shapes():
    with pytest.raises(ValueError, match="not a 2-D set"):
        make_dataset({"name": "digits", "samples": 50}).encode(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        make_dataset({"name": "xor", "samples": 20}).encode(np.zeros((3, 3)))


# --- digits -------------------------------------------------------------------------------------


def test_digits_is_the_uci_test_set():
    data = make_dataset({"name": "digits", "test_fraction": 0.0})
    assert data.x_train.shape == (1797, 64) and data.x_test.shape == (0, 64)
    assert data.classes == 10 and data.picture == Picture(8, 8) and data.points_train is None
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert np.all(np.isin(data.x_train * 16, np.arange(17)))
    assert data.class_names == tuple("0123456789")
    counts = np.bincount(data.y_train)
    assert counts.sum() == 1797 and counts.min() >= 174  # the UCI test set's class balance
    assert feature_count({"name": "digits"}) == 64


def test_digits_first_image_is_a_zero():
    table = load_digits()
    assert table.y[0] == 0
    zero = table.x[0].reshape(8, 8)
    assert zero[3:5, 3:5].max() == 0.0 and zero[3:5, 1].min() > 0  # a hole in the middle


def test_digits_subset_is_seeded():
    a = make_dataset({"name": "digits", "samples": 200, "seed": 1})
    b = make_dataset({"name": "digits", "samples": 200, "seed": 1})
    assert len(a.x_train) + len(a.x_test) == 200
    np.testing.assert_array_equal(a.x_train, b.x_train)


def test_digits_resource_is_gzip_csv():
    from nnviz.core.resources import resource_path

    with gzip.open(resource_path("data", "digits.csv.gz"), "rt") as text:
        assert sum(1 for _ in text) == 1797
    assert resource_path("data", "LICENSE-digits.txt").is_file()


# --- bad specs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"name": "nope"}, "dataset.name"),
        ({"name": None}, "dataset.name"),
        ({"name": "xor", "colour": "red"}, "dataset.colour"),
        ({"name": "xor", "samples": 0}, "dataset.samples"),
        ({"name": "xor", "samples": 2.5}, "dataset.samples"),
        ({"name": "xor", "samples": True}, "dataset.samples"),
        ({"name": "xor", "samples": 1_000_001}, "dataset.samples"),
        ({"name": "xor", "noise": 0.6}, "dataset.noise"),
        ({"name": "xor", "noise": float("nan")}, "dataset.noise"),
        ({"name": "digits", "noise": 0.1}, "dataset.noise"),
        ({"name": "xor", "test_fraction": 1.0}, "dataset.test_fraction"),
        ({"name": "xor", "test_fraction": -0.1}, "dataset.test_fraction"),
        ({"name": "xor", "seed": -1}, "dataset.seed"),
        ({"name": "xor", "seed": "1"}, "dataset.seed"),
        ({"name": "xor", "classes": 3}, "dataset.classes"),
        ({"name": "blobs", "classes": 1}, "dataset.classes"),
        ({"name": "spiral", "classes": 11}, "dataset.classes"),
        ({"name": "xor", "features": ["x3"]}, "dataset.features"),
        ({"name": "xor", "features": []}, "dataset.features"),
        ({"name": "xor", "features": "x1"}, "dataset.features"),
        ({"name": "xor", "features": ["x1", "x1"]}, "dataset.features"),
        ({"name": "digits", "features": ["x1"]}, "dataset.features"),
        ({"name": "xor", "standardize": "yes"}, "dataset.standardize"),
        ({"name": "xor", "path": "a.csv"}, "dataset.path"),
        ({"name": "csv"}, "dataset.path"),
        ({"name": "npz", "path": ""}, "dataset.path"),
        ({"name": "npz", "path": "a.npz", "label_column": "y"}, "dataset.label_column"),
        ({"name": "idx", "path": "a.idx"}, "dataset.labels_path"),
        ({"name": "idx", "path": "a", "labels_path": "b", "task": "regression"}, "dataset.task"),
        ({"name": "csv", "path": "a.csv", "task": "clustering"}, "dataset.task"),
    ],
)
def test_bad_specs_name_the_field(spec, where):
    with pytest.raises(DesignError, match=rf"^{where}(\[\d+\])?: ") as info:
        make_dataset(spec)
    assert "\n" not in str(info.value)
    with pytest.raises(DesignError):
        feature_count(spec)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DesignError, match=r"^dataset\.path: file not found: .*missing\.csv$"):
        make_dataset({"name": "csv", "path": "missing.csv"}, tmp_path)
