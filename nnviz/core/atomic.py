"""Atomic file writes: a crash, a full disk or an exception mid-save leaves the old file whole.

The content goes to a temporary file in the same folder (so the final rename cannot cross file
systems), is flushed and fsynced, keeps the old file's permissions, and only then replaces the
target with `os.replace`; on any failure the temporary file is removed and the error re-raised.
A temporary file's name holds the writing process's id: one left by a process that was killed
mid-save is removed by the next save of the same file (on Windows, where a process cannot be
asked whether it lives without risk of ending it, one older than `STALE_S`).
"""

from __future__ import annotations

import os
import stat
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STALE_S = 3600.0  # no save takes this long: an older temporary file's writer is gone


def write_atomic(path: str | os.PathLike[str], content: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `content` (bytes, or a function writing to a binary file) to `path` atomically."""

    def write(temp: Path) -> None:
        with open(temp, "r+b") as stream:
            if isinstance(content, bytes | bytearray | memoryview):
                stream.write(content)
            else:
                content(stream)

    write_atomic_path(path, write)


def write_atomic_path(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Like `write_atomic`, for a writer that needs a file name rather than a stream (another
    program writing the file): `write(temp)` fills the temporary file `temp`, which exists,
    empty, in `path`'s folder; it is then synced and renamed over `path`."""
    path = Path(path)
    folder = path.absolute().parent
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else None
    _remove_stale_temps(folder, path.name)
    temp = folder / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp"
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(temp)
        fd = os.open(temp, os.O_RDWR)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _alive(pid: int, written: float) -> bool:
    """Whether the process that writes a temporary file may still be writing it."""
    if sys.platform == "win32":  # there, os.kill(pid, 0) would end the process
        return time.time() - written < STALE_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # someone else's process, or a platform that cannot tell: keep its file
    return True


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Temporary files of `name` whose writer is gone (a save killed halfway)."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        owner = entry.name[len(prefix) : -len(".tmp")]
        pid, dash, _ = owner.partition("-")
        try:
            written = entry.stat().st_mtime
        except OSError:
            continue
        if dash and pid.isdigit() and _alive(int(pid), written):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
