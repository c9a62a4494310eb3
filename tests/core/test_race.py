"""Race variants: each setting changes exactly what it names, bad values are one line, and
the variants train from the same initial weights and arrive as results; a stop stops."""

import threading

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.design import Design, DesignError
from nnviz.core.race import SETTINGS, parse_values, race, variants
from nnviz.core.runs import differences
from nnviz.core.trainer import Trainer

BASE = Design.from_dict(xor_design(training={"batch_size": 10, "epochs": 5, "seed": 3}))


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_every_setting_makes_variants_that_differ_only_there(setting):
    values = parse_values(setting, SETTINGS[setting].example)
    designs = variants(BASE, setting, values)
    assert len(designs) == len(values)
    label = SETTINGS[setting].label.split()[-1]
    for design in designs:
        changed = differences(BASE, design)
        assert all(label in text or "optimizer" in text for text in changed), changed
    assert len({str(d.to_dict()) for d in designs}) == len(values)


def test_values_are_checked_with_one_line_each():
    assert parse_values("learning_rate", "0.1, 0.01") == [0.1, 0.01]
    assert parse_values("regularization", "none, l2 0.001") == [None, ("l2", 0.001)]
    with pytest.raises(ValueError, match="learning rate: 'fast' is not a valid value"):
        parse_values("learning_rate", "0.1, fast")
    with pytest.raises(ValueError, match="give 2 to 5 values"):
        parse_values("batch_size", "8")
    with pytest.raises(DesignError, match="optimizer 'adamx'"):
        variants(BASE, "optimizer", ["sgd", "adamx"])


def test_variants_start_from_the_same_weights_and_train_as_alone():
    designs = variants(BASE, "optimizer", ["sgd", "adam", "rmsprop"])
    base = Trainer(BASE)
    initial = (tuple(base.network.weights), tuple(base.network.biases))
    seen = []
    results = list(
        race(designs, base.data, 3, initial, threading.Event(), lambda i, e: seen.append((i, e)))
    )
    assert [r.state for r in results] == ["finished"] * 3
    assert seen == [(i, e) for i in range(3) for e in (1, 2, 3)]
    for result, design in zip(results, designs, strict=True):
        for got, want in zip(result.initial[0], initial[0], strict=True):
            assert np.array_equal(got, want)
        alone = Trainer(design, data=base.data)
        alone.network.load_weights(*initial)
        for _ in range(3):
            alone.run_epoch()
        assert result.steps == alone.step == 3 * alone.batches_per_epoch
        assert np.array_equal(result.history["train_loss"], alone.history.column("train_loss"))


class StopAfter(threading.Event):
    """A stop that is set once it has been looked at `checks` times."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0 or super().is_set()


def test_a_stop_ends_the_race_within_an_epoch_after_the_current_step():
    """A window that closes waits for the race: it must not wait for a whole epoch."""
    designs = variants(BASE, "learning_rate", [0.1, 0.01])
    data = Trainer(BASE).data
    assert Trainer(BASE).batches_per_epoch > 3
    (result,) = race(designs, data, 50, None, StopAfter(3))
    assert result.state == "stopped" and result.steps == 2


def test_a_stop_set_at_an_epoch_end_ends_the_race_there():
    designs = variants(BASE, "learning_rate", [0.1, 0.01])
    stop = threading.Event()
    data = Trainer(BASE).data
    results = list(race(designs, data, 50, None, stop, lambda i, e: e == 2 and stop.set()))
    assert len(results) == 1 and results[0].state == "stopped"
    assert results[0].steps == 2 * Trainer(BASE).batches_per_epoch
