"""The network canvas draws what a snapshot says: neurons, colours, links, modes and hover text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from design_factory import xor_design
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from snapshot_factory import make_snapshot

from nnviz.app.views.animation import BACKWARD, DIM, FORWARD, Sweep
from nnviz.app.views.colormap import DIVERGING_LUT, NEGATIVE, POSITIVE, ZERO, diverging_rgb
from nnviz.app.views.network_canvas import NetworkCanvas, _covered
from nnviz.core.design import Design
from nnviz.core.pictures import Picture
from nnviz.core.trainer import Trainer


def _hue(color) -> str:
    """'blue' or 'orange' for a colour of the diverging map."""
    return "blue" if color.blue() > color.red() else "orange"


def test_colormap_ends_and_centre_are_exact():
    assert tuple(DIVERGING_LUT[0]) == NEGATIVE
    assert tuple(DIVERGING_LUT[-1]) == POSITIVE
    assert tuple(diverging_rgb(np.array([-5.0, 0.0, 5.0]), 2.0)[0]) == NEGATIVE
    assert tuple(diverging_rgb(np.array([-5.0, 0.0, 5.0]), 2.0)[2]) == POSITIVE
    middle = diverging_rgb(np.array([0.0]), 1.0)[0]
    assert np.abs(middle.astype(int) - np.array(ZERO)).max() <= 6
    assert tuple(diverging_rgb(np.array([np.nan]), 1.0)[0]) == tuple(middle)


@pytest.mark.parametrize(
    ("sizes", "kinds"),
    [
        ((2, 2, 1), ["neurons", "neurons", "neurons"]),
        ((2, 8, 8, 8, 8, 8, 8, 1), ["neurons"] * 8),
        ((784, 128, 64, 10), ["image", "strip", "strip", "neurons"]),
    ],
)
def test_canvas_shows_every_unit_of_the_design(canvas, sizes, kinds):
    if sizes[0] == 784:
        canvas.set_picture(Picture(28, 28))
    canvas.set_snapshot(make_snapshot(sizes))
    assert canvas.neuron_count() == sum(sizes)
    assert canvas.layer_kinds() == kinds
    for column, units in enumerate(sizes):
        positions = canvas.neuron_positions(column)
        assert positions.shape == (units, 2)
        assert (positions >= 0).all()
        assert (positions[:, 0] <= canvas.width()).all()
        assert (positions[:, 1] <= canvas.height()).all()
    xs = [canvas.neuron_positions(c)[:, 0].mean() for c in range(len(sizes))]
    assert xs == sorted(xs)


def test_wide_layers_become_strips_and_784_inputs_without_shape_too(canvas):
    canvas.set_snapshot(make_snapshot((784, 30, 24, 10)))
    assert canvas.layer_kinds() == ["strip", "strip", "neurons", "neurons"]


def test_neuron_colour_follows_the_sign_of_its_activation(canvas):
    sizes = (2, 3, 1)
    canvas.set_snapshot(make_snapshot(sizes, post=[np.array([0.9, -0.9, 0.0]), np.array([0.5])]))
    assert _hue(canvas.neuron_color(1, 0)) == "blue"
    assert _hue(canvas.neuron_color(1, 1)) == "orange"
    canvas.set_snapshot(make_snapshot(sizes, post=[np.array([-0.9, 0.9, 0.0]), np.array([0.5])]))
    assert _hue(canvas.neuron_color(1, 0)) == "orange"
    assert _hue(canvas.neuron_color(1, 1)) == "blue"
    pale = canvas.neuron_color(1, 2)
    assert abs(pale.red() - pale.blue()) < 15  # zero is neutral


def test_neuron_colour_is_the_exact_map_entry_at_the_layer_scale(canvas):
    canvas.set_snapshot(make_snapshot((2, 2, 1), post=[np.array([1.0, -0.5]), np.array([0.2])]))
    expected = diverging_rgb(np.array([-0.5]), 1.0)[0]
    color = canvas.neuron_color(1, 1)
    assert (color.red(), color.green(), color.blue()) == tuple(int(c) for c in expected)


def test_backward_mode_colours_neurons_by_gradient(canvas):
    s = make_snapshot((2, 3, 1))
    canvas.set_snapshot(s)
    canvas.set_mode("backward")
    assert canvas.shown_state() == BACKWARD
    for unit, g in enumerate(s.grad_pre[0]):
        if abs(g) > 1e-3:
            assert _hue(canvas.neuron_color(1, unit)) == ("blue" if g > 0 else "orange")


def test_link_width_grows_with_weight_magnitude(canvas):
    w0 = np.array([[0.05, -0.4, 1.0], [-1.0, 0.7, 0.2]])
    canvas.set_snapshot(make_snapshot((2, 3, 1), weights=[w0, np.ones((3, 1))]))
    widths = [canvas.link_width(0, 0, 0), canvas.link_width(0, 0, 1), canvas.link_width(0, 1, 1)]
    assert widths[0] < widths[1] < widths[2]
    assert canvas.link_width(0, 0, 2) == canvas.link_width(0, 1, 0)  # same |w|, either sign


def test_dense_layer_pairs_draw_only_their_strongest_links(canvas):
    canvas.set_picture(Picture(28, 28))
    s = make_snapshot((784, 128, 10))
    canvas.set_snapshot(s)
    w = np.abs(s.weights[0])
    strongest = np.unravel_index(np.argmax(w), w.shape)
    weakest = np.unravel_index(np.argmin(w), w.shape)
    assert canvas.link_width(0, *strongest) > 0
    assert canvas.link_width(0, *weakest) == 0


def test_mode_switching_and_speed(canvas):
    canvas.set_snapshot(make_snapshot((2, 4, 1)))
    for mode in ("forward", "backward", "both", "off"):
        canvas.set_mode(mode)
        assert canvas.mode() == mode
    with pytest.raises(ValueError, match="forward"):
        canvas.set_mode("sideways")
    canvas.set_mode("forward")  # a new mode sweeps the last step again
    assert canvas.current_frame().phase == "Forward pass"


def test_forward_sweep_lights_layers_left_to_right_then_backward():
    sweep = Sweep(n_layers=3)
    sweep.set_mode("both")
    assert not sweep.running  # nothing moves until a step starts a sweep
    sweep.start()
    start = sweep.frame()
    assert (start.base, start.wave, start.direction) == (DIM, FORWARD, 1)
    assert start.reached(0) and not start.reached(2)
    sweep.advance(0.45 * 2)
    assert sweep.frame().reached(2) and not sweep.frame().reached(3)
    sweep.advance(0.45 + 0.01)
    assert sweep.frame().phase == "Loss"
    sweep.advance(0.35)
    back = sweep.frame()
    assert (back.base, back.wave, back.direction) == (FORWARD, BACKWARD, -1)
    assert back.reached(3) and not back.reached(1)
    sweep.set_speed(2.0)
    sweep.advance(0.45 * 3 / 2 + 0.35 / 2 + 0.01)
    assert sweep.frame().phase == "Update weights"
    sweep.advance(0.6 / 2)
    rest = sweep.frame()  # played once: it rests on the updated network
    assert not sweep.running and (rest.base, rest.wave, rest.phase) == (FORWARD, FORWARD, "")
    sweep.advance(5.0)
    assert sweep.frame() == rest
    assert sweep.duration() == pytest.approx(0.45 * 3 * 2 + 0.35 * 2 + 0.6)


def test_animation_timer_repaints_in_live_modes(canvas, qtbot):
    canvas.show()
    canvas.set_snapshot(make_snapshot((2, 4, 1)))
    canvas.set_mode("forward")
    before = canvas.current_frame().front
    qtbot.waitUntil(lambda: canvas.current_frame().front != before, timeout=2000)


def test_hover_tooltips_contain_the_numbers(canvas, qtbot):
    s = make_snapshot((2, 3, 1))
    canvas.set_feature_names(["x1", "x2"])
    canvas.set_activations(["tanh", "sigmoid"])
    canvas.set_snapshot(s)
    x, y = canvas.neuron_positions(1)[2]
    text = canvas.tooltip_at(x, y)
    assert "Hidden 1 #3" in text
    assert f"{s.pre[0][2]:.3g}" in text
    assert f"{s.post[0][2]:.3g}" in text
    assert f"{s.biases[0][2]:.3g}" in text
    assert f"{s.grad_pre[0][2]:.3g}" in text
    x0, y0 = canvas.neuron_positions(0)[1]
    assert "x2" in canvas.tooltip_at(x0, y0)
    # Halfway along the link from x1 to the first neuron of Hidden 1.
    src = canvas.neuron_positions(0)[0]
    dst = canvas.neuron_positions(1)[0]
    mid = (src + dst) / 2
    link = canvas.tooltip_at(*mid)
    assert "x1" in link and "Hidden 1 #1" in link
    assert f"{s.weights[0][0, 0]:.3g}" in link
    assert f"{s.grad_weights[0][0, 0]:.3g}" in link
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(x, y),
        QPointF(canvas.mapToGlobal(QPoint(int(x), int(y)))),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(canvas.neuronHovered) as blocker:
        QApplication.sendEvent(canvas, move)
    assert blocker.args == [1, 2]


def test_thumbnails_and_renders_for_several_designs(canvas):
    canvas.set_feature_names(["x1", "x2"])
    canvas.set_snapshot(make_snapshot((2, 8, 8, 1), grid_resolution=20))
    image = canvas.grab().toImage()
    assert image.width() == 1000
    x, y = (int(v) for v in canvas.neuron_positions(1)[0])
    colors = {image.pixelColor(x + dx, y + dy).name() for dx in (-8, 0, 8) for dy in (-8, 0, 8)}
    assert len(colors) > 1  # a heatmap, not a flat fill
    canvas.set_picture(Picture(28, 28))
    canvas.set_snapshot(make_snapshot((784, 128, 64, 10)))
    assert not canvas.grab().isNull()


def test_snapshot_with_nan_still_paints(canvas):
    s = make_snapshot((2, 3, 1), post=[np.array([np.nan, 1.0, -1.0]), np.array([np.nan])])
    canvas.set_snapshot(s)
    assert not canvas.grab().isNull()
    assert canvas.neuron_color(1, 0).isValid()


def test_before_the_first_step_the_canvas_shows_the_forward_state(canvas):
    """No gradients exist at step 0, so no backward caption or colours either."""
    fresh = dataclasses.replace(make_snapshot((2, 4, 1)), step=0)
    for mode in ("backward", "both"):
        canvas.set_mode(mode)
        canvas.set_snapshot(fresh)
        assert "Backward" not in canvas.caption()
        assert canvas.shown_state() == FORWARD
    canvas.set_mode("backward")
    canvas.set_snapshot(dataclasses.replace(fresh, step=1, state="paused"))
    assert "Backward pass" in canvas.caption()
    assert canvas.shown_state() == BACKWARD


@pytest.mark.parametrize("width", [360, 560, 760, 1100, 1700])
def test_header_title_never_overlaps_the_legend(qtbot, width):
    """At any width (a 1280-px window leaves the canvas about 560): title, info and legend apart,
    and the drawing starts under the header."""
    canvas = NetworkCanvas()
    qtbot.addWidget(canvas)
    canvas.set_activations(["tanh"] * 6 + ["sigmoid"])
    canvas.resize(width, 600)
    canvas.set_snapshot(make_snapshot((2, 8, 8, 8, 8, 8, 8, 1), grid_resolution=10))
    parts = canvas.header_parts()
    assert not parts["title"].intersects(parts["legend"])
    assert not parts["info"].intersects(parts["legend"])
    assert parts["legend"].right() <= width
    top = min(canvas.neuron_positions(c)[:, 1].min() for c in range(8))
    assert top > parts["legend"].bottom()


def test_header_title_fits_in_the_real_window_at_1280(qtbot):
    from nnviz.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.canvas.neuron_count() > 0, timeout=5000)
    parts = window.canvas.header_parts()
    assert not parts["title"].intersects(parts["legend"])
    window.close()


def test_thumbnails_are_rebuilt_only_for_a_new_grid(canvas, monkeypatch):
    builds = []
    original = NetworkCanvas._build_thumbnails

    def counting(self, grid, layout):
        builds.append(grid)
        return original(self, grid, layout)

    monkeypatch.setattr(NetworkCanvas, "_build_thumbnails", counting)
    first = dataclasses.replace(make_snapshot((2, 4, 1), grid_resolution=20), state="paused")
    canvas.set_snapshot(first)
    canvas.grab()
    assert len(builds) == 1
    # New values, same grid (the trainer refreshes grids less often than snapshots).
    canvas.set_snapshot(dataclasses.replace(make_snapshot((2, 4, 1), seed=5), grid=first.grid))
    canvas.set_snapshot(dataclasses.replace(first, step=11, grid=first.grid))
    canvas.grab()
    assert len(builds) == 1
    other = make_snapshot((2, 4, 1), seed=6, grid_resolution=20)
    canvas.set_snapshot(dataclasses.replace(other, state="paused"))
    canvas.grab()
    assert len(builds) == 2 and builds[-1] is other.grid


def test_training_snapshots_are_shown_at_a_bounded_rate_but_none_is_lost(canvas, qtbot):
    """While running, a burst of snapshots is not drawn one by one; the newest still shows."""
    first = make_snapshot((2, 3, 1), post=[np.array([0.9, 0.0, 0.0]), np.array([0.5])])
    canvas.set_snapshot(first)
    for sign in (-1.0, 1.0, -1.0):
        post = [np.array([sign * 0.9, 0.0, 0.0]), np.array([0.5])]
        canvas.set_snapshot(make_snapshot((2, 3, 1), post=post))
    assert _hue(canvas.neuron_color(1, 0, FORWARD)) == "orange"  # the newest, -0.9


def test_painting_to_svg_draws_vectors(canvas):
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    canvas.set_snapshot(make_snapshot((2, 4, 1)))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    painter = QPainter(generator)
    canvas.render(painter, QPoint(0, 0))
    painter.end()
    svg = bytes(data).decode("utf-8")
    assert svg.count("<image") == 1  # the legend's colour bar; links and neurons as shapes
    assert svg.count("<path") + svg.count("<polyline") + svg.count("<rect") > 10


def test_a_new_training_snapshot_is_drawn_over_a_few_frames_then_exactly(canvas, qtbot):
    """While training, a paint draws at most one new picture (the rest show the previous
    snapshot for a frame), so one frame never pays for all of them; the canvas then ends up
    exactly as if it had shown the new snapshot from the start."""
    canvas.show()
    qtbot.waitExposed(canvas)
    first = make_snapshot((2, 4, 4, 1), seed=1, grid_resolution=20)
    canvas.set_snapshot(first)
    canvas.grab()
    second = make_snapshot((2, 4, 4, 1), seed=2, grid_resolution=20)
    canvas.set_snapshot(second)
    assert canvas.neuron_count() == 11  # takes the snapshot the throttle held back
    drawn = []
    original = NetworkCanvas._blank_image

    def counting(self, scale):
        drawn.append(scale)
        return original(self, scale)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NetworkCanvas, "_blank_image", counting)
        canvas.grab()
        assert len(drawn) == 1
        for _ in range(3):
            canvas.grab()
    shown = canvas.grab().toImage()
    canvas._images.clear()  # every picture drawn afresh from the new snapshot, in one paint
    canvas._stale.clear()
    assert canvas.grab().toImage() == shown


def test_settled_snapshots_are_drawn_whole_in_one_frame(canvas):
    canvas.set_snapshot(make_snapshot((2, 4, 1), seed=1))
    canvas.grab()
    paused = dataclasses.replace(make_snapshot((2, 4, 1), seed=2), state="paused")
    canvas.set_snapshot(paused)
    image = canvas.grab().toImage()
    assert canvas.grab().toImage() == image


def test_update_phase_runs_from_zero_after_a_snapshot(canvas):
    assert canvas.update_phase() > 1  # nothing taken yet: no canvas update is coming
    canvas.set_snapshot(make_snapshot((2, 4, 1)))
    assert 0 <= canvas.update_phase() < 1


def test_the_header_follows_each_new_snapshot(qtbot, canvas):
    """The header is kept as a picture between frames: a new step must still show in it,
    exactly as a canvas that never saw the older snapshot draws it."""
    fresh = NetworkCanvas()
    qtbot.addWidget(fresh)
    fresh.resize(canvas.size())
    fresh.set_mode("off")
    older = dataclasses.replace(make_snapshot((2, 4, 1)), state="paused")
    newer = dataclasses.replace(older, step=11)
    canvas.set_snapshot(older)
    before = canvas.grab().toImage()
    canvas.set_snapshot(newer)
    fresh.set_snapshot(newer)
    after = canvas.grab().toImage()
    assert after != before
    assert after == fresh.grab().toImage()


def test_mid_sweep_columns_are_copied_only_where_the_front_cuts_their_state():
    """A column wholly inside a region of its own state is already drawn by that region."""
    regions = [(FORWARD, (0.0, 0.0, 300.0, 600.0)), (DIM, (300.0, 0.0, 700.0, 600.0))]
    assert _covered((100.0, 50.0, 40.0, 400.0), FORWARD, regions)
    assert _covered((400.0, 50.0, 40.0, 400.0), DIM, regions)
    assert not _covered((280.0, 50.0, 40.0, 400.0), FORWARD, regions)  # the front cuts it
    assert not _covered((100.0, 50.0, 40.0, 400.0), DIM, regions)  # reached, not yet drawn so


@pytest.mark.parametrize("width", [700.0, 1000.0])
def test_long_class_and_input_names_get_room_beside_their_neurons(width):
    from nnviz.app.views.canvas_layout import compute_layout

    layout = compute_layout((4, 8, 3), width, 500.0, names=(110.0, 120.0))
    first, last = layout[0], layout[-1]
    assert first.left - 6 - 4 >= 110.0  # "sepal_length_cm" fits left of the inputs
    name_left = last.right + 0.4 * last.cell + 4
    assert width - name_left - 4 >= 120.0  # "Iris-versicolor" fits right of the outputs
    short = compute_layout((4, 8, 3), width, 500.0, names=(14.0, 30.0))
    assert short[-1].right > last.right  # short names leave the columns their room


def test_the_legend_says_whether_neurons_show_one_sample_or_a_batch_mean(canvas):
    """Neurons show ∂ℓ/∂z of one sample's loss, or its mean over the batch; links ∂L/∂w."""
    trainer = Trainer(Design.from_dict(xor_design()))
    trainer.grid_resolution = None
    trainer.step_batch()
    canvas.set_snapshot(trainer.snapshot())
    assert canvas.legend_lines("backward") == ("neurons: mean ∂ℓ/∂z", "links: ∂L/∂w")
    assert canvas.legend_lines("forward") == ("neurons: mean activation a", "links: weight w")
    trainer.set_trace_sample(3)
    canvas.set_snapshot(trainer.snapshot())
    assert canvas.legend_lines("backward") == ("neurons: ∂ℓ/∂z", "links: ∂L/∂w")
    assert canvas.legend_lines("forward") == ("neurons: activation a", "links: weight w")


@pytest.mark.parametrize("width", [1000, 600, 420])
def test_column_labels_fit_their_columns_however_many_layers(canvas, width):
    """Nine hidden layers in a narrow canvas: names shorten (H1 … Out) and nothing runs into the
    next column."""
    from PySide6.QtGui import QFontMetricsF

    from nnviz.app.views.animation import FORWARD

    sizes = (4, *[4] * 9, 1)
    canvas.resize(width, 500)
    canvas.set_snapshot(make_snapshot(sizes))
    layout = canvas._geometry()
    room = layout[1].x - layout[0].x - 8
    fonts = (QFontMetricsF(canvas._font), QFontMetricsF(canvas._small))
    labels = canvas.column_labels(layout, FORWARD)
    assert len(labels) == len(sizes)
    for lines in labels:
        *title, value = lines
        assert all(fonts[0].horizontalAdvance(text) <= room for text in title), lines
        assert fonts[1].horizontalAdvance(value) <= room, lines
    if width == 420:
        assert [lines[0] for lines in labels][:3] == ["In", "H1", "H2"]


def test_names_beside_neurons_too_close_for_them_are_thinned_not_overlapped():
    from nnviz.app.views.canvas_layout import legible_rows

    assert legible_rows([10.0, 40.0, 70.0], 17.0) == [0, 1, 2]  # room for every name
    assert legible_rows([10.0, 19.0, 28.0, 37.0], 17.0) == [0, 2]  # every other one
    assert legible_rows([], 17.0) == []
