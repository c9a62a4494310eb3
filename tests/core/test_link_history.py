"""Link histories: one point per new step seen, small networks whole from the start, a bounded
length that keeps the run's whole span."""

from __future__ import annotations

import dataclasses

import numpy as np
from design_factory import XOR, merged

from nnviz.core.design import Design
from nnviz.core.link_history import LinkHistory
from nnviz.core.trainer import Trainer


def test_records_weight_and_gradient_of_each_new_step():
    trainer = Trainer(Design.from_dict(merged(XOR)))
    history = LinkHistory()
    history.reset(trainer.network.layer_sizes)  # 2-6-1: small, every link from the start
    assert history.tracked((1, 5, 0))
    history.record(trainer.snapshot())
    expected = []
    for _ in range(5):
        trainer.step_batch()
        snap = trainer.snapshot()
        history.record(snap)
        history.record(snap)  # the same step again: no new point
        expected.append((snap.step, snap.weights[0][1, 4], snap.grad_weights[0][1, 4]))
    steps, w, g = history.series((0, 1, 4))
    np.testing.assert_array_equal(steps, [0, 1, 2, 3, 4, 5])
    assert np.isnan(g[0])  # no gradient before the first step
    np.testing.assert_array_equal(np.column_stack([steps, w, g])[1:], expected)


def test_big_networks_record_a_link_from_when_it_is_chosen():
    history = LinkHistory()
    history.reset((784, 128, 10))
    assert not history.tracked((0, 5, 5))
    assert history.series((0, 5, 5))[0].size == 0
    trainer = Trainer(Design.from_dict(merged(XOR)))
    snap = trainer.snapshot()
    history.track((0, 1, 2))
    history.record_now(snap)
    steps, w, _ = history.series((0, 1, 2))
    assert list(steps) == [0] and w[0] == snap.weights[0][1, 2]


def test_a_full_series_thins_its_older_points():
    trainer = Trainer(Design.from_dict(merged(XOR)))
    snap = trainer.snapshot()
    history = LinkHistory(capacity=8)
    history.reset(trainer.network.layer_sizes)
    for step in range(20):
        history.record(dataclasses.replace(snap, step=step))
    steps, _, _ = history.series((0, 0, 0))
    assert len(steps) <= 8
    assert steps[0] == 0 and steps[-1] == 19
    assert np.all(np.diff(steps) > 0)
