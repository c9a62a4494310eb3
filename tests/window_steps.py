"""Train a window's run step by step, waiting for each paused snapshot (so its timeline and
its runs hold every step); a run stopped at a step, to compare with; and a left click as
pyqtgraph's scene reports it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from nnviz.core.trainer import Trainer

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


def stopped_at(window, step: int):
    """The snapshot of a run of the window's design stopped after `step` steps (settled)."""
    trainer = Trainer(window.worker.trainer.design)
    while trainer.step < step:
        trainer.step_batch()
    trainer.state = "paused"
    return trainer.snapshot()


class LeftClick:
    """What pyqtgraph's scene sends for a single left click at a scene position."""

    def __init__(self, pos: QPointF) -> None:
        self._pos = pos

    def button(self):
        return Qt.MouseButton.LeftButton

    def double(self) -> bool:
        return False

    def scenePos(self) -> QPointF:
        return self._pos
