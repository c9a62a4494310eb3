"""nnviz's settings and recent files, where `nnviz.core.user_data` says they live: an INI file
in the data folder when `NNVIZ_DATA_DIR` moves it, else the platform's settings store.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from nnviz.core.user_data import settings_file

RECENT_KEY = "recent_files"
MAX_RECENT = 10


def app_settings() -> QSettings:
    """nnviz's settings (see the module's docstring for where)."""
    path = settings_file()
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings("nnviz", "nnviz")


class RecentFiles:
    """The most recently opened or saved files, newest first, kept across runs."""

    def __init__(self, limit: int = MAX_RECENT) -> None:
        self.limit = limit

    def paths(self) -> list[Path]:
        value = app_settings().value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            value = [value]
        return [Path(text) for text in value or [] if isinstance(text, str) and text]

    def add(self, path: str | os.PathLike[str]) -> None:
        path = Path(path).absolute()
        rest = [p for p in self.paths() if p != path]
        self._store([path, *rest][: self.limit])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[Path]) -> None:
        settings = app_settings()
        settings.setValue(RECENT_KEY, [str(p) for p in paths])
        settings.sync()
