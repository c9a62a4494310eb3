"""The timeline: any recorded moment resumes bit for bit, the record stays in its budget, the
newest steps stay dense, and a moment's snapshot equals the one of a run stopped there."""

import gc
import math
import tracemalloc

import numpy as np
import pytest

from nnviz.bench import run_timeline_bench
from nnviz.core.design import Design
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer
from tests.design_factory import xor_design

DTYPES = ["float64", "float32"]


def design(dtype: str = "float64", **training) -> Design:
    # 150 training samples in batches of 16: ten steps an epoch, the last one smaller
    return Design.from_dict(
        xor_design(
            training={"dtype": dtype, "batch_size": 16, "epochs": 1000, **training},
            optimizer={"name": "adam", "learning_rate": 0.05},
        )
    )


def state(trainer: Trainer):
    net = trainer.network
    opt = trainer.optimizer.state_dict()
    return [*net.weights, *net.biases, *(v for k, v in sorted(opt.items()) if "." in k)]


def assert_same_run(a: Trainer, b: Trainer) -> None:
    assert (a.step, a.epoch, a.batch_in_epoch) == (b.step, b.epoch, b.batch_in_epoch)
    for x, y in zip(state(a), state(b), strict=True):
        assert x.dtype == y.dtype
        assert np.array_equal(x, y)
    assert a.batch_loss == b.batch_loss
    assert np.array_equal(a.history.rows(), b.history.rows(), equal_nan=True)
    assert np.array_equal(a.step_history.rows(), b.step_history.rows(), equal_nan=True)


def run_to(trainer: Trainer, step: int) -> Trainer:
    while trainer.step < step:
        trainer.step_batch()
    return trainer


@pytest.mark.parametrize("dtype", DTYPES)
def test_resuming_from_any_recorded_moment_reproduces_the_uninterrupted_run(dtype):
    d = design(dtype)
    straight = run_to(Trainer(d), 95)
    recorded = Trainer(d)
    timeline = Timeline()
    timeline.attach(recorded)
    run_to(recorded, 95)
    assert_same_run(recorded, straight)  # recording changes nothing
    past = recorded.snapshot()
    # step 0, inside an epoch, the last (smaller) batch, an epoch boundary, just after it
    for step in (0, 3, 9, 10, 11, 47):
        resumed = Trainer(d)
        timeline.restore(resumed, step, past)
        assert resumed.step == step and resumed.state != "running"
        assert_same_run(run_to(resumed, 95), straight)


def test_a_step_between_recorded_moments_is_rebuilt_exactly():
    d = design()
    trainer = Trainer(d)
    # as for a big network: a moment (about 3,600 bytes here) is larger than the dense size
    timeline = Timeline(dense_bytes=600)
    timeline.attach(trainer)
    run_to(trainer, 40)
    stride = timeline.stride
    assert stride == math.ceil(timeline.moment(40).nbytes / 600) > 2
    # after step 0's smaller moment (no optimizer state yet): every stride-th step
    steps = timeline.steps().tolist()
    assert steps[0] == 0 and steps[2:] == list(range(stride, 41, stride))
    resumed = Trainer(d)
    timeline.restore(resumed, 13, trainer.snapshot())
    assert_same_run(resumed, run_to(Trainer(d), 13))


def test_the_budget_holds_on_a_long_run_and_gaps_grow_with_age():
    trainer = Trainer(design())
    timeline = Timeline(budget_bytes=400_000)
    sizes = []
    timeline.attach(trainer)
    record = trainer.on_step

    def on_step(t):
        record(t)
        sizes.append(timeline.nbytes)

    trainer.on_step = on_step
    run_to(trainer, 6000)
    assert max(sizes) <= 400_000
    assert timeline.nbytes > 0.5 * 400_000  # thinned to what the age rule keeps, not emptied
    steps = timeline.steps()
    assert steps[0] == 0 and steps[-1] == 6000  # the start is kept
    dense = timeline.dense_steps
    assert dense is not None and dense >= 4
    age = 6000 - steps
    # every recorded step of the newest 2·dense steps; a gap no longer than its start's age / dense
    assert set(range(6000 - 2 * dense + 1, 6001)) <= set(steps.tolist())
    gaps = np.diff(steps)
    assert np.all(gaps <= np.maximum(age[:-1] / dense, 1))
    assert np.all(np.diff(gaps) <= 0)  # older moments lie further apart
    assert gaps[0] > 8  # the oldest part is thinned several times


def test_a_moments_size_is_the_memory_it_holds():
    trainer = Trainer(design())
    run_to(trainer, 5)
    timeline = Timeline()
    tracemalloc.start()
    try:
        timeline.attach(trainer)
        before = tracemalloc.get_traced_memory()[0]
        run_to(trainer, 2005)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # tracemalloc sees what is asked for; the allocator keeps a little more per array
    assert grown <= timeline.nbytes <= 1.15 * grown


def test_one_epoch_shares_one_shuffle():
    trainer = Trainer(design())
    timeline = Timeline()
    timeline.attach(trainer)
    run_to(trainer, 30)  # three epochs of ten steps
    orders = {id(timeline.moment(s).state["order"]) for s in range(31)}
    assert len(orders) == 4  # the initial order, then one shuffle per epoch
    own = sum(timeline.moment(s).nbytes for s in range(31))
    assert timeline.nbytes == own + 4 * timeline.moment(0).state["order"].nbytes


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_moments_snapshot_equals_a_run_stopped_there(dtype):
    d = design(dtype)
    trainer = Trainer(d)
    timeline = Timeline()
    timeline.attach(trainer)
    run_to(trainer, 57)
    past = trainer.snapshot()
    viewer = Trainer(d)  # one scratch trainer moved from moment to moment, as the window's
    for step in (0, 1, 23, 30, 2):
        stopped = run_to(Trainer(d), step)
        stopped.state = "paused"
        expected = stopped.snapshot()
        shown = timeline.snapshot_at(viewer, step, past)
        assert (shown.step, shown.epoch, shown.batch_in_epoch) == (step, step // 10, step % 10)
        arrays = ("weights", "biases", "grad_weights", "grad_biases", "pre", "post", "grad_pre")
        for name in arrays:
            for x, y in zip(getattr(shown, name), getattr(expected, name), strict=True):
                assert np.array_equal(x, y), name
        # the decision plane too, never one left from the moment shown before
        assert np.array_equal(shown.grid.output_map, expected.grid.output_map)
        for x, y in zip(shown.grid.neuron_maps, expected.grid.neuron_maps, strict=True):
            assert np.array_equal(x, y)
        assert shown.batch_loss == expected.batch_loss or step == 0
        assert shown.metrics.keys() == expected.metrics.keys()
        for key, value in expected.metrics.items():
            assert np.array_equal(shown.metrics[key], value, equal_nan=True), key
        for key, column in expected.history.items():
            assert np.array_equal(shown.history[key], column, equal_nan=True)


def test_a_branch_keeps_the_moments_up_to_its_step():
    trainer = Trainer(design())
    timeline = Timeline()
    timeline.attach(trainer)
    run_to(trainer, 25)
    branch = timeline.truncated(12)
    assert list(branch.steps()) == list(range(13))
    assert branch.moment(12) is timeline.moment(12)
    assert timeline.nearest(100) == 25 and branch.nearest(100) == 12
    with pytest.raises(ValueError, match="before the timeline's first moment"):
        Timeline().restore(Trainer(design()), 3)


def test_the_timeline_bench_reports_the_record_and_the_memory():
    results = list(run_timeline_bench(steps=300, report_s=3600.0, budget_bytes=100_000))
    last = results[-1]
    assert last["case"] == "timeline" and last["steps"] >= 300
    assert 0 < last["timeline_bytes"] <= 100_000
    assert last["rss_bytes"] > last["timeline_bytes"]


def test_the_garbage_collector_does_not_walk_the_record():
    """A full collection holds the interpreter lock for as long as it walks: it must not walk
    every moment of a record of tens of thousands."""
    trainer = Trainer(design())
    run_to(trainer, 5)
    gc.collect()
    before = len(gc.get_objects())
    timeline = Timeline()
    timeline.attach(trainer)
    run_to(trainer, 1005)
    for _ in range(4):  # a tuple is let go once the tuples inside it are: one level a pass
        gc.collect()
    assert len(gc.get_objects()) - before <= 1.2 * len(timeline)  # the moments themselves
    moment = timeline.moment(500)
    assert not gc.is_tracked(moment.values)
    resumed = Trainer(design())  # packed as it is, a moment resumes as before
    timeline.restore(resumed, 1000, trainer.snapshot())
    assert_same_run(run_to(resumed, 1005), trainer)
