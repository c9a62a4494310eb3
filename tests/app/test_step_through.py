"""Step-through: the next step phase by phase (→/←), the layer lit on the canvas, which draws
that very step (its numbers on hover, forward or backward as the phase is), the inspector
following, and at the end the network exactly where one ordinary step puts it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame

from nnviz.app.step_through import canvas_frame
from nnviz.core.step_phases import phase_caption
from nnviz.core.trainer import Trainer

WAIT_MS = 10_000


@pytest.fixture
def window(shown_window):
    return shown_window


def params(window):
    future = window.worker.call_on_trainer(
        lambda t: ([w.copy() for w in t.network.weights], [b.copy() for b in t.network.biases])
    )
    return future.result(timeout=10)


def test_walks_the_phases_and_ends_where_an_ordinary_step_does(window, qtbot):
    for step in (1, 2):
        window.step_batch()
        qtbot.waitUntil(lambda s=step: window.worker.latest().step == s, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.worker.latest().state == "paused", timeout=WAIT_MS)
    window.selection.set(layer=1, neuron=3, sample=11)
    panel = window.findChild(QFrame, "stepThrough")
    assert panel.isHidden()
    window.inspection.actions["step_through"].trigger()
    qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
    walk = panel.walk
    assert walk.step == 2 and walk.sample == 11
    n = len(walk.layers)
    seen = []
    for _ in range(2 * n + 1):
        phase = panel.phases[panel.index]
        seen.append((phase.kind, phase.layer))
        assert window.canvas.spotlight() == phase.columns
        assert window.canvas.phase_shown() == (canvas_frame(phase), panel_caption(panel))
        assert window.selection.layer == phase.layer  # the inspector follows
        if phase.kind in ("forward", "backward"):  # on the neuron the caption quotes
            assert window.selection.neuron == min(3, walk.layers[phase.layer - 1].units - 1)
            assert f"#{window.selection.neuron + 1}: " in phase.text
        assert window.inspection.feed.walk is walk  # the same step, not the one before
        assert phase.title in panel.title.text()
        qtbot.keyClick(window, Qt.Key.Key_Right)
    forward = [("forward", k) for k in range(1, n + 1)]
    backward = [("backward", k) for k in range(n, 0, -1)]
    assert seen == [*forward, ("loss", n), *backward]
    assert panel.phases[panel.index].kind == "update"
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert panel.phases[panel.index].kind == "backward"
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert params(window)[0][0][0, 0] == walk.layers[0].W[0, 0]  # nothing applied yet

    # The same run without the step-through: two ordinary steps, then a third.
    twin = Trainer(window.worker.trainer.design)
    for _ in range(3):
        twin.step_batch()
    with qtbot.waitSignal(panel.finished, timeout=WAIT_MS) as blocker:
        panel.next()  # take the step
        qtbot.waitUntil(lambda: window.worker.latest().step == 3, timeout=WAIT_MS)
        window.inspection.poll()
    assert blocker.args == [3]
    assert panel.isHidden() and window.canvas.spotlight() is None
    assert window.canvas.phase_shown() is None
    weights, biases = params(window)
    for k, layer in enumerate(walk.layers):
        np.testing.assert_array_equal(weights[k], layer.W_after)  # bit for bit
        np.testing.assert_array_equal(weights[k], twin.network.weights[k])
        np.testing.assert_array_equal(biases[k], twin.network.biases[k])
    window.step_batch()  # training goes on from there
    qtbot.waitUntil(lambda: window.worker.latest().step == 4, timeout=WAIT_MS)
    twin.step_batch()
    np.testing.assert_array_equal(params(window)[0][0], twin.network.weights[0])


def panel_caption(panel) -> str:
    return phase_caption(panel.walk, panel.phases[panel.index])


def test_the_canvas_draws_the_walked_step_and_its_update(window, qtbot):
    """During the phases the canvas's hover numbers are the walked step's (the next one, for
    its sample), not the last step's; the update shows the weights after it; once taken, the
    live canvas shows those same numbers."""
    for step in (1, 2):
        window.step_batch()
        qtbot.waitUntil(lambda s=step: window.worker.latest().step == s, timeout=WAIT_MS)
    window.selection.set(layer=1, neuron=2, sample=9)
    panel = window.inspection.step_through
    panel.start()
    qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
    walk = panel.walk
    canvas = window.canvas
    x, y = canvas.neuron_positions(1)[2]
    tip = canvas.tooltip_at(x, y)
    layer = walk.layers[0]
    assert "(next step, sample #9)" in tip and canvas.caption().startswith("Step 3 · Forward")
    assert f"z = Σ w·a + b = {layer.z[2]:.3g}" in tip and f"a = tanh(z) = {layer.a[2]:.3g}" in tip
    assert canvas.shown_state() == "forward"
    frame = canvas.current_frame()
    assert frame.reached(1) and not frame.reached(2)  # the pass stands at Hidden 1
    while panel.phases[panel.index].kind != "backward":
        panel.next()
    assert canvas.shown_state() == "backward"
    frame = canvas.current_frame()
    assert frame.reached(3) and not frame.reached(2)  # back from the output to Hidden 2's links
    assert frame.base == "forward"  # Hidden 2 still shows the activations ∂ℓ/∂w multiplies
    while panel.phases[panel.index].kind != "update":
        panel.next()
    assert canvas.caption().startswith("Step 3 · Update · Adam")
    tip = canvas.tooltip_at(x, y)
    assert "(step 3, sample #9)" in tip
    assert f"b = {layer.b[2]:.3g} in this step's pass → {layer.b_after[2]:.3g}" in tip
    with qtbot.waitSignal(panel.finished, timeout=WAIT_MS):
        panel.next()
        qtbot.waitUntil(lambda: window.worker.latest().step == 3, timeout=WAIT_MS)
        window.inspection.poll()
    window.update_frame()
    live = canvas.tooltip_at(x, y)
    assert "(step 3, sample #9)" in live and f"z = Σ w·a + b = {layer.z[2]:.3g}" in live


def test_stop_leaves_the_network_untouched(window, qtbot):
    before = params(window)
    window.inspection.step_through.start()
    panel = window.inspection.step_through
    qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
    panel.next()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert panel.isHidden() and window.canvas.mode() != "off"
    assert window.canvas.phase_shown() is None
    after = params(window)
    assert window.worker.latest().step == 0
    for a, b in zip(before[0], after[0], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_run_that_moves_on_by_itself_ends_the_walk(window, qtbot):
    panel = window.inspection.step_through
    panel.start()
    qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
    window.step_batch()  # an ordinary step while walking: the phases are out of date
    qtbot.waitUntil(lambda: window.worker.latest().step == 1, timeout=WAIT_MS)
    window.inspection.poll()
    assert panel.isHidden() and window.canvas.spotlight() is None
    assert "moved on" in window.statusBar().currentMessage()
