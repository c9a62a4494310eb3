"""Small stand-ins for downloadable sets: IDX files written where a download would put them,
with the set's registry entry changed to match (for tests that need `source: full`)."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np

from nnviz.core import downloads
from nnviz.core.downloads import REMOTE_SETS, RemoteFile, RemoteSet
from nnviz.core.registry import Entry
from nnviz.core.user_data import DATA_DIR_ENV


def idx_files(n_train: int, n_test: int, seed: int = 0) -> list[bytes]:
    """gzipped IDX bytes: train images, train labels, test images, test labels (labels 0..9)."""
    rng = np.random.default_rng(seed)
    out = []
    for n in (n_train, n_test):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        out.append(gzip.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 28, 28) + images.tobytes()))
        out.append(gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels.tobytes()))
    return out


def small_set(name: str, n_train: int = 60, n_test: int = 10) -> dict[str, bytes]:
    """{file name: bytes} of a small stand-in for `name`, its registry entry changed to match."""
    real = REMOTE_SETS.get(name)
    files = dict(zip((f.name for f in real.files), idx_files(n_train, n_test), strict=True))
    remote = RemoteSet(
        real.title,
        real.mirrors,
        tuple(RemoteFile(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in files.items()),
    )
    return files, remote


def install_small_set(monkeypatch, data_dir, name: str) -> None:
    """`name` as if downloaded into `data_dir` (set as the user's data folder)."""
    files, remote = small_set(name)
    monkeypatch.setitem(REMOTE_SETS._entries, name, Entry(name, remote, "test stand-in"))
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    folder = downloads.dataset_folder(name)
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
