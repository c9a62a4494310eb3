"""Launch time: process start → first frame painted, for nnviz and for a bare PySide6 +
pyqtgraph window, many runs each, medians compared.

    python tools/launch_time.py [RUNS]

Each run is a fresh interpreter that stamps the wall clock at its first Paint event and exits;
the parent stamps the clock just before starting it. Runs alternate between the two programs so
machine load affects both alike. Uses the offscreen platform unless QT_QPA_PLATFORM is set.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

FIRST_PAINT = """
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time(), flush=True)
            import os
            os._exit(0)
        return False
"""

BARE = (
    FIRST_PAINT
    + """
import pyqtgraph as pg
from PySide6.QtWidgets import QMainWindow
app = QApplication(sys.argv[:1])
watch = FirstPaint()
app.installEventFilter(watch)
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1280, 800)
window.show()
app.exec()
"""
)

NNVIZ = (
    FIRST_PAINT
    + """
from nnviz.app.launch import make_application
app = make_application()
watch = FirstPaint()
app.installEventFilter(watch)
from nnviz.app.main_window import MainWindow
window = MainWindow(recover=False)
window.show()
app.exec()
"""
)


def once(code: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return float(out.stdout.strip().splitlines()[-1]) - start


def main(runs: int) -> None:
    bare, nnviz = [], []
    for _ in range(runs):
        bare.append(once(BARE))
        nnviz.append(once(NNVIZ))
    b, n = statistics.median(bare), statistics.median(nnviz)
    print(f"bare PySide6 + pyqtgraph window: median {b * 1000:.0f} ms over {runs} runs")
    print(f"nnviz window:                    median {n * 1000:.0f} ms over {runs} runs")
    print(f"ratio: {n / b:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
