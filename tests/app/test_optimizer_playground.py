"""Optimizer playground: opened from the menus, every path redrawn from the sliders and the
dragged start, step mode's arrows and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.main_window import MainWindow
from nnviz.app.views.optimizer_playground import OptimizerPlayground, rate_to_tick
from nnviz.core.playground import PATHS, Settings, trajectory
from nnviz.core.surfaces import SURFACES


@pytest.fixture
def playground(qtbot):
    widget = OptimizerPlayground()
    qtbot.addWidget(widget)
    widget.recompute()
    return widget


def _curve(widget, name):
    xs, ys = widget.curves[name].getData()
    return np.column_stack([xs, ys])


def test_view_and_help_menus_open_the_playground(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    dock = window.findChild(type(window.playground_dock), "optimizerPlayground")
    assert dock is window.playground_dock and dock.isHidden()
    view = [a.text() for a in window.menus["view"].actions()]
    help_ = [a.text() for a in window.menus["help"].actions()]
    assert "Optimizer &Playground" in view and "Optimizer &Playground" in help_
    window.show()
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible)
    assert dock.isFloating() and dock.width() >= 700
    window.close()


@pytest.mark.parametrize("surface", SURFACES.names())
def test_every_path_is_drawn_as_the_optimizer_computes_it(playground, surface):
    playground.set_surface(surface)
    playground.recompute()
    s = SURFACES.get(surface)
    settings = Settings(learning_rate=s.learning_rate)
    assert playground.settings() == settings
    for name in PATHS:
        expected = trajectory(s, name, settings, s.start).points
        np.testing.assert_allclose(_curve(playground, name), expected)


def test_sliders_redraw_every_path_at_once(playground):
    before = {name: _curve(playground, name) for name in PATHS}
    playground.rate_slider.setValue(rate_to_tick(0.02))
    playground.beta1_slider.setValue(50)  # μ = β₁ = 0.5
    playground.recompute()
    settings = playground.settings()
    assert (settings.learning_rate, settings.beta1) == (0.02, 0.5)
    for name in PATHS:
        after = _curve(playground, name)
        assert not np.array_equal(after, before[name])
        expected = trajectory(playground.surface, name, settings, playground.start).points
        np.testing.assert_allclose(after, expected)
    assert playground.value_labels[playground.rate_slider].text() == "0.02"
    assert playground.toggles["adam"].text().startswith("Adam: ends at f = ")


def test_dragging_the_start_moves_every_path(qtbot, playground):
    playground.start_marker.setPos(1.5, -1.0)  # what a drag does
    qtbot.waitUntil(lambda: tuple(_curve(playground, "sgd")[0]) == (1.5, -1.0))
    assert all(tuple(_curve(playground, name)[0]) == (1.5, -1.0) for name in PATHS)


def test_a_diverging_path_says_so(playground):
    playground.rate_slider.setValue(rate_to_tick(1.0))
    playground.set_surface("ravine")
    playground.rate_slider.setValue(rate_to_tick(0.5))
    playground.recompute()
    assert "diverged at step" in playground.toggles["sgd"].text()


def test_step_mode_draws_the_arrows_of_one_step(playground):
    playground.set_surface("ravine")
    playground.recompute()
    playground.step_box.setChecked(True)
    playground.step_path.setCurrentIndex(PATHS.names().index("momentum"))
    playground.step_slider.setValue(3)
    traj = playground.paths["momentum"]
    lr = playground.settings().learning_rate
    xs, ys = playground.arrow_lines["step"].getData()
    np.testing.assert_allclose([xs[1] - xs[0], ys[1] - ys[0]], traj.points[3] - traj.points[2])
    xs, ys = playground.arrow_lines["gradient"].getData()
    g = SURFACES.get("ravine").gradient(traj.points[2])
    np.testing.assert_allclose([xs[1] - xs[0], ys[1] - ys[0]], -lr * g)
    assert all(playground.arrow_lines[k].isVisible() for k in ("gradient", "moment", "step"))
    text = playground.step_text.text()
    assert text.startswith("Momentum:  v = μ·v + g") and "step 3:" in text
    assert playground.curves["sgd"].opacity() < 1 == playground.curves["momentum"].opacity()
    playground.step_path.setCurrentIndex(PATHS.names().index("sgd"))
    assert not playground.arrow_lines["moment"].isVisible()
    playground.step_box.setChecked(False)
    assert not playground.arrow_lines["step"].isVisible()
    assert playground.curves["sgd"].opacity() == 1
