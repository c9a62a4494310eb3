"""One data folder for everything nnviz keeps: downloads, recovery, the log and, when moved, the
settings."""

from __future__ import annotations

import sys

import pytest

from nnviz.core.downloads import dataset_folder
from nnviz.core.user_data import DATA_DIR_ENV, settings_file, user_data_dir


def test_the_moved_data_folder_holds_downloads_and_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert user_data_dir() == tmp_path
    assert settings_file() == tmp_path / "settings.ini"
    assert dataset_folder("mnist") == tmp_path / "datasets" / "mnist"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG folders of Linux")
def test_without_the_variable_the_platform_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert user_data_dir() == tmp_path / "nnviz"
    assert settings_file() is None  # the platform's own settings store
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_data_dir() == tmp_path / ".local" / "share" / "nnviz"
