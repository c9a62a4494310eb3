"""Distributions and the confusion matrix equal what is computed directly from a snapshot."""

import dataclasses

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.design import Design
from nnviz.core.distributions import (
    BINS,
    QUANTITIES,
    DistributionRecord,
    confusion,
)
from nnviz.core.network import Network
from nnviz.core.trainer import Trainer

DESIGN = Design.from_dict(xor_design(training={"batch_size": 10, "epochs": 50, "seed": 3}))


def snapshots(steps: list[int]):
    trainer = Trainer(DESIGN)
    for step in steps:
        while trainer.step < step:
            trainer.step_batch()
        yield trainer, trainer.snapshot()


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_every_histogram_counts_the_snapshots_values(quantity):
    record = None
    kept = []
    for trainer, snap in snapshots([1, 40, 400]):
        record = record or DistributionRecord(DESIGN, trainer.data)
        assert record.add(snap)
        kept.append(snap)
    assert not record.add(kept[-1])  # the same step twice is recorded once
    net = Network(DESIGN, seed=0)
    for layer in range(len(DESIGN.layers)):
        heat = record.heatmap(quantity, layer)
        assert list(heat.steps) == [1, 40, 400] and heat.counts.shape == (3, BINS)
        for row, snap in zip(heat.counts, kept, strict=True):
            if quantity == "weights":
                values = snap.weights[layer]
            elif quantity == "gradients":
                values = snap.grad_weights[layer]
            else:
                net.load_weights(snap.weights, snap.biases)
                values = net.forward(record.sample).post[layer]
            direct, _ = np.histogram(np.ravel(values), bins=heat.edges)
            assert np.array_equal(row, direct)  # also the older rows, after the range grew
        assert np.array_equal(heat.current, heat.counts[-1])
        assert heat.edges[0] == -heat.edges[-1] and np.all(np.abs(heat.edges) >= 0)


def test_the_record_stays_bounded_and_keeps_the_newest():
    trainer = Trainer(DESIGN)
    record = DistributionRecord(DESIGN, trainer.data, capacity=10)
    for _ in range(25):
        trainer.step_batch()
        record.add(trainer.snapshot())
    assert len(record) <= 10 and record.steps[-1] == 25
    assert record.steps == sorted(record.steps) and record.steps[-3:] == [23, 24, 25]


def test_the_confusion_matrix_counts_true_against_predicted_on_the_test_split():
    trainer, snap = next(snapshots([300]))
    result = confusion(DESIGN, snap, trainer.data)
    data = trainer.data
    output = trainer.network.forward(data.x_test).output
    predicted = (output[:, 0] > 0.5).astype(int)
    assert result.split == "test"
    for i in range(2):
        for j in range(2):
            cell = np.flatnonzero((data.y_test == i) & (predicted == j))
            assert result.matrix[i, j] == len(cell)
            assert np.array_equal(result.samples(i, j), cell)
    trainer.evaluate()
    assert result.accuracy == pytest.approx(trainer.evaluate()["test_accuracy"])
    assert result.class_names == data.class_names


def test_without_a_test_split_the_matrix_uses_the_training_split():
    design = Design.from_dict(
        xor_design(dataset={"name": "xor", "samples": 60, "test_fraction": 0.0, "seed": 1})
    )
    trainer = Trainer(design)
    result = confusion(design, trainer.snapshot(), trainer.data)
    assert result.split == "train" and result.matrix.sum() == len(trainer.data.x_train)


def test_a_wider_range_rebins_the_old_counts_exactly():
    trainer, snap = next(snapshots([5]))
    record = DistributionRecord(DESIGN, trainer.data)
    record.add(snap)
    first = record.heatmap("weights", 0).edges
    bigger = dataclasses.replace(snap, step=6, weights=tuple(w * 10 for w in snap.weights))
    record.add(bigger)
    heat = record.heatmap("weights", 0)
    assert heat.edges[-1] >= 8 * first[-1]
    for row, weights in zip(heat.counts, (snap.weights[0], bigger.weights[0]), strict=True):
        assert np.array_equal(row, np.histogram(weights.ravel(), bins=heat.edges)[0])


def test_a_large_split_is_counted_on_a_fixed_sample_that_says_so(monkeypatch):
    from nnviz.core import distributions

    monkeypatch.setattr(distributions, "CONFUSION_SAMPLES", 40)
    trainer, snap = next(snapshots([300]))
    data = trainer.data
    result = confusion(DESIGN, snap, data)
    assert result.matrix.sum() == 40 and result.split_size == len(data.x_test) > 40
    assert result.scope == f"40 of {len(data.x_test)} test samples"
    assert np.array_equal(result.rows, np.sort(result.rows))
    assert np.array_equal(result.rows, confusion(DESIGN, snap, data).rows)  # the same rows
    output = trainer.network.forward(data.x_test[result.rows]).output
    predicted = (output[:, 0] > 0.5).astype(int)
    for i in range(2):
        for j in range(2):
            cell = result.rows[(data.y_test[result.rows] == i) & (predicted == j)]
            assert np.array_equal(result.samples(i, j), cell)
            assert result.matrix[i, j] == len(cell)
