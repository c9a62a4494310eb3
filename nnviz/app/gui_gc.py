"""Python's cycle collector, run on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a generation
fills up: most often the training thread. Widgets and graphics items dropped by the GUI (a
rebuilt builder panel, a closed dialog, a replaced window) sit in reference cycles until then,
so the training thread would destroy Qt objects that belong to the GUI thread ("Timers cannot
be started from another thread", or worse). While a `GuiGarbageCollector` runs, automatic
collection is off and a GUI timer collects each generation once its threshold is passed, as
the automatic collector would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiGarbageCollector(QObject):
    """Collects garbage from a GUI timer between `start` and `stop` (see the module notes)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self, full: bool = True) -> None:
        """Automatic collection as it was before `start`, after a last collection here: a
        full one, or (`full` False, between two tests) of the generations that are due."""
        self._timer.stop()
        if full:
            gc.collect()
        else:
            self.collect()
        if self._was_enabled:
            gc.enable()

    def collect(self) -> None:
        """The oldest generation due, with the younger ones, as Python itself would: a
        generation is due once its count passes its threshold and every younger one's has."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = -1
        for generation in range(3):
            if counts[generation] <= thresholds[generation]:
                break
            due = generation
        if due >= 0:
            gc.collect(due)
