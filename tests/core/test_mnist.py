"""MNIST offline (the bundled subset) and online (a download from a local server, then used)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import downloads
from nnviz.core.datasets import DATASETS, make_dataset
from nnviz.core.design import DesignError
from nnviz.core.downloads import REMOTE_SETS, download, is_downloaded
from nnviz.core.pictures import Picture
from nnviz.core.registry import Entry
from nnviz.core.user_data import DATA_DIR_ENV
from tests.fake_downloads import small_set
from tests.local_server import LocalServer


def test_the_bundled_subset_is_5000_real_images_shuffled_and_split_by_class():
    data = make_dataset({"name": "mnist"})
    assert (len(data.x_train), len(data.x_test)) == (4000, 1000)
    assert data.picture == Picture(28, 28) and data.n_features == 784
    assert data.class_names == tuple("0123456789")
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert np.bincount(data.y_test).tolist() == [100] * 10
    assert data.x_train.min() >= 0.0 and data.x_train.max() == 1.0
    assert len(set(data.y_train[:20].tolist())) > 3  # shuffled, not sorted by class
    # real handwriting: mostly background with a stroke of ink in the middle
    ink = data.x_train.reshape(-1, 28, 28).mean(axis=0)
    assert ink[:3].max() < 0.05 and ink[10:18, 10:18].mean() > 0.2


def test_samples_takes_fewer():
    data = make_dataset({"name": "mnist", "samples": 500, "test_fraction": 0.2})
    assert len(data.x_train) + len(data.x_test) == 500


def test_full_data_that_is_not_downloaded_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DesignError, match="nnviz data download mnist"):
        make_dataset({"name": "mnist", "source": "full"})
    with pytest.raises(DesignError, match="not downloaded"):
        make_dataset({"name": "fashion_mnist"})


def test_fashion_mnist_has_no_bundled_subset():
    with pytest.raises(DesignError, match="ships no subset"):
        make_dataset({"name": "fashion_mnist", "source": "subset"})


@pytest.mark.parametrize("bad", ["half", 3, None])
def test_source_is_checked(bad):
    if bad is None:
        assert make_dataset({"name": "mnist", "source": None}).name == "mnist"
        return
    with pytest.raises(DesignError, match=r"dataset\.source"):
        make_dataset({"name": "mnist", "source": bad})


def test_source_applies_only_to_the_sets_that_have_one():
    with pytest.raises(DesignError, match="does not apply to digits"):
        make_dataset({"name": "digits", "source": "full"})
    takers = [name for name in DATASETS if DATASETS.get(name).sources]
    assert takers == ["mnist", "fashion_mnist"]


def test_downloaded_full_data_is_used_end_to_end(tmp_path, monkeypatch):
    """A small stand-in for full MNIST, served on 127.0.0.1: downloaded, verified, then read."""
    files, remote = small_set("mnist")
    monkeypatch.setitem(REMOTE_SETS._entries, "mnist", Entry("mnist", remote, "test"))
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with LocalServer(files) as server:
        monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
        download("mnist")
    assert is_downloaded("mnist")
    data = make_dataset({"name": "mnist", "source": "full", "test_fraction": 0.2})
    assert len(data.x_train) + len(data.x_test) == 70
    assert data.picture == Picture(28, 28)
