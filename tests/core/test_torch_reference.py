"""nnviz's numbers against PyTorch's, step for step, in float64 (skipped without torch)."""

import math

import numpy as np
import pytest
from math_helpers import make_design

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import LOSSES
from nnviz.core.network import Network
from nnviz.core.optimizers import OPTIMIZERS, make_optimizer
from nnviz.core.regularizers import REGULARIZERS
from nnviz.core.schedules import SCHEDULES, make_schedule

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

TORCH_ACTIVATIONS = {
    "linear": nn.Identity(),
    "relu": nn.ReLU(),
    "leaky_relu": nn.LeakyReLU(0.01),
    "elu": nn.ELU(),
    "gelu": nn.GELU(approximate="tanh"),
    "sigmoid": nn.Sigmoid(),
    "tanh": nn.Tanh(),
    "softplus": nn.Softplus(),
    "silu": nn.SiLU(),
    "softmax": nn.Softmax(dim=1),
}


def _torch_loss(name, z_out, a_out, y):
    """torch's loss of the output; cross-entropy as NLL of log-softmax so dLoss/da exists."""
    if name == "cross_entropy":
        if y.ndim == 1:
            return F.nll_loss(torch.log(a_out), y)
        return -(y * torch.log(a_out)).sum() / y.shape[0]
    return {
        "mse": nn.MSELoss(),
        "mae": nn.L1Loss(),
        "huber": nn.HuberLoss(),
        "binary_cross_entropy": nn.BCELoss(),
    }[name](a_out, y)


def test_every_registry_entry_has_a_torch_counterpart():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS.names())
    assert {"mse", "mae", "huber", "binary_cross_entropy", "cross_entropy"} == set(LOSSES.names())


def _autograd(net, x, y, reg):
    """Forward and backward in torch with every z and a retained."""
    a = torch.from_numpy(x)
    zs, posts, weights, biases = [], [], [], []
    for w, b, name in zip(net.weights, net.biases, net.activation_names, strict=True):
        tw = torch.tensor(w.T.copy(), requires_grad=True)  # torch's (out, in) layout
        tb = torch.tensor(b.copy(), requires_grad=True)
        z = F.linear(a, tw, tb)
        a = TORCH_ACTIVATIONS[name](z)
        z.retain_grad()
        a.retain_grad()
        zs.append(z)
        posts.append(a)
        weights.append(tw)
        biases.append(tb)
    loss = _torch_loss(net.loss_name, zs[-1], posts[-1], torch.from_numpy(y))
    data_loss = loss.item()
    if reg:
        kind, rate = reg
        if kind == "l2":
            loss = loss + rate / 2 * sum((w**2).sum() for w in weights)
        else:
            loss = loss + rate * sum(w.abs().sum() for w in weights)
    loss.backward()
    return loss.item(), data_loss, zs, posts, weights, biases


def _cases():
    hidden = [n for n in ACTIVATIONS.names() if ACTIVATIONS.get(n).elementwise]
    for loss in LOSSES.names():
        output = LOSSES.get(loss).requires_output or "linear"
        for i, act in enumerate(hidden):
            reg = (None, *REGULARIZERS.names())[i % 3]
            yield pytest.param(loss, act, output, reg, id=f"{loss}-{act}-{output}-{reg}")
    for output in ACTIVATIONS.names():  # every output activation under a plain loss
        yield pytest.param("mse", "tanh", output, "l2", id=f"mse-tanh-{output}-l2")


def _targets(loss, rng, batch, outputs, rows=False):
    if loss == "cross_entropy":
        return (
            rng.dirichlet(np.ones(outputs), size=batch) if rows else rng.integers(0, outputs, batch)
        )
    if loss == "binary_cross_entropy":
        return rng.uniform(0, 1, size=(batch, outputs))
    return rng.normal(scale=2.0, size=(batch, outputs))


@pytest.mark.parametrize(("loss", "hidden", "output", "reg"), list(_cases()))
def test_forward_loss_and_every_gradient_match_autograd(loss, hidden, output, reg):
    rng = np.random.default_rng(11)
    outputs = 1 if loss == "binary_cross_entropy" else 3
    regularization = (reg, 0.01) if reg else None
    design = make_design(
        sizes=(4, 5, 6, outputs),
        activations=(hidden, hidden, output),
        loss=loss,
        regularization=regularization,
    )
    net = Network(design, seed=2)
    net.biases[0][...] = rng.normal(scale=0.5, size=5)
    x = rng.normal(size=(7, 4))
    for rows in (False, True) if loss == "cross_entropy" else (False,):
        y = _targets(loss, rng, 7, outputs, rows)
        fwd = net.forward(x)
        bwd = net.backward(fwd, y)
        total, data_loss, zs, posts, weights, biases = _autograd(net, x, y, regularization)

        assert bwd.data_loss == pytest.approx(data_loss, rel=1e-10)
        assert bwd.loss == pytest.approx(total, rel=1e-10)
        for k in range(net.n_layers):
            close = {"rtol": 1e-10, "atol": 1e-13}
            np.testing.assert_allclose(fwd.pre[k], zs[k].detach().numpy(), **close)
            np.testing.assert_allclose(fwd.post[k], posts[k].detach().numpy(), **close)
            np.testing.assert_allclose(bwd.pre[k], zs[k].grad.numpy(), **close)
            np.testing.assert_allclose(bwd.post[k], posts[k].grad.numpy(), **close)
            np.testing.assert_allclose(bwd.weights[k], weights[k].grad.numpy().T, **close)
            np.testing.assert_allclose(bwd.biases[k], biases[k].grad.numpy(), **close)


@pytest.mark.parametrize("labels", [True, False])
def test_cross_entropy_equals_torchs_on_the_logits(labels):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3.0, size=(6, 4))
    y = rng.integers(0, 4, 6) if labels else rng.dirichlet(np.ones(4), size=6)
    tz = torch.tensor(z, requires_grad=True)
    value = nn.CrossEntropyLoss()(tz, torch.from_numpy(y))
    value.backward()
    loss = LOSSES.get("cross_entropy")
    a = ACTIVATIONS.get("softmax").forward(z)
    ours, dz, _ = loss.fused(z, a, y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    assert loss.value_from_logits(z, y) == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_binary_cross_entropy_equals_bce_with_logits():
    rng = np.random.default_rng(4)
    z = rng.normal(scale=20.0, size=(8, 1))  # far into the tails, where BCELoss would clamp
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    tz = torch.tensor(z, requires_grad=True)
    value = nn.BCEWithLogitsLoss()(tz, torch.from_numpy(y))
    value.backward()
    loss = LOSSES.get("binary_cross_entropy")
    ours, dz, _ = loss.fused(z, ACTIVATIONS.get("sigmoid").forward(z), y)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(dz, tz.grad.numpy(), rtol=1e-10, atol=1e-15)


OPTIMIZER_CASES = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "rho": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("adagrad", {"learning_rate": 0.1}),
    ("adagrad", {"learning_rate": 0.1, "weight_decay": 0.01, "epsilon": 1e-6}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.02, "weight_decay": 0.3, "epsilon": 1e-6}),
]
TORCH_OPTIMIZERS = {
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adam": "Adam",
    "adamw": "AdamW",
}
TORCH_ARGS = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha"}


def _torch_optimizer(name, params, tensors):
    kwargs = {TORCH_ARGS.get(k, k): v for k, v in params.items() if k not in ("beta1", "beta2")}
    if "beta1" in params or "beta2" in params:
        defaults = OPTIMIZERS.get(name).defaults
        kwargs["betas"] = (
            params.get("beta1", defaults["beta1"]),
            params.get("beta2", defaults["beta2"]),
        )
    return getattr(torch.optim, TORCH_OPTIMIZERS[name])(tensors, **kwargs)


def test_every_optimizer_is_covered():
    assert {name for name, _ in OPTIMIZER_CASES} == set(OPTIMIZERS.names()) == set(TORCH_OPTIMIZERS)


@pytest.mark.parametrize(("name", "params"), OPTIMIZER_CASES)
def test_optimizer_matches_torch_optim_step_for_step(name, params):
    rng = np.random.default_rng(0)
    ours = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in ours]
    opt = make_optimizer({"name": name, **params})
    topt = _torch_optimizer(name, params, theirs)
    for _ in range(8):
        grads = [rng.normal(size=p.shape) for p in ours]
        opt.step(ours, grads)
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.from_numpy(g.copy())
        topt.step()
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_defaults_match_torch_optim(name):
    opt = _torch_optimizer(name, {}, [torch.zeros(1, requires_grad=True)])
    group = opt.param_groups[0]
    for key, value in OPTIMIZERS.get(name).defaults.items():
        betas = key in ("beta1", "beta2")
        expected = group["betas"][key == "beta2"] if betas else group[TORCH_ARGS.get(key, key)]
        assert value == expected, key


def test_whole_network_training_matches_torch():
    """Three Adam steps of a whole network, with L2 and a live learning-rate change."""
    rng = np.random.default_rng(8)
    design = make_design(
        sizes=(2, 6, 3),
        activations=("tanh", "softmax"),
        loss="cross_entropy",
        regularization=("l2", 0.01),
    )
    net = Network(design, seed=1)
    params = [torch.tensor(w.T.copy(), requires_grad=True) for w in net.weights]
    params += [torch.tensor(b.copy(), requires_grad=True) for b in net.biases]
    opt = make_optimizer({"name": "adam", "learning_rate": 0.05})
    topt = torch.optim.Adam(params, lr=0.05)
    for step in range(4):
        if step == 2:
            opt.learning_rate = topt.param_groups[0]["lr"] = 0.01
        x, y = rng.normal(size=(5, 2)), rng.integers(0, 3, 5)
        net.backward(net.forward(x), y)
        opt.step(net.parameters(), net.gradients())
        h = torch.tanh(F.linear(torch.from_numpy(x), params[0], params[2]))
        loss = nn.CrossEntropyLoss()(F.linear(h, params[1], params[3]), torch.from_numpy(y))
        loss = loss + 0.01 / 2 * sum((w**2).sum() for w in params[:2])
        topt.zero_grad()
        loss.backward()
        topt.step()
        for k in range(2):
            np.testing.assert_allclose(net.weights[k], params[k].detach().numpy().T, rtol=1e-11)
            np.testing.assert_allclose(net.biases[k], params[2 + k].detach().numpy(), rtol=1e-11)


SCHEDULE_CASES = [
    ("constant", {}, lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=1.0)),
    ("step", {"step_size": 3, "gamma": 0.5}, lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    ("step", {"step_size": 4}, lambda o: torch.optim.lr_scheduler.StepLR(o, 4)),
    ("exponential", {"gamma": 0.9}, lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    (
        "cosine",
        {"t_max": 7, "eta_min": 0.001},
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.001),
    ),
    ("cosine", {}, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 20)),
]


def test_every_schedule_is_covered():
    assert {name for name, _, _ in SCHEDULE_CASES} == set(SCHEDULES.names())


@pytest.mark.parametrize(("name", "params", "make_torch"), SCHEDULE_CASES)
def test_schedule_matches_torch_lr_scheduler(name, params, make_torch):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_torch(opt)
    ours = make_schedule({"name": name, **params}, 0.1, 20)
    for epoch in range(30):
        assert ours(epoch) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-9, abs=1e-15)
        opt.step()
        scheduler.step()


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
def test_initializer_statistics_match_torch_init(name):
    fan_in, fan_out = 300, 200
    ours = INITIALIZERS.get(name)(np.random.default_rng(0), fan_in, fan_out, np.float64)
    theirs = torch.empty(fan_out, fan_in, dtype=torch.float64)  # torch's (out, in) layout
    torch.manual_seed(0)
    TORCH_INIT[name](theirs)
    theirs = theirs.numpy()
    assert ours.shape == (fan_in, fan_out)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02, abs=1e-12)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.01 * max(theirs.std(), 1e-12))
    if name.endswith("uniform"):
        assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.01)
    if name == "he_uniform":
        assert np.abs(ours).max() <= math.sqrt(6 / fan_in)
