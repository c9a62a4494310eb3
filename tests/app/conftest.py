"""Every window test runs with its own settings, recent files and recovery folder.

`NNVIZ_DATA_DIR` points at the test's temporary folder, so no test reads or writes a real user's
data. A window still holding edits when a test ends is closed without asking (Discard); the
tests of the unsaved-changes question answer it themselves.
"""

from __future__ import annotations

import pytest

from nnviz.app.file_actions import FileActions
from nnviz.app.settings import DATA_DIR_ENV


@pytest.fixture(autouse=True)
def private_user_data(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("nnviz-data")
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    monkeypatch.setattr(FileActions, "ask_unsaved", lambda self: "discard")
    return folder
