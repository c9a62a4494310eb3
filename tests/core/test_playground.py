"""Optimizer playground: surfaces' gradients, paths equal to the optimizers' own steps and to
torch.optim's, and step mode's arrows and numbers obeying the update rules."""

import numpy as np
import pytest

from nnviz.core.optimizers import make_optimizer
from nnviz.core.playground import (
    PATHS,
    Settings,
    explain_step,
    trajectories,
    trajectory,
)
from nnviz.core.surfaces import SURFACES, contour_levels, surface_grid

CASES = [(s, p) for s in SURFACES.names() for p in PATHS.names()]


def _settings(surface, steps=60):
    return Settings(learning_rate=SURFACES.get(surface).learning_rate, steps=steps)


@pytest.mark.parametrize("name", SURFACES.names())
def test_gradient_matches_finite_differences(name):
    surface = SURFACES.get(name)
    rng = np.random.default_rng(3)
    x0, x1, y0, y1 = surface.extent
    for _ in range(5):
        p = rng.uniform((x0, y0), (x1, y1))
        h = 1e-6
        numeric = [
            (surface.value(*(p + h * e)) - surface.value(*(p - h * e))) / (2 * h) for e in np.eye(2)
        ]
        np.testing.assert_allclose(surface.gradient(p), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", SURFACES.names())
def test_minima_are_minima(name):
    surface = SURFACES.get(name)
    for point in surface.minima:
        np.testing.assert_allclose(surface.gradient(np.array(point)), 0.0, atol=1e-12)
    grid = surface_grid(surface, 101)
    assert grid.min() >= min(surface.value(*np.array(m)) for m in surface.minima) - 1e-12


@pytest.mark.parametrize(("surface", "path"), CASES)
def test_path_equals_the_optimizers_own_steps(surface, path):
    s = SURFACES.get(surface)
    settings = _settings(surface)
    traj = trajectory(s, path, settings, s.start)
    opt = make_optimizer(PATHS.get(path).spec(settings))
    point = np.array(s.start, dtype=float)
    expected = [point.copy()]
    for _ in range(settings.steps):
        opt.step([point], [s.gradient(point)])
        expected.append(point.copy())
    assert not traj.diverged
    assert traj.points.shape == (settings.steps + 1, 2)
    np.testing.assert_array_equal(traj.points, np.array(expected))
    np.testing.assert_array_equal(traj.values, s.value(traj.points[:, 0], traj.points[:, 1]))


@pytest.mark.parametrize(("surface", "path"), CASES)
def test_path_equals_torch_optim_with_autograd_gradients(surface, path):
    torch = pytest.importorskip("torch")
    s = SURFACES.get(surface)
    settings = _settings(surface, steps=40)
    spec = PATHS.get(path).spec(settings)
    kwargs = {"lr": spec["learning_rate"]}
    if spec["name"] == "sgd":
        kwargs.update(momentum=spec.get("momentum", 0.0), nesterov=spec.get("nesterov", False))
    if spec["name"] == "rmsprop":
        kwargs["alpha"] = spec["rho"]
    if spec["name"] == "adam":
        kwargs["betas"] = (spec["beta1"], spec["beta2"])
    names = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adam": "Adam"}
    p = torch.tensor(s.start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, names[spec["name"]])([p], **kwargs)
    theirs = [p.detach().numpy().copy()]
    for _ in range(settings.steps):
        opt.zero_grad()
        s.value(p[0], p[1]).backward()
        opt.step()
        theirs.append(p.detach().numpy().copy())
    ours = trajectory(s, path, settings, s.start).points
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-10, atol=1e-12)


def test_plain_sgd_on_the_bowl_shrinks_by_one_minus_the_rate():
    bowl = SURFACES.get("bowl")
    traj = trajectory(bowl, "sgd", Settings(learning_rate=0.1, steps=5), (2.0, -1.0))
    np.testing.assert_allclose(traj.points[3], np.array([2.0, -1.0]) * 0.9**3)


def test_a_diverging_path_stops_at_its_last_finite_point():
    bowl = SURFACES.get("bowl")
    traj = trajectory(bowl, "sgd", Settings(learning_rate=3.0, steps=200), (1.0, 1.0))
    assert traj.diverged
    assert 1 < traj.steps < 200
    assert np.all(np.isfinite(traj.points))
    assert len(traj.gradients) == traj.steps


def test_every_path_is_computed_from_the_same_start():
    ravine = SURFACES.get("ravine")
    paths = trajectories(ravine, _settings("ravine", 10), (-3.0, 1.0))
    assert list(paths) == list(PATHS.names())
    assert all(tuple(t.points[0]) == (-3.0, 1.0) for t in paths.values())


def test_momentum_crosses_the_ravine_faster_than_plain_sgd():
    ravine = SURFACES.get("ravine")
    paths = trajectories(ravine, _settings("ravine", 100), ravine.start)
    assert paths["momentum"].values[-1] < paths["sgd"].values[-1] / 10


@pytest.mark.parametrize("path", PATHS.names())
def test_step_mode_arrows_add_up_to_the_step(path):
    s = SURFACES.get("rosenbrock")
    settings = Settings(learning_rate=0.0005, beta1=0.8, beta2=0.95, steps=12)
    traj = trajectory(s, path, settings, s.start)
    k = 7
    explained = explain_step(traj, k)
    arrows = {a.kind: a for a in explained.arrows}
    lr = settings.learning_rate
    g = s.gradient(traj.points[k])
    np.testing.assert_allclose(arrows["gradient"].vector, -lr * g)
    np.testing.assert_allclose(arrows["step"].vector, traj.points[k + 1] - traj.points[k])
    np.testing.assert_array_equal(arrows["step"].origin, traj.points[k])
    spec = traj.spec
    if path == "sgd":
        np.testing.assert_allclose(arrows["step"].vector, arrows["gradient"].vector)
    if path == "momentum":
        np.testing.assert_allclose(arrows["step"].vector, arrows["moment"].vector)
        v_prev = traj.states["momentum_buffer"][k - 1]
        np.testing.assert_allclose(arrows["moment"].vector, -lr * (0.8 * v_prev + g))
    if path == "nesterov":
        np.testing.assert_allclose(
            arrows["step"].vector, arrows["gradient"].vector + 0.8 * arrows["moment"].vector
        )
    if path == "adam":
        v_hat = traj.states["exp_avg_sq"][k] / (1 - 0.95 ** (k + 1))
        np.testing.assert_allclose(
            arrows["step"].vector,
            arrows["moment"].vector / (np.sqrt(v_hat) + spec.get("epsilon", 1e-8)),
            rtol=1e-9,
        )
    if path in ("rmsprop", "adagrad"):
        assert "moment" not in arrows
        assert len(explained.lines) == 4
    assert explained.rule == PATHS.get(path).rule
    assert f"step {k + 1}" in explained.lines[0]


def test_step_mode_refuses_a_step_outside_the_path():
    bowl = SURFACES.get("bowl")
    traj = trajectory(bowl, "adam", Settings(learning_rate=0.1, steps=3), bowl.start)
    with pytest.raises(IndexError):
        explain_step(traj, 3)


@pytest.mark.parametrize("name", SURFACES.names())
def test_contour_levels_split_the_grid_into_bands(name):
    grid = surface_grid(SURFACES.get(name), 80)
    levels = contour_levels(grid, 12)
    assert len(levels) == 12
    assert np.all(np.diff(levels) > 0)
    assert grid.min() < levels[0] and levels[-1] < grid.max()
