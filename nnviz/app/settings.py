"""Where nnviz keeps its own things: the data folder (crash recovery) and the settings.

`NNVIZ_DATA_DIR` moves both into one folder of the user's choice — tests point it at a temporary
folder so they never touch a real user's settings, recent files or recovery data.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

DATA_DIR_ENV = "NNVIZ_DATA_DIR"
RECENT_KEY = "recent_files"
MAX_RECENT = 10


def data_dir() -> Path:
    """`NNVIZ_DATA_DIR`, else the platform's per-user application data folder."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.StandardLocation.AppDataLocation
    return Path(QStandardPaths.writableLocation(location))


def app_settings() -> QSettings:
    """nnviz's settings: an INI file in `NNVIZ_DATA_DIR` when set, else the platform's store."""
    if os.environ.get(DATA_DIR_ENV):
        return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)
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
