"""Garbage is collected by a GUI timer only, so no Qt object is freed by the training thread."""

from __future__ import annotations

import gc
import threading
import weakref

from nnviz.app.gui_gc import GuiGarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_dropped_by_another_thread_are_freed_by_the_gui_timer(qtbot):
    was_enabled = gc.isenabled()
    collector = GuiGarbageCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        freed_in: list[str] = []
        made: list[weakref.ref] = []

        def allocate() -> None:  # a training thread's churn, dropping cycles as it goes
            for _ in range(5 * gc.get_threshold()[0]):
                cycle = Cycle()
                if not made:
                    made.append(
                        weakref.ref(
                            cycle, lambda _: freed_in.append(threading.current_thread().name)
                        )
                    )

        worker = threading.Thread(target=allocate, name="training")
        worker.start()
        worker.join()
        assert made[0]() is not None  # not collected by the thread that filled the generation
        qtbot.waitUntil(lambda: made[0]() is None, timeout=5000)
        assert freed_in == [threading.current_thread().name]
    finally:
        collector.stop()
    assert gc.isenabled() == was_enabled
