"""One copy of each dataset per window: built once, kept within a budget, read with progress."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from nnviz.core.csv_table import KEEP_FROM_BYTES
from nnviz.core.data_cache import DataCache, slow_to_build
from nnviz.core.data_io import SLOW_FILE_BYTES
from nnviz.core.datasets import make_dataset, read_spec
from nnviz.core.design import Design, DesignError
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design
from tests.fake_downloads import install_small_set

XOR = read_spec({"name": "xor", "samples": 200})


class SupersededError(Exception):
    """What a loader's progress raises when its result is no longer wanted."""


def test_a_spec_is_built_once_and_shared():
    cache = DataCache()
    first = cache.get(XOR, None)
    assert cache.get(read_spec({"name": "xor", "samples": 200}), None) is first
    assert cache.peek(XOR, None) is first
    assert cache.peek(read_spec({"name": "xor", "samples": 300}), None) is None


def test_a_spec_that_cannot_be_built_raises_its_error_every_time(tmp_path):
    cache = DataCache()
    spec = read_spec({"name": "csv", "path": "missing.csv"})
    for _ in range(2):
        with pytest.raises(DesignError, match="file not found"):
            cache.get(spec, tmp_path)
    assert isinstance(cache.peek(spec, tmp_path), DesignError)


def test_the_oldest_datasets_go_once_over_budget_and_the_newest_always_stays():
    sizes = [read_spec({"name": "xor", "samples": n}) for n in (1000, 2000, 4000)]
    one = make_dataset(sizes[0]).nbytes
    cache = DataCache(budget_bytes=int(3.5 * one))
    for spec in sizes:
        cache.get(spec, None)
    assert cache.peek(sizes[0], None) is None  # 1 + 2 + 4 units > 3.5: the oldest left
    assert cache.peek(sizes[1], None) is None  # 2 + 4 still > 3.5
    assert cache.peek(sizes[2], None) is not None  # alone over budget, but the newest
    assert cache.nbytes() == make_dataset(sizes[2]).nbytes


def test_an_exception_from_progress_stops_a_build_and_nothing_is_kept(tmp_path, monkeypatch):
    install_small_set(monkeypatch, tmp_path, "mnist")
    spec = read_spec({"name": "mnist", "source": "full"})
    seen = []

    def stop(done: int, total: int) -> None:
        seen.append((done, total))
        raise SupersededError

    cache = DataCache()
    with pytest.raises(SupersededError):
        cache.get(spec, None, stop)
    assert cache.peek(spec, None) is None and len(seen) == 1


def test_reading_full_mnist_reports_progress_up_to_the_files_total(tmp_path, monkeypatch):
    install_small_set(monkeypatch, tmp_path, "mnist")
    from nnviz.core import mnist

    monkeypatch.setattr(mnist, "_last_read", {})  # read the files, not the last set read
    seen = []
    data = make_dataset({"name": "mnist", "source": "full"}, progress=lambda *p: seen.append(p))
    total = sum(p.stat().st_size for p in (tmp_path / "datasets" / "mnist").iterdir())
    assert len(data.x_train) + len(data.x_test) == 70
    assert seen[-1] == (total, total)
    assert all(b[0] >= a[0] and a[1] == total for a, b in itertools.pairwise(seen))


def test_runs_on_the_same_data_share_its_converted_inputs():
    data = make_dataset({"name": "xor", "samples": 200})
    design = Design.from_dict(xor_design(training={"dtype": "float32"}))
    a, b = Trainer(design, data=data), Trainer(design, data=data)
    assert a._x is b._x is data.inputs(np.float32)
    assert a._x.dtype == np.float32 and not a._x.flags.writeable
    np.testing.assert_array_equal(a._x, data.x_train.astype(np.float32))
    assert data.inputs(np.float64) is data.x_train  # already so: no copy
    assert (
        data.nbytes
        == sum(x.nbytes for x in (data.x_train, data.y_train, data.x_test, data.y_test))
        + a._x.nbytes
        + data.points_train.nbytes
        + data.points_test.nbytes
    )


def test_the_cache_can_be_filled_from_another_thread():
    cache = DataCache()
    worker = threading.Thread(target=cache.get, args=(XOR, None))
    worker.start()
    worker.join()
    assert cache.peek(XOR, None) is not None


def test_full_sets_and_large_files_are_slow_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path))
    assert not slow_to_build({"name": "mnist", "source": "full"}, None)  # not downloaded: fails
    install_small_set(monkeypatch, tmp_path, "mnist")
    assert slow_to_build({"name": "mnist", "source": "full"}, None)
    assert not slow_to_build({"name": "mnist"}, None)  # the bundled subset
    assert not slow_to_build({"name": "spiral"}, None)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_text("x,y\n1,0\n")
    large.write_bytes(b"0" * (KEEP_FROM_BYTES + 1))  # a long table: parsed row by row
    assert not slow_to_build({"name": "csv", "path": "small.csv"}, tmp_path)
    assert slow_to_build({"name": "csv", "path": "large.csv"}, tmp_path)
    assert not slow_to_build({"name": "csv", "path": "missing.csv"}, tmp_path)
    arrays = tmp_path / "arrays.npz"
    arrays.write_bytes(b"0" * (KEEP_FROM_BYTES + 1))  # binary arrays read fast: not yet slow
    assert not slow_to_build({"name": "npz", "path": "arrays.npz"}, tmp_path)
    arrays.write_bytes(b"0" * (SLOW_FILE_BYTES + 1))
    assert slow_to_build({"name": "npz", "path": "arrays.npz"}, tmp_path)


def test_a_folder_of_pictures_is_slow_until_decoded(tmp_path):
    from PIL import Image

    from nnviz.core import image_folder

    for k, name in enumerate(("cats", "dogs")):
        (tmp_path / "pets" / name).mkdir(parents=True)
        Image.new("L", (4, 4), 40 + 150 * k).save(tmp_path / "pets" / name / "a.png")
    spec = {"name": "image_folder", "path": "pets", "size": [4, 4]}
    image_folder._cache.clear()
    assert slow_to_build(spec, tmp_path)
    DataCache().get(read_spec(spec), tmp_path)  # decoded (e.g. by the import preview)
    assert not slow_to_build(spec, tmp_path)
    assert not slow_to_build({"name": "image_folder", "path": "missing"}, tmp_path)  # fails


@pytest.mark.parametrize(
    ("spec", "title"),
    [
        ({"name": "mnist", "source": "full"}, "full MNIST"),
        ({"name": "fashion_mnist"}, "Fashion-MNIST"),
        ({"name": "csv", "path": "folder/big.csv"}, "big.csv"),
        ({"name": "spiral"}, "spiral"),
        ({"name": "nonsense"}, "the data"),
    ],
)
def test_a_load_names_what_it_reads(spec, title):
    from nnviz.core.data_cache import loading_title

    assert loading_title(spec) == title
