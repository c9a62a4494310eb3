"""Hostile files of every kind a person can hand nnviz: each is refused with one clean line
naming the file, fast, and nothing is written or lost."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from design_factory import xor_design
from PIL import Image

from nnviz import imaging
from nnviz.core.datasets import make_dataset
from nnviz.core.design import Design, DesignError, load_design
from nnviz.core.session import load_session, save_session
from nnviz.core.trainer import Trainer
from nnviz.core.weights_io import load_weights, save_weights

LEAKS = re.compile(r"<\w[^>]*>|0x[0-9a-f]{6,}|sys\.|Traceback|ZipInfo|object at")


def npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=True)
    return stream.getvalue()


def npz(**arrays: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    return stream.getvalue()


def zipped(path: Path, members: dict[str, bytes], flag_bits: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            info.flag_bits |= flag_bits
    return path


@pytest.fixture(scope="module")
def session_members(tmp_path_factory) -> dict[str, bytes]:
    trainer = Trainer(Design.from_dict(xor_design()))
    trainer.run_epoch()
    path = tmp_path_factory.mktemp("good") / "good.nnviz"
    save_session(path, trainer)
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _session(members: dict[str, bytes], **changes: bytes | None) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        merged = {k: v for k, v in {**members, **changes}.items() if v is not None}
        return zipped(folder / "run.nnviz", merged)

    return make


def _negative_adam(members: dict[str, bytes]) -> bytes:
    with np.load(io.BytesIO(members["optimizer.npz"])) as saved:
        arrays = {key: saved[key] for key in saved.files}
    arrays["0.exp_avg_sq"] = -np.abs(arrays["0.exp_avg_sq"]) - 1.0
    return npz(**arrays)


SESSION_CASES: dict[str, Callable[[dict[str, bytes]], dict[str, bytes | None]]] = {
    "trainer.json not UTF-8": lambda m: {"trainer.json": b"\xff\xfe{"},
    "trainer.json bad JSON": lambda m: {"trainer.json": b'{"step": '},
    "trainer.json a list": lambda m: {"trainer.json": b"[1, 2, 3]"},
    "trainer.json NaN": lambda m: {
        "trainer.json": m["trainer.json"].replace(b'"batch_loss": ', b'"batch_loss": NaN, "x": ')
    },
    "trainer.json 5000-digit number": lambda m: {
        "trainer.json": m["trainer.json"].replace(b'"step": ', b'"step": ' + b"9" * 5000 + b", ")
    },
    "design.json missing": lambda m: {"design.json": None},
    "path traversal member": lambda m: {"../../evil.txt": b"x"},
    "pickled weights": lambda m: {"weights.npz": npz(W0=np.array([None, 1], dtype=object))},
    "weights of the wrong shape": lambda m: {
        "weights.npz": npz(W0=np.zeros((3, 3)), b0=np.zeros(6), W1=np.zeros((6, 1)), b1=np.zeros(1))
    },
    "weights with NaN": lambda m: {
        "weights.npz": npz(
            W0=np.full((2, 6), np.nan), b0=np.zeros(6), W1=np.zeros((6, 1)), b1=np.zeros(1)
        )
    },
    "negative second moment": lambda m: {"optimizer.npz": _negative_adam(m)},
    "60 MiB step history": lambda m: {
        "step_history.csv": b"step,epoch,batch_loss\n" + b"1,0.1,0.5\n" * 6_000_000
    },
    "zip bomb member": lambda m: {"history.csv": b"0" * 300_000_000},
}


@pytest.mark.parametrize("case", SESSION_CASES, ids=list(SESSION_CASES))
def test_hostile_sessions_are_refused_in_one_clean_line(tmp_path, session_members, case):
    path = _session(session_members, **SESSION_CASES[case](session_members))(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(DesignError) as info:
        load_session(path)
    _assert_clean(str(info.value), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_encrypted_session_member_is_refused(tmp_path, session_members):
    path = zipped(tmp_path / "run.nnviz", session_members, flag_bits=0x1)
    with pytest.raises(DesignError, match="encrypted") as info:
        load_session(path)
    _assert_clean(str(info.value), path)


WEIGHT_CASES: dict[str, dict[str, bytes]] = {
    "header that is code": {
        "W0.npy": b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f8', 'fortran_order': False, "
        b"'shape': (f(2),), }    \n"
    },
    "pickled objects": {"W0.npy": npy(np.array([None, 1], dtype=object))},
    "bigger than its shape": {"W0.npy": npy(np.zeros((2, 6))) + b"\0" * 50_000_000},
    "a member outside the archive": {"../W0.npy": npy(np.zeros((2, 6)))},
}


@pytest.mark.parametrize("case", WEIGHT_CASES, ids=list(WEIGHT_CASES))
def test_hostile_weight_files_are_refused_in_one_clean_line(tmp_path, case):
    design = Design.from_dict(xor_design())
    good = tmp_path / "good.npz"
    save_weights(good, Trainer(design).network)
    with np.load(good) as saved:
        members = {f"{key}.npy": npy(saved[key]) for key in saved.files}
    path = zipped(tmp_path / "weights.npz", {**members, **WEIGHT_CASES[case]})
    with pytest.raises(DesignError) as info:
        load_weights(path, design)
    _assert_clean(str(info.value), path)


DESIGN_TEXTS: dict[str, bytes] = {
    "bad JSON": b'{"format": "nnviz-design", ',
    "NaN": json.dumps(xor_design(optimizer={"learning_rate": 1.0})).replace("1.0", "NaN").encode(),
    "5000-digit number": json.dumps(xor_design())
    .replace('"inputs": 2', '"inputs": ' + "9" * 5000)
    .encode(),
    "not UTF-8": b"\xff\xfe\x00{",
    "repeated key": b'{"name": "a", "name": "b"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "wrong shape": b"[1, 2, 3]",
    "empty": b"",
}


@pytest.mark.parametrize("case", DESIGN_TEXTS, ids=list(DESIGN_TEXTS))
def test_hostile_design_files_are_refused_in_one_clean_line(tmp_path, case):
    path = tmp_path / "design.json"
    path.write_bytes(DESIGN_TEXTS[case])
    with pytest.raises(DesignError) as info:
        load_design(path)
    _assert_clean(str(info.value), path)
    assert [p.name for p in tmp_path.iterdir()] == ["design.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_design_file_that_is_a_pipe_is_refused_without_reading(tmp_path):
    path = tmp_path / "design.json"
    os.mkfifo(path)
    with pytest.raises(DesignError, match="not a regular file"):
        load_design(path)


DATA_CASES: dict[str, tuple[str, bytes]] = {
    "pickled npz": ("npz", npz(x=np.array([None, 1], dtype=object), y=np.zeros(2))),
    "npz of the wrong shape": ("npz", npz(x=np.zeros((4, 2, 2, 2)), y=np.zeros(4))),
    "npz with NaN": ("npz", npz(x=np.full((4, 2), np.nan), y=np.zeros(4))),
    "npz that is not a zip": ("npz", b"PK\x03\x04 not really"),
    "csv with a bad number": ("csv", b"a,b,label\n1,2,0\n1,x,1\n"),
    "csv not UTF-8": ("csv", b"a,b,label\n\xff\xfe,2,0\n"),
    "csv with Infinity": ("csv", b"a,b,label\n1,inf,0\n1,2,1\n"),
}


@pytest.mark.parametrize("case", DATA_CASES, ids=list(DATA_CASES))
def test_hostile_data_files_are_refused_in_one_clean_line(tmp_path, case):
    fmt, data = DATA_CASES[case]
    path = tmp_path / f"data.{fmt}"
    path.write_bytes(data)
    with pytest.raises(DesignError) as info:
        make_dataset({"name": fmt, "path": path.name}, tmp_path)
    _assert_clean(str(info.value), path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def _assert_clean(message: str, path: Path) -> None:
    assert "\n" not in message
    assert not LEAKS.search(message), message
    assert message.count(path.name) == 1, message


# --- a person's own data: tables and folders of pictures ----------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header promises `width`×`height` pixels (and holds a few of them)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (1 + 3 * width) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _pictures(root: Path) -> Path:
    for name, shade in (("dark", 30), ("light", 220)):
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.new("L", (6, 6), shade + i).save(root / name / f"{i}.png")
    return root


def _table(name: str, data: Callable[[], bytes]) -> Callable[[Path], dict]:
    def make(folder: Path) -> dict:
        (folder / name).write_bytes(data())
        return {"name": "csv", "path": name}

    return make


def _fifo(folder: Path) -> dict:
    os.mkfifo(folder / "data.csv")
    return {"name": "csv", "path": "data.csv"}


def _folder_with(add: Callable[[Path], object]) -> Callable[[Path], dict]:
    def make(folder: Path) -> dict:
        add(_pictures(folder / "pics"))
        return {"name": "image_folder", "path": "pics", "size": [4, 4]}

    return make


OWN_DATA_CASES: dict[str, tuple[Callable[[Path], dict], str]] = {
    "csv of 10⁷ columns in one line": (
        _table("data.csv", lambda: b"1," * 10_000_000 + b"0\n"),
        "data.csv: row 1 has more than 100,000 columns",
    ),
    "csv whose second row has 10⁷ columns": (
        _table("data.csv", lambda: b"a,b\n1,0\n" + b"1;" * 10_000_000 + b"0\n"),
        "data.csv: row 3 has more than 100,000 columns",
    ),
    "csv of one 20 MB cell": (
        _table("data.csv", lambda: b"x" * 20_000_000 + b",0\n"),
        "data.csv: row 1: a cell is longer than 131,072 characters",
    ),
    "0-byte csv": (_table("data.csv", bytes), "data.csv: file is empty"),
    "csv that is a pipe": (_fifo, "dataset.path: not a regular file (a pipe or a device)"),
    "picture that is a link loop": (
        _folder_with(lambda root: os.symlink("loop.png", root / "dark" / "loop.png")),
        "pics: cannot read dark/loop.png as an image (a link that leads nowhere or loops)",
    ),
    "picture that is a pipe": (
        _folder_with(lambda root: os.mkfifo(root / "light" / "pipe.png")),
        "pics: cannot read light/pipe.png as an image (a pipe or a device, not a regular file)",
    ),
    "20000×20000 PNG header": (
        _folder_with(
            lambda root: (root / "dark" / "huge.png").write_bytes(_png_header(20_000, 20_000))
        ),
        "pics: cannot read dark/huge.png as an image (20,000×20,000 pixels, more than the 67",
    ),
    "text file named .png": (
        _folder_with(lambda root: (root / "dark" / "notes.png").write_text("not a picture\n")),
        "pics: cannot read dark/notes.png as an image (",
    ),
    "0-byte .jpg": (
        _folder_with(lambda root: (root / "light" / "empty.jpg").touch()),
        "pics: cannot read light/empty.jpg as an image (an empty file)",
    ),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes and links")
@pytest.mark.parametrize("case", OWN_DATA_CASES, ids=list(OWN_DATA_CASES))
def test_hostile_own_data_is_refused_in_one_clean_line(tmp_path, case):
    imaging.install()
    make, expected = OWN_DATA_CASES[case]
    spec = make(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(DesignError) as info:
        make_dataset(spec, tmp_path)
    message = str(info.value)
    assert message.startswith(expected), message
    assert "\n" not in message and len(message) < 300 and not LEAKS.search(message)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_link_back_up_inside_a_class_folder_is_not_followed(tmp_path):
    imaging.install()
    root = _pictures(tmp_path / "pics")
    os.symlink("..", root / "dark" / "up")
    table = make_dataset({"name": "image_folder", "path": "pics", "test_fraction": 0}, tmp_path)
    assert table.x_train.shape == (4, 784) and table.class_names == ("dark", "light")


def test_a_skipped_link_loop_leaves_the_readable_pictures(tmp_path):
    imaging.install()
    root = _pictures(tmp_path / "pics")
    os.symlink("loop.png", root / "dark" / "loop.png")
    spec = {"name": "image_folder", "path": "pics", "skip_unreadable": True, "test_fraction": 0}
    assert len(make_dataset(spec, tmp_path).x_train) == 4
