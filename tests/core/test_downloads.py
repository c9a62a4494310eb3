"""Downloads from a local server: progress, cancel, checksum, atomic keep, resume, offline."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import socket
import struct
import threading

import numpy as np
import pytest

from nnviz.core.data_io import read_idx
from nnviz.core.downloads import (
    REMOTE_SETS,
    DownloadCancelledError,
    DownloadError,
    RemoteFile,
    RemoteSet,
    fetch,
)
from tests.local_server import LocalServer


def idx_images(n: int, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return gzip.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 28, 28) + pixels.tobytes())


def idx_labels(n: int) -> bytes:
    labels = (np.arange(n) % 10).astype(np.uint8)
    return gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels.tobytes())


FILES = {"images.gz": idx_images(300), "labels.gz": idx_labels(300)}


def remote(files=FILES, digests=None) -> RemoteSet:
    digests = digests or {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
    return RemoteSet(
        "Test set", (), tuple(RemoteFile(n, len(d), digests[n]) for n, d in files.items())
    )


def test_download_reports_progress_and_keeps_verified_files(tmp_path):
    seen = []
    with LocalServer(FILES) as server:
        fetch(
            remote(), tmp_path, lambda done, total: seen.append((done, total)), None, (server.url,)
        )
    total = sum(map(len, FILES.values()))
    assert seen[-1] == (total, total)
    assert all(b >= a for (a, _), (b, _) in itertools.pairwise(seen))
    assert (tmp_path / "images.gz").read_bytes() == FILES["images.gz"]
    assert read_idx(tmp_path / "labels.gz").tolist() == [k % 10 for k in range(300)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images.gz", "labels.gz"]


def test_a_bad_checksum_is_refused_and_nothing_is_left(tmp_path):
    digests = {n: hashlib.sha256(d).hexdigest() for n, d in FILES.items()}
    digests["images.gz"] = "0" * 64
    with LocalServer(FILES) as server, pytest.raises(DownloadError, match="not the expected one"):
        fetch(remote(digests=digests), tmp_path, None, None, (server.url,))
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_the_download_and_a_later_one_resumes(tmp_path):
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > 2000:
            cancel.set()

    with LocalServer(FILES) as server:
        with pytest.raises(DownloadCancelledError):
            fetch(remote(), tmp_path, progress, cancel, (server.url,))
        assert not (tmp_path / "images.gz").exists()
        part = tmp_path / "images.gz.part"
        kept = part.stat().st_size
        assert 0 < kept < len(FILES["images.gz"])
        fetch(remote(), tmp_path, None, None, (server.url,))
        ranges = [r for name, r in server.served.requests if name == "images.gz"]
    assert ranges == [None, f"bytes={kept}-"]
    assert (tmp_path / "images.gz").read_bytes() == FILES["images.gz"]
    assert not part.exists()


def test_a_dropped_connection_fails_clearly_and_the_retry_resumes(tmp_path):
    with LocalServer(FILES) as server:
        server.served.break_after["images.gz"] = 5000
        with pytest.raises(DownloadError, match=r"cannot download images\.gz"):
            fetch(remote(), tmp_path, None, None, (server.url,))
        assert (tmp_path / "images.gz.part").stat().st_size == 5000
        fetch(remote(), tmp_path, None, None, (server.url,))
        requests = [r for name, r in server.served.requests if name == "images.gz"]
    assert requests == [None, "bytes=5000-"]
    assert (tmp_path / "images.gz").read_bytes() == FILES["images.gz"]


def test_offline_gives_one_clear_line(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    with pytest.raises(DownloadError) as caught:
        fetch(remote(), tmp_path, None, None, (url,))
    message = str(caught.value)
    assert "\n" not in message
    assert "offline or unreachable" in message and "images.gz" in message


@pytest.mark.parametrize("name", list(REMOTE_SETS))
def test_every_remote_set_lists_four_idx_files_with_checksums(name):
    remote_set = REMOTE_SETS.get(name)
    assert len(remote_set.files) == 4
    assert all(len(f.sha256) == 64 and f.size > 0 for f in remote_set.files)
    assert all(m.endswith("/") for m in remote_set.mirrors)
