"""Run `python -m nnviz ...` (or any Python) in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys

TIMEOUT = 180
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def run_nnviz(*args, cwd=None, headless: bool = False) -> subprocess.CompletedProcess:
    return run_python("-m", "nnviz", *args, cwd=cwd, headless=headless)


def run_python(*args, cwd=None, headless: bool = False) -> subprocess.CompletedProcess:
    """Without NNVIZ_DEBUG (errors must be one line); `headless`: as on a machine with no
    display and no Qt platform chosen."""
    hidden = ("NNVIZ_DEBUG", *(DISPLAY_VARIABLES if headless else ()))
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
        env=env,
    )
