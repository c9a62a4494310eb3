"""The plots panel: curves follow the history, survive NaN, draw other runs beside the current
one with a legend off the newest points."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from snapshot_factory import make_snapshot

from nnviz.app.views.plots import (
    EXPORT_MENU,
    PLOT_SPECS,
    Overlay,
    PlotsPanel,
    nice_ceiling,
    stuck_fraction,
    trailing_mean,
)
from nnviz.core.snapshot import Snapshot


def history(n: int, layers: int = 2, score: str = "accuracy") -> dict[str, np.ndarray]:
    epoch = np.arange(1.0, n + 1)
    columns = {
        "epoch": epoch,
        "step": epoch * 10,
        "train_loss": 1.0 / epoch,
        "test_loss": 1.2 / epoch,
        f"train_{score}": 1 - 0.5 / epoch,
        f"test_{score}": 1 - 0.6 / epoch,
        "learning_rate": np.full(n, 0.01),
    }
    for k in range(1, layers + 1):
        columns[f"grad_norm_L{k}"] = np.full(n, 10.0**-k)
        columns[f"weight_norm_L{k}"] = np.ones(n)
        columns[f"dead_fraction_L{k}"] = np.full(n, np.nan)
        columns[f"saturated_fraction_L{k}"] = np.full(n, 0.25)
    return columns


def snapshot(columns: dict[str, np.ndarray], steps: int = 0) -> Snapshot:
    n = len(columns["epoch"])
    step_history = {
        "step": np.arange(1.0, steps + 1),
        "epoch": np.arange(1.0, steps + 1) / 4,
        "batch_loss": np.linspace(1, 0.1, steps),
    }
    return make_snapshot(
        step=n * 10,
        epoch=n,
        batch_in_epoch=0,
        batches_per_epoch=10,
        steps_per_s=0.0,
        history=columns,
        step_history=step_history,
    )


@pytest.fixture
def panel(qtbot):
    p = PlotsPanel()
    qtbot.addWidget(p)
    p.start_run("classification", 2)
    return p


def data_len(item: pg.PlotDataItem) -> int:
    x, _ = item.getOriginalDataset()
    return 0 if x is None else len(x)


def test_curves_receive_the_history(panel):
    assert panel.set_snapshot(snapshot(history(30), steps=120), force=True)
    for key in ("loss:train", "loss:test", "score:train", "score:test"):
        assert data_len(panel.curves[key]) == 30
    assert data_len(panel.curves["loss:batch"]) == 120
    for k in (1, 2):
        assert data_len(panel.curves[f"grad_norm:L{k}"]) == 30
    _, y = panel.curves["stuck:L1"].getOriginalDataset()
    assert np.allclose(y, 0.25)  # saturated where dead does not apply
    assert "stuck:L2" not in panel.curves  # the output layer is not a hidden unit
    _, y = panel.curves["loss:train"].getOriginalDataset()
    assert np.allclose(y, 1.0 / np.arange(1, 31))


def test_plot_widgets_by_name(panel):
    widgets = panel.plot_widgets()
    assert set(widgets) == {"loss", "score", "grad_norm", "stuck"}
    assert all(isinstance(w, pg.PlotWidget) for w in widgets.values())
    assert widgets["grad_norm"].getPlotItem().ctrl.logYCheck.isChecked()


def test_same_history_is_not_redrawn_and_updates_are_throttled(panel):
    assert panel.set_snapshot(snapshot(history(5)), force=True)
    assert not panel.set_snapshot(snapshot(history(5)), force=True)
    assert not panel.set_snapshot(snapshot(history(6)))  # within the redraw interval
    assert panel.set_snapshot(snapshot(history(6)), force=True)


def test_nan_and_non_positive_values_do_not_break_the_plots(panel, qtbot):
    columns = history(20)
    columns["train_loss"][5:8] = np.nan
    columns["test_loss"][:] = np.nan
    columns["grad_norm_L1"][3] = 0.0
    columns["grad_norm_L2"][4] = np.inf
    panel.log_loss.setChecked(True)
    panel.resize(1200, 260)
    panel.show()
    assert panel.set_snapshot(snapshot(columns), force=True)
    panel.smoothing.setValue(5)
    panel.grab()  # paints every plot
    _, y = panel.curves["loss:train"].getOriginalDataset()
    assert np.isnan(y[5:8]).all() and np.isfinite(y[8:]).all()


def test_log_scale_toggle(panel):
    plot = panel.plot_widgets()["loss"].getPlotItem()
    panel.log_loss.setChecked(True)
    assert plot.ctrl.logYCheck.isChecked()
    panel.log_loss.setChecked(False)
    assert not plot.ctrl.logYCheck.isChecked()


def overlay(run: int, columns: dict[str, np.ndarray], label: str) -> Overlay:
    return Overlay(
        run,
        label,
        QColor(0, 158, 115),
        {"loss": (columns["epoch"], columns["train_loss"])},
    )


def test_other_runs_are_drawn_and_named_until_replaced(panel):
    panel.set_snapshot(snapshot(history(4, layers=3)), force=True)
    panel.set_overlays([overlay(1, history(12), "first run"), overlay(2, history(7), "sgd")])
    assert data_len(panel.overlays[1, "loss"]) == 12
    assert data_len(panel.curves["loss:train"]) == 4
    legend = panel.plot_widgets()["loss"].getPlotItem().legend
    labels = [label.text for _, label in legend.items]
    assert labels.count("first run") == 1 and labels.count("sgd") == 1
    panel.set_overlays([overlay(2, history(7), "sgd")])
    assert set(panel.overlays) == {(2, "loss")}
    labels = [label.text for _, label in legend.items]
    assert "first run" not in labels
    assert panel.curve_data("loss").keys() >= {"train", "test", "sgd"}


def test_the_legend_moves_off_the_newest_points(panel, qtbot):
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    columns = history(20)
    columns["train_loss"] = np.linspace(0.0, 1.0, 20)  # rising: the newest point top right
    columns["test_loss"] = np.linspace(0.0, 1.0, 20)
    panel.set_snapshot(snapshot(columns), force=True)
    box = panel.plot_widgets()["loss"].getPlotItem().getViewBox()
    box.setXRange(0, 20, padding=0)
    panel.set_overlays([])
    assert panel.legend_corner("loss") != "top-right"
    legend = panel.plot_widgets()["loss"].getPlotItem().legend
    newest = box.mapViewToScene(QPointF(20.0, 1.0))
    assert not legend.sceneBoundingRect().contains(newest)


def test_curves_say_when_their_epoch_values_come_from_a_sample_of_the_split(panel):
    panel.start_run("classification", 2, {"train": (2000, 56000), "test": (1000, 1000)})
    assert panel.curves["loss:train"].name() == "train · 2,000 of 56,000"
    assert panel.curves["score:train"].name() == "train · 2,000 of 56,000"
    assert panel.curves["score:test"].name() == "test"
    tip = panel.plot_widgets()["score"].toolTip()
    assert "2,000 of the 56,000 train samples" in tip and "1,000" not in tip
    panel.start_run("classification", 2, {"train": (300, 300), "test": (100, 100)})
    assert panel.curves["loss:train"].name() == "train"
    assert panel.plot_widgets()["loss"].toolTip() == ""


def test_regression_shows_r2(panel):
    panel.start_run("regression", 2)
    panel.set_snapshot(snapshot(history(9, score="r2")), force=True)
    assert data_len(panel.curves["score:train"]) == 9
    assert "R²" in panel.plot_widgets()["score"].getPlotItem().titleLabel.text


def test_trailing_mean_skips_nan():
    y = np.array([1.0, 3.0, np.nan, 5.0, 7.0])
    out = trailing_mean(y, 2)
    assert out[0] == 1.0 and out[1] == 2.0
    assert np.isnan(out[2])
    assert out[3] == 5.0 and out[4] == 6.0
    assert trailing_mean(y, 1) is y


def test_stuck_fraction_prefers_dead_units_when_they_apply():
    columns = {
        "dead_fraction_L1": np.array([0.5, np.nan]),
        "saturated_fraction_L1": np.array([np.nan, 0.1]),
    }
    assert np.allclose(stuck_fraction(columns, 1), [0.5, 0.1])
    assert stuck_fraction(columns, 2).size == 0


def test_training_updates_refresh_one_plot_per_call(panel):
    panel.set_snapshot(snapshot(history(3)), force=True)
    panel._plot_times.clear()  # as if every plot were due
    assert panel.set_snapshot(snapshot(history(4)))
    refreshed = [name for name in panel.plot_widgets() if panel._plot_keys[name][0] == 4]
    assert len(refreshed) == 1


def test_epoch_axis_grows_in_nice_steps(panel):
    assert [nice_ceiling(v) for v in (0.3, 1, 3, 7, 11, 250)] == [0.5, 1, 5, 10, 20, 500]
    panel.set_snapshot(snapshot(history(37)), force=True)
    low, high = panel.plot_widgets()["loss"].getPlotItem().getViewBox().viewRange()[0]
    assert low < 0 < 50 < high < 52


def test_value_axis_moves_in_steps_not_with_every_point(panel):
    """A steady loss keeps its axis (no re-layout per update); leaving the range widens it."""
    box = panel.plot_widgets()["loss"].getPlotItem().getViewBox()
    panel.set_snapshot(snapshot(history(20)), force=True)
    first = box.viewRange()[1]
    assert first[0] <= 0.0 and 1.2 <= first[1] <= 2.1  # 0 to the 1-2-5 step above 1.2
    panel.set_snapshot(snapshot(history(40)), force=True)
    assert box.viewRange()[1] == first
    columns = history(41)
    columns["test_loss"][-1] = 7.0
    panel.set_snapshot(snapshot(columns), force=True)
    assert 7.0 <= box.viewRange()[1][1] <= 10.5


def test_log_axis_spans_whole_decades(panel):
    panel.set_snapshot(snapshot(history(10)), force=True)  # gradient norms 0.1 and 0.01
    low, high = panel.plot_widgets()["grad_norm"].getPlotItem().getViewBox().viewRange()[1]
    assert low == pytest.approx(-2, abs=0.1) and high == pytest.approx(-1, abs=0.1)


def test_a_zoomed_value_axis_is_left_alone(panel):
    box = panel.plot_widgets()["loss"].getPlotItem().getViewBox()
    panel.set_snapshot(snapshot(history(10)), force=True)
    box.setYRange(0.2, 0.4, padding=0)
    columns = history(11)
    columns["train_loss"][-1] = 9.0
    panel.set_snapshot(snapshot(columns), force=True)
    assert box.viewRange()[1] == pytest.approx([0.2, 0.4])


def test_an_empty_gradient_plot_labels_whole_decades_only(panel):
    panel.start_run("classification", 3)
    axis = panel.plot_widgets()["grad_norm"].getPlotItem().getAxis("left")
    lo, hi = panel.plot_widgets()["grad_norm"].getPlotItem().viewRange()[1]
    labels = [text for _, text in axis._tickLevels[0]]  # the ticks set, major level first
    assert labels == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert lo < -3.9 and hi > -0.1


def test_value_axes_keep_their_width_whatever_their_labels(panel):
    """A label growing by a digit must not re-lay out (and repaint) the whole plot."""
    axes = {name: w.getPlotItem().getAxis("left") for name, w in panel.plot_widgets().items()}
    columns = history(30)
    columns["train_loss"] = columns["train_loss"] * 12345.0
    panel.set_snapshot(snapshot(columns), force=True)
    assert {name: axis.width() for name, axis in axes.items()} == {
        name: spec.axis_width for name, spec in PLOT_SPECS.items()
    }


def test_a_network_without_hidden_layers_shows_no_empty_stuck_units_legend(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    panel.start_run("classification", 1)  # inputs straight to the output layer
    panel.set_snapshot(snapshot(history(10, layers=1)), force=True)
    legend = panel.plot_widgets()["stuck"].getPlotItem().legend
    assert legend is None or not legend.isVisible()
    loss_legend = panel.plot_widgets()["loss"].getPlotItem().legend
    assert loss_legend.isVisible() and loss_legend.items


def test_a_log_axis_whose_values_stay_within_one_decade_still_has_labels(panel):
    columns = history(12)
    for k in (1, 2):
        columns[f"grad_norm_L{k}"] = np.linspace(0.02, 0.05, 12)  # between 0.01 and 0.1
    panel.set_snapshot(snapshot(columns), force=True)
    axis = panel.plot_widgets()["grad_norm"].getPlotItem().getAxis("left")
    labels = [text for _, text in axis._tickLevels[0] if text]
    assert labels == ["0.01", "0.1"]


def test_tick_labels_stay_short_after_a_divergence(panel):
    columns = history(20)
    columns["train_loss"][10:] = np.logspace(5, 300, 10)
    columns["test_loss"][10:] = np.logspace(5, 301, 10)
    panel.set_snapshot(snapshot(columns), force=True)
    axis = panel.plot_widgets()["loss"].getPlotItem().getAxis("left")
    values = [2e300, 4e300, 8e300]
    assert axis.tickStrings(values, 1.0, 2e300) == ["2e300", "4e300", "8e300"]


def test_a_plots_right_click_menu_is_built_when_first_asked_for(panel):
    """Building four of pyqtgraph's menus would cost every start-up; a right click finds the
    whole menu, our exports after pyqtgraph's own entries."""
    for widget in panel.plot_widgets().values():
        box = widget.getPlotItem().getViewBox()
        assert box.menu is None and box.menuEnabled()
        texts = [action.text() for action in box.getContextMenus(None)]
        assert "View All" in texts and box.menu is not None
        assert [a.text() for a in widget.scene().contextMenu] == list(EXPORT_MENU)
