"""nnviz's numbers against PyTorch's, step for step, in float64 (skipped without torch)."""

import math

import numpy as np
import pytest
from math_helpers import OUTPUT_FOR_LOSS, make_design, targets_for

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.network import Network
from nnviz.core.optimizers import OPTIMIZERS, make_optimizer
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.schedules import SCHEDULES, make_schedule

torch = pytest.importorskip("torch")
nn = torch.nn

TORCH_ACTIVATIONS = {
    "linear": nn.Identity,
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "elu": nn.ELU,
    "gelu": lambda: nn.GELU(approximate="tanh"),
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
    "softmax": lambda: nn.Softmax(dim=1),
}
TORCH_LOSSES = {
    "mse": nn.MSELoss,
    "mae": nn.L1Loss,
    "huber": nn.HuberLoss,
    "binary_cross_entropy": nn.BCELoss,
    "cross_entropy": nn.CrossEntropyLoss,
}


def test_every_registry_entry_has_a_torch_counterpart():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS.names())
    assert set(TORCH_LOSSES) == set(LOSSES.names())


def _torch_model(net: Network) -> nn.Sequential:
    layers = []
    for w, b, name in zip(net.weights, net.biases, net.activation_names, strict=True):
        linear = nn.Linear(*w.shape).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers += [linear, TORCH_ACTIVATIONS[name]()]
    return nn.Sequential(*layers)


def _torch_loss(model, loss_name, x, y, reg):
    out = model(torch.from_numpy(x))
    if loss_name == "cross_entropy":
        value = TORCH_LOSSES[loss_name]()(model[:-1](torch.from_numpy(x)), torch.from_numpy(y))
    else:
        value = TORCH_LOSSES[loss_name]()(out, torch.from_numpy(y))
    if reg:
        kind, rate = reg
        weights = [m.weight for m in model if isinstance(m, nn.Linear)]
        if kind == "l2":
            value = value + rate / 2 * sum((w**2).sum() for w in weights)
        else:
            value = value + rate * sum(w.abs().sum() for w in weights)
    return out, value


def _cases():
    for loss in LOSSES.names():
        for hidden in ACTIVATIONS.names():
            if hidden != "softmax":
                yield loss, hidden, None
        for reg in REGULARIZERS.names():
            yield loss, "tanh", (reg, 0.01)


@pytest.mark.parametrize(("loss", "hidden", "reg"), list(_cases()))
def test_forward_loss_and_gradients_match_autograd(loss, hidden, reg):
    rng = np.random.default_rng(11)
    outputs = 1 if loss == "binary_cross_entropy" else 3
    design = make_design(
        sizes=(4, 5, 6, outputs),
        activations=(hidden, hidden, OUTPUT_FOR_LOSS[loss]),
        loss=loss,
        regularization=reg,
    )
    net = Network(design, seed=2)
    x = rng.normal(size=(7, 4))
    y = targets_for(loss, rng, 7, outputs)
    fwd = net.forward(x)
    bwd = net.backward(fwd, y)

    model = _torch_model(net)
    out, value = _torch_loss(model, loss, x, y, reg)
    value.backward()
    np.testing.assert_allclose(fwd.output, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert bwd.loss == pytest.approx(value.item(), rel=1e-10)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for k, linear in enumerate(linears):
        np.testing.assert_allclose(bwd.weights[k], linear.weight.grad.numpy().T, atol=1e-12)
        np.testing.assert_allclose(bwd.biases[k], linear.bias.grad.numpy(), atol=1e-12)


def test_per_sample_gradients_of_z_match_retain_grad():
    rng = np.random.default_rng(5)
    design = make_design(sizes=(3, 4, 2), activations=("gelu", "linear"), loss="huber")
    net = Network(design, seed=0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2)) * 3
    bwd = net.backward(net.forward(x), y)
    model = _torch_model(net)
    z1 = model[0](torch.from_numpy(x))
    z1.retain_grad()
    a1 = model[1](z1)
    a1.retain_grad()
    out = model[3](model[2](a1))
    nn.HuberLoss()(out, torch.from_numpy(y)).backward()
    np.testing.assert_allclose(bwd.pre[0], z1.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(bwd.post[0], a1.grad.numpy(), atol=1e-14)


OPTIMIZER_CASES = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("adagrad", {"learning_rate": 0.1, "weight_decay": 0.01}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
    ("adamw", {"learning_rate": 0.01}),
    ("adamw", {"learning_rate": 0.02, "weight_decay": 0.3, "epsilon": 1e-6}),
]
TORCH_ARGS = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha"}


def _torch_optimizer(name, params, tensors):
    kwargs = {TORCH_ARGS.get(k, k): v for k, v in params.items() if k not in ("beta1", "beta2")}
    if "beta1" in params or "beta2" in params:
        defaults = OPTIMIZERS.get(name).defaults
        kwargs["betas"] = (
            params.get("beta1", defaults["beta1"]),
            params.get("beta2", defaults["beta2"]),
        )
    cls = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adam": "Adam"}
    return getattr(torch.optim, cls.get(name, "AdamW"))(tensors, **kwargs)


def test_every_optimizer_is_covered():
    assert {name for name, _ in OPTIMIZER_CASES} == set(OPTIMIZERS.names())


@pytest.mark.parametrize(("name", "params"), OPTIMIZER_CASES)
def test_optimizer_matches_torch_optim_for_several_steps(name, params):
    rng = np.random.default_rng(0)
    ours = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in ours]
    opt = make_optimizer({"name": name, **params})
    topt = _torch_optimizer(name, params, theirs)
    for _ in range(6):
        grads = [rng.normal(size=p.shape) for p in ours]
        opt.step(ours, grads)
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.from_numpy(g.copy())
        topt.step()
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-14)


SCHEDULE_CASES = [
    ("constant", {}, lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=1.0)),
    ("step", {"step_size": 3, "gamma": 0.5}, lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    ("exponential", {"gamma": 0.9}, lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    (
        "cosine",
        {"t_max": 7, "eta_min": 0.001},
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.001),
    ),
]


def test_every_schedule_is_covered():
    assert {name for name, _, _ in SCHEDULE_CASES} == set(SCHEDULES.names())


@pytest.mark.parametrize(("name", "params", "make_torch"), SCHEDULE_CASES)
def test_schedule_matches_torch_lr_scheduler(name, params, make_torch):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_torch(opt)
    ours = make_schedule({"name": name, **params}, 0.1, 20)
    for epoch in range(20):
        assert ours(epoch) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-9, abs=1e-15)
        opt.step()
        scheduler.step()


INIT_STD = {
    "xavier_uniform": lambda i, o: math.sqrt(2 / (i + o)),
    "xavier_normal": lambda i, o: math.sqrt(2 / (i + o)),
    "he_uniform": lambda i, o: math.sqrt(2 / i),
    "he_normal": lambda i, o: math.sqrt(2 / i),
    "lecun_normal": lambda i, o: math.sqrt(1 / i),
    "uniform": lambda i, o: 1 / math.sqrt(12),
    "zeros": lambda i, o: 0.0,
}
TORCH_INIT = {
    "xavier_uniform": nn.init.xavier_uniform_,
    "xavier_normal": nn.init.xavier_normal_,
    "he_uniform": lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"),
    "he_normal": lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"),
    "lecun_normal": lambda t: nn.init.kaiming_normal_(t, nonlinearity="linear"),
    "uniform": lambda t: nn.init.uniform_(t, -0.5, 0.5),
    "zeros": nn.init.zeros_,
}


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_initializer_spread_matches_torch_init(name):
    fan_in, fan_out = 300, 200
    ours = INITIALIZERS.get(name)(np.random.default_rng(0), fan_in, fan_out, np.float64)
    theirs = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    TORCH_INIT[name](theirs)
    expected = INIT_STD[name](fan_in, fan_out)
    assert ours.shape == (fan_in, fan_out)
    assert ours.std() == pytest.approx(expected, rel=0.02, abs=1e-12)
    assert theirs.std().item() == pytest.approx(expected, rel=0.02, abs=1e-12)
    assert np.abs(ours).max() <= max(np.abs(theirs.numpy()).max() * 1.3, 1e-12) or name.endswith(
        "normal"
    )
