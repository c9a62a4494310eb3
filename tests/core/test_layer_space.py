import math

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core import layer_space as ls
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.trainer import Trainer


def make_trainer(layers, dataset=None, loss="binary_cross_entropy") -> Trainer:
    changes = {"layers": layers, "loss": loss}
    if dataset is not None:
        changes["dataset"] = dataset
    d = xor_design(**changes)
    dataset = dataset or {}
    d["inputs"] = 64 if dataset.get("name") == "digits" else len(dataset.get("features", "12"))
    return Trainer(Design.from_dict(d))


def tracker_of(t: Trainer) -> ls.LayerSpaceTracker:
    return ls.LayerSpaceTracker(t.data, t.targets, seed=t.seed)


def hidden(units, activation="tanh"):
    return {"units": units, "activation": activation}


SIGMOID_OUT = {"units": 1, "activation": "sigmoid"}
BOTTLENECK = [hidden(8), hidden(2), SIGMOID_OUT]
WIDE = [hidden(8), hidden(8), SIGMOID_OUT]


def train_some(t: Trainer, steps: int = 30) -> None:
    for _ in range(steps):
        t.step_batch()


def sample_forward(t: Trainer, tracker: ls.LayerSpaceTracker):
    return t.network.forward(t.data.x_train[tracker.rows])


def test_panels_one_per_layer_with_titles_and_kinds():
    t = make_trainer(BOTTLENECK)
    space = tracker_of(t).build(t.network, t.step, None)
    assert [p.title for p in space.panels] == [
        "Input (2)",
        "Layer 1 (8 tanh)",
        "Layer 2 (2 tanh)",
        "Output z (1, before sigmoid)",
    ]
    assert [p.kind for p in space.panels] == ["exact", "pca", "exact", "line"]
    assert [p.caption for p in space.panels] == [
        "x1 / x2",
        f"PC1 / PC2 · {space.panels[1].explained:.0%} of variance",
        "unit 1 / unit 2",
        "z · height only spreads",
    ]
    assert len(space.rows) == len(space.labels) == len(t.data.x_train)  # a small set: all rows


def test_two_unit_layer_is_drawn_in_its_own_coordinates_exactly():
    t = make_trainer(BOTTLENECK)
    train_some(t)
    tracker = tracker_of(t)
    space = tracker.build(t.network, t.step, None)
    fwd = sample_forward(t, tracker)
    np.testing.assert_allclose(space.panels[2].points, fwd.post[1], atol=1e-12)
    np.testing.assert_allclose(space.panels[0].points, t.data.x_train[tracker.rows], atol=1e-12)


def test_one_unit_output_shows_z_with_a_fixed_spread():
    t = make_trainer(BOTTLENECK)
    tracker = tracker_of(t)
    first = tracker.build(t.network, t.step, None).panels[-1]
    train_some(t)
    second = tracker.build(t.network, t.step, None).panels[-1]
    np.testing.assert_allclose(second.points[:, 0], sample_forward(t, tracker).pre[-1][:, 0])
    np.testing.assert_array_equal(first.points[:, 1], second.points[:, 1])
    assert np.all(np.abs(second.points[:, 1]) <= 1.0)
    assert second.grid is None  # lines collapsed onto one value show nothing


def test_pca_panel_matches_a_reference_svd_up_to_sign():
    t = make_trainer(WIDE)
    train_some(t)
    tracker = tracker_of(t)
    panel = tracker.build(t.network, t.step, None).panels[1]
    a = sample_forward(t, tracker).post[0]
    centred = a - a.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    reference = centred @ vt[:2].T
    for axis in (0, 1):
        got, ref = panel.points[:, axis], reference[:, axis]
        sign = np.sign(got @ ref)
        np.testing.assert_allclose(got, sign * ref, atol=1e-9)
    assert panel.explained == pytest.approx((s[0] ** 2 + s[1] ** 2) / np.sum(s**2))
    assert panel.caption == f"PC1 / PC2 · {panel.explained:.0%} of variance"


def test_later_pca_frames_keep_the_principal_plane_and_turn_to_follow_the_last_frame():
    t = make_trainer(WIDE)
    tracker = tracker_of(t)
    tracker.build(t.network, t.step, None)
    previous = tracker._projections[2].basis.copy()
    train_some(t, 3)
    tracker.build(t.network, t.step, None)
    projection = tracker._projections[2]
    a = sample_forward(t, tracker).post[1]
    _, _, vt = np.linalg.svd(a - a.mean(axis=0), full_matrices=False)
    plane = vt[:2].T
    # the same plane as the reference decomposition ...
    np.testing.assert_allclose(projection.basis @ projection.basis.T, plane @ plane.T, atol=1e-9)
    # ... with the axes of that plane closest to the last frame's (no flip, no spin)
    best = min(
        np.linalg.norm(plane @ rot - previous)
        for angle in np.linspace(0, 2 * np.pi, 721)
        for flip in (1, -1)
        for rot in [
            np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            @ np.diag([1, flip])
        ]
    )
    assert np.linalg.norm(projection.basis - previous) <= best + 1e-6
    assert np.all(np.sum(projection.basis * previous, axis=0) > 0.5)


@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_align_undoes_any_turn_or_flip_within_the_plane(flip):
    rng = np.random.default_rng(0)
    previous, _ = np.linalg.qr(rng.normal(size=(6, 2)))
    angle = 2.0
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    turned = previous @ rot @ np.diag([1.0, flip])
    np.testing.assert_allclose(ls.align(turned, previous), previous, atol=1e-12)


def test_warped_grid_is_the_forward_pass_of_the_input_planes_grid_lines():
    t = make_trainer(BOTTLENECK)
    train_some(t)
    space = tracker_of(t).build(t.network, t.step, None)
    lo, hi = t.data.plane
    across = np.linspace(lo, hi, ls.GRID_LINES)
    along = np.linspace(lo, hi, ls.LINE_POINTS)
    # line 3: the vertical line x = across[3]; line GRID_LINES + 5: the horizontal y = across[5]
    vertical = np.column_stack([np.full(ls.LINE_POINTS, across[3]), along])
    horizontal = np.column_stack([along, np.full(ls.LINE_POINTS, across[5])])
    for index, raw in ((3, vertical), (ls.GRID_LINES + 5, horizontal)):
        fwd = t.network.forward(t.data.encode(raw))
        for panel, expected in ((space.panels[0], raw), (space.panels[2], fwd.post[1])):
            got = panel.grid[index]
            x0, x1, y0, y1 = panel.extent
            inside = (expected[:, 0] >= x0) & (expected[:, 0] <= x1)
            inside &= (expected[:, 1] >= y0) & (expected[:, 1] <= y1)
            assert inside.any()
            # cut where the line leaves the panel, exact inside it
            np.testing.assert_array_equal(np.isfinite(got[:, 0]), inside)
            np.testing.assert_allclose(got[inside], expected[inside], atol=1e-12)
    assert space.panels[1].grid.shape == (2 * ls.GRID_LINES, ls.LINE_POINTS, 2)


def test_boundary_line_of_a_two_unit_last_hidden_layer_is_where_w_h_plus_b_is_zero():
    t = make_trainer(BOTTLENECK)
    train_some(t)
    panel = tracker_of(t).build(t.network, t.step, None).panels[2]
    w, b = t.network.weights[-1][:, 0], t.network.biases[-1][0]
    assert panel.boundary.shape == (1, 2, 2)
    ends = panel.boundary[0]
    np.testing.assert_allclose(ends @ w + b, 0.0, atol=1e-9)
    x0, x1, y0, y1 = panel.extent
    assert np.all((ends[:, 0] >= x0 - 1e-9) & (ends[:, 0] <= x1 + 1e-9))
    assert np.all((ends[:, 1] >= y0 - 1e-9) & (ends[:, 1] <= y1 + 1e-9))
    # the shaded regions agree with the side of the line each cell lies on
    n = ls.REGION_RESOLUTION
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    side = (np.stack([gx, gy], axis=-1) @ w + b) > 0
    clear = np.abs(np.stack([gx, gy], axis=-1) @ w + b) > 1e-6
    np.testing.assert_array_equal((panel.regions > 0.5)[clear], side[clear])


def test_softmax_boundaries_are_where_two_classes_lead():
    t = make_trainer(
        [hidden(8), hidden(2), {"units": 3, "activation": "softmax"}],
        dataset={"name": "blobs", "classes": 3, "samples": 150, "seed": 2},
        loss="cross_entropy",
    )
    train_some(t)
    panel = tracker_of(t).build(t.network, t.step, None).panels[2]
    w, b = t.network.weights[-1], t.network.biases[-1]
    assert 1 <= len(panel.boundary) <= 3
    for segment in panel.boundary:
        for point in (segment[0], segment[1], segment.mean(axis=0)):
            z = point @ w + b
            top = np.sort(z)[-2:]
            assert top[1] - top[0] == pytest.approx(0.0, abs=1e-8)
    assert set(np.unique(panel.regions)) <= {0.0, 1.0, 2.0}
    output = space_output_panel(t)
    assert output.kind == "pca" and output.regions is not None and output.boundary is None


def space_output_panel(t: Trainer) -> ls.LayerPanel:
    return tracker_of(t).build(t.network, t.step, None).panels[-1]


def test_wide_last_hidden_layer_shades_the_decision_over_its_pca_plane():
    t = make_trainer(WIDE)
    train_some(t)
    tracker = tracker_of(t)
    panel = tracker.build(t.network, t.step, None).panels[2]
    assert panel.boundary is None
    projection = tracker._projections[2]
    x0, _x1, y0, _y1 = panel.extent
    corner = np.array([[x0, y0]])
    z = projection.lift(corner) @ t.network.weights[-1] + t.network.biases[-1]
    expected = 1.0 / (1.0 + np.exp(-z[0, 0]))
    assert panel.regions[0, 0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "middle", "expected"),
    [("sigmoid", 0.5, 0.0), ("tanh", 0.0, 0.0), ("linear", 0.5, 0.5), ("sigmoid", 2.0, None)],
)
def test_threshold_is_where_the_output_crosses_the_middle_of_its_coding(name, middle, expected):
    got = ls.threshold(ACTIVATIONS.get(name), middle)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_one_output_boundary_uses_the_threshold_of_a_tanh_output():
    t = make_trainer([hidden(2), {"units": 1, "activation": "tanh"}], loss="mse")
    panel = space_output_panel(t)  # the output's own z, on a line: the cut at z = 0
    np.testing.assert_allclose(panel.boundary[0][:, 0], 0.0, atol=1e-9)


def test_traced_sample_is_marked_in_every_panel():
    t = make_trainer(BOTTLENECK)
    tracker = tracker_of(t)
    space = tracker.build(t.network, t.step, 7)
    fwd = t.network.forward(t.data.x_train[7:8])
    np.testing.assert_allclose(space.panels[0].trace, t.data.x_train[7])
    np.testing.assert_allclose(space.panels[2].trace, fwd.post[1][0], atol=1e-12)
    assert space.panels[3].trace[0] == pytest.approx(fwd.pre[-1][0, 0])
    row = int(np.searchsorted(tracker.rows, 7))
    np.testing.assert_allclose(space.panels[1].trace, space.panels[1].points[row], atol=1e-12)
    assert space.panels[3].trace[1] == space.panels[3].points[row, 1]


def test_regression_colours_by_target_and_draws_no_decision():
    t = make_trainer(
        [hidden(4), {"units": 1, "activation": "linear"}],
        dataset={"name": "plane", "samples": 100, "seed": 0},
        loss="mse",
    )
    space = tracker_of(t).build(t.network, t.step, None)
    assert space.task == "regression" and space.labels.dtype == float
    np.testing.assert_allclose(space.labels, t.data.y_train[space.rows][:, 0])
    assert all(p.regions is None and p.boundary is None for p in space.panels)


def test_images_keep_a_bounded_sample_and_project_the_input_once():
    t = make_trainer(
        [hidden(16, "relu"), {"units": 10, "activation": "softmax"}],
        dataset={"name": "digits", "samples": None},
        loss="cross_entropy",
    )
    tracker = tracker_of(t)
    first = tracker.build(t.network, t.step, None)
    assert len(first.rows) == min(ls.MAX_POINTS, len(t.data.x_train))
    assert first.panels[0].kind == "pca" and first.panels[0].grid is None
    train_some(t, 5)
    second = tracker.build(t.network, t.step, None)
    assert second.panels[0] is first.panels[0]
    assert second.panels[1] is not first.panels[1]


def test_tracker_paces_frames_while_training_and_refreshes_when_settled():
    t = make_trainer(BOTTLENECK)
    tracker = tracker_of(t)
    now = [0.0]

    def clock() -> float:
        return now[0]

    first = tracker.view(t.network, 0, None, settled=False, clock=clock)
    t.step_batch()
    assert tracker.view(t.network, 1, None, settled=False, clock=clock) is first
    now[0] = 1.0
    second = tracker.view(t.network, 1, None, settled=False, clock=clock)
    assert second is not first and second.step == 1
    assert tracker.view(t.network, 1, None, settled=True, clock=clock) is second
    assert tracker.view(t.network, 1, 4, settled=True, clock=clock).trace_sample == 4


def test_extent_grows_at_once_and_shrinks_gently():
    grown = ls._eased((-1.0, 1.0, -1.0, 1.0), (-3.0, 1.0, -1.0, 2.0))
    assert grown == (-3.0, 1.0, -1.0, 2.0)
    shrunk = ls._eased((-1.0, 1.0, -1.0, 1.0), (-0.1, 0.1, -0.1, 0.1))
    assert shrunk == pytest.approx((-1 + 2 * ls.SHRINK, 1 - 2 * ls.SHRINK) * 2)


def test_every_frame_keeps_its_points_off_the_edges_and_two_d_panels_square():
    """Also when the points drift one way frame after frame (a saturating output's z)."""
    t = make_trainer(WIDE)
    tracker = tracker_of(t)
    for _ in range(15):
        space = tracker.build(t.network, t.step, None)
        for panel in space.panels:
            x0, x1, y0, y1 = panel.extent
            if panel.kind != "line":  # a line's height means nothing
                assert x1 - x0 == pytest.approx(y1 - y0)
            room = 0.99 * ls.EDGE * np.array([x1 - x0, y1 - y0])
            assert np.all(panel.points >= np.array([x0, y0]) + room)
            assert np.all(panel.points <= np.array([x1, y1]) - room)
        train_some(t, 10)


def test_a_diverged_network_gives_a_frame_without_failing():
    t = make_trainer(WIDE)
    tracker = tracker_of(t)
    tracker.build(t.network, 0, None)
    t.network.weights[1][...] = np.nan
    space = tracker.build(t.network, 1, None)
    assert math.isnan(space.panels[2].explained)
    assert np.all(np.isnan(space.panels[2].points))


def test_a_frame_of_a_snapshots_weights_matches_the_trackers():
    t = make_trainer(BOTTLENECK)
    train_some(t)
    t.show_layer_space(True)
    snapshot = t.snapshot()
    again = ls.layer_space_at(t.design, t.data, t.targets, t.seed, snapshot)
    for a, b in zip(snapshot.layer_space.panels, again.panels, strict=True):
        np.testing.assert_allclose(a.points, b.points, atol=1e-12)
        assert a.extent == pytest.approx(b.extent)


def rotations(count: int = 720) -> np.ndarray:
    """Every turn of the plane by a multiple of 360°/count, with and without a mirror flip."""
    angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
    c, s = np.cos(angles), np.sin(angles)
    turns = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    return np.concatenate([turns, turns @ np.diag([1.0, -1.0])])


def test_pca_panels_stay_aligned_over_a_run_of_frames():
    """Over many frames, each principal panel is the reference decomposition's plane, turned
    (never mirrored) to the orientation closest to the frame before: no flip, no spin."""
    t = make_trainer(WIDE)
    tracker = tracker_of(t)
    previous = None
    candidates = rotations()
    for _ in range(40):
        space = tracker.build(t.network, t.step, None)
        fwd = sample_forward(t, tracker)
        for k, a in ((1, fwd.post[0]), (2, fwd.post[1])):
            basis = tracker._projections[k].basis
            centred = a - a.mean(axis=0)
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            turn = vt[:2] @ basis  # how the panel's axes sit in the reference plane
            np.testing.assert_allclose(turn.T @ turn, np.eye(2), atol=1e-8)
            np.testing.assert_allclose(space.panels[k].points, centred @ vt[:2].T @ turn, atol=1e-8)
            if previous is not None:
                before = previous[k]
                assert np.linalg.det(before.T @ basis) > 0  # no mirror flip from frame to frame
                best = np.min(np.linalg.norm(vt[:2].T @ candidates - before, axis=(1, 2)))
                assert np.linalg.norm(basis - before) <= best + 1e-6  # the closest turn
        previous = {k: tracker._projections[k].basis for k in (1, 2)}
        train_some(t, 5)


def test_a_tracker_that_follows_a_frame_continues_it_exactly():
    t = make_trainer(WIDE)
    train_some(t, 10)
    first = tracker_of(t)
    shown = first.build(t.network, t.step, None)
    train_some(t, 10)
    expected = first.build(t.network, t.step, 3)
    other = tracker_of(t)
    other.follow(shown)
    got = other.build(t.network, t.step, 3)
    for a, b in zip(expected.panels, got.panels, strict=True):
        np.testing.assert_allclose(a.points, b.points, atol=1e-12)
        np.testing.assert_allclose(a.trace, b.trace, atol=1e-12)
        assert a.extent == pytest.approx(b.extent)


def test_a_plane_given_as_computed_features_is_shown_as_the_plane_with_its_grid():
    features = ["x1", "x2", "sin(x1)", "sin(x2)"]
    t = make_trainer(
        [hidden(2), SIGMOID_OUT], dataset={"name": "spiral", "samples": 200, "features": features}
    )
    train_some(t)
    tracker = tracker_of(t)
    space = tracker.build(t.network, t.step, 9)
    plane = space.panels[0]
    assert plane.title == "Input plane (4 features)" and plane.caption == "x1 / x2"
    assert plane.kind == "exact"
    np.testing.assert_allclose(plane.points, t.data.points_train[tracker.rows])
    np.testing.assert_allclose(plane.trace, t.data.points_train[9])
    lo, hi = t.data.plane
    line = np.column_stack(
        [
            np.full(ls.LINE_POINTS, np.linspace(lo, hi, ls.GRID_LINES)[4]),
            np.linspace(lo, hi, ls.LINE_POINTS),
        ]
    )
    np.testing.assert_allclose(plane.grid[4], line)  # the plane's own square grid, uncut
    hidden_grid = space.panels[1].grid[4]
    expected = t.network.forward(t.data.encode(line)).post[0]
    inside = np.isfinite(hidden_grid[:, 0])
    assert inside.any()
    np.testing.assert_allclose(hidden_grid[inside], expected[inside], atol=1e-12)


def test_without_hidden_layers_the_input_plane_shades_the_networks_own_decision():
    features = ["x1", "x2", "x1^2", "x2^2"]
    t = make_trainer(
        [SIGMOID_OUT], dataset={"name": "circle", "samples": 200, "features": features}
    )
    train_some(t)
    panel = tracker_of(t).build(t.network, t.step, None).panels[0]
    assert panel.boundary is None  # the plane maps onto the inputs through x², not linearly
    x0, x1, y0, y1 = panel.extent
    n = ls.REGION_RESOLUTION
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    plane = np.column_stack([gx.ravel(), gy.ravel()])
    expected = t.network.forward(t.data.encode(plane)).output[:, 0].reshape(n, n)
    np.testing.assert_allclose(panel.regions, expected, atol=1e-12)


def test_snapshots_carry_frames_only_while_shown_and_a_hidden_view_resumes_its_picture():
    t = make_trainer(WIDE)
    t.state = "paused"
    assert t.snapshot().layer_space is None  # off by default: nothing is computed
    t.show_layer_space(True)
    tracker = t.layer_space
    assert t.snapshot().layer_space is not None
    t.show_layer_space(False)
    t.step_batch()
    assert t.snapshot().layer_space is None
    t.show_layer_space(True)
    assert t.layer_space is tracker  # the same axes go on
    assert t.snapshot().layer_space.step == t.step


def test_an_edited_weight_gives_a_new_frame_at_the_same_step():
    t = make_trainer(BOTTLENECK)
    t.state = "paused"
    t.show_layer_space(True)
    before = t.snapshot().layer_space
    t.set_parameter(2, 0, 0, 3.0)
    after = t.snapshot().layer_space
    assert after is not before and after.step == before.step
    expected = t.network.forward(t.data.x_train[t.layer_space.rows]).post[1]
    np.testing.assert_allclose(after.panels[2].points, expected, atol=1e-12)


@pytest.mark.parametrize(("n", "units"), [(200, 30), (40, 120)])
def test_principal_plane_is_the_svds_for_tall_and_wide_samples(n, units):
    """Fewer samples than units (a 784-pixel input of 600 samples) too."""
    rng = np.random.default_rng(units)
    a = rng.normal(size=(n, units)) @ np.diag(np.linspace(3.0, 0.1, units))
    mean, basis, explained = ls.principal_plane(a)
    centred = a - a.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(mean, a.mean(axis=0))
    np.testing.assert_allclose(np.abs(np.sum(basis * vt[:2].T, axis=0)), 1.0, atol=1e-9)
    assert explained == pytest.approx((s[0] ** 2 + s[1] ** 2) / np.sum(s**2))
