"""The PyTorch export: valid Python with the design's layers; with torch, nnviz's numbers."""

import ast
import itertools
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.losses import LOSSES
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.schedules import SCHEDULES
from nnviz.core.torch_export import (
    TORCH_ACTIVATIONS,
    TORCH_LOSSES,
    TORCH_OPTIMIZERS,
    TORCH_PENALTIES,
    TORCH_SCHEDULES,
    pytorch_script,
    write_pytorch_script,
)
from nnviz.core.trainer import Trainer
from nnviz.core.weights_io import save_weights

HIDDEN = [name for name in ACTIVATIONS.names() if name != "softmax"]


def make_design(**changes) -> Design:
    base = xor_design(
        name="export",
        layers=[{"units": 5, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        training={"batch_size": 16, "epochs": 2, "seed": 2},
        dataset={"samples": 120},
    )
    return Design.from_dict({**base, **changes})


def _layers(*activations, units=4, output=None):
    hidden = [{"units": units, "activation": a} for a in activations]
    return hidden + ([output] if output else [])


#: Designs covering every activation, loss, optimizer, schedule and regularization.
DESIGNS = {
    "every hidden activation, bce": make_design(
        layers=_layers(*HIDDEN, output={"units": 1, "activation": "sigmoid"}),
        regularization={"kind": "l2", "rate": 0.001},
    ),
    "softmax, cross-entropy, sgd nesterov": make_design(
        inputs=2,
        layers=_layers("relu", output={"units": 3, "activation": "softmax"}),
        loss="cross_entropy",
        optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
        dataset={"name": "blobs", "samples": 150, "classes": 3, "seed": 4},
        training={"batch_size": 16, "epochs": 2, "schedule": {"name": "step", "step_size": 3}},
    ),
    "regression mse, rmsprop, l1": make_design(
        layers=_layers("elu", "gelu", output={"units": 1, "activation": "linear"}),
        loss="mse",
        optimizer={"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.3, "rho": 0.9},
        regularization={"kind": "l1", "rate": 0.001},
        dataset={"name": "plane", "samples": 100, "noise": 0.1},
        training={"batch_size": 8, "epochs": 2, "schedule": {"name": "cosine"}},
    ),
    "features, mae on tanh, adagrad": make_design(
        inputs=4,
        layers=_layers("silu", output={"units": 1, "activation": "tanh"}),
        loss="mae",
        optimizer={"name": "adagrad", "learning_rate": 0.05, "weight_decay": 0.01},
        dataset={
            "name": "circle",
            "samples": 100,
            "features": ["x1", "x2", "x1^2", "sin(x2)"],
            "standardize": True,
        },
        training={
            "batch_size": 8,
            "epochs": 2,
            "schedule": {"name": "exponential", "gamma": 0.9},
        },
    ),
    "huber, adamw, float32": make_design(
        layers=_layers("softplus", "leaky_relu", output={"units": 1, "activation": "linear"}),
        loss="huber",
        optimizer={"name": "adamw", "learning_rate": 0.01, "beta1": 0.8},
        dataset={"name": "plane", "samples": 100},
        training={"batch_size": 8, "epochs": 2, "dtype": "float32"},
    ),
}


def test_every_registry_entry_has_a_pytorch_counterpart():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS.names())
    assert set(TORCH_LOSSES) == set(LOSSES.names())
    assert set(TORCH_OPTIMIZERS) == set(OPTIMIZERS.names())
    assert set(TORCH_PENALTIES) == set(REGULARIZERS.names())
    assert set(TORCH_SCHEDULES) == set(SCHEDULES.names())


def test_the_designs_cover_every_choice():
    designs = DESIGNS.values()
    assert {layer.activation for d in designs for layer in d.layers} == set(ACTIVATIONS.names())
    assert {d.loss for d in designs} == set(LOSSES.names())
    assert {d.optimizer.name for d in designs} == set(OPTIMIZERS.names())


@pytest.mark.parametrize("name", list(DESIGNS))
def test_script_is_python_with_the_designs_layers(name):
    design = DESIGNS[name]
    source = pytorch_script(design)
    compile(source, "model.py", "exec")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"pathlib", "numpy", "torch"}
    linears = [tuple(map(int, m)) for m in re.findall(r"nn\.Linear\((\d+), (\d+),", source)]
    sizes = design.layer_sizes
    assert linears == list(itertools.pairwise(sizes))
    for layer in design.layers:
        assert TORCH_ACTIVATIONS[layer.activation] in source
    assert f"torch.optim.{TORCH_OPTIMIZERS[design.optimizer.name]}(" in source
    assert TORCH_LOSSES[design.loss] in source
    assert f"DTYPE = torch.{design.training.dtype}" in source


def test_embedded_rows_are_the_networks_inputs_after_feature_transforms():
    design = DESIGNS["features, mae on tanh, adagrad"]
    trainer = Trainer(design)
    source = pytorch_script(design, data=trainer.data)
    literal = source[source.index("ROWS = ") + len("ROWS = ") : source.index("\n]\n") + 2]
    np.testing.assert_array_equal(ast.literal_eval(literal), trainer.data.x_train[:5])
    assert "Columns: x1, x2, x1^2, sin(x2)" in source


def test_write_is_atomic_and_names_the_weights_file(tmp_path):
    path = tmp_path / "model.py"
    write_pytorch_script(path, DESIGNS["every hidden activation, bce"], "trained.npz")
    source = path.read_text(encoding="utf-8")
    assert "parent / 'trained.npz'" in source
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


# ------------------------------------------------------------------------------ with torch


def _trained(tmp_path, design: Design) -> tuple[Trainer, str]:
    trainer = Trainer(design)
    trainer.run_epoch()
    save_weights(tmp_path / "weights.npz", trainer.network)
    script = tmp_path / "model.py"
    write_pytorch_script(script, design, data=trainer.data)
    return trainer, str(script)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "tolerance"),
    [
        ("softmax, cross-entropy, sgd nesterov", 1e-9),
        ("features, mae on tanh, adagrad", 1e-9),
        ("huber, adamw, float32", 1e-5),
    ],
)
def test_script_prints_nnvizs_predictions(tmp_path, name, tolerance):
    pytest.importorskip("torch")
    trainer, script = _trained(tmp_path, DESIGNS[name])
    result = subprocess.run(
        [sys.executable, script], capture_output=True, text=True, cwd="/", timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "export: predictions for the first 5 rows of the dataset"
    printed = np.array([[float(v) for v in line.split()] for line in lines[1:]])
    expected = trainer.network.predict(trainer.data.x_train[:5])
    np.testing.assert_allclose(printed, expected, rtol=0, atol=tolerance)


@pytest.mark.parametrize("name", [n for n in DESIGNS if "float32" not in n])
def test_training_steps_in_torch_equal_nnvizs(tmp_path, name):
    """make_loss + regularization + make_optimizer: three steps on one batch, same numbers."""
    torch = pytest.importorskip("torch")
    design = DESIGNS[name]
    trainer, script = _trained(tmp_path, design)
    module = runpy.run_path(script)
    model = module["build_model"]()
    loss_fn, optimizer = module["make_loss"](), module["make_optimizer"](model)
    net = trainer.network
    nnviz_optimizer = OPTIMIZERS.get(design.optimizer.name)(**design.optimizer.params)
    x = np.array(trainer.data.x_train[:10])
    y = np.array(trainer.targets.encode(trainer.data.y_train[:10], np.float64))
    for _ in range(3):
        bwd = net.backward(net.forward(x), y)
        nnviz_optimizer.step(net.parameters(), net.gradients())
        loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss = loss + module["regularization"](model)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        assert loss.item() == pytest.approx(bwd.loss, rel=1e-12)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for k, layer in enumerate(linears):
        weight = layer.weight.detach().numpy().T
        np.testing.assert_allclose(weight, net.weights[k], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(
            layer.bias.detach().numpy(), net.biases[k], rtol=1e-10, atol=1e-13
        )


def test_scheduler_follows_nnvizs_schedule(tmp_path):
    torch = pytest.importorskip("torch")
    design = DESIGNS["features, mae on tanh, adagrad"]
    _, script = _trained(tmp_path, design)
    module = runpy.run_path(script)
    optimizer = module["make_optimizer"](module["build_model"]())
    scheduler = module["make_scheduler"](optimizer)
    assert isinstance(scheduler, torch.optim.lr_scheduler.ExponentialLR)
    rates = []
    for _ in range(4):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(rates, [0.05 * 0.9**epoch for epoch in range(4)], rtol=1e-15)
