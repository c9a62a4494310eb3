"""Runs: names relative to the first run, colours stay apart, histories export with a run
column, and sessions keep every run (older session files, without runs, still load)."""

import io
import json
import zipfile

import numpy as np
import pytest
from design_factory import xor_design

from nnviz.core.design import Design
from nnviz.core.runs import COLORS, MAX_RUNS, RunList, legend_corner, overlay_series
from nnviz.core.session import SessionError, load_session, save_session
from nnviz.core.trainer import Trainer
from nnviz.core.weights_io import npz_bytes


def design(**changes) -> Design:
    return Design.from_dict(xor_design(**changes))


SGD = design(optimizer={"name": "sgd", "learning_rate": 0.03})


def test_the_list_keeps_colours_apart_names_relative_to_the_first_and_a_bound():
    runs = RunList()
    first = runs.add(SGD)
    second = runs.add(design(optimizer={"name": "adam", "learning_rate": 0.03}))
    third = runs.add(design(optimizer={"name": "adam", "learning_rate": 0.1}))
    assert [r.color for r in runs] == [0, 1, 2]
    assert third.name == "optimizer sgd → adam, learning rate 0.03 → 0.1"
    runs.rename(third.id, "  fast adam ")
    assert third.name == "fast adam"
    runs.rename(third.id, "")
    assert third.name.startswith("optimizer")
    runs.remove(first.id)  # the second is the reference now
    assert second.name == "first run" and third.name == "learning rate 0.03 → 0.1"
    assert runs.add(SGD).color == 0  # the freed colour
    runs.set_visible(second.id, False)
    assert not runs.get(second.id).visible
    runs.current = second.id
    for _ in range(MAX_RUNS + 3):
        runs.add(SGD)
    assert len(runs) == MAX_RUNS and all(0 <= r.color < COLORS for r in runs)
    assert runs.get(second.id) is second  # the current run stays
    with pytest.raises(KeyError):
        runs.get(third.id)  # the oldest other went first


def trained(d: Design, steps: int) -> Trainer:
    trainer = Trainer(d)
    while trainer.step < steps:
        trainer.step_batch()
    return trainer


def with_histories(runs: RunList, run, trainer: Trainer) -> None:
    runs.update(run.id, trainer.history.columns(), trainer.step_history.columns(), trainer.step)


def test_csv_has_a_run_column_and_every_runs_rows():
    runs = RunList()
    a, b = runs.add(SGD), runs.add(design(optimizer={"name": "adam", "learning_rate": 0.1}))
    ta, tb = trained(SGD, 60), trained(b.design, 45)
    with_histories(runs, a, ta)
    with_histories(runs, b, tb)
    text = io.StringIO()
    runs.write_csv(text)
    lines = text.getvalue().splitlines()
    assert lines[0].startswith("run,epoch,step,train_loss")
    assert len(lines) == 1 + len(ta.history) + len(tb.history)
    assert lines[1].startswith("first run,1,15,")
    assert lines[-1].startswith('"optimizer sgd → adam, learning rate 0.03 → 0.1",')


def test_overlays_give_one_curve_per_plot_and_the_whole_gradient_norm():
    runs = RunList()
    run = runs.add(SGD)
    trainer = trained(SGD, 60)
    with_histories(runs, run, trainer)
    series = overlay_series(run, "accuracy")
    h = trainer.history.columns()
    x, y, what = series["grad_norm"]
    assert np.array_equal(x, h["epoch"])
    assert np.allclose(y, np.hypot(h["grad_norm_L1"], h["grad_norm_L2"]))
    assert np.array_equal(series["loss"][1], h["train_loss"]) and what.startswith("norm")
    assert series["score"][2] == "test accuracy"
    assert np.array_equal(series["score"][1], h["test_accuracy"])


def test_the_legend_goes_where_no_newest_point_is():
    size = (0.3, 0.3)
    assert legend_corner(np.array([[0.2, 0.5]]), size) == "top-right"
    assert legend_corner(np.array([[0.9, 0.9]]), size) == "top-left"
    assert legend_corner(np.array([[0.9, 0.9], [0.1, 0.95]]), size) == "bottom-right"
    every = np.array([[0.9, 0.9], [0.1, 0.9], [0.9, 0.1], [0.1, 0.1]])
    assert legend_corner(every, size) is None  # no room: left out
    assert legend_corner(np.array([[0.5, 0.5]]), (1.2, 0.3)) is None  # wider than the plot


def test_a_session_keeps_every_run_and_an_old_one_without_runs_still_loads(tmp_path):
    runs = RunList()
    a, b = runs.add(SGD), runs.add(design(optimizer={"name": "adam", "learning_rate": 0.1}))
    with_histories(runs, a, trained(SGD, 30))
    current = trained(b.design, 20)
    with_histories(runs, b, current)
    runs.rename(a.id, "baseline")
    runs.set_visible(b.id, False)
    runs.current = b.id
    path = tmp_path / "with_runs.nnviz"
    save_session(path, current, runs=runs.copy())
    loaded = load_session(path).runs
    assert loaded.current == loaded.runs[1].id
    assert [r.name for r in loaded] == ["baseline", b.name]
    assert [r.visible for r in loaded] == [True, False]
    assert [r.color for r in loaded] == [0, 1]
    assert [r.steps for r in loaded] == [30, 20]
    assert [r.design.to_dict() for r in loaded] == [SGD.to_dict(), b.design.to_dict()]
    for old, new in zip(runs, loaded, strict=True):
        for which in ("history", "step_history"):
            assert list(getattr(old, which)) == list(getattr(new, which))
            for key, column in getattr(old, which).items():
                assert np.array_equal(getattr(new, which)[key], column, equal_nan=True)
    old_style = tmp_path / "without_runs.nnviz"
    save_session(old_style, current)
    with zipfile.ZipFile(old_style) as archive:
        assert "runs.json" not in archive.namelist()
    session = load_session(old_style)
    assert session.runs is None and session.restore().step == 20


def test_a_broken_runs_member_is_one_line_naming_it(tmp_path):
    runs = RunList()
    runs.add(SGD)
    trainer = trained(SGD, 5)
    path = tmp_path / "s.nnviz"
    save_session(path, trainer, runs=runs)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(members["runs.json"])
    meta["runs"][0]["color"] = 99
    members["runs.json"] = json.dumps(meta).encode()
    broken = tmp_path / "broken.nnviz"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(SessionError, match=r"broken.nnviz: runs.json: run 1: colour"):
        load_session(broken)


def test_a_runs_design_can_follow_a_live_change_and_names_follow_it():
    runs = RunList()
    first = runs.add(SGD)
    second = runs.add(design(optimizer={"name": "sgd", "learning_rate": 0.01}))
    assert second.name == "learning rate 0.03 → 0.01"
    runs.set_design(first.id, second.design)  # the first run's rate was lowered while it ran
    assert first.design is second.design and second.name == "same design"


def rewritten(path, tmp_path, change) -> object:
    """A copy of a session file with `change(members)` applied to its members (name → bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    out = tmp_path / f"changed-{len(list(tmp_path.iterdir()))}.nnviz"
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def npz_members(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def test_a_session_keeps_the_weights_each_run_started_from(tmp_path):
    runs = RunList()
    first = Trainer(SGD)
    start = (tuple(w.copy() for w in first.network.weights), tuple(first.network.biases))
    a = runs.add(SGD, initial=start)
    runs.add(design(optimizer={"name": "adam", "learning_rate": 0.1}))  # none known
    path = tmp_path / "s.nnviz"
    save_session(path, trained(SGD, 5), runs=runs)
    loaded = load_session(path).runs
    for got, want in zip(loaded.runs[0].initial[0], a.initial[0], strict=True):
        assert np.array_equal(got, want) and not got.flags.writeable
    assert loaded.runs[1].initial is None

    def without_initial(members):  # as written before initial weights were kept
        arrays = {k: v for k, v in npz_members(members["runs.npz"]).items() if "initial" not in k}
        members["runs.npz"] = npz_bytes(arrays)

    older = load_session(rewritten(path, tmp_path, without_initial)).runs
    assert [r.name for r in older] == [r.name for r in loaded] and older.runs[0].initial is None

    def wrong_shape(members):
        arrays = npz_members(members["runs.npz"])
        arrays["0.initial.W0"] = np.zeros((3, 3))
        members["runs.npz"] = npz_bytes(arrays)

    with pytest.raises(SessionError, match=r"runs.npz: 0.initial.W0 has shape \(3, 3\)"):
        load_session(rewritten(path, tmp_path, wrong_shape))
