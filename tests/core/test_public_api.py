"""The engine's public API as DESIGN.md gives it, usable from a notebook."""

import subprocess
import sys

import numpy as np


def test_the_documented_engine_api_imports_and_trains_a_step():
    from nnviz.core import (
        Design,
        DesignError,
        Network,
        Trainer,
        load_design,
        load_session,
        make_dataset,
        make_optimizer,
        save_design,
        save_session,
    )

    assert all(callable(x) for x in (load_design, save_design, load_session, save_session))
    assert issubclass(DesignError, ValueError)
    data = make_dataset({"name": "xor", "samples": 40, "test_fraction": 0.5, "seed": 1})
    assert data.x_train.shape == (20, 2) and data.x_test.shape == (20, 2)
    design = Design.from_dict(
        {
            "name": "api",
            "inputs": 2,
            "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
            "loss": "binary_cross_entropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "training": {"batch_size": 4, "epochs": 1},
            "dataset": {"name": "xor", "samples": 40},
        }
    )
    net = Network(design, seed=0)
    fwd = net.forward(data.x_train)
    bwd = net.backward(fwd, data.y_train[:, None].astype(float))
    before = net.weights[0].copy()
    opt = make_optimizer({"name": "sgd", "learning_rate": 0.1})
    opt.step(net.parameters(), [net.grad_params])
    assert not np.array_equal(before, net.weights[0]) and np.isfinite(bwd.loss)
    trainer = Trainer(design)
    trainer.step_batch()
    assert trainer.step == 1


def test_importing_the_package_loads_no_engine_module():
    """`import nnviz.core` is what every part of the program does first: it must stay cheap."""
    code = "import sys, nnviz.core; print(sorted(m for m in sys.modules if m.startswith('nnviz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['nnviz', 'nnviz.core']"
