"""The window benchmark prints one valid JSON line per case with the promised keys."""

from __future__ import annotations

import json

import pytest

from nnviz.app.gui_bench import run_gui_bench

KEYS = {
    "case",
    "batch",
    "dtype",
    "frame_ms_p50",
    "frame_ms_p95",
    "frame_cpu_ms_p50",
    "steps_per_s",
    "headless_steps_per_s",
}


def test_gui_bench_prints_json_lines(qtbot, capsys):
    assert run_gui_bench(0.2) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    results = [json.loads(line) for line in lines]
    cases = [(r["case"], r["dataset"]) for r in results]
    assert cases[:2] == [("2-8-8-8-8-8-8-1", "spiral"), ("784-128-64-10", "npz")]
    assert cases[2] in (("784-128-64-10", "mnist subset"), ("784-128-64-10", "mnist full"))
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
