"""Settings every test shares: no display, no real user's data, and no test that can hang.

`NNVIZ_DATA_DIR` points every test (and every `nnviz` it starts in a subprocess) at a folder of
its own, so no test reads or writes a real user's settings, recent files, downloads or logs. A
test still running after `HANG_S` seconds dumps every thread's stack and ends the whole run, so
a hang fails at once instead of stalling until an outer time limit.

BLAS runs on one thread, as every `nnviz` command runs it (`nnviz.cli`): the window's tests train
in one thread while the GUI thread computes, and OpenBLAS's own threads, called from two threads
at once on a busy machine, can stall both for minutes. Set before NumPy is first imported.
"""

import faulthandler
import os
import sys

import pytest

from nnviz.blas import pin_blas_threads
from nnviz.core.user_data import DATA_DIR_ENV

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pin_blas_threads()
assert "numpy" not in sys.modules, "NumPy was imported before BLAS was pinned to one thread"

HANG_S = 300
REAL_STDERR = None


@pytest.fixture(autouse=True)
def private_user_data(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("nnviz-data")
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


def pytest_configure(config):
    """Keep a handle on the real stderr: during a test pytest captures it, and a hung test's
    stacks written there would be lost with the process."""
    global REAL_STDERR
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is None:  # -p no:capture
        REAL_STDERR = sys.stderr
        return
    with capture.global_and_fixture_disabled():
        REAL_STDERR = os.fdopen(os.dup(sys.stderr.fileno()), "w")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    faulthandler.dump_traceback_later(HANG_S, exit=True, file=REAL_STDERR)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
