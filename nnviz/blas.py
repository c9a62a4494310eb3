"""BLAS on one thread, for every nnviz process (the command line, the window, the tests).

nnviz multiplies small matrices many thousand times a second, from the training thread and the
GUI thread at once. A threaded OpenBLAS made a 784-128-64-10 training step about 10x slower on a
2-core machine, and its worker threads, called from two Python threads at once on a busy
machine, can stall both for minutes. The variables only count before NumPy is first imported.
"""

from __future__ import annotations

import os

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_blas_threads() -> None:
    """One BLAS thread, unless the user has set a variable of their own."""
    for variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
