"""Train a window's run step by step, waiting for each paused snapshot (so its timeline and
its runs hold every step); and a left click as pyqtgraph's scene reports it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

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
