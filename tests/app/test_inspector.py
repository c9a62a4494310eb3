"""The neuron inspector: click a neuron, read the numbers of the step the window shows (the last
one taken); they are the engine's to every printed digit and the canvas's hover says the same.
A link shows its history; a paused run's weight can be set and undone."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget

from nnviz.app.inspector import fmt
from nnviz.core.neuron_view import neuron_view

WAIT_MS = 10_000
NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?")


def after(text: str, label: str) -> str:
    """The first number printed after `label` in the inspector's text."""
    start = text.index(label) + len(label)
    return NUMBER.search(text, start).group(0)


def printed(x: float) -> str:
    return fmt(x)


@pytest.fixture
def window(qtbot, shown_window):
    w = shown_window
    for step in range(1, 4):
        w.step_batch()
        qtbot.waitUntil(lambda s=step: w.worker.latest().step == s, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.worker.latest().state == "paused", timeout=WAIT_MS)
    return w


def engine_walk(window, sample):
    """The step the window shows, taken apart by the trainer itself."""
    future = window.worker.call_on_trainer(lambda t: t.shown_walkthrough(sample))
    return future.result(timeout=10)


def inspect(window, qtbot, **selection):
    feed = window.inspection.feed
    with qtbot.waitSignal(feed.walkthroughReady, timeout=WAIT_MS):
        window.selection.set(**selection)
        window.inspection.poll()
    return window.inspection.inspector


def test_clicking_a_neuron_opens_the_inspector_with_the_engines_numbers(window, qtbot):
    window.selection.set(sample=7)
    window.update_frame()
    dock = window.findChild(QDockWidget, "inspectorDock")
    assert dock.isHidden()
    x, y = window.canvas.neuron_positions(2)[1]  # Hidden 2, unit #2
    feed = window.inspection.feed
    with qtbot.waitSignal(feed.walkthroughReady, timeout=WAIT_MS):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
        window.inspection.poll()
    assert dock.isVisible()
    text = dock.body.toPlainText()
    view = neuron_view(engine_walk(window, 7), 2, 1)
    assert after(text, "z = Σ aᵢ·wᵢ + b") == printed(view.z)
    checks = {
        "+ bias b": view.b,
        f"a = {view.activation}(z) =": view.a,
        "f′(z) =": view.slope,
        "∂ℓ/∂a = Σⱼ wⱼ·∂ℓ/∂zⱼ": view.dL_da,
        "∂ℓ/∂z = ∂ℓ/∂a × f′(z) =": view.dL_da,
        "= " + printed(view.dL_da) + " × " + printed(view.slope) + " =": view.dL_dz,
        "bias b: ": view.params[-1].before,
    }
    for label, value in checks.items():
        assert after(text, label) == printed(value), label
    top = view.terms[0]
    name = window.inspection.feed.unit_name(1, top.source)
    row = text[text.index("Forward") :]
    assert after(row, name) == printed(top.a)
    grads = text[text.index("Gradients of the incoming weights") :]
    first = grads.index(f"w from {name}") + len(f"w from {name}")
    sample_grad, batch_grad = NUMBER.findall(grads[first:])[:2]
    param = next(p for p in view.params if p.source == top.source)
    assert (sample_grad, batch_grad) == (printed(param.sample_grad), printed(param.batch_grad))
    update = text[text.index("Update · Adam") :]
    assert after(update, f"w from {name}: " + printed(param.before) + " →") == printed(param.after)
    assert "sample #7" in dock.header.text()
    assert view.walk.taken and view.walk.step == 2  # the step the canvas shows: step 3
    assert "step 3, the last one taken" in dock.header.text()
    assert "the weights after step 2" in dock.header.text()


def test_the_inspector_and_the_canvas_hover_quote_the_same_step(window, qtbot):
    """Same neuron, same sample: the tooltip's z, a, ∂ℓ/∂a, ∂ℓ/∂z and the inspector's agree."""
    inspect(window, qtbot, layer=1, neuron=3, sample=5)
    window.update_frame()
    view = window.inspection.inspector.view
    x, y = window.canvas.neuron_positions(1)[3]
    tip = window.canvas.tooltip_at(x, y)
    assert "(step 3, sample #5)" in tip
    for label, value in (
        ("z = Σ w·a + b = ", view.z),
        ("a = tanh(z) = ", view.a),
        ("∂ℓ/∂a = ", view.dL_da),
        ("∂ℓ/∂z = ∂ℓ/∂a · f′(z) = ", view.dL_dz),
        ("∂L/∂b = ", view.params[-1].batch_grad),
    ):
        assert f"{label}{value:.3g}" in tip, label
    bias = view.params[-1]
    assert f"b = {bias.before:.3g} in this step's pass → {bias.after:.3g}" in tip


def test_the_output_neuron_takes_dL_da_from_the_loss(window, qtbot):
    dock = inspect(window, qtbot, layer=3, neuron=0, sample=2)
    text = dock.body.toPlainText()
    view = neuron_view(engine_walk(window, 2), 3, 0)
    assert "comes from the loss (binary_cross_entropy)" in text
    assert after(text, "∂ℓ/∂a =") == printed(view.dL_da)
    assert after(text, "= " + printed(view.dL_da) + " × " + printed(view.slope) + " =") == printed(
        view.dL_dz
    )


def test_a_link_shows_its_weight_and_gradient_over_the_run(window, qtbot):
    dock = inspect(window, qtbot, layer=1, neuron=2, link=(0, 1, 2))
    snap = window.worker.latest()
    label = dock.link_label.text()
    assert fmt(float(snap.weights[0][1, 2])) in label
    assert fmt(float(snap.grad_weights[0][1, 2])) in label
    assert dock.edit_param.currentData() == 1  # the clicked link's weight, ready to edit
    assert dock.edit_value.value() == pytest.approx(snap.weights[0][1, 2], abs=1e-4)
    steps, weights = dock.weight_curve.getData()
    # one point per step the window has seen (a small network: every link from the start)
    assert len(steps) >= 2 and set(steps) <= {0, 1, 2, 3} and steps[-1] == 3
    assert weights[-1] == snap.weights[0][1, 2]


def test_a_paused_runs_weight_is_set_in_place_and_undone(window, qtbot):
    dock = inspect(window, qtbot, layer=1, neuron=0, sample=4)
    feed = window.inspection.feed
    assert dock.edit_button.isEnabled()
    source = dock.view.terms[0].source
    old = dock.view.value_now(source)  # the network's weight now, after the step shown
    dock.edit_param.setCurrentIndex(dock.edit_param.findData(source))
    dock.edit_value.setValue(1.25)
    with qtbot.waitSignal(feed.walkthroughReady, timeout=WAIT_MS):
        dock.edit_button.click()
    trainer_w = window.worker.call_on_trainer(lambda t: float(t.network.weights[0][source, 0]))
    assert trainer_w.result(timeout=10) == 1.25
    view = neuron_view(engine_walk(window, 4), 1, 0)
    assert next(p.before for p in view.params if p.source == source) == 1.25
    assert not view.walk.taken  # the edit starts the next step afresh
    assert after(dock.body.toPlainText(), "z = Σ aᵢ·wᵢ + b") == printed(view.z)  # recomputed
    assert "step 4, the next one (not taken yet)" in dock.header.text()
    assert window.document.undo_stack.canUndo()
    with qtbot.waitSignal(feed.walkthroughReady, timeout=WAIT_MS):
        window.document.undo_stack.undo()
    trainer_w = window.worker.call_on_trainer(lambda t: float(t.network.weights[0][source, 0]))
    assert trainer_w.result(timeout=10) == old


def test_editing_is_refused_while_training_runs(window, qtbot):
    dock = inspect(window, qtbot, layer=1, neuron=0)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.worker.latest().state == "running", timeout=WAIT_MS)
    window.inspection.poll()
    qtbot.waitUntil(lambda: not dock.edit_button.isEnabled(), timeout=WAIT_MS)
    window.inspection.feed.edit(1, -1, 0, 3.0)
    assert "Pause training" in window.statusBar().currentMessage()
    window.toggle_play()


def test_a_past_moment_on_the_timeline_shows_its_own_step(window, qtbot):
    dock = inspect(window, qtbot, layer=1, neuron=0, sample=4, link=(0, 1, 0))
    assert "from the timeline" not in dock.header.text()
    window.timeline_panel.show_step(2)
    qtbot.waitUntil(lambda: window.timeline_panel.viewing is not None, timeout=WAIT_MS)
    window.inspection.poll()
    qtbot.waitUntil(lambda: "from the timeline (step 2)" in dock.header.text(), timeout=WAIT_MS)
    assert dock.view.walk.taken and dock.view.walk.step == 1  # the moment's own step 2
    steps, _ = dock.weight_curve.getData()
    assert list(steps) == sorted(steps)  # the past moment added no point out of order


def test_a_reopened_session_inspects_its_last_step(window, qtbot, tmp_path):
    """Saved after three steps and opened again: the inspector takes step 3 apart as before
    (its gradients, not zeros; its update), and the canvas's hover agrees."""
    before = inspect(window, qtbot, layer=2, neuron=1, sample=6).view
    path = tmp_path / "run.nnviz"
    assert window.files.save_session(path)
    window.step_batch()  # the run moves on; the file keeps step 3
    qtbot.waitUntil(lambda: window.worker.latest().step == 4, timeout=WAIT_MS)
    feed = window.inspection.feed
    window.inspection.poll()
    qtbot.waitUntil(lambda: feed.walk.step == 3, timeout=WAIT_MS)  # the inspector moved on
    with qtbot.waitSignal(feed.walkthroughReady, timeout=WAIT_MS):
        assert window.files.open_path(path)
        qtbot.waitUntil(lambda: window.worker.latest().step == 3, timeout=WAIT_MS)
        window.selection.set(layer=2, neuron=1, sample=6)
        window.inspection.poll()
    qtbot.waitUntil(lambda: feed.walk.step == 2 and feed.walk.taken, timeout=WAIT_MS)
    again = window.inspection.inspector.view
    assert again.dL_dz == before.dL_dz and again.dL_dz != 0
    assert [p.batch_grad for p in again.params] == [p.batch_grad for p in before.params]
    assert [p.after for p in again.params] == [p.after for p in before.params]
    window.update_frame()
    x, y = window.canvas.neuron_positions(2)[1]
    assert f"∂ℓ/∂z = ∂ℓ/∂a · f′(z) = {before.dL_dz:.3g}" in window.canvas.tooltip_at(x, y)
