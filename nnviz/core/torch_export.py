"""Export a design as a standalone PyTorch script that rebuilds the trained network.

The script needs only torch and NumPy (nnviz need not be installed where it runs):
`build_model()` returns a `torch.nn.Sequential` of `nn.Linear` layers and activation modules
with nnviz's trained weights loaded from the `.npz` beside it, `make_loss()`,
`regularization(model)`, `make_optimizer(model)` and `make_scheduler(optimizer)` give the
matching `torch.nn` / `torch.optim` objects so training can carry on in PyTorch with nnviz's
numbers, and running it prints the model's predictions for the first rows of the dataset
(embedded in the script, as the network's actual inputs).

Every nnviz choice maps to PyTorch through a table below; a test checks each table covers its
registry, so a new activation or optimizer cannot be forgotten here.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Mapping

import numpy as np

from nnviz.core.atomic import write_atomic
from nnviz.core.datasets import Dataset, make_dataset
from nnviz.core.design import Design
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.targets import make_targets

MAX_ROWS = 5
MAX_EMBEDDED_VALUES = 20_000  # fewer rows for very wide inputs, so the script stays readable

#: nnviz activation → the torch.nn module computing the same function.
TORCH_ACTIVATIONS: dict[str, str] = {
    "linear": "nn.Identity()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(negative_slope=0.01)",
    "elu": "nn.ELU(alpha=1.0)",
    "gelu": 'nn.GELU(approximate="tanh")',
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softplus": "nn.Softplus(beta=1.0, threshold=20.0)",
    "silu": "nn.SiLU()",
    "softmax": "nn.Softmax(dim=1)",
}

#: nnviz loss → the expression `make_loss()` returns (applied to the model's outputs).
TORCH_LOSSES: dict[str, str] = {
    "mse": "nn.MSELoss()",
    "mae": "nn.L1Loss()",
    "huber": "nn.HuberLoss(delta=1.0)",
    "binary_cross_entropy": "nn.BCELoss()",
    "cross_entropy": "CrossEntropyOfProbabilities()",
}

#: nnviz optimizer → torch.optim class.
TORCH_OPTIMIZERS: dict[str, str] = {
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adam": "Adam",
    "adamw": "AdamW",
}

#: nnviz regularization → the penalty of one weight tensor `w` (rate given separately).
TORCH_PENALTIES: dict[str, str] = {
    "l2": "rate / 2 * (w**2).sum()",
    "l1": "rate * w.abs().sum()",
}

_CROSS_ENTROPY = '''

class CrossEntropyOfProbabilities(nn.Module):
    """nnviz's cross_entropy, applied to the softmax probabilities the model ends with.

    torch.nn.CrossEntropyLoss takes logits instead; this is NLLLoss of the log-probabilities,
    the same value and gradients. nnviz computes it from the logits, which stays finite when
    a probability underflows to 0; for that, train `model[:-1]` (no Softmax) with
    nn.CrossEntropyLoss(). Targets: class indices shaped (batch,), or one-hot rows.
    """

    def forward(self, probabilities, target):
        log_p = torch.log(probabilities)
        if target.ndim == 1:
            return nn.functional.nll_loss(log_p, target)
        return -(target * log_p).sum() / target.shape[0]
'''


def _step_lr(params: Mapping[str, float], epochs: int) -> str:
    return (
        f"StepLR(optimizer, step_size={params['step_size']!r}, gamma={params.get('gamma', 0.1)!r})"
    )


def _exponential_lr(params: Mapping[str, float], epochs: int) -> str:
    return f"ExponentialLR(optimizer, gamma={params['gamma']!r})"


def _cosine_lr(params: Mapping[str, float], epochs: int) -> str:
    t_max, eta_min = params.get("t_max") or epochs, params.get("eta_min", 0.0)
    return f"CosineAnnealingLR(optimizer, T_max={t_max!r}, eta_min={eta_min!r})"


#: nnviz schedule → the torch.optim.lr_scheduler call (None: a constant rate, no scheduler).
TORCH_SCHEDULES: dict[str, Callable[[Mapping[str, float], int], str] | None] = {
    "constant": None,
    "step": _step_lr,
    "exponential": _exponential_lr,
    "cosine": _cosine_lr,
}


def pytorch_script(
    design: Design, weights_file: str = "weights.npz", *, data: Dataset | None = None
) -> str:
    """The source of a standalone `.py` rebuilding `design` in PyTorch (see the module notes).

    `data` gives the rows to embed (default: the design's dataset, generated or read here).
    """
    if data is None:
        data = make_dataset(design.dataset, design.base_dir)
    dtype = np.dtype(design.training.dtype).name
    sections = [
        _header(design, dtype, weights_file),
        _model(design),
        _loss(design, data),
        _regularization(design),
        _optimizer(design),
        _scheduler(design),
        _main(design, data),
    ]
    return "\n\n\n".join(sections).rstrip() + "\n"


def write_pytorch_script(
    path: str | os.PathLike[str],
    design: Design,
    weights_file: str = "weights.npz",
    *,
    data: Dataset | None = None,
) -> None:
    """`pytorch_script` written to `path` atomically."""
    write_atomic(path, pytorch_script(design, weights_file, data=data).encode("utf-8"))


def _layers_text(design: Design) -> str:
    return " → ".join(
        [f"{design.inputs} inputs", *(f"{x.units} {x.activation}" for x in design.layers)]
    )


def _header(design: Design, dtype: str, weights_file: str) -> str:
    layers = "\n".join(
        textwrap.wrap(_layers_text(design), 92, initial_indent="    ", subsequent_indent="    ")
    )
    return f'''"""A network built and trained in nnviz, as a PyTorch module:

{layers}

build_model() returns it with the trained weights from the .npz file WEIGHTS, beside this
file; running this file prints its predictions for the first rows of the dataset. To carry on
training in PyTorch with nnviz's loss and optimizer:

    model = build_model()
    loss_fn, optimizer = make_loss(), make_optimizer(model)
    scheduler = make_scheduler(optimizer)  # None for a constant learning rate
    for each mini-batch (x, y):
        loss = loss_fn(model(x), y) + regularization(model)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    and after each epoch: if scheduler is not None: scheduler.step()

The optimizer starts afresh (its running averages are not exported).
"""

import pathlib

import numpy as np
import torch
from torch import nn

NAME = {design.name!r}
WEIGHTS = pathlib.Path(__file__).resolve().parent / {weights_file!r}
DTYPE = torch.{dtype}  # the design's training dtype'''


def _model(design: Design) -> str:
    lines = []
    fan_in = design.inputs
    for layer in design.layers:
        lines.append(f"        nn.Linear({fan_in}, {layer.units}, dtype=DTYPE),")
        lines.append(f"        {TORCH_ACTIVATIONS[layer.activation]},")
        fan_in = layer.units
    body = "\n".join(lines)
    return f'''def build_model() -> nn.Sequential:
    """The network with nnviz's trained weights: model[2 * k] is dense layer k, model[2 * k + 1]
    its activation."""
    model = nn.Sequential(
{body}
    )
    load_weights(model)
    return model


def load_weights(model: nn.Sequential, path: pathlib.Path = WEIGHTS) -> None:
    """Copy W0, b0, W1, b1, ... from nnviz's .npz into the Linear layers. nnviz computes
    z = a @ W + b with W shaped (fan_in, units); torch's Linear holds (units, fan_in): W.T."""
    linears = [module for module in model if isinstance(module, nn.Linear)]
    with np.load(path, allow_pickle=False) as arrays, torch.no_grad():
        for k, layer in enumerate(linears):
            layer.weight.copy_(torch.from_numpy(arrays[f"W{{k}}"].T.copy()))
            layer.bias.copy_(torch.from_numpy(arrays[f"b{{k}}"].copy()))'''


def _targets_text(design: Design, data: Dataset) -> str:
    width = 1 if data.y_train.ndim == 1 else int(data.y_train.shape[1])
    targets = make_targets(design, data.task, data.classes, width)
    if targets.task == "regression":
        return f"target values shaped (batch, {targets.outputs})"
    if targets.labels:
        return "class indices (torch.long) shaped (batch,)"
    low, high = f"{targets.low:g}", f"{targets.high:g}"
    if targets.outputs == 1:
        return f"shaped (batch, 1): {high} for class 1, {low} for class 0"
    return f"one-hot rows shaped (batch, {targets.outputs}): {high} for the class, {low} elsewhere"


def _loss(design: Design, data: Dataset) -> str:
    extra = _CROSS_ENTROPY.strip("\n") + "\n\n\n" if design.loss == "cross_entropy" else ""
    return f'''{extra}def make_loss():
    """nnviz's {design.loss} loss, mean-reduced, on the model's outputs. Targets as nnviz
    codes them: {_targets_text(design, data)}."""
    return {TORCH_LOSSES[design.loss]}'''


def _regularization(design: Design) -> str:
    reg = design.regularization
    head = '''def regularization(model: nn.Sequential) -> torch.Tensor:
    """nnviz's weight penalty, on weights only (never biases): add it to the loss, as nnviz's
    reported loss includes it.'''
    if reg is None:
        return (
            head
            + '''
    The design has none."""
    return torch.zeros((), dtype=DTYPE)'''
        )
    return (
        head
        + f'''"""
    rate = {reg.rate!r}  # {reg.kind}
    weights = [module.weight for module in model if isinstance(module, nn.Linear)]
    return sum({TORCH_PENALTIES[reg.kind]} for w in weights)'''
    )


def _optimizer_args(design: Design) -> list[str]:
    name = design.optimizer.name
    hyper = {**OPTIMIZERS.get(name).defaults, **design.optimizer.params}
    args = [f"lr={float(hyper['learning_rate'])!r}"]
    if "beta1" in hyper:
        args.append(f"betas=({float(hyper['beta1'])!r}, {float(hyper['beta2'])!r})")
    if "rho" in hyper:
        args.append(f"alpha={float(hyper['rho'])!r}")
    if "epsilon" in hyper:
        args.append(f"eps={float(hyper['epsilon'])!r}")
    if "momentum" in hyper:
        args.append(f"momentum={float(hyper['momentum'])!r}")
    if "nesterov" in hyper:
        args.append(f"nesterov={bool(hyper['nesterov'])!r}")
    args.append(f"weight_decay={float(hyper['weight_decay'])!r}")
    return args


def _optimizer(design: Design) -> str:
    name = design.optimizer.name
    args = "".join(f"\n        {arg}," for arg in ["model.parameters()", *_optimizer_args(design)])
    return f'''def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    """nnviz's {name} with the design's hyper-parameters (its weight_decay, like torch's,
    applies to every parameter; the design's regularization is in `regularization`)."""
    return torch.optim.{TORCH_OPTIMIZERS[name]}({args}
    )'''


def _scheduler(design: Design) -> str:
    training = design.training
    spec = training.schedule
    make = None if spec is None else TORCH_SCHEDULES[spec.name]
    if make is None:
        body = "return None"
    else:
        body = f"return torch.optim.lr_scheduler.{make(spec.params, training.epochs)}"
    return f'''def make_scheduler(optimizer: torch.optim.Optimizer):
    """nnviz's learning-rate schedule, stepped once per epoch (None: a constant rate)."""
    {body}'''


def _rows(data: Dataset) -> np.ndarray:
    n = max(1, min(MAX_ROWS, MAX_EMBEDDED_VALUES // max(1, data.n_features)))
    return np.asarray(data.x_train[:n], dtype=np.float64)


def _main(design: Design, data: Dataset) -> str:
    rows = _rows(data)
    literal = "\n".join(
        "\n".join(
            textwrap.wrap(
                ", ".join(repr(float(v)) for v in row) + "],",
                width=96,
                initial_indent="    [",
                subsequent_indent="     ",
                break_on_hyphens=False,
            )
        )
        for row in rows
    )
    columns = "".join(c if c.isprintable() else "?" for c in ", ".join(data.feature_names))
    if len(columns) > 200:
        columns = f"{len(data.feature_names)} columns"
    return f"""# The first rows of the training set exactly as the network takes them: nnviz's
# inputs after its feature transforms (x1^2, sin(x1), ...) and standardization when the
# design asks for them, not the raw data. Columns: {columns}.
ROWS = [
{literal}
]


if __name__ == "__main__":
    model = build_model()
    with torch.no_grad():
        predictions = model(torch.tensor(ROWS, dtype=DTYPE))
    print(f"{{NAME}}: predictions for the first {{len(ROWS)}} rows of the dataset")
    for row in predictions.tolist():
        print(" ".join(f"{{value:.17g}}" for value in row))"""
