"""`nnviz bench --mnist`: 784-128-64-10 in float32 with Adam, batch 64, on full MNIST, next to
PyTorch eager in the same run.

Full MNIST is used when it has been downloaded (`nnviz data download mnist`); otherwise data of
its shape stands in (60,000 training and 10,000 test images of random pixels): the speed of a
step depends only on the shapes. The result says which. nnviz trains through the real `Trainer`
(snapshots at 30 Hz, epoch metrics on bounded samples); PyTorch runs a plain training loop with
its default thread count, and again with one thread (a core against a core). They take `TURNS`
turns each, alternating, so a shared machine's drifting speed falls on all alike; the medians
are reported, with the machine's load average before and after (PyTorch's threads wait for
each other, so its default collapses as soon as anything else needs a core).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from nnviz.bench import Case, case_design, measure
from nnviz.core.datasets import Dataset
from nnviz.core.downloads import is_downloaded
from nnviz.core.pictures import Picture
from nnviz.core.trainer import Trainer

CASE = Case((784, 128, 64, 10), 64, "random", "relu")  # data given in memory
TURNS = 3
SYNTHETIC = (60_000, 10_000)


def mnist_bench_data() -> tuple[Dataset, str]:
    """(dataset, what it is): full MNIST when downloaded, else random data of its shape."""
    if is_downloaded("mnist"):
        from nnviz.core.datasets import make_dataset

        data = make_dataset({"name": "mnist", "source": "full", "test_fraction": 1 / 7})
        return data, "mnist full (downloaded)"
    rng = np.random.default_rng(0)
    n_train, n_test = SYNTHETIC
    images = rng.random((n_train + n_test, 784), dtype=np.float32).astype(np.float64)
    labels = rng.integers(0, 10, n_train + n_test)
    data = Dataset(
        name="mnist-shaped",
        task="classification",
        x_train=images[:n_train],
        y_train=labels[:n_train],
        x_test=images[n_train:],
        y_test=labels[n_train:],
        classes=10,
        feature_names=tuple(f"pixel({r},{c})" for r in range(28) for c in range(28)),
        picture=Picture(28, 28),
        class_names=tuple(map(str, range(10))),
    )
    return data, "synthetic: MNIST's shape (60,000 + 10,000 random 28×28 images)"


def torch_rate(
    x: np.ndarray, y: np.ndarray, batch: int, seconds: float, threads: int | None = None
) -> tuple[float, int]:
    """Steps per second of a PyTorch eager loop on the same sizes, and its thread count:
    `threads`, or PyTorch's own default (one per core), not the one thread nnviz's command
    line asks BLAS for."""
    import time

    import torch

    torch.manual_seed(0)
    torch.set_num_threads(threads or os.cpu_count() or 1)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    xs = torch.from_numpy(np.array(x, dtype=np.float32))  # writable copies: torch asks so
    ys = torch.from_numpy(np.array(y, dtype=np.int64))
    order = torch.randperm(len(xs))
    steps, start, i = 0, time.perf_counter(), 0
    warm = start + 0.2
    counted_from = None
    while True:
        rows = order[i : i + batch]
        i = i + batch if i + 2 * batch <= len(xs) else 0
        optimizer.zero_grad()
        loss_fn(model(xs[rows]), ys[rows]).backward()
        optimizer.step()
        now = time.perf_counter()
        if counted_from is None and now >= warm:
            counted_from, steps = now, 0
        elif counted_from is not None:
            steps += 1
            if now - counted_from >= seconds:
                return steps / (now - counted_from), torch.get_num_threads()


def run_mnist_bench(seconds: float = 2.0) -> Iterator[dict]:
    """One result: nnviz's and PyTorch's median steps per second over alternating turns."""
    data, what = mnist_bench_data()
    trainer = Trainer(case_design(CASE, "float32"), data=data)
    try:
        import torch  # noqa: F401 - only to know whether the comparison can run
    except ImportError:
        torch_available = False
    else:
        torch_available = True
    load_before = _load()
    ours, theirs, single, threads = [], [], [], 0
    for _ in range(TURNS):
        ours.append(measure(trainer, seconds))
        if torch_available:
            rate, threads = torch_rate(data.x_train, data.y_train, CASE.batch, seconds)
            theirs.append(rate)
            single.append(torch_rate(data.x_train, data.y_train, CASE.batch, seconds, 1)[0])
    result = {
        "case": CASE.name,
        "batch": CASE.batch,
        "dtype": "float32",
        "dataset": what,
        "steps_per_s": round(float(np.median(ours)), 1),
        "turns": [round(r, 1) for r in ours],
        "load_average": [load_before, _load()],  # before and after: how busy the machine was
    }
    if theirs:
        median = float(np.median(theirs))
        result.update(
            torch_steps_per_s=round(median, 1),
            torch_turns=[round(r, 1) for r in theirs],
            torch_threads=threads,
            ratio=round(result["steps_per_s"] / median, 2) if median > 0 else None,
            torch_one_thread_steps_per_s=round(float(np.median(single)), 1),
            torch_one_thread_turns=[round(r, 1) for r in single],
        )
    yield result


def _load() -> float | None:
    """The machine's load over the last minute (None where the platform does not say)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None
