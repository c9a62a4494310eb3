"""Training speed, measured the way the window trains: through `Trainer.run` with everything a
view needs recorded (per-layer traces and 30 snapshots a second, decision-boundary grids for 2-D
sets, epoch metrics and history).

Each case trains for a fixed time after a short warm-up and reports steps (mini-batches) per
second of wall time.

`nnviz bench` runs with BLAS pinned to one thread, as every `nnviz` command does (see
`nnviz.cli`). On a 2-core machine a second OpenBLAS thread gained under 10 % on 784-128-64-10
while the other core was idle, and lost 10 to 100 times over as soon as it was busy. The window
always keeps a second thread busy (the GUI thread draws while the worker trains), so one thread
is the faster choice for the people who use nnviz.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from nnviz.core.datasets import Dataset
from nnviz.core.design import Design, default_design
from nnviz.core.timeline import DEFAULT_BUDGET, Timeline, rss_bytes
from nnviz.core.trainer import Trainer

WARMUP_S = 0.2
RANDOM_SAMPLES = 16384  # rows of the random 784-feature set: epochs long enough to be typical


@dataclass(frozen=True)
class Case:
    sizes: tuple[int, ...]
    batch: int
    dataset: str  # a dataset name, or "random" for Gaussian inputs of the right width
    hidden: str = "tanh"

    @property
    def name(self) -> str:
        return "-".join(map(str, self.sizes))


CASES = (
    Case((2, 8, 8, 1), 10, "spiral"),
    Case((2, 8, 8, 8, 8, 8, 8, 1), 32, "spiral"),
    Case((64, 32, 10), 32, "digits", "relu"),
    Case((784, 128, 64, 10), 64, "random", "relu"),
)
DTYPES = ("float64", "float32")


def case_design(case: Case, dtype: str) -> Design:
    """A design for the case: sigmoid + BCE for one output, softmax + cross-entropy for more."""
    *hidden, outputs = case.sizes[1:]
    binary = outputs == 1
    layers = [{"units": u, "activation": case.hidden} for u in hidden]
    layers.append({"units": outputs, "activation": "sigmoid" if binary else "softmax"})
    # The random case's data is built in memory; the file name only satisfies the design format.
    if case.dataset == "random":
        dataset = {"name": "npz", "path": "random.npz", "task": "classification"}
    else:
        dataset = {"name": case.dataset, "seed": 0}
    return Design.from_dict(
        {
            "format": "nnviz-design",
            "version": 1,
            "name": f"bench {case.name}",
            "inputs": case.sizes[0],
            "layers": layers,
            "loss": "binary_cross_entropy" if binary else "cross_entropy",
            "optimizer": {"name": "adam", "learning_rate": 0.001},
            "regularization": None,
            "training": {
                "batch_size": case.batch,
                "epochs": 1_000_000,
                "seed": 0,
                "dtype": dtype,
            },
            "dataset": dataset,
        }
    )


def random_dataset(inputs: int, classes: int, samples: int = RANDOM_SAMPLES) -> Dataset:
    """Gaussian inputs with random labels: only the shapes matter for speed."""
    rng = np.random.default_rng(0)
    n_test = samples // 16
    return Dataset(
        name="random",
        task="classification",
        x_train=rng.standard_normal((samples, inputs)),
        y_train=rng.integers(0, classes, samples),
        x_test=rng.standard_normal((n_test, inputs)),
        y_test=rng.integers(0, classes, n_test),
        classes=classes,
        feature_names=tuple(f"x{i + 1}" for i in range(inputs)),
    )


def make_trainer(case: Case, dtype: str) -> Trainer:
    design = case_design(case, dtype)
    data = random_dataset(case.sizes[0], case.sizes[-1]) if case.dataset == "random" else None
    return Trainer(design, data=data)


def measure(trainer: Trainer, seconds: float) -> float:
    """Steps per second of `trainer.run` with 30 Hz snapshots, over `seconds` after a warm-up."""
    marks: dict[str, float] = {}

    def on_snapshot(_snapshot) -> None:
        now = time.perf_counter()
        if "start" not in marks:
            if now - marks["begin"] >= WARMUP_S:
                marks["start"], marks["start_step"] = now, trainer.step
        # Stop once: the stopped run's last snapshot must not leave a stop behind for the
        # trainer's next run (a trainer may be measured again).
        elif "end" not in marks and now - marks["start"] >= seconds:
            marks["end"], marks["end_step"] = now, trainer.step
            trainer.controls.stop()

    marks["begin"], marks["begin_step"] = time.perf_counter(), trainer.step
    trainer.run(on_snapshot=on_snapshot, snapshot_hz=30.0)
    if "end" not in marks:  # finished or diverged before the time was up
        marks.setdefault("start", marks["begin"])
        marks.setdefault("start_step", marks["begin_step"])
        marks["end"], marks["end_step"] = time.perf_counter(), trainer.step
    elapsed = marks["end"] - marks["start"]
    return (marks["end_step"] - marks["start_step"]) / elapsed if elapsed > 0 else 0.0


def run_bench(seconds: float = 2.0) -> Iterator[dict]:
    """One result per case and dtype, as JSON-ready dicts."""
    for case in CASES:
        for dtype in DTYPES:
            trainer = make_trainer(case, dtype)
            rate = measure(trainer, seconds)
            yield {
                "case": case.name,
                "batch": case.batch,
                "dtype": dtype,
                "dataset": case.dataset,
                "steps_per_s": round(rate, 1),
            }


TIMELINE_STEPS = 1_000_000
TIMELINE_REPORT_S = 5.0
WINDOW_SNAPSHOT_HZ = 10.0  # as the window's worker (nnviz.app.worker.SNAPSHOT_HZ)


def run_timeline_bench(
    steps: int = TIMELINE_STEPS,
    report_s: float = TIMELINE_REPORT_S,
    budget_bytes: int = DEFAULT_BUDGET,
) -> Iterator[dict]:
    """The default design trained for `steps` steps with its `Timeline` recording every step, as
    the window records it (snapshots 10 times a second): a result every `report_s` seconds and
    at the end, with the record's size and the process's resident memory."""
    trainer = Trainer(default_design())
    timeline = Timeline(budget_bytes)
    timeline.attach(trainer)
    marks = {"report": time.perf_counter(), "start": time.perf_counter()}

    def result() -> dict:
        elapsed = time.perf_counter() - marks["start"]
        return {
            "case": "timeline",
            "steps": trainer.step,
            "timeline_bytes": timeline.nbytes,
            "rss_bytes": rss_bytes(),
            "moments": len(timeline),
            "budget_bytes": budget_bytes,
            "steps_per_s": round(trainer.step / elapsed, 1) if elapsed > 0 else 0.0,
        }

    def on_snapshot(snapshot) -> None:
        # Not on the stopped run's last snapshot: no stop may be left for the next run.
        due = trainer.step >= steps or time.perf_counter() - marks["report"] >= report_s
        if due and snapshot.state == "running":
            trainer.controls.stop()  # resumed at once after the report: stopping is exact

    while trainer.step < steps and trainer.state != "diverged":
        trainer.run(epochs=2**40, on_snapshot=on_snapshot, snapshot_hz=WINDOW_SNAPSHOT_HZ)
        marks["report"] = time.perf_counter()
        yield result()
