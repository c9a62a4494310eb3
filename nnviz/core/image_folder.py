"""Folders of pictures sorted into one sub-folder per class, the layout image tutorials use.

The core cannot decode PNG or JPEG itself and must not import Qt, so the program that runs it
(the window, the `nnviz` command) hands it a decoder with `set_image_decoder`. Decoded
folders are kept (a few, keyed by every file's size and time) so the import preview's
background load is not repeated when the window then builds the trainer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnviz.core.data_io import (
    FILE_LOADERS,
    MAX_CLASSES,
    MAX_SAMPLES,
    FileFormat,
    FileRequest,
    KeptTables,
    Table,
    check_size,
)
from nnviz.core.pictures import Picture
from nnviz.core.validation import DesignError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
FORMATS_TEXT = "PNG, JPEG, BMP or GIF"
MAX_SIDE = 256
CACHED_FOLDERS = 2


class ImageReadError(Exception):
    """A file the decoder could not read; the message says why."""


# (file, (height, width), grayscale) → float64 in [0, 1], shaped (h, w) or (h, w, 3)
ImageDecoder = Callable[[Path, tuple[int, int], bool], np.ndarray]

_decoder: list[ImageDecoder] = []


def set_image_decoder(decoder: ImageDecoder | None) -> None:
    """Give the core a way to decode images (None removes it)."""
    _decoder[:] = [decoder] if decoder is not None else []


def image_decoder() -> ImageDecoder:
    if not _decoder:
        raise DesignError(
            "image_folder: no image decoder here; run it from the nnviz window or command"
        )
    return _decoder[0]


@dataclass(frozen=True)
class FolderListing:
    """The classes (sub-folder names, sorted) and each one's image files."""

    classes: tuple[str, ...]
    files: tuple[tuple[Path, ...], ...]

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(len(files) for files in self.files)

    def signature(self) -> tuple[tuple[str, int, int], ...]:
        """Every file's path, size and modification time: changes when the folder does."""
        found = []
        for files in self.files:
            for file in files:
                try:
                    info = file.stat()
                except OSError:  # a broken link: its reason is given when it is read
                    found.append((str(file), -1, -1))
                else:
                    found.append((str(file), info.st_size, info.st_mtime_ns))
        return tuple(found)


def _visible(name: str) -> bool:
    return not name.startswith(".")


def _images(folder: Path) -> tuple[Path, ...]:
    """Every visible file with a picture's suffix under `folder`, sub-folders included.

    Links to folders are not followed (a link back up would never end); anything else with
    an image suffix is listed, so a broken link or a pipe is reported by name when read.
    """

    def refuse(error: OSError) -> None:
        raise error

    found = []
    for top, folders, names in os.walk(folder, onerror=refuse):
        folders[:] = [name for name in folders if _visible(name)]
        found += [
            Path(top, name)
            for name in names
            if _visible(name) and Path(name).suffix.lower() in IMAGE_SUFFIXES
        ]
    return tuple(sorted(found))


def why_unreadable(file: Path) -> str | None:
    """Why `file` cannot be an image before any decoder opens it (a pipe would block one
    forever), or None."""
    try:
        info = file.stat()
    except OSError as error:
        return "a link that leads nowhere or loops" if file.is_symlink() else error.strerror
    if not stat.S_ISREG(info.st_mode):
        return "a pipe or a device, not a regular file"
    if info.st_size == 0:
        return "an empty file"
    return None


def list_image_folder(path: Path) -> FolderListing:
    """The class folders and their images; refuses fewer than 2 classes and empty classes."""
    name = path.name
    try:
        folders = sorted(p for p in path.iterdir() if p.is_dir() and _visible(p.name))
        files = tuple(_images(folder) for folder in folders)
    except OSError as error:
        where = Path(error.filename or path)
        shown = where.relative_to(path).as_posix() if where.is_relative_to(path) else where.name
        what = "the folder" if where == path else shown
        raise DesignError(f"{name}: cannot read {what}: {error.strerror or error}") from None
    if not folders:
        raise DesignError(
            f"{name}: no class sub-folders; put each class's images in a sub-folder named "
            "after the class"
        )
    if len(folders) < 2:
        raise DesignError(
            f"{name}: needs at least 2 class sub-folders, found only {folders[0].name!r}"
        )
    if len(folders) > MAX_CLASSES:
        raise DesignError(f"{name}: {len(folders)} classes; at most {MAX_CLASSES} are supported")
    for folder, images in zip(folders, files, strict=True):
        if not images:
            raise DesignError(
                f"{name}: class folder {folder.name!r} holds no {FORMATS_TEXT} images"
            )
    total = sum(len(images) for images in files)
    if total > MAX_SAMPLES:
        raise DesignError(f"{name}: {total:,} images; at most {MAX_SAMPLES:,} are supported")
    return FolderListing(tuple(folder.name for folder in folders), files)


def check_image_size(size: tuple[int, int], where: str) -> None:
    if not all(1 <= side <= MAX_SIDE for side in size):
        raise DesignError(f"{where}: height and width must be 1 to {MAX_SIDE}, got {list(size)}")


def folder_picture(size: tuple[int, int], grayscale: bool) -> Picture:
    """How a folder's samples look: light, as in the files (0 black, 1 white)."""
    return Picture(*size, channels=1 if grayscale else 3, ink=False)


_cache = KeptTables(CACHED_FOLDERS)


def _key(request: FileRequest, listing: FolderListing) -> tuple:
    path, size = request.path, tuple(request.size)
    return (
        str(path.resolve()),
        size,
        request.grayscale,
        request.skip_unreadable,
        listing.signature(),
    )


def is_decoded(request: FileRequest) -> bool:
    """Whether the folder is kept decoded as `request` asks (so loading it takes no time)."""
    try:
        key = _key(request, list_image_folder(request.path))
    except DesignError:
        return True  # refused at once, without decoding
    return key in _cache


def load_image_folder(request: FileRequest) -> Table:
    check_image_size(tuple(request.size), "dataset.size")
    listing = list_image_folder(request.path)
    key = _key(request, listing)
    kept = _cache.get(key)
    return kept if kept is not None else _cache.keep(key, _decode(request, listing))


def _decode(request: FileRequest, listing: FolderListing) -> Table:
    decode = image_decoder()
    report = request.progress
    path, size, grayscale = request.path, tuple(request.size), request.grayscale
    picture = folder_picture(size, grayscale)
    total = sum(listing.counts)
    check_size(path.name, total, picture.values)
    x = np.empty((total, picture.values))
    y = np.empty(total, dtype=np.int64)
    skipped: list[str] = []
    row = 0
    for label, files in enumerate(listing.files):
        for file in files:
            shown = file.relative_to(path).as_posix()
            try:
                reason = why_unreadable(file)
                if reason is not None:
                    raise ImageReadError(reason)
                pixels = decode(file, size, grayscale)
            except ImageReadError as error:
                if not request.skip_unreadable:
                    raise DesignError(
                        f"{path.name}: cannot read {shown} as an image ({error}); "
                        'fix or remove it, or set "skip_unreadable": true'
                    ) from None
                skipped.append(shown)
            else:
                x[row] = pixels.reshape(-1)
                y[row] = label
                row += 1
            if report is not None:
                report(row + len(skipped), total)
    x, y = x[:row], y[:row]
    found = np.bincount(y, minlength=len(listing.classes))
    for name, count in zip(listing.classes, found, strict=True):
        if count == 0:
            raise DesignError(f"{path.name}: class folder {name!r} has no readable images")
    return Table(
        x,
        y,
        "classification",
        len(listing.classes),
        listing.classes,
        picture.feature_names(),
        picture,
        tuple(skipped),
    )


FILE_LOADERS.add(
    "image_folder",
    FileFormat(load_image_folder, folder=True),
    f"Folder of {FORMATS_TEXT} images, one sub-folder per class",
)
