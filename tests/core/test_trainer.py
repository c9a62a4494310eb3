import math
import queue
import threading

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core import trainer as trainer_module
from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.metrics import UnitHealth, dead_fraction, saturated_fraction
from nnviz.core.trainer import Trainer

TIMEOUT = 10.0


def make_design(**changes) -> Design:
    return Design.from_dict(xor_design(**changes))


def test_reproducible_same_seed_same_numbers():
    a, b = Trainer(make_design()), Trainer(make_design())
    for t in (a, b):
        t.run()
    assert a.state == b.state == "finished"
    ha, hb = a.history.columns(), b.history.columns()
    assert ha.keys() == hb.keys()
    for name in ha:
        np.testing.assert_array_equal(ha[name], hb[name], err_msg=name)
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    c = Trainer(make_design(), seed=4)
    c.run()
    assert not np.array_equal(c.history.column("train_loss"), ha["train_loss"])


def test_epochs_steps_and_history_columns():
    t = Trainer(make_design())
    assert t.batches_per_epoch == 15  # 150 training samples, batches of 10
    for _ in range(14):
        t.step_batch()
    assert (t.epoch, t.batch_in_epoch, len(t.history)) == (0, 14, 0)
    t.step_batch()
    assert (t.epoch, t.batch_in_epoch, t.step, len(t.history)) == (1, 0, 15, 1)
    row = t.history.last()
    for name in (
        "epoch",
        "step",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
        "learning_rate",
        "grad_norm_L1",
        "weight_norm_L2",
        "dead_fraction_L1",
        "saturated_fraction_L2",
    ):
        assert name in row
    assert row["epoch"] == 1 and row["step"] == 15
    assert 0 <= row["test_accuracy"] <= 1
    assert row["grad_norm_L1"] > 0 and row["weight_norm_L1"] > 0
    assert math.isnan(row["dead_fraction_L1"])  # tanh cannot die
    t.run_epoch()
    assert (t.epoch, t.step, len(t.history)) == (2, 30, 2)


def test_evaluation_uses_a_bounded_subset(monkeypatch):
    monkeypatch.setattr(trainer_module, "EVAL_SAMPLES", 40)
    t = Trainer(make_design())  # 150 train, 50 test samples
    assert len(t._eval_x) == 80
    assert t._eval["train"][1].shape == (40, 1) and len(t._eval["test"][2]) == 40
    t.run_epoch()
    assert 0 <= t.history.last()["train_accuracy"] <= 1


def test_partial_last_batch():
    t = Trainer(make_design(training={"batch_size": 40}))
    assert t.batches_per_epoch == 4  # 150 = 3 * 40 + 30
    t.run_epoch()
    assert t.step == 4 and t.epoch == 1


def test_regression_reports_r2():
    design = make_design(
        layers=[{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": "plane", "samples": 200},
    )
    t = Trainer(design)
    t.run(epochs=3)
    assert {"train_r2", "test_r2"} <= set(t.history.names)
    assert t.history.last()["test_r2"] > 0.5


def test_targets_follow_the_output_range():
    tanh = make_design(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "tanh"}],
        loss="mse",
    )
    t = Trainer(tanh)
    assert set(np.unique(t._y)) == {-1.0, 1.0}
    onehot = make_design(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "sigmoid"}],
        loss="mse",
    )
    t = Trainer(onehot)
    assert t._y.shape == (150, 2)
    np.testing.assert_array_equal(t._y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(t._y, axis=1), t.data.y_train)


def test_output_layer_must_fit_the_classes_of_given_data():
    blobs = make_dataset({"name": "blobs", "classes": 3, "samples": 90})
    with pytest.raises(DesignError, match="two classes"):
        Trainer(make_design(), data=blobs)  # one sigmoid unit, three classes


def test_live_learning_rate_reaches_the_optimizer():
    t = Trainer(make_design())
    t.step_batch()
    t.set_learning_rate(0.5)
    t.step_batch()
    assert t.optimizer.learning_rate == 0.5
    assert t.snapshot().learning_rate == 0.5


def test_schedule_applied_per_epoch_and_rescaled_by_a_live_change():
    design = make_design(
        optimizer={"name": "sgd", "learning_rate": 0.1},
        training={
            "epochs": 6,
            "schedule": {"name": "step", "step_size": 2, "gamma": 0.5},
        },
    )
    t = Trainer(design)
    t.run(epochs=4)
    np.testing.assert_allclose(t.history.column("learning_rate"), [0.1, 0.1, 0.05, 0.05])
    t.set_learning_rate(0.2)  # during epoch 4, where the schedule gives 0.025
    t.run(epochs=6)
    np.testing.assert_allclose(t.history.column("learning_rate")[4:], [0.2, 0.2])
    t.set_epochs(7)
    t.run()
    # The schedule's next halving now starts from the new rate.
    np.testing.assert_allclose(t.history.column("learning_rate")[-1], 0.1)


def test_target_loss_stops():
    t = Trainer(make_design(training={"target_loss": 10.0, "epochs": 50}))
    assert t.run() == "finished"
    assert (t.epoch, t.stop_reason) == (1, "target_loss")
    assert "target loss" in t.message


def test_early_stopping_stops():
    design = make_design(training={"epochs": 50, "early_stopping": {"patience": 2, "min_delta": 5}})
    t = Trainer(design)
    t.run()
    assert (t.epoch, t.state, t.stop_reason) == (3, "finished", "early_stopping")


def test_divergence_is_detected_and_explained():
    design = make_design(
        layers=[{"units": 8, "activation": "linear"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        optimizer={"name": "sgd", "learning_rate": 1e6},
        training={"epochs": 100},
    )
    t = Trainer(design)
    assert t.run() == "diverged"
    assert t.epoch < 100
    message = t.message
    assert f"step {t.step + 1}" in message and f"epoch {t.epoch + 1}" in message
    assert "layer" in message and "learning rate" in message
    snap = t.snapshot()
    assert snap.state == "diverged" and snap.message == message


def test_snapshot_arrays_are_read_only_copies():
    t = Trainer(make_design())
    t.grid_resolution = 12
    t.run_epoch()
    snap = t.snapshot()
    assert snap.layer_sizes == (2, 6, 1)
    for arrays in (snap.weights, snap.biases, snap.grad_weights, snap.pre, snap.post):
        for a in arrays:
            assert not a.flags.writeable
    assert not snap.input.flags.writeable
    before = snap.weights[0].copy()
    t.network.weights[0][...] += 1.0
    np.testing.assert_array_equal(snap.weights[0], before)
    assert not np.shares_memory(snap.weights[0], t.network.weights[0])
    assert [p.shape for p in snap.pre] == [(6,), (1,)]
    assert snap.history["epoch"].tolist() == [1.0]
    grid = snap.grid
    assert grid.resolution == 12 and grid.extent == t.data.plane
    assert [m.shape for m in grid.neuron_maps] == [(2, 12, 12), (6, 12, 12), (1, 12, 12)]
    assert grid.output_map.shape == (12, 12)
    assert 0 <= grid.output_map.min() <= grid.output_map.max() <= 1
    # Input map: column j is x1 rising, row i is x2 rising.
    x1 = grid.neuron_maps[0][0]
    assert np.all(np.diff(x1, axis=1) > 0) and np.allclose(np.diff(x1, axis=0), 0)


def test_trace_sample_and_batch_mean():
    t = Trainer(make_design())
    t.step_batch()
    mean = t.snapshot()
    np.testing.assert_allclose(mean.input, t._x[t._last_batch].mean(axis=0))
    assert mean.trace_sample is None
    t.set_trace_sample(3)
    snap = t.snapshot()
    assert snap.trace_sample == 3
    np.testing.assert_allclose(snap.input, t._x[3])
    # step 1's pass: made with the weights before its update (see step_view.py)
    used = t.network.copy()
    used.load_weights(snap.step_weights, snap.step_biases)
    np.testing.assert_allclose(snap.post[-1], used.predict(t._x[3:4])[0])
    with pytest.raises(IndexError):
        t.set_trace_sample(10_000)
    # Tracing one sample leaves the last batch's gradients in place.
    t.set_trace_sample(None)
    for a, b in zip(t.snapshot().grad_weights, mean.grad_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_snapshot_rate_is_limited_with_a_fake_clock():
    t = Trainer(make_design(training={"epochs": 20}))  # 300 steps
    t.clock = lambda: t.step * 0.01  # every step takes 10 ms of "time"
    calls = []
    t.run(on_snapshot=calls.append, snapshot_hz=10)
    # 3 s of fake time at 10 Hz: about 30 timed snapshots, plus the final one.
    assert 28 <= len(calls) <= 33
    assert calls[-1].state == "finished"
    t2 = Trainer(make_design(training={"epochs": 2}))
    t2.clock = lambda: 0.0  # time stands still: only the final snapshot
    calls2 = []
    t2.run(on_snapshot=calls2.append, snapshot_hz=10)
    assert len(calls2) == 2 and calls2[-1].state == "finished"  # first step, then final


def test_grid_is_reused_between_refreshes():
    t = Trainer(make_design())
    now = [0.0]
    t.clock = lambda: now[0]
    t.step_batch()
    g1 = t.snapshot().grid
    t.step_batch()
    assert t.snapshot().grid is g1  # same time: reused
    now[0] = 1.0
    assert t.snapshot().grid is not g1


def _wait_for(q: queue.Queue, predicate):
    while True:
        snap = q.get(timeout=TIMEOUT)
        if predicate(snap):
            return snap


def test_run_in_a_thread_pause_step_epoch_stop():
    t = Trainer(make_design(training={"epochs": 1000}))
    snaps: queue.Queue = queue.Queue()
    t.controls.pause()
    worker = threading.Thread(target=t.run, kwargs={"on_snapshot": snaps.put})
    worker.start()
    try:
        first = _wait_for(snaps, lambda s: s.state == "paused")
        assert first.step == 0
        t.controls.request_steps(7)
        snap = _wait_for(snaps, lambda s: s.state == "paused")
        assert snap.step == 7 and t.step == 7
        t.controls.request_epoch()  # finish the current epoch
        snap = _wait_for(snaps, lambda s: s.state == "paused")
        assert (snap.step, snap.epoch, snap.batch_in_epoch) == (15, 1, 0)
        t.controls.request_epoch()  # at a boundary: one whole epoch
        snap = _wait_for(snaps, lambda s: s.state == "paused")
        assert (snap.step, snap.epoch) == (30, 2)
        t.controls.set_learning_rate(0.003)  # while paused: shown at once
        snap = _wait_for(snaps, lambda s: s.learning_rate == 0.003)
        assert snap.state == "paused"
        t.controls.resume()
        _wait_for(snaps, lambda s: s.state == "running" and s.step > 30)
    finally:
        t.controls.stop()
        worker.join(TIMEOUT)
    assert not worker.is_alive()
    assert t.state == "stopped"
    assert t.optimizer.learning_rate == 0.003
    assert _wait_for(snaps, lambda s: s.state == "stopped").step == t.step


def test_stop_before_run_returns_at_once():
    t = Trainer(make_design())
    t.controls.stop()
    assert t.run() == "stopped"
    assert t.step == 0


def test_step_history_is_recorded():
    t = Trainer(make_design(training={"epochs": 4}))
    t.run()
    steps = t.step_history.columns()
    assert len(steps["step"]) == 60 // t.step_stride
    assert np.all(np.isfinite(steps["batch_loss"]))
    np.testing.assert_allclose(steps["epoch"], steps["step"] / t.batches_per_epoch)


def test_dead_and_saturated_fractions():
    post = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]])
    assert dead_fraction(post, "relu") == pytest.approx(2 / 3)
    assert math.isnan(dead_fraction(post, "tanh"))
    sat = np.array([[0.999, 0.1], [-0.995, 0.2], [0.999, -0.3]])
    assert saturated_fraction(sat, "tanh") == 0.5
    assert math.isnan(saturated_fraction(sat, "relu"))


def test_unit_health_matches_the_per_layer_functions():
    rng = np.random.default_rng(0)
    acts = ["relu", "tanh", "sigmoid", "linear", "leaky_relu"]
    posts = [
        np.maximum(rng.normal(size=(50, 4)) - np.array([0, 5, 0, 9]), 0),
        np.tanh(rng.normal(size=(50, 3)) * np.array([1, 40, 300])),
        1 / (1 + np.exp(-rng.normal(size=(50, 2)) * np.array([100, 1]))),
        rng.normal(size=(50, 2)),
        rng.normal(size=(50, 2)) - np.array([0, 10]),
    ]
    dead, saturated = UnitHealth(acts, [p.shape[1] for p in posts])(posts)
    for k, (post, act) in enumerate(zip(posts, acts, strict=True)):
        np.testing.assert_equal(dead[k], dead_fraction(post, act))
        np.testing.assert_equal(saturated[k], saturated_fraction(post, act))
    assert dead[0] == 0.5 and saturated[1] == pytest.approx(2 / 3) and dead[4] == 0.5


def test_epoch_metrics_use_a_bounded_sample_and_the_final_ones_every_sample(monkeypatch):
    monkeypatch.setattr(trainer_module, "EVAL_SAMPLES", 40)
    t = Trainer(make_design(dataset={"name": "xor", "samples": 300, "test_fraction": 0.2}))
    t.run_epoch()
    assert t.evaluated_on() == {"train": (40, 240), "test": (40, 60)}
    final = t.evaluate_all()
    for split, (x, y) in {
        "train": (t.data.x_train, t.data.y_train),
        "test": (t.data.x_test, t.data.y_test),
    }.items():
        out = t.network.forward(x).output
        assert final[f"{split}_accuracy"] == np.mean((out[:, 0] > 0.5) == y)
        assert final[f"{split}_loss"] == pytest.approx(t.network.loss_value(out, y), rel=1e-12)
    # the history's epoch row is on the 40-sample subsets, so it differs from the final numbers
    assert t.history.column("train_loss")[-1] == t.evaluate()["train_loss"]
    assert t.evaluate()["train_loss"] != pytest.approx(final["train_loss"], rel=1e-9)


def test_a_small_sets_final_metrics_are_its_epoch_metrics():
    t = Trainer(make_design())
    t.run_epoch()
    assert all(used == total for used, total in t.evaluated_on().values())
    final, epoch = t.evaluate_all(), t.evaluate()
    assert set(final) == {
        "epoch",
        "step",
        "train_loss",
        "test_loss",
        "train_accuracy",
        "test_accuracy",
    }
    assert final == {key: epoch[key] for key in final}


def test_dead_relu_layer_is_reported():
    design = make_design(
        layers=[{"units": 5, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}]
    )
    t = Trainer(design)
    t.network.biases[0][:3] = -1e3
    t.optimizer.learning_rate = 0.0
    metrics = t.evaluate()
    assert metrics["dead_fraction_L1"] == pytest.approx(3 / 5)


def test_two_epochs_match_pytorch_step_for_step():
    torch = pytest.importorskip("torch")
    design = make_design(
        optimizer={"name": "sgd", "learning_rate": 0.5, "momentum": 0.9},
        training={
            "epochs": 3,
            "batch_size": 32,
            "schedule": {"name": "step", "step_size": 1, "gamma": 0.5},
        },
    )
    t = Trainer(design)
    w0 = [torch.tensor(w.copy(), requires_grad=True) for w in t.network.weights]
    b0 = [torch.tensor(b.copy(), requires_grad=True) for b in t.network.biases]
    params = [p for pair in zip(w0, b0, strict=True) for p in pair]
    opt = torch.optim.SGD(params, lr=0.5, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    x = torch.tensor(t._x)
    y = torch.tensor(t._y)
    order = np.arange(len(x))
    rng = np.random.default_rng(design.training.seed)
    for _ in range(2):
        rng.shuffle(order)
        for start in range(0, len(order), 32):
            rows = torch.tensor(order[start : start + 32])
            h = torch.tanh(x[rows] @ w0[0] + b0[0])
            out = torch.sigmoid(h @ w0[1] + b0[1])
            loss = torch.nn.functional.binary_cross_entropy(out, y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    t.run(epochs=2)
    for mine, ref in zip(t.network.weights, w0, strict=True):
        np.testing.assert_allclose(mine, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t.history.column("learning_rate"), [0.5, 0.25])


@pytest.mark.parametrize("name", ["plane", "multi_gauss"])
def test_regression_without_a_test_split_trains_and_reports_no_test_numbers(name):
    """A worked example may put every sample in training (`test_fraction` 0)."""
    design = make_design(
        layers=[{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        loss="mse",
        dataset={"name": name, "samples": 30, "test_fraction": 0},
        training={"batch_size": 10, "epochs": 2, "seed": 0},
    )
    trainer = Trainer(design)
    assert trainer.run() == "finished"
    assert len(trainer.data.x_test) == 0 and trainer.step == 6
    assert math.isfinite(trainer.metrics["train_loss"]) and math.isnan(trainer.metrics["test_loss"])
    assert math.isnan(trainer.metrics["test_r2"])
    fit = trainer.snapshot().predictions
    assert fit.split == "train" and fit.targets.shape == fit.predictions.shape == (30, 1)
