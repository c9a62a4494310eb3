"""`nnviz data`: listing, and downloads that fail cleanly (no test reaches the internet)."""

from __future__ import annotations

import socket

from nnviz.core.downloads import MIRROR_ENV, REMOTE_SETS
from nnviz.core.user_data import DATA_DIR_ENV
from tests.cli_runner import run_nnviz
from tests.local_server import LocalServer


def test_list_names_every_downloadable_set(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    result = run_nnviz("data", "list")
    assert result.returncode == 0
    for name in REMOTE_SETS:
        assert f"{name}" in result.stdout
    assert result.stdout.count("not downloaded") == len(list(REMOTE_SETS))


def test_a_file_with_the_wrong_checksum_is_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    files = {
        f.name: b"x" * f.size for f in REMOTE_SETS.get("mnist").files
    }  # right size, wrong bytes
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with LocalServer(files) as server:
        monkeypatch.setenv(MIRROR_ENV, server.url)
        result = run_nnviz("data", "download", "mnist")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "not the expected one" in lines[-1] and "Traceback" not in result.stderr
    folder = tmp_path / "datasets" / "mnist"
    assert list(folder.iterdir()) == []


def test_offline_exits_1_with_one_clear_line(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(MIRROR_ENV, url)
    result = run_nnviz("data", "download", "fashion_mnist")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "offline or unreachable" in result.stderr


def test_download_without_a_name_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    result = run_nnviz("data", "download")
    assert result.returncode == 2
    assert "mnist" in result.stderr
