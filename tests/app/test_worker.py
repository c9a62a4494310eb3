"""The training thread: commands reach the trainer, snapshots come back, shutdown is clean."""

from __future__ import annotations

import pytest

from nnviz.app.worker import TrainingWorker
from nnviz.core.controls import Controls
from nnviz.core.design import Design

WAIT_MS = 10_000


def small_design(**training) -> Design:
    return Design.from_dict(
        {
            "format": "nnviz-design",
            "version": 1,
            "name": "xor",
            "inputs": 2,
            "layers": [
                {"units": 4, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_cross_entropy",
            "optimizer": {"name": "adam", "learning_rate": 0.01},
            "regularization": None,
            "training": {"batch_size": 10, "epochs": 100_000, "seed": 0, **training},
            "dataset": {"name": "xor", "samples": 200, "test_fraction": 0.2, "seed": 0},
        }
    )


def diverging_design() -> Design:
    d = small_design().to_dict()
    d["layers"] = [{"units": 16, "activation": "relu"}, {"units": 1, "activation": "linear"}]
    d["loss"] = "mse"
    d["optimizer"] = {"name": "sgd", "learning_rate": 1e6}
    return Design.from_dict(d)


@pytest.fixture
def worker(qtbot):
    w = TrainingWorker()
    yield w
    assert w.shutdown()
    assert not w.thread.isRunning()


def wait_paused(qtbot, worker: TrainingWorker) -> None:
    qtbot.waitUntil(lambda: worker.latest().state == "paused", timeout=WAIT_MS)


def test_reset_gives_a_paused_run_at_step_zero(qtbot, worker):
    data = worker.reset(small_design())
    assert len(data.x_train) == 160
    snap = worker.take_latest()
    assert snap is not None and snap.step == 0
    assert worker.take_latest() is None  # taken once: latest wins, no queue
    wait_paused(qtbot, worker)
    assert worker.trainer.step == 0
    assert not worker.is_playing


def test_play_advances_epochs_and_sends_snapshots(qtbot, worker):
    """(Never `waitSignal` on the worker's signals: they are emitted in the training thread, and
    pytest-qt's wait can miss a signal that arrives there just before it starts waiting, then
    wait forever.)"""
    worker.reset(small_design())
    worker.take_latest()
    worker.play()
    qtbot.waitUntil(lambda: worker.take_latest() is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: worker.latest().epoch >= 3, timeout=WAIT_MS)
    assert worker.is_playing
    assert worker.latest().state == "running"
    assert len(worker.latest().history["train_loss"]) >= 3


def test_pause_stops_training(qtbot, worker):
    worker.reset(small_design())
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().step > 50, timeout=WAIT_MS)
    worker.pause()
    wait_paused(qtbot, worker)
    step = worker.trainer.step
    assert worker.latest().step == step
    qtbot.wait(200)
    assert worker.trainer.step == step


def test_step_batch_trains_exactly_one_batch(qtbot, worker):
    worker.reset(small_design())
    wait_paused(qtbot, worker)
    worker.step_batch()
    qtbot.waitUntil(lambda: worker.latest().step == 1 and worker.latest().state == "paused")
    qtbot.wait(100)
    assert worker.trainer.step == 1
    worker.step_batch()
    qtbot.waitUntil(lambda: worker.latest().step == 2, timeout=WAIT_MS)
    wait_paused(qtbot, worker)
    assert worker.trainer.step == 2


def test_step_epoch_trains_one_epoch(qtbot, worker):
    worker.reset(small_design())
    wait_paused(qtbot, worker)
    worker.step_epoch()
    qtbot.waitUntil(lambda: worker.latest().epoch == 1, timeout=WAIT_MS)
    wait_paused(qtbot, worker)
    qtbot.wait(100)
    trainer = worker.trainer
    assert trainer.epoch == 1
    assert trainer.step == trainer.batches_per_epoch == 16


def test_reset_returns_to_step_zero(qtbot, worker):
    worker.reset(small_design())
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().step > 20, timeout=WAIT_MS)
    old = worker.trainer
    worker.reset(small_design())
    assert worker.trainer is not old
    assert worker.latest().step == 0
    wait_paused(qtbot, worker)
    assert worker.trainer.step == 0
    assert old.state == "stopped"


def test_learning_rate_changes_live(qtbot, worker):
    worker.reset(small_design())
    trainer = worker.trainer
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().step > 10, timeout=WAIT_MS)
    worker.set_learning_rate(0.002)
    qtbot.waitUntil(lambda: trainer.learning_rate == pytest.approx(0.002), timeout=WAIT_MS)
    assert worker.trainer is trainer  # no reset
    qtbot.waitUntil(lambda: worker.latest().learning_rate == pytest.approx(0.002))


def test_learning_rate_change_while_paused_is_published(qtbot, worker):
    worker.reset(small_design())
    wait_paused(qtbot, worker)
    worker.set_learning_rate(0.05)
    qtbot.waitUntil(lambda: worker.latest().learning_rate == pytest.approx(0.05), timeout=WAIT_MS)


def test_trace_sample_while_paused_publishes_a_new_snapshot(qtbot, worker):
    worker.reset(small_design())
    wait_paused(qtbot, worker)
    worker.set_trace_sample(7)
    qtbot.waitUntil(lambda: worker.latest().trace_sample == 7, timeout=WAIT_MS)
    worker.set_trace_sample(None)
    qtbot.waitUntil(lambda: worker.latest().trace_sample is None, timeout=WAIT_MS)


def test_divergence_pauses_with_a_message(qtbot, worker):
    worker.reset(diverging_design())
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().state == "diverged", timeout=WAIT_MS)
    assert "learning rate" in worker.latest().message
    qtbot.waitUntil(lambda: not worker.is_playing, timeout=WAIT_MS)


def test_play_after_finishing_trains_on(qtbot, worker):
    worker.reset(small_design(epochs=2))
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().state == "finished", timeout=WAIT_MS)
    assert worker.latest().epoch == 2
    qtbot.waitUntil(lambda: not worker.is_playing, timeout=WAIT_MS)
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().epoch > 2, timeout=WAIT_MS)


def test_shutdown_while_training_is_quick_and_clean(qtbot):
    worker = TrainingWorker()
    worker.reset(small_design())
    worker.play()
    qtbot.waitUntil(lambda: worker.latest().step > 10, timeout=WAIT_MS)
    assert worker.shutdown(timeout_ms=1000)  # the thread ended within the second it was given
    assert not worker.thread.isRunning()
    assert worker.trainer.state == "stopped"
    assert worker.shutdown()  # idempotent


SLOW = 0.01  # steps a second: the second step would come 100 s after the first


def _waiting_for_a_slow_step(qtbot, worker: TrainingWorker):
    """A run that has taken its first step and now waits 100 s for the next one."""
    worker.set_pace(SLOW)
    worker.reset(small_design())
    worker.play()
    trainer = worker.trainer
    qtbot.waitUntil(lambda: trainer.step == 1 and worker.latest().step == 1, timeout=WAIT_MS)
    return trainer


def test_a_run_replaced_while_it_waits_for_a_slow_step_ends_and_the_new_one_trains(qtbot, worker):
    old = _waiting_for_a_slow_step(qtbot, worker)
    worker.reset(small_design())
    new = worker.trainer
    qtbot.waitUntil(lambda: old.state == "stopped", timeout=WAIT_MS)  # not after 100 s
    worker.step_batch()  # the loop has moved on to the new run: its first step goes at once
    qtbot.waitUntil(lambda: new.step == 1, timeout=WAIT_MS)
    assert old.step == 1


def test_shutdown_while_a_run_waits_for_a_slow_step_joins_the_thread(qtbot):
    worker = TrainingWorker()
    trainer = _waiting_for_a_slow_step(qtbot, worker)
    assert worker.shutdown(timeout_ms=WAIT_MS)  # long before the next step would come
    assert not worker.thread.isRunning() and trainer.state == "stopped" and trainer.step == 1


def test_shutdown_without_a_run(qtbot):
    worker = TrainingWorker()
    assert worker.shutdown()
    assert not worker.thread.isRunning()


def test_refresh_republishes_without_cancelling_a_requested_step():
    """Changing the traced sample wakes the loop; it must not undo a Step asked for just before."""
    controls = Controls()
    controls.request_steps(3)
    controls.refresh()
    commands = controls.take()
    assert (commands.paused, commands.steps) == (False, 3)
    controls.refresh()
    assert controls.pending
    assert controls.take().paused is None  # nothing changes: a paused loop stays paused


def test_trace_change_after_a_step_request_still_trains_the_step(qtbot, worker):
    worker.reset(small_design())
    qtbot.waitUntil(lambda: worker.latest().state == "paused", timeout=WAIT_MS)
    worker.step_batch()
    worker.set_trace_sample(3)
    # The step's own snapshot may come first (state "running"), the paused one after it.
    qtbot.waitUntil(
        lambda: (s := worker.latest()).step == 1 and s.trace_sample == 3 and s.state == "paused",
        timeout=WAIT_MS,
    )
