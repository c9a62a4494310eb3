"""`nnviz bench --launch`: how long the window takes to be on screen, next to a bare window.

Each run is a fresh interpreter: `nnviz` started as a user starts it (`nnviz.cli.main`, so the
real start-up path, crash recovery included), or a bare PySide6 + pyqtgraph window (a main
window holding one plot) of the same size. The parent stamps the wall clock just before it
starts the process; the process stamps it once its first frame is painted (the event loop's
first turn after the first Paint event) and exits. The two programs take turns, so a shared
machine's drifting load falls on both alike; the medians and their ratio are reported. A first
run of each, not counted, fills the file cache and the bytecode cache.

The windows run offscreen unless `QT_QPA_PLATFORM` says otherwise, in a data folder of the
bench's own (no user's settings, recent files or recovery touched; the welcome offer already
answered, as for a returning user), with a bytecode cache of the bench's own, so both programs
start from compiled modules as an installed program does.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnviz.core.user_data import DATA_DIR_ENV, SETTINGS_NAME

RUNS = 15
RUN_TIMEOUT_S = 120.0
RETURNING_USER = "[lessons]\nwelcome_dismissed=true\n"
PYCACHE_ENV = "PYTHONPYCACHEPREFIX"
NO_BYTECODE_ENV = "PYTHONDONTWRITEBYTECODE"

# `watch(app)` makes the application print "<wall clock> <width> <height>" once its first
# frame is painted, then exit. Qt is imported only then, so each program loads its modules in
# its own order.
FIRST_FRAME = """
import os, sys, time

def watch(app):
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstFrame(QObject):
        seen = False

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                QTimer.singleShot(0, self.done)
            return False

        def done(self):
            shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
            window = max(shown, key=lambda w: w.width() * w.height())
            print(time.time(), window.width(), window.height(), flush=True)
            os._exit(0)

    app.watcher = FirstFrame()
    app.installEventFilter(app.watcher)
"""

NNVIZ = (
    FIRST_FRAME
    + """
import nnviz.app.launch as launch
make_application = launch.make_application

def watched():
    app = make_application()
    watch(app)
    return app

launch.make_application = watched
from nnviz.cli import main
sys.exit(main([]))
"""
)

BARE = (
    FIRST_FRAME
    + """
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
watch(app)
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(int(sys.argv[1]), int(sys.argv[2]))
window.show()
app.exec()
"""
)


class LaunchError(RuntimeError):
    """A launch that did not paint a frame: its program's last words, in one line."""


def first_frame(code: str, env: dict[str, str], *args: str) -> tuple[float, int, int]:
    """(seconds from process start to its first painted frame, window width, height)."""
    start = time.time()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise LaunchError(f"no frame painted within {RUN_TIMEOUT_S:g} s") from None
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 3:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LaunchError(f"the window did not start (exit {done.returncode}): {last}")
    stamp, width, height = words
    return float(stamp) - start, int(width), int(height)


def launch_env(folder: Path) -> dict[str, str]:
    """The user's environment, offscreen unless a platform is set, with the bench's own data
    folder and bytecode cache (compiled once, by the first runs, even where the environment
    says not to write bytecode: a user's Python caches it)."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SETTINGS_NAME).write_text(RETURNING_USER, encoding="utf-8")
    env = {**os.environ, DATA_DIR_ENV: str(data_dir), PYCACHE_ENV: str(folder / "pycache")}
    env.pop(NO_BYTECODE_ENV, None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def run_launch_bench(runs: int = RUNS) -> dict:
    """One JSON-ready result: both programs' median ms to the first frame and their ratio."""
    with tempfile.TemporaryDirectory(prefix="nnviz-launch-") as tmp:
        env = launch_env(Path(tmp))
        _, width, height = first_frame(NNVIZ, env)  # warm-up: caches filled, window size known
        size = (str(width), str(height))
        first_frame(BARE, env, *size)
        nnviz, bare = [], []
        for _ in range(runs):
            bare.append(first_frame(BARE, env, *size)[0])
            nnviz.append(first_frame(NNVIZ, env)[0])
    nnviz_ms, bare_ms = 1000 * statistics.median(nnviz), 1000 * statistics.median(bare)
    return {
        "case": "launch",
        "runs": runs,
        "window": f"{width}x{height}",
        "platform": env["QT_QPA_PLATFORM"],
        "nnviz_ms_p50": round(nnviz_ms, 1),
        "bare_ms_p50": round(bare_ms, 1),
        "ratio": round(nnviz_ms / bare_ms, 3),
    }
