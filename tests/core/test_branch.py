"""Branching from a recorded moment: unchanged it is the old run exactly; with what steers the
updates changed, it is the old run up to that moment and the new settings from there."""

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.branch import branch
from nnviz.core.design import Design
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer


def design(**changes) -> Design:
    # 150 training samples in batches of 16: ten steps an epoch
    base = {"training": {"batch_size": 16, "epochs": 1000, "seed": 0}}
    return Design.from_dict(xor_design(**{**base, **changes}))


def run_to(trainer: Trainer, step: int) -> Trainer:
    while trainer.step < step:
        trainer.step_batch()
    return trainer


def recorded(d: Design, steps: int) -> tuple[Trainer, Timeline]:
    trainer = Trainer(d)
    timeline = Timeline()
    timeline.attach(trainer)
    return run_to(trainer, steps), timeline


def same_weights(a: Trainer, b: Trainer) -> bool:
    ours, theirs = a.network.weights + a.network.biases, b.network.weights + b.network.biases
    return all(np.array_equal(x, y) for x, y in zip(ours, theirs, strict=True))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unchanged_it_is_the_old_run_exactly(dtype):
    d = design(training={"batch_size": 16, "epochs": 1000, "seed": 0, "dtype": dtype})
    run, timeline = recorded(d, 60)
    resumed = branch(timeline, run, d, d, 23, run.snapshot())
    assert resumed.step == 23 and resumed.state != "running"
    assert same_weights(run_to(resumed, 60), run)
    assert np.array_equal(resumed.history.rows(), run.history.rows(), equal_nan=True)


def test_a_learning_rate_changed_then_is_the_old_run_with_that_rate_set_there():
    d = design(optimizer={"name": "adam", "learning_rate": 0.05})
    run, timeline = recorded(d, 60)
    lowered = design(optimizer={"name": "adam", "learning_rate": 0.005})
    resumed = run_to(branch(timeline, run, d, lowered, 25), 60)
    expected = run_to(Trainer(d), 25)
    expected.set_learning_rate(0.005)  # as if it had been lowered at step 25
    run_to(expected, 60)
    assert same_weights(resumed, expected) and resumed.learning_rate == pytest.approx(0.005)
    assert not same_weights(resumed, run)


def test_another_optimizer_starts_afresh_on_the_same_weights_and_batches():
    sgd = design(optimizer={"name": "sgd", "learning_rate": 0.1})
    run, timeline = recorded(sgd, 40)
    momentum = design(optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9})
    resumed = branch(timeline, run, sgd, momentum, 13)
    at = run_to(Trainer(sgd), 13)
    assert same_weights(resumed, at) and resumed.optimizer.steps == 0
    assert np.array_equal(resumed.next_batch()[0], at.next_batch()[0])  # the same batches
    resumed.step_batch()
    at.step_batch()  # SGD's first step with momentum is a plain one: its buffer starts empty
    assert same_weights(resumed, at)
    resumed.step_batch()
    at.step_batch()
    assert not same_weights(resumed, at)  # the momentum shows from the second step on


def test_regularization_changed_adds_its_term_to_the_very_next_loss():
    d = design()
    run, timeline = recorded(d, 30)
    l2 = design(regularization={"kind": "l2", "rate": 0.01})
    resumed = branch(timeline, run, d, l2, 17)
    at = run_to(Trainer(d), 17)
    penalty = 0.01 / 2 * sum(float(np.sum(w**2)) for w in at.network.weights)
    assert resumed.step_batch() == pytest.approx(at.step_batch() + penalty, rel=1e-12)


def test_an_unrecorded_step_is_reached_with_the_old_settings_first():
    d = design()
    trainer = Trainer(d)
    timeline = Timeline(dense_bytes=600)  # a moment every few steps only
    timeline.attach(trainer)
    run_to(trainer, 40)
    assert 21 not in timeline.steps()
    lowered = design(optimizer={"name": "adam", "learning_rate": 0.002})
    resumed = branch(timeline, trainer, d, lowered, 21)
    assert resumed.step == 21 and same_weights(resumed, run_to(Trainer(d), 21))


def test_what_changes_the_network_or_its_batches_cannot_branch():
    d = design()
    run, timeline = recorded(d, 10)
    fewer = design(training={"batch_size": 8, "epochs": 1000, "seed": 0})
    for other in (fewer, design(initializer="he_normal")):
        with pytest.raises(ValueError, match="starts a fresh run"):
            branch(timeline, run, d, other, 5)
