"""`nnviz export`: trains headless, then writes every plot, picture, the weights and a PyTorch
script, without a display."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from cli_runner import run_python
from export_files import RUN_FILES
from PySide6.QtGui import QImage

from nnviz.core.design import load_design
from nnviz.core.network import Network
from nnviz.core.weights_io import load_weights

EXPECTED = RUN_FILES


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python ...` as on a machine without a display."""
    return run_python(*args, cwd=cwd, headless=True)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "xor"
    result = run("-m", "nnviz", "export", "xor", "--epochs", "4", "--seed", "3", "--out", out)
    return result, out


def test_export_writes_every_file_and_reports_them(exported):
    result, out = exported
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["epochs"] == 4
    assert {"train_loss", "test_loss", "train_accuracy", "test_accuracy"} <= set(report)
    assert {os.path.basename(f) for f in report["files"]} == EXPECTED
    assert {p.name for p in out.iterdir()} == EXPECTED
    for name in EXPECTED:
        assert (out / name).stat().st_size > 0, name
    for name in ("loss.png", "network.png", "plane.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not QImage(str(out / name)).isNull()
    for name in ("loss.svg", "network.svg", "plane.svg"):
        ET.parse(out / name)
    assert load_design(out / "design.json").training.seed == 3


def test_exported_pytorch_script_is_valid_and_matches_the_design(exported):
    _, out = exported
    source = (out / "model.py").read_text(encoding="utf-8")
    compile(source, "model.py", "exec")
    assert "def build_model" in source
    weights, _ = load_weights(out / "weights.npz", load_design(out / "design.json"))
    assert [w.shape for w in weights] == [(2, 8), (8, 1)]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_exported_pytorch_script_runs_and_predicts_like_nnviz(exported, tmp_path):
    _, out = exported
    result = run(out / "model.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    probe = (
        "import importlib.util, json, sys, torch\n"
        f"spec = importlib.util.spec_from_file_location('model', {str(out / 'model.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "x = torch.tensor(json.loads(sys.argv[1]), dtype=torch.float64)\n"
        "print(json.dumps(m.build_model().double()(x).detach().numpy().ravel().tolist()))\n"
    )
    design = load_design(out / "design.json")
    net = Network(design, seed=0)
    weights, biases = load_weights(out / "weights.npz", design)
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        net.weights[k][...] = w
        net.biases[k][...] = b
    x = np.array([[0.5, -1.0], [-2.0, 3.0], [1.5, 1.5]])
    result = run("-c", probe, json.dumps(x.tolist()), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    theirs = np.array(json.loads(result.stdout.strip().splitlines()[-1]))
    assert np.allclose(theirs, net.forward(x).output.ravel(), rtol=1e-10, atol=1e-12)


def test_export_needs_an_out_folder(tmp_path):
    result = run("-m", "nnviz", "export", "xor", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "--out" in result.stderr and "Traceback" not in result.stderr


def test_export_into_a_file_is_bad_input_and_writes_nothing(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("keep", encoding="utf-8")
    result = run("-m", "nnviz", "export", "xor", "--epochs", "1", "--quiet", "--out", blocker)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "taken" in lines[0]
    assert blocker.read_text(encoding="utf-8") == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_export_below_a_file_is_bad_input(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("keep", encoding="utf-8")
    result = run(
        "-m", "nnviz", "export", "xor", "--epochs", "1", "--quiet", "--out", blocker / "run"
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "taken" in lines[0] and "Traceback" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_export_of_a_missing_design_is_bad_input(tmp_path):
    result = run("-m", "nnviz", "export", tmp_path / "nope.json", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "nope.json" in result.stderr
    assert not (tmp_path / "out").exists()
