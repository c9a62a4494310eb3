"""`nnviz explain`: the worked example of the next step, against the engine and on paper."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_runner import run_nnviz
from design_factory import xor_design

from nnviz.core.design import Design
from nnviz.core.resources import resource_path
from nnviz.core.session import save_session
from nnviz.core.trainer import Trainer

CLASSIC_WEIGHTS = resource_path("examples") / "backprop_2_2_2_weights.npz"


def explain(*args) -> dict:
    result = run_nnviz("explain", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def bad(*args) -> str:
    result = run_nnviz("explain", *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def design_file(tmp_path):
    d = xor_design(
        layers=[{"units": 4, "activation": "relu"}, {"units": 2, "activation": "softmax"}],
        loss="cross_entropy",
        optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
        regularization={"kind": "l2", "rate": 0.001},
    )
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def test_the_classic_hand_computed_numbers():
    """Mazur's 2-2-2 exercise: total error 0.298371109, w5 → 0.35891648, w1 → 0.149780716."""
    d = explain("backprop_2_2_2")  # the example starts from the weights it ships
    assert d == explain("backprop_2_2_2", "--weights", CLASSIC_WEIGHTS)
    assert d["loss"] == pytest.approx(0.298371109, abs=1e-9)
    hidden, out = d["layers"]
    assert out["a"] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)
    assert out["W_after"][0][0] == pytest.approx(0.35891648, abs=1e-8)  # w5
    assert out["W_after"][1][0] == pytest.approx(0.408666186, abs=1e-9)  # w6
    assert out["W_after"][0][1] == pytest.approx(0.511301270, abs=1e-9)  # w7
    assert out["W_after"][1][1] == pytest.approx(0.561370121, abs=1e-9)  # w8
    assert hidden["W_after"][0][0] == pytest.approx(0.149780716, abs=1e-9)  # w1
    assert hidden["W_after"][1][1] == pytest.approx(0.29950229, abs=1e-8)  # w4
    text = run_nnviz("explain", "backprop_2_2_2").stdout
    for number in ("0.298371109", "0.35891648", "0.149780716", "E = (k/2)·ℓ"):
        assert number in text


PLANE = {"name": "plane", "samples": 80, "noise": 0.1, "test_fraction": 0.25, "seed": 0}
ENGINE_DESIGNS = {
    "softmax-ce-momentum-l2": {},  # the design_file fixture's own
    "regression-mse-adam": {
        "layers": [{"units": 5, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        "loss": "mse",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "regularization": None,
        "dataset": PLANE,
    },
    "sigmoid-bce-sgd": {
        "layers": [{"units": 3, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
        "loss": "binary_cross_entropy",
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "regularization": None,
    },
    "gelu-bce-adam-l2": {
        "layers": [{"units": 4, "activation": "gelu"}, {"units": 1, "activation": "sigmoid"}],
        "loss": "binary_cross_entropy",
        "optimizer": {"name": "adam", "learning_rate": 0.02, "beta1": 0.8},
        "regularization": {"kind": "l2", "rate": 0.01},
    },
    "relu-huber-rmsprop-l1": {
        "layers": [{"units": 4, "activation": "relu"}, {"units": 1, "activation": "linear"}],
        "loss": "huber",
        "optimizer": {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5},
        "regularization": {"kind": "l1", "rate": 0.001},
        "dataset": PLANE,
    },
}


@pytest.mark.parametrize("name", list(ENGINE_DESIGNS))
def test_json_is_the_engines_step(design_file, name):
    """After three ordinary steps: the engine's own forward, backward (the sample's alone and
    the batch's) and optimizer step of step 4, to the last bit."""
    d = {**json.loads(design_file.read_text()), **ENGINE_DESIGNS[name]}
    design_file.write_text(json.dumps(d), encoding="utf-8")
    out = explain(design_file, "--steps", "3", "--sample", "5")
    t = Trainer(Design.from_dict(d))
    for _ in range(3):
        t.step_batch()
    w_before = [w.copy() for w in t.network.weights]
    b_before = [b.copy() for b in t.network.biases]
    one = t.network.forward(t._x[5:6])
    one_bwd = t.network.backward(one, t._y[5:6])
    sample = {
        "dL_da": [a[0].copy() for a in one_bwd.post],
        "dL_dz": [z[0].copy() for z in one_bwd.pre],
    }
    t.step_batch()
    assert (out["step"], out["sample"], out["batch"]) == (3, 5, t._last_batch.tolist())
    assert out["loss"] == t.batch_loss
    state = t.optimizer.state[0]
    for k, layer in enumerate(out["layers"]):
        np.testing.assert_array_equal(layer["W"], w_before[k])
        np.testing.assert_array_equal(layer["b"], b_before[k])
        np.testing.assert_array_equal(layer["z"], one.pre[k][0])
        np.testing.assert_array_equal(layer["a"], one.post[k][0])
        np.testing.assert_array_equal(layer["dL_da"], sample["dL_da"][k])
        np.testing.assert_array_equal(layer["dL_dz"], sample["dL_dz"][k])
        np.testing.assert_array_equal(layer["dL_dW"], t._last_bwd.weights[k])
        np.testing.assert_array_equal(layer["dL_db"], t._last_bwd.biases[k])
        np.testing.assert_array_equal(layer["W_after"], t.network.weights[k])
        np.testing.assert_array_equal(layer["b_after"], t.network.biases[k])
        assert np.shape(layer["W"]) == w_before[k].shape
        for key, parts in layer["state"].items():
            if key in state:  # a buffer the optimizer keeps (m̂, v̂ are derived from m, v)
                stored_w, stored_b = t.network.split(state[key])
                np.testing.assert_array_equal(parts["W"], stored_w[k])
                np.testing.assert_array_equal(parts["b"], stored_b[k])
    assert out["optimizer"]["name"] == d["optimizer"]["name"]
    plain_sgd = d["optimizer"]["name"] == "sgd" and not d["optimizer"].get("momentum")
    assert bool(out["layers"][0]["state"]) != plain_sgd  # buffers, except for plain SGD


def test_a_session_goes_on_from_its_saved_step(tmp_path, design_file):
    t = Trainer(Design.from_dict(json.loads(design_file.read_text())))
    for _ in range(7):
        t.step_batch()
    session = tmp_path / "run.nnviz"
    save_session(session, t)
    d = explain(session)
    expected = t.walkthrough()
    assert d["step"] == 7 and d["batch"] == list(expected.batch)
    for layer, walk in zip(d["layers"], expected.layers, strict=True):
        np.testing.assert_array_equal(layer["W_after"], walk.W_after)


def test_markdown_reads_as_a_worksheet(design_file):
    result = run_nnviz("explain", design_file, "--format", "markdown", "--sample", "2")
    assert result.returncode == 0, result.stderr
    md = result.stdout
    assert md.startswith("# Worked example: one training step of test")
    for heading in ("## 1. Forward pass", "## 2. Loss", "## 3. Backward pass", "## 5. Update"):
        assert heading in md
    assert "| neuron | Σ w·a + b | z | a = f(z) |" in md
    assert "∂ℓ/∂z (Jacobian)" in md  # the softmax output
    assert "SGD with momentum" in md and "v ← μ·v + g" in md
    assert "l2 penalty" in md


def test_bad_input_is_one_line(tmp_path, design_file):
    assert "--sample" in bad(design_file, "--sample", "9999")
    assert "missing.npz" in bad(design_file, "--weights", tmp_path / "missing.npz")
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, W0=np.zeros((3, 3)), b0=np.zeros(3), W1=np.zeros((3, 2)), b1=np.zeros(2))
    assert "wrong.npz" in bad(design_file, "--weights", wrong)
    assert "--steps" in bad(design_file, "--steps", "-1")
    assert "--format" in bad(design_file, "--format", "pdf")
    assert "nope" in bad("nope")
    broken = tmp_path / "broken.nnviz"
    broken.write_bytes(b"not a zip")
    assert "broken.nnviz" in bad(broken)
