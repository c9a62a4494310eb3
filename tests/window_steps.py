"""Train a window's run step by step, waiting for each paused snapshot (so its timeline and
its runs hold every step)."""

from __future__ import annotations

WAIT_MS = 20_000


def step_window(qtbot, window, steps: int) -> None:
    for _ in range(steps):
        before = window.worker.trainer.step
        window.actions["step"].trigger()
        qtbot.waitUntil(
            lambda b=before: (s := window.worker.latest()).step > b and s.state == "paused",
            timeout=WAIT_MS,
        )
    window.update_frame()
