"""Data sets fetched only when a person asks: full MNIST and Fashion-MNIST.

`fetch()` downloads a `RemoteSet`'s files into a folder, one after the other, trying each
mirror in turn (the public mirrors that PyTorch and TensorFlow download from). Promises kept:
- progress: `progress(done_bytes, total_bytes)` after every chunk;
- cancel: a `threading.Event` checked between chunks; a cancelled file stays as `<name>.part`;
- resume: a `.part` left by a cancel or a broken connection is continued with an HTTP Range
  request (a server that ignores the range sends the whole file, which then starts over);
- checksum: every file's size and SHA-256 are checked before it is kept; a mismatch deletes the
  partial file, so nothing half-written or wrong is ever used;
- atomic: a verified file reaches its final name through `write_atomic`;
- offline: one clear line naming what could not be reached, never a traceback.
No test reaches the internet: `mirrors` can point at a local server (`NNVIZ_DATA_MIRROR` does
the same for the command line).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nnviz.core.atomic import write_atomic
from nnviz.core.registry import Registry
from nnviz.core.user_data import user_data_dir

MIRROR_ENV = "NNVIZ_DATA_MIRROR"
CHUNK = 64 * 1024
TIMEOUT_S = 30.0

Progress = Callable[[int, int], None]


class DownloadError(Exception):
    """A download that could not finish: offline, a bad checksum, a server error. One line."""


class DownloadCancelledError(Exception):
    """The person pressed Cancel; the partial file is kept to resume from."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RemoteSet:
    """Files that together make one data set, and where to get them."""

    title: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


# name, bytes and SHA-256 of each file, as the mirrors publish them
_MNIST_FILES = """
train-images-idx3-ubyte.gz 9912422 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
train-labels-idx1-ubyte.gz 28881 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
t10k-images-idx3-ubyte.gz 1648877 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
t10k-labels-idx1-ubyte.gz 4542 f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
"""
_FASHION_FILES = """
train-images-idx3-ubyte.gz 26421880 08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc
train-labels-idx1-ubyte.gz 29515 b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc
t10k-images-idx3-ubyte.gz 4422102 78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229
t10k-labels-idx1-ubyte.gz 5148 42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf
"""


def _files(table: str) -> tuple[RemoteFile, ...]:
    rows = (line.split() for line in table.strip().splitlines())
    return tuple(RemoteFile(name, int(size), digest) for name, size, digest in rows)


REMOTE_SETS: Registry[RemoteSet] = Registry("downloadable data set")
REMOTE_SETS.add(
    "mnist",
    RemoteSet(
        "MNIST",
        (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        _files(_MNIST_FILES),
    ),
    "70,000 handwritten digits, 28×28 (Yann LeCun, Corinna Cortes; CC BY-SA 3.0), 11.6 MB",
)
REMOTE_SETS.add(
    "fashion_mnist",
    RemoteSet(
        "Fashion-MNIST",
        (
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        ),
        _files(_FASHION_FILES),
    ),
    "70,000 clothing pictures, 28×28 (Zalando Research; MIT licence), 30.9 MB",
)


def dataset_folder(name: str) -> Path:
    """Where a downloaded set's files live: <data folder>/datasets/<name>."""
    return user_data_dir() / "datasets" / name


def is_downloaded(name: str, folder: Path | None = None) -> bool:
    """Every file of the set is there with its full size (checked by checksum when fetched)."""
    folder = folder or dataset_folder(name)
    return all(
        (folder / f.name).is_file() and (folder / f.name).stat().st_size == f.size
        for f in REMOTE_SETS.get(name).files
    )


def mirrors_for(name: str) -> tuple[str, ...]:
    """The set's mirrors, or the one named by `NNVIZ_DATA_MIRROR` (tests, local copies)."""
    override = os.environ.get(MIRROR_ENV)
    return (override,) if override else REMOTE_SETS.get(name).mirrors


def download(
    name: str, progress: Progress | None = None, cancel: threading.Event | None = None
) -> Path:
    """Fetch the registered set `name` into the user's data folder; returns the folder."""
    remote = REMOTE_SETS.get(name)
    folder = dataset_folder(name)
    fetch(remote, folder, progress, cancel, mirrors_for(name))
    return folder


def fetch(
    remote: RemoteSet,
    folder: Path,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    mirrors: tuple[str, ...] | None = None,
) -> None:
    """Download and verify every file of `remote` that `folder` does not hold yet."""
    import http.client  # here: the HTTP stack costs every start of nnviz tens of milliseconds

    folder.mkdir(parents=True, exist_ok=True)
    total = remote.total_bytes
    done = 0
    report = progress or (lambda done, total: None)
    for file in remote.files:
        target = folder / file.name
        if target.is_file() and target.stat().st_size == file.size:
            done += file.size
            report(done, total)
            continue
        errors = []
        for mirror in mirrors or remote.mirrors:
            try:
                _fetch_file(mirror + file.name, file, folder, done, total, report, cancel)
                break
            except (OSError, http.client.HTTPException) as error:
                errors.append(_reason(error))
        else:
            raise DownloadError(
                f"{remote.title}: cannot download {file.name} ({'; '.join(errors)}); "
                "check the internet connection and try again (what was fetched is kept)"
            )
        done += file.size
        report(done, total)


def _fetch_file(
    url: str,
    file: RemoteFile,
    folder: Path,
    done_before: int,
    total: int,
    report: Progress,
    cancel: threading.Event | None,
) -> None:
    part = folder / f"{file.name}.part"
    have = part.stat().st_size if part.is_file() else 0
    if have > file.size:
        part.unlink()
        have = 0
    if have < file.size:
        import urllib.request

        request = urllib.request.Request(url, headers={"User-Agent": "nnviz"})
        if have:
            request.add_header("Range", f"bytes={have}-")
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            if have and response.status != 206:  # the server sent the whole file
                have = 0
            with part.open("ab" if have else "wb") as out:
                while chunk := response.read(CHUNK):
                    if cancel is not None and cancel.is_set():
                        raise DownloadCancelledError(f"download of {file.name} cancelled")
                    out.write(chunk)
                    have += len(chunk)
                    if have > file.size:
                        break
                    report(done_before + have, total)
        if have < file.size:  # the server closed the connection early: keep it to resume
            raise ConnectionError(f"connection closed after {have:,} of {file.size:,} bytes")
    _verify_and_keep(part, file, folder / file.name)


def _verify_and_keep(part: Path, file: RemoteFile, target: Path) -> None:
    size = part.stat().st_size
    digest = hashlib.sha256()
    with part.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    if size != file.size or digest.hexdigest() != file.sha256:
        part.unlink()
        raise DownloadError(
            f"{file.name}: the downloaded file is not the expected one "
            f"({size:,} bytes, SHA-256 {digest.hexdigest()[:12]}…; expected {file.size:,} bytes, "
            f"{file.sha256[:12]}…); it was deleted"
        )

    def copy(stream) -> None:
        with part.open("rb") as source:
            shutil.copyfileobj(source, stream)

    write_atomic(target, copy)
    part.unlink()


def _reason(error: BaseException) -> str:
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"offline or unreachable: {error.reason}"
    return str(error) or type(error).__name__
