"""Atomic writes leave nothing behind: not a partial file, not a temporary one."""

import os
import subprocess
import sys

import pytest

from nnviz.core import atomic
from nnviz.core.atomic import write_atomic
from nnviz.core.history import History


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_save_removes_the_temporary_files_of_saves_killed_halfway(tmp_path):
    path = tmp_path / "run.nnviz"
    killed = tmp_path / f".run.nnviz.{_dead_pid()}-0123456789ab.tmp"
    older = tmp_path / ".run.nnviz.0123456789ab.tmp"  # written before names held a process id
    running = tmp_path / f".run.nnviz.{os.getpid()}-ba9876543210.tmp"  # a save going on now
    other = tmp_path / f".other.nnviz.{_dead_pid()}-0123456789ab.tmp"  # another file's
    for temp in (killed, older, running, other):
        temp.write_bytes(b"x" * 1000)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["run.nnviz", running.name, other.name]
    )


def test_on_windows_no_process_is_signalled_and_only_old_temporary_files_go(tmp_path, monkeypatch):
    """os.kill(pid, 0) ends the process on Windows: a save must never call it there."""

    def kill(pid, sig):
        raise AssertionError(f"os.kill({pid}, {sig}) would end process {pid}")

    monkeypatch.setattr(atomic.sys, "platform", "win32")
    monkeypatch.setattr(atomic.os, "kill", kill)
    old = tmp_path / f".run.nnviz.{_dead_pid()}-0123456789ab.tmp"
    recent = tmp_path / f".run.nnviz.{os.getpid() + 1}-ba9876543210.tmp"  # maybe a save now
    for temp in (old, recent):
        temp.write_bytes(b"x")
    hours_ago = old.stat().st_mtime - 2 * atomic.STALE_S
    os.utime(old, (hours_ago, hours_ago))
    write_atomic(tmp_path / "run.nnviz", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.nnviz", recent.name])


def test_a_history_written_to_a_full_disk_leaves_no_file(tmp_path, monkeypatch):
    history = History(["epoch", "loss"])
    history.append_row((1, 0.5))

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        history.to_csv(tmp_path / "history.csv")
    assert list(tmp_path.iterdir()) == []


def test_train_out_on_a_full_disk_reports_it_and_leaves_no_empty_history(tmp_path, monkeypatch):
    from design_factory import xor_design

    from nnviz import cli
    from nnviz.core.design import Design
    from nnviz.core.trainer import Trainer

    trainer = Trainer(Design.from_dict(xor_design()))
    trainer.run_epoch()

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "out"
    with pytest.raises(cli.BadInputError, match="cannot write outputs: No space left"):
        cli.write_outputs(out, trainer)
    assert list(out.iterdir()) == []
