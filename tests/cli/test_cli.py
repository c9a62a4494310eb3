import json
import os
import subprocess
import sys

import numpy as np
import pytest
from cli_runner import run_nnviz
from design_factory import xor_design

from nnviz.core.resources import resource_path


def nnviz(*args, cwd=None) -> subprocess.CompletedProcess:
    return run_nnviz(*args, cwd=cwd)


def small_design(**changes) -> dict:
    base = xor_design(
        name="small",
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        optimizer={"learning_rate": 0.05},
        training={"epochs": 3, "seed": 0},
        dataset={"samples": 100, "test_fraction": 0.2, "seed": 0},
    )
    return {**base, **changes}


@pytest.fixture
def design_file(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_design()), encoding="utf-8")
    return path


def assert_bad_input(result: subprocess.CompletedProcess, name: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    return lines[0]


def test_train_prints_final_json_last_and_writes_outputs(design_file, tmp_path):
    out = tmp_path / "run" / "nested"
    result = nnviz("train", design_file, "--epochs", "4", "--out", out, "--seed", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("epochs", "steps", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert key in report
    assert report["epochs"] == 4 and report["steps"] == 4 * 8
    assert report["state"] == "finished"
    assert report["train_samples"] + report["test_samples"] == 100  # every sample
    assert "epoch 4/4" in result.stderr  # progress lines, as stderr is not a terminal here
    history = (out / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,step,train_loss")
    assert len(history) == 5
    saved = json.loads((out / "design.json").read_text())
    assert saved["training"]["epochs"] == 4 and saved["training"]["seed"] == 2
    for chart in ("loss.svg", "accuracy.svg", "grad_norm.svg"):
        assert (out / chart).read_text().startswith("<svg")
    with np.load(out / "weights.npz", allow_pickle=False) as weights:
        assert sorted(weights.files) == ["W0", "W1", "b0", "b1"]
        assert weights["W0"].shape == (2, 4) and weights["b0"].shape == (4,)
        assert weights["W1"].shape == (4, 1) and weights["b1"].shape == (1,)


def test_train_is_reproducible(design_file):
    a = nnviz("train", design_file, "--quiet")
    b = nnviz("train", design_file, "--quiet")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout
    assert a.stderr == ""


def test_train_regression_reports_r2(tmp_path):
    path = tmp_path / "reg.json"
    design = small_design(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": "plane", "samples": 100},
    )
    path.write_text(json.dumps(design))
    result = nnviz("train", path, "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert {"train_r2", "test_r2"} <= set(report)


def test_divergence_exits_zero_with_state(tmp_path):
    path = tmp_path / "wild.json"
    design = small_design(
        layers=[{"units": 8, "activation": "linear"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        optimizer={"name": "sgd", "learning_rate": 1e6},
        training={"batch_size": 10, "epochs": 50, "seed": 0},
    )
    path.write_text(json.dumps(design))
    out = tmp_path / "out"
    result = nnviz("train", path, "--out", out, "--quiet")
    assert result.returncode == 0
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["state"] == "diverged"
    assert "learning rate" in result.stderr and "Traceback" not in result.stderr
    assert (out / "weights.npz").exists()


def test_validate_ok(design_file):
    result = nnviz("validate", design_file)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith(f"{design_file}: ok (")
    assert "2-4-1" in line and "xor" in line


@pytest.mark.parametrize("name", ["spiral", "xor", "circle", "digits"])
def test_examples_validate(name):
    result = nnviz("validate", resource_path("examples", f"{name}.json"))
    assert result.returncode == 0, result.stderr


BAD_FILES = {
    "malformed.json": b'{"format": "nnviz-design", ',
    "not_utf8.json": b'{"name": "\xff\xfe"}',
    "bad_field.json": json.dumps(small_design(inputs=-3)).encode(),
    "impossible.json": json.dumps(
        small_design(
            layers=[{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "softmax"}],
            loss="cross_entropy",
        )
    ).encode(),
    "bad_data.json": json.dumps(small_design(dataset={"name": "csv", "path": "data.csv"})).encode(),
}


@pytest.mark.parametrize("command", ["validate", "train"])
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_design_files_exit_2_with_one_line(tmp_path, command, name):
    (tmp_path / "data.csv").write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    assert_bad_input(nnviz(command, path), name)


@pytest.mark.parametrize("command", ["validate", "train"])
def test_missing_file_and_directory(tmp_path, command):
    assert_bad_input(nnviz(command, tmp_path / "nope.json"), "nope.json")
    assert_bad_input(nnviz(command, tmp_path), str(tmp_path))


def test_window_with_bad_design_exits_2_before_any_window(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    assert_bad_input(nnviz(path), "broken.json")


@pytest.mark.parametrize("value", ["0", "-3", "abc"])
def test_bad_epochs_exit_2(design_file, value):
    result = nnviz("train", design_file, "--epochs", value)
    assert_bad_input(result, "--epochs")


def test_unknown_option_exits_2(design_file):
    result = nnviz("train", design_file, "--bogus")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_out_is_a_file_exits_2(design_file, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert_bad_input(nnviz("train", design_file, "--out", blocker), "file.txt")


def test_bench_prints_json_lines():
    result = nnviz("bench", "--seconds", "0.05")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    cases = {(r["case"], r["dtype"]) for r in rows}
    assert ("2-8-8-1", "float64") in cases and ("784-128-64-10", "float32") in cases
    for row in rows:
        assert row["steps_per_s"] > 0 and row["batch"] > 0


def test_timeline_bench_prints_the_record_and_memory_as_json_lines():
    result = nnviz("bench", "--timeline", "--steps", "500")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    last = rows[-1]
    assert {r["case"] for r in rows} == {"timeline"} and last["steps"] >= 500
    assert 0 < last["timeline_bytes"] < last["rss_bytes"]


def test_gui_bench_without_a_display_prints_json_lines_and_nothing_else():
    """On a machine with no display it picks the offscreen platform itself, quietly."""
    result = run_nnviz("bench", "--gui", "--seconds", "0.2", headless=True)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    spiral, images = "2-8-8-8-8-8-8-1", "784-128-64-10"
    assert [r["case"] for r in rows] == [spiral, images, images, spiral, images]
    assert rows[2]["dataset"].startswith("mnist") and rows[4]["dataset"] == rows[2]["dataset"]
    assert [r["view"] for r in rows[2:]] == ["training curves", "layer space", "layer space"]
    assert all(r["ratio"] > 0 and r["epochs_per_s"] > 0 for r in rows)
    assert result.stderr.strip() == ""


def test_launch_bench_prints_both_windows_first_frame_and_their_ratio(private_user_data):
    result = nnviz("bench", "--launch", "--runs", "1")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert set(row) == {
        "case",
        "runs",
        "window",
        "platform",
        "nnviz_ms_p50",
        "bare_ms_p50",
        "ratio",
    }
    assert row["case"] == "launch" and row["runs"] == 1 and row["platform"] == "offscreen"
    width, height = map(int, row["window"].split("x"))
    assert width > 0 and height > 0
    assert row["nnviz_ms_p50"] > 0 and row["bare_ms_p50"] > 0
    assert row["ratio"] == pytest.approx(row["nnviz_ms_p50"] / row["bare_ms_p50"], rel=0.01)
    assert list(private_user_data.iterdir()) == []  # the launches used a data folder of their own


def test_bench_kinds_are_one_at_a_time():
    result = nnviz("bench", "--gui", "--launch")
    assert result.returncode == 2 and "not allowed with" in result.stderr


def test_help_exits_zero():
    result = nnviz("--help")
    assert result.returncode == 0 and "train" in result.stdout


def test_a_regression_with_every_sample_for_training_validates_and_trains(tmp_path):
    design = small_design(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": "plane", "samples": 40, "test_fraction": 0},
    )
    path = tmp_path / "all_train.json"
    path.write_text(json.dumps(design), encoding="utf-8")
    checked = nnviz("validate", path)
    assert checked.returncode == 0, checked.stderr
    assert "40 train / 0 test" in checked.stdout
    out = tmp_path / "out"
    result = nnviz("train", path, "--out", out)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["steps"] == 3 * 4 and report["test_loss"] is None
    assert (out / "history.csv").read_text().startswith("epoch,step,train_loss")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("field", ["path", "labels_path"])
def test_a_data_path_that_is_a_pipe_is_refused_at_once(tmp_path, field):
    """Reading a FIFO blocks until someone writes to it: validate must not even open it."""
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    (tmp_path / "images.idx").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05")
    dataset = (
        {"name": "csv", "path": "pipe.csv"}
        if field == "path"
        else {"name": "idx", "path": "images.idx", "labels_path": "pipe.csv"}
    )
    path = tmp_path / "design.json"
    path.write_text(json.dumps(small_design(dataset=dataset)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NNVIZ_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "nnviz", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    line = assert_bad_input(result, "pipe.csv")
    assert f"dataset.{field}: not a regular file" in line


def test_train_resumes_a_session_headless_exactly_as_an_uninterrupted_run(tmp_path):
    """A run started in the window, saved mid-epoch, finishes on a server with the same numbers."""
    from nnviz.core.design import Design
    from nnviz.core.session import save_session
    from nnviz.core.trainer import Trainer

    design = Design.from_dict(small_design(training={**small_design()["training"], "epochs": 2}))
    started = Trainer(design)
    for _ in range(11):  # one epoch and three steps into the next (8 steps an epoch)
        started.step_batch()
    session = tmp_path / "run.nnviz"
    save_session(session, started)
    result = nnviz("train", session, "--epochs", "4", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])

    whole = Trainer(design)
    whole.run(epochs=4)
    assert report["steps"] == whole.step == 4 * 8 and report["epochs"] == 4
    assert report["train_loss"] == whole.evaluate()["train_loss"]
    with np.load(tmp_path / "out" / "weights.npz", allow_pickle=False) as saved:
        for k, (w, b) in enumerate(zip(whole.network.weights, whole.network.biases, strict=True)):
            np.testing.assert_array_equal(saved[f"W{k}"], w)
            np.testing.assert_array_equal(saved[f"b{k}"], b)
    history = (tmp_path / "out" / "history.csv").read_text().splitlines()
    assert len(history) == 1 + 4  # the session's first epoch and the three trained here


def test_export_resumes_a_session_and_a_session_cannot_take_a_new_seed(tmp_path):
    from nnviz.core.design import Design
    from nnviz.core.session import save_session
    from nnviz.core.trainer import Trainer

    trainer = Trainer(Design.from_dict(small_design()))
    trainer.run_epoch()
    session = tmp_path / "run.nnviz"
    save_session(session, trainer)
    exported = run_nnviz("export", session, "--out", tmp_path / "out", headless=True)
    assert exported.returncode == 0, exported.stderr
    report = json.loads(exported.stdout.strip().splitlines()[-1])
    assert report["steps"] == 3 * 8 and (tmp_path / "out" / "network.png").is_file()
    line = assert_bad_input(nnviz("train", session, "--seed", "5"), "run.nnviz")
    assert "--seed cannot change a saved run" in line
    (tmp_path / "broken.nnviz").write_bytes(b"PK\x03\x04 not a zip")
    assert_bad_input(nnviz("train", tmp_path / "broken.nnviz"), "broken.nnviz")
