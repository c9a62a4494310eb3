"""Where nnviz keeps a user's things: one data folder for downloads, crash recovery and the log.

`NNVIZ_DATA_DIR` moves the data folder — and the settings, which then live in it as
`settings.ini` — anywhere the user likes; tests and benchmarks point it at a temporary folder so
they never touch a real user's settings, recent files, recovery data, log or downloads.
Without it, the data folder is the platform's per-user one and the settings stay in the
platform's own store (`settings_file()` is None).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_DIR_ENV = "NNVIZ_DATA_DIR"
SETTINGS_NAME = "settings.ini"


def user_data_dir() -> Path:
    """`NNVIZ_DATA_DIR`, else the platform's per-user data folder for nnviz."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "nnviz"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "nnviz"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "nnviz"


def settings_file() -> Path | None:
    """The INI file the settings live in when the data folder is moved; None: the platform's
    own settings store."""
    return user_data_dir() / SETTINGS_NAME if os.environ.get(DATA_DIR_ENV) else None
