"""The window benchmark prints one valid JSON line per case with the promised keys, and leaves
the user's settings and recent files as they were."""

from __future__ import annotations

import json
import os

import pytest

from nnviz.app.gui_bench import run_gui_bench
from nnviz.app.settings import RecentFiles
from nnviz.core.user_data import DATA_DIR_ENV

KEYS = {
    "case",
    "batch",
    "dtype",
    "frame_ms_p50",
    "frame_ms_p95",
    "frame_cpu_ms_p50",
    "steps_per_s",
    "headless_steps_per_s",
    "view",
}


def test_gui_bench_prints_json_lines(qtbot, capsys, private_user_data, tmp_path):
    mine = tmp_path / "mine.json"
    mine.write_text("{}")
    RecentFiles().add(mine)
    settings = (private_user_data / "settings.ini").read_bytes()
    assert run_gui_bench(0.2) == 0
    assert os.environ[DATA_DIR_ENV] == str(private_user_data)
    assert (private_user_data / "settings.ini").read_bytes() == settings
    assert RecentFiles().paths() == [mine]
    assert sorted(p.name for p in private_user_data.iterdir()) == ["settings.ini"]
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    results = [json.loads(line) for line in lines]
    cases = [(r["case"], r["dataset"]) for r in results]
    assert cases[:2] == [("2-8-8-8-8-8-8-1", "spiral"), ("784-128-64-10", "npz")]
    assert cases[2] in (("784-128-64-10", "mnist subset"), ("784-128-64-10", "mnist full"))
    assert cases[3:] == [cases[0], cases[2]]  # the spiral and MNIST again, the layer space shown
    views = [r["view"] for r in results]
    assert views == ["training curves"] * 3 + ["layer space"] * 2
    assert [r["layer_space_frames"] > 0 for r in results] == [False] * 3 + [True] * 2
    for result in results:
        assert set(result) >= KEYS
        assert result["steps_per_s"] > 0 and result["headless_steps_per_s"] > 0
        assert result["frame_ms_p95"] >= result["frame_ms_p50"] > 0
        assert result["frame_cpu_ms_p50"] > 0
    assert results[0]["batch"] == 10 and results[0]["dtype"] == "float64"
    assert results[1]["batch"] == 64 and results[1]["dtype"] == "float32"
    assert results[2]["batch"] == 64 and results[2]["dtype"] == "float32"
    recorded = results[2]  # the MNIST window, also while it is recorded
    assert recorded["recording"] == "window, gif, 10 fps, 800 px"
    assert recorded["recording_steps_per_s"] > 0 and recorded["recording_frames"] > 0
    assert recorded["recording_ratio"] == pytest.approx(
        recorded["recording_steps_per_s"] / recorded["steps_per_s"], abs=1e-3
    )
    assert "recording" not in results[0]
