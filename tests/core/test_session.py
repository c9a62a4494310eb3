"""Session files: resuming equals never stopping, and every bad file is refused in one line."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
from design_factory import merged, xor_design

from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design, dumps_design
from nnviz.core.session import SESSION_SUFFIX, SessionError, load_session, save_session
from nnviz.core.trainer import Trainer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


RESUME = xor_design(
    name="resume",
    regularization={"kind": "l2", "rate": 0.001},
    training={
        "batch_size": 7,
        "epochs": 9,
        "seed": 3,
        "schedule": {"name": "step", "step_size": 2, "gamma": 0.5},
        # every epoch after the first counts as "no improvement": stops after epoch 5
        "early_stopping": {"patience": 4, "min_delta": 5.0},
    },
    dataset={"samples": 120},
)


def make_design(**changes) -> Design:
    return Design.from_dict(merged(RESUME, **changes))


def assert_same_run(a: Trainer, b: Trainer) -> None:
    """Bit for bit: parameters, optimizer state, position, RNG, histories, outcome."""
    assert (a.step, a.epoch, a.batch_in_epoch) == (b.step, b.epoch, b.batch_in_epoch)
    assert (a.state, a.stop_reason, a.message) == (b.state, b.stop_reason, b.message)
    np.testing.assert_array_equal(a.network.params, b.network.params)
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key])
    assert a.learning_rate == b.learning_rate
    assert a._rng.bit_generator.state == b._rng.bit_generator.state
    np.testing.assert_array_equal(a.history.rows(), b.history.rows())
    np.testing.assert_array_equal(a.step_history.rows(), b.step_history.rows())
    assert (a.history.total, a.step_history.total) == (b.history.total, b.step_history.total)


def resumed(trainer: Trainer, path, data=None) -> Trainer:
    save_session(path, trainer, PNG)
    return load_session(path).restore(data)


# ------------------------------------------------------------------------------ resuming


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("stop_at", [25, 26], ids=["mid-epoch", "epoch-boundary"])
def test_resumed_run_equals_never_stopping(tmp_path, dtype, stop_at):
    """Adam, a step schedule, early stopping, l2 and a live learning-rate change."""
    design = make_design(training={"dtype": dtype})
    straight, first = Trainer(design), Trainer(design)
    assert first.batches_per_epoch == 13
    for t in (straight, first):
        for _ in range(20):
            t.step_batch()
        t.set_learning_rate(0.013)
        for _ in range(stop_at - 20):
            t.step_batch()
    second = resumed(first, tmp_path / f"run{SESSION_SUFFIX}")
    assert_same_run(first, second)
    straight.run()
    second.run()
    assert straight.stop_reason == "early_stopping" and straight.epoch == 5
    assert_same_run(straight, second)


@pytest.mark.parametrize(
    "optimizer",
    [
        {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
        {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5},
        {"name": "adagrad", "learning_rate": 0.05},
        {"name": "adamw", "learning_rate": 0.01},
    ],
    ids=lambda o: o["name"],
)
def test_every_optimizer_resumes_exactly(tmp_path, optimizer):
    design = make_design(
        optimizer=optimizer,
        regularization={"kind": "l1", "rate": 0.001},
        training={"schedule": {"name": "cosine"}},
    )
    straight, first = Trainer(design), Trainer(design)
    first.run(epochs=3)
    second = resumed(first, tmp_path / "run.nnviz")
    straight.run()
    second.run(epochs=design.training.epochs)
    # early stopping's patience carries over the pause: both stop after epoch 5
    assert (straight.stop_reason, straight.epoch) == ("early_stopping", 5)
    assert_same_run(straight, second)


def test_a_session_shows_live_edits_and_still_resumes_exactly(tmp_path):
    """Saved with the design as the user has it after changing the learning rate and the epoch
    budget during the run: it reopens showing those values, and the cosine schedule (which
    depends on both) goes on exactly as the run's own."""
    design = make_design(training={"schedule": {"name": "cosine", "eta_min": 0.001}})
    straight, first = Trainer(design), Trainer(design)
    for t in (straight, first):
        for _ in range(20):
            t.step_batch()
        t.set_learning_rate(0.013)
        t.set_epochs(12)
        for _ in range(10):
            t.step_batch()
    edited = make_design(
        name="renamed",
        optimizer={"name": "adam", "learning_rate": 0.013},
        training={"epochs": 12, "schedule": {"name": "cosine", "eta_min": 0.001}},
    )
    save_session(tmp_path / "live.nnviz", first, design=edited)
    session = load_session(tmp_path / "live.nnviz")
    assert dumps_design(session.design) == dumps_design(edited)
    second = session.restore()
    assert_same_run(first, second)
    straight.run()
    second.run()
    assert_same_run(straight, second)


def test_a_design_that_is_not_the_runs_own_is_not_saved_with_it(tmp_path):
    trainer = Trainer(make_design())
    trainer.step_batch()
    other = make_design(
        layers=[{"units": 5, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}]
    )
    save_session(tmp_path / "run.nnviz", trainer, design=other)
    assert dumps_design(load_session(tmp_path / "run.nnviz").design) == dumps_design(trainer.design)


def test_a_stopped_run_resumes_paused_at_the_same_place(tmp_path):
    first = Trainer(make_design())
    for _ in range(5):
        first.step_batch()
    first.state = "running"  # as an autosave sees a run in progress
    second = resumed(first, tmp_path / "run.nnviz")
    assert second.state == "paused"
    snap = second.snapshot()
    assert (snap.step, snap.epoch, snap.batch_in_epoch) == (5, 0, 5)
    np.testing.assert_array_equal(snap.weights[0], first.network.weights[0])


def test_session_keeps_the_design_thumbnail_and_epoch_budget(tmp_path):
    trainer = Trainer(make_design())
    trainer.set_epochs(40)
    trainer.step_batch()
    save_session(tmp_path / "a.nnviz", trainer, PNG)
    session = load_session(tmp_path / "a.nnviz")
    assert dumps_design(session.design) == dumps_design(trainer.design)
    assert session.thumbnail == PNG
    assert session.restore().epochs == 40
    save_session(tmp_path / "b.nnviz", trainer)
    assert load_session(tmp_path / "b.nnviz").thumbnail is None


def test_members_are_plain_files_readable_without_nnviz(tmp_path):
    trainer = Trainer(make_design())
    trainer.run_epoch()
    save_session(tmp_path / "a.nnviz", trainer, PNG)
    with zipfile.ZipFile(tmp_path / "a.nnviz") as archive:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
        meta = json.loads(archive.read("trainer.json"))
        assert (meta["format"], meta["version"], meta["step"]) == ("nnviz-session", 1, 13)
        assert archive.read("design.json").decode() == dumps_design(trainer.design)
        with np.load(io.BytesIO(archive.read("weights.npz")), allow_pickle=False) as weights:
            np.testing.assert_array_equal(weights["W1"], trainer.network.weights[1])
        history = archive.read("history.csv").decode().splitlines()
        assert history[0].startswith("epoch,step,train_loss,test_loss")
        assert len(history) == 2


def test_a_diverged_run_with_non_finite_weights_is_not_saved(tmp_path):
    trainer = Trainer(make_design())
    trainer.network.weights[0][0, 0] = np.nan
    with pytest.raises(SessionError, match=r"weights\.npz: W0 holds NaN"):
        save_session(tmp_path / "a.nnviz", trainer)
    assert not (tmp_path / "a.nnviz").exists()


def test_restore_on_other_data_is_refused(tmp_path):
    trainer = Trainer(make_design())
    trainer.step_batch()
    save_session(tmp_path / "a.nnviz", trainer)
    session = load_session(tmp_path / "a.nnviz")
    other = make_dataset({"name": "xor", "samples": 60, "test_fraction": 0.25, "seed": 1})
    with pytest.raises(SessionError, match=r"a\.nnviz: trainer\.npz: order: needs 45 sample"):
        session.restore(other)


# ------------------------------------------------------------------------------ atomic saves


def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "run.nnviz"
    trainer = Trainer(make_design())
    save_session(path, trainer)
    before = path.read_bytes()
    trainer.run_epoch()
    writestr = zipfile.ZipFile.writestr
    calls = []

    def crash_half_way(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash_half_way)
    with pytest.raises(OSError, match="No space"):
        save_session(path, trainer)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.nnviz"]

    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("replace")))
    with pytest.raises(OSError, match="replace"):
        save_session(path, trainer)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.nnviz"]


# ------------------------------------------------------------------------------ bad files


@pytest.fixture(scope="module")
def good_session(tmp_path_factory) -> bytes:
    trainer = Trainer(make_design())
    for _ in range(20):
        trainer.step_batch()
    path = tmp_path_factory.mktemp("good") / "good.nnviz"
    save_session(path, trainer, PNG)
    return path.read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _changed(data: bytes, name: str, content: bytes | None) -> bytes:
    members = _members(data)
    if content is None:
        del members[name]
    else:
        members[name] = content
    return _zip(members)


def _npz(data: bytes, member: str, allow_pickle=False, **changes) -> bytes:
    with np.load(io.BytesIO(_members(data)[member]), allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files}
    arrays.update(changes)
    arrays = {key: value for key, value in arrays.items() if value is not None}
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=allow_pickle, **arrays)
    return _changed(data, member, buffer.getvalue())


def _json_changed(data: bytes, **changes) -> bytes:
    meta = json.loads(_members(data)["trainer.json"])
    meta.update(changes)
    return _changed(data, "trainer.json", json.dumps(meta).encode())


def _json_without(data: bytes, *keys: str) -> bytes:
    meta = json.loads(_members(data)["trainer.json"])
    for key in keys:
        del meta[key]
    return _changed(data, "trainer.json", json.dumps(meta).encode())


def _declared_size(data: bytes, name: str, size: int) -> bytes:
    """The central directory entry of `name` claiming an uncompressed size of `size`."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + length].decode() == name:
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in the central directory")


def _flipped_byte(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    header = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", data, header + 26)
    start = header + 30 + name_len + extra_len
    out = bytearray(data)
    out[start + info.compress_size // 2] ^= 0xFF
    return bytes(out)


BAD_FILES = {
    "not a zip": (lambda d: b"hello, I am text", "not a session file (not a zip archive)"),
    "truncated": (lambda d: d[: len(d) // 2], "not a session file (not a zip archive)"),
    "empty": (lambda d: b"", "not a session file"),
    "required trainer key missing": (
        lambda d: _json_without(d, "lr_scale"),
        "trainer.json: lr_scale is missing",
    ),
    "zero base learning rate": (
        lambda d: _json_changed(d, base_learning_rate=0.0),
        "trainer.json: base_learning_rate",
    ),
    "fractional schedule epochs": (
        lambda d: _json_changed(d, schedule_epochs=2.5),
        "trainer.json: schedule_epochs",
    ),
    "missing member": (
        lambda d: _changed(d, "optimizer.npz", None),
        "optimizer.npz is missing",
    ),
    "unexpected member": (
        lambda d: _changed(d, "run.py", b"print('hi')"),
        "unexpected member 'run.py'",
    ),
    "damaged member": (lambda d: _flipped_byte(d, "weights.npz"), "weights.npz: damaged"),
    "zip bomb": (
        lambda d: _changed(d, "trainer.json", b" " * (3 * 2**20)),
        "trainer.json: too large",
    ),
    "huge declared size": (
        lambda d: _declared_size(d, "history.csv", 2**31),
        "history.csv: too large (2,147,483,648 bytes",
    ),
    "wrong shape": (
        lambda d: _npz(d, "weights.npz", W0=np.zeros((2, 5))),
        "weights.npz: W0 has shape (2, 5), the design needs (2, 6)",
    ),
    "NaN weights": (
        lambda d: _npz(d, "weights.npz", b1=np.array([np.nan])),
        "weights.npz: b1 holds NaN or infinite values",
    ),
    "pickled object array": (
        lambda d: _npz(d, "optimizer.npz", True, **{"0.exp_avg": np.array([object()])}),
        "optimizer.npz: 0.exp_avg holds Python objects",
    ),
    "optimizer state of the wrong length": (
        lambda d: _npz(d, "optimizer.npz", **{"0.exp_avg_sq": np.zeros(3)}),
        "optimizer.npz: 0.exp_avg_sq has shape (3,), the design needs (25,)",
    ),
    "half the optimizer state": (
        lambda d: _npz(d, "optimizer.npz", **{"0.exp_avg_sq": None}),
        "optimizer.npz: 0.exp_avg_sq is missing",
    ),
    "order not a shuffle": (
        lambda d: _npz(d, "trainer.npz", order=np.zeros(90, dtype=np.int64)),
        "trainer.npz: order is not a shuffle",
    ),
    "unknown version": (lambda d: _json_changed(d, version=2), "unsupported session version 2"),
    "wrong format": (lambda d: _json_changed(d, format="zip"), "format must be 'nnviz-session'"),
    "malformed JSON": (
        lambda d: _changed(d, "trainer.json", b'{"format": '),
        "trainer.json: line 1 column 12: malformed JSON",
    ),
    "NaN in JSON": (
        lambda d: _changed(d, "trainer.json", b'{"step": NaN}'),
        "trainer.json: NaN is not allowed",
    ),
    "negative step": (lambda d: _json_changed(d, step=-1), "trainer.json: step must be"),
    "unknown state": (lambda d: _json_changed(d, state="dancing"), "trainer.json: state must"),
    "bad RNG state": (
        lambda d: _json_changed(d, rng={"bit_generator": "MT19937"}),
        "trainer.json: rng must be numpy's PCG64 generator state",
    ),
    "unknown key": (lambda d: _json_changed(d, colour=1), "trainer.json: unknown key 'colour'"),
    "bad design": (
        lambda d: _changed(d, "design.json", b'{"format": "nnviz-design", "version": 1}'),
        "design.json: name: required key is missing",
    ),
    "ragged history": (
        lambda d: _changed(d, "history.csv", _members(d)["history.csv"] + b"1,2\n"),
        "history.csv:3: expected 15 fields, got 2",
    ),
    "history of another design": (
        lambda d: _changed(d, "history.csv", b"epoch,step\n1,2\n"),
        "history.csv: its columns do not fit the design",
    ),
    "not UTF-8": (
        lambda d: _changed(d, "step_history.csv", b"\xff\xfe"),
        "step_history.csv: not UTF-8 text",
    ),
    "thumbnail not a PNG": (
        lambda d: _changed(d, "thumbnail.png", b"GIF89a"),
        "thumbnail.png: not a PNG image",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_bad_file_is_one_line_naming_the_file_and_member(tmp_path, good_session, case):
    corrupt, expected = BAD_FILES[case]
    path = tmp_path / "bad.nnviz"
    path.write_bytes(corrupt(good_session))
    with pytest.raises(SessionError) as error:
        load_session(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_the_good_file_itself_loads(tmp_path, good_session):
    path = tmp_path / "good.nnviz"
    path.write_bytes(good_session)
    assert load_session(path).restore().step == 20


def test_a_file_from_before_the_schedule_was_kept_still_resumes(tmp_path, good_session):
    path = tmp_path / "older.nnviz"
    path.write_bytes(_json_without(good_session, "base_learning_rate", "schedule_epochs"))
    assert load_session(path).restore().step == 20


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SessionError, match=r"none\.nnviz: file not found$"):
        load_session(tmp_path / "none.nnviz")
    with pytest.raises(SessionError, match=r"is not a regular file$"):
        load_session(tmp_path)
