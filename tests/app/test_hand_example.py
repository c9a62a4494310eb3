"""The hand-computed 2-2-2 example opens on its own weights, and one Step gives the paper's."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.main_window import MainWindow
from nnviz.core.examples import example_path, example_weights, list_examples

CLASSIC = {"W0": [[0.15, 0.25], [0.20, 0.30]], "W1": [[0.40, 0.50], [0.45, 0.55]]}


def test_opening_the_example_starts_from_its_weights_and_steps_like_the_paper(main_window, qtbot):
    example = next(e for e in list_examples() if e.name == "backprop_2_2_2")
    assert main_window.files.open_example(example)
    trainer = main_window.worker.trainer
    np.testing.assert_array_equal(trainer.network.weights[0], CLASSIC["W0"])
    np.testing.assert_array_equal(trainer.network.weights[1], CLASSIC["W1"])
    main_window.actions["step"].trigger()
    qtbot.waitUntil(lambda: main_window.worker.latest().step == 1, timeout=10_000)
    w5 = main_window.worker.latest().weights[1][0, 0]
    assert w5 == pytest.approx(0.35891648, abs=1e-8)


def test_the_example_named_at_launch_starts_from_its_weights(qtbot):
    window = MainWindow(str(example_path("backprop_2_2_2")))
    qtbot.addWidget(window)
    try:
        np.testing.assert_array_equal(window.worker.trainer.network.weights[1], CLASSIC["W1"])
    finally:
        window.close()


def test_only_examples_that_ship_weights_have_them():
    assert example_weights("xor") is None
    weights, biases = example_weights("backprop_2_2_2")
    np.testing.assert_array_equal(weights[1], CLASSIC["W1"])
    np.testing.assert_array_equal(biases[0], [0.35, 0.35])
