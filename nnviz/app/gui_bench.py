"""How the window keeps up: frame times of the real `MainWindow` while it trains, and training
speed with and without the window, measured in the same process.

A frame is what the GUI does per tick: pull the latest snapshot, update the network canvas, the
data view and the plots, and repaint whatever changed (see `window_run`). `frame_cpu_ms_p50` is
the GUI thread's CPU time per frame: on a busy machine it shows the work done where wall times
show mostly the wait for a processor. Its mean times 30 frames a second is about the share of
time the training thread loses to the window (the GUI thread holds the interpreter lock).

Cases: TensorFlow Playground's largest network on two spirals (6 hidden layers of 8 tanh units,
per-neuron heatmaps; batch 10 on 250 training points), a 784-128-64-10 network on random 28×28
images (batch 64, float32) and the MNIST example, with the training curves in the bottom dock;
then the spiral and MNIST again with the layer space shown there instead (its frames built on
the training thread, drawn on the GUI thread). Each line's `view` says which, and
`layer_space_frames` how many layer space frames were drawn during the timed frames (none while
the curves show: nothing of it is computed then). The MNIST window with the curves is also
measured while the whole window is recorded as a GIF at the recording dialog's defaults
(`recording_*` keys; `recording_ratio` is training speed while recording ÷ while only drawing).

The windows run in a data folder of the bench's own (`private_data_folder`), so the user's
settings, recent files and recovery data are never touched; the user's downloads are seen
through a link, so the MNIST case trains on full MNIST when it has been downloaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnviz.core.design import Design, load_design, save_design
from nnviz.core.user_data import DATA_DIR_ENV, user_data_dir

WARMUP_S = 0.3  # frames before the first timed one
RESUME_S = 0.1  # frames after each headless turn, before timing resumes
# Drawing and headless take turns this often: this machine's speed drifts by a third within
# seconds, and turns this short drift for both alike.
ROUND_S = 0.5
# The offscreen platform notes each window operation it has no screen for ("This plugin does
# not support raise()", "... propagateSizeHints"): nothing is wrong, so the bench drops them.
OFFSCREEN_NOTE = "This plugin does not support"
FRAME_S = 1 / 30
OPEN_LIMIT_S = 30.0  # the longest a shown view may take to draw its first frame
MIN_FRAMES = 5  # a measurement lasts at least this many frames (and one training step)
WINDOW_SIZE = (1600, 1000)
RANDOM_IMAGES = 4096


CURVES, LAYER_SPACE = "training curves", "layer space"  # the bottom dock's tab shown


@dataclass(frozen=True)
class GuiCase:
    name: str
    design: Callable[[Path], Design]  # builds the design; may write its data into the folder
    view: str = CURVES
    # A recording made in turns of its own (view, file suffix), so the line also says what
    # recording costs the training: "window", ".gif" records the whole window as a GIF.
    recording: tuple[str, str] | None = None


def _design(name: str, inputs: int, layers: list[dict], loss: str, training: dict, dataset: dict):
    return Design.from_dict(
        {
            "format": "nnviz-design",
            "version": 1,
            "name": name,
            "inputs": inputs,
            "layers": layers,
            "loss": loss,
            "optimizer": {"name": "adam", "learning_rate": 0.01},
            "regularization": None,
            "training": {"epochs": 1_000_000, "seed": 0, **training},
            "dataset": dataset,
        }
    )


def spiral_design(_folder: Path) -> Design:
    """Playground's spiral at its largest: 6×8 tanh, batch 10, 250 training points."""
    layers = [{"units": 8, "activation": "tanh"} for _ in range(6)]
    layers.append({"units": 1, "activation": "sigmoid"})
    return _design(
        "Spiral 6×8 (bench)",
        2,
        layers,
        "binary_cross_entropy",
        {"batch_size": 10},
        {"name": "spiral", "samples": 500, "test_fraction": 0.5, "noise": 0.0, "seed": 0},
    )


def images_design(folder: Path) -> Design:
    """784-128-64-10 on random 28×28 images with random labels (only the shapes matter)."""
    rng = np.random.default_rng(0)
    path = folder / "random_images.npz"
    x = rng.integers(0, 256, (RANDOM_IMAGES, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, RANDOM_IMAGES)
    np.savez(path, x=x, y=y)
    layers = [
        {"units": 128, "activation": "relu"},
        {"units": 64, "activation": "relu"},
        {"units": 10, "activation": "softmax"},
    ]
    return _design(
        "Random images (bench)",
        784,
        layers,
        "cross_entropy",
        {"batch_size": 64, "dtype": "float32"},
        {"name": "npz", "path": str(path), "test_fraction": 0.2, "standardize": True},
    )


def mnist_design(_folder: Path) -> Design:
    """The MNIST example (784-128-64-10, batch 64, float32): on full MNIST when downloaded,
    else on the bundled 5,000 images; the window shows its weight pictures and mistakes."""
    from nnviz.core.downloads import is_downloaded
    from nnviz.core.examples import example_path

    design = load_design(example_path("mnist"))
    source = "full" if is_downloaded("mnist") else "subset"
    dataset = dataclasses.replace(design.dataset, source=source)
    training = dataclasses.replace(design.training, epochs=1_000_000)
    return dataclasses.replace(design, dataset=dataset, training=training)


RECORDING_FPS, RECORDING_WIDTH = 10, 800  # the recording dialog's defaults
RECORDING_SECONDS = 120  # longer than a turn: each turn's recording is stopped at its end
CASES = (
    GuiCase("spiral", spiral_design),
    GuiCase("images", images_design),
    GuiCase("mnist", mnist_design, recording=("window", ".gif")),
    GuiCase("spiral", spiral_design, LAYER_SPACE),
    GuiCase("mnist", mnist_design, LAYER_SPACE),
)


def window_run(
    design: Design,
    design_file: Path,
    seconds: float,
    view: str = CURVES,
    recording: tuple[str, str] | None = None,
) -> dict:
    """Train in the real window for `seconds` of frames, timing each, and the same design
    headless for half as long, with `view` the bottom dock's tab shown; returns the
    measurements. With `recording` (view, suffix), a third kind of turn draws while that view
    is recorded, as File › Export › Recording does.

    The kinds take turns (ROUND_S of frames, then headless with the window's run paused, then
    recording), so a machine whose speed drifts during the measurement drifts for all alike
    and the ratios hold. The window's own frame timer is replaced by a loop that does what
    that timer does (`update_frame`) and then lets Qt handle everything pending — the
    canvas's animation tick, the recorder's grab and the repaint of every widget that changed
    — inside the timed frame. Nothing runs on the GUI thread outside the timed frames, so no
    work escapes the measurement; wall time and the GUI thread's CPU time (which, unlike wall
    time, other programs on the machine do not inflate) are both recorded. A recording turn
    ends when its file is written, so its encoding is not left running into the next turn.
    """
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from nnviz.app.gui_gc import GuiGarbageCollector
    from nnviz.app.launch import make_application
    from nnviz.app.main_window import MainWindow
    from nnviz.app.recording import RecordingSettings
    from nnviz.bench import measure
    from nnviz.core.trainer import Trainer

    app = make_application()
    window = MainWindow(str(design_file))
    window.frame_timer.stop()  # frames are driven (and timed) here instead
    window.resize(*WINDOW_SIZE)
    window.show()
    if view == LAYER_SPACE:
        window.layer_space_dock.raise_()
    QApplication.processEvents()
    while window.data_loading.loading:  # full MNIST is read in the background first
        QApplication.processEvents()
        time.sleep(0.01)
    trainer = window.worker.trainer
    if trainer is None:
        raise RuntimeError(f"{design_file.name}: the window could not start the run")
    headless = Trainer(design, data=trainer.data)  # the same arrays, read once
    drawn, recorded = _Turns(), _Turns()
    headless_steps = headless_time = 0.0

    def frame(turns: _Turns | None) -> None:
        now = time.perf_counter()
        t0, c0 = now, time.thread_time()
        window.update_frame()
        app.processEvents()
        if turns is not None:
            turns.frames.append(1000 * (time.perf_counter() - t0))
            turns.cpu.append(1000 * (time.thread_time() - c0))
            shown = window.layer_space.frame()
            if shown is not None and shown is not turns.layer_space[-1]:
                turns.layer_space.append(shown)
        time.sleep(max(0.0, now + FRAME_S - time.perf_counter()))

    def drawing_turn(turns: _Turns, span: float, warm_s: float) -> None:
        window.worker.play()
        warm_until = time.perf_counter() + warm_s
        # The layer space's first frame (a wide input's projection, made once) comes first.
        opened = time.perf_counter() + OPEN_LIMIT_S
        while time.perf_counter() < warm_until or (
            view == LAYER_SPACE
            and window.layer_space.frame() is None
            and time.perf_counter() < opened
        ):
            frame(None)
        start, start_step = time.perf_counter(), trainer.step
        end, count = start + span, 0
        while time.perf_counter() < end or count < MIN_FRAMES or trainer.step == start_step:
            frame(turns)
            count += 1
        turns.steps += trainer.step - start_step
        turns.time += time.perf_counter() - start
        window.worker.pause()

    collector = GuiGarbageCollector()  # as the app runs it (gui_gc.py)
    collector.start()
    try:
        rounds = max(1, round(seconds / ROUND_S))
        with tempfile.TemporaryDirectory(prefix="nnviz-recording-") as folder:
            for turn in range(rounds):
                drawing_turn(drawn, seconds / rounds, RESUME_S if turn else WARMUP_S)
                span = seconds / (2 * rounds)
                headless_steps += measure(headless, span) * span
                headless_time += span
                if recording is not None:
                    target, suffix = recording
                    path = Path(folder) / f"turn{turn}{suffix}"
                    settings = RecordingSettings(
                        target, path, RECORDING_FPS, RECORDING_WIDTH, RECORDING_SECONDS
                    )
                    recorder = window.recording.start(settings)
                    drawing_turn(recorded, seconds / rounds, RESUME_S)
                    recorder.stop()
                    while not recorder.wait(0.01):
                        app.processEvents()  # its signals arrive here: nothing is timed
    finally:
        window.close()
        window.deleteLater()  # the next case measures its own window only
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        collector.stop()  # its last garbage freed here, not by the next case's training thread
    result = {
        **drawn.summary(""),
        "headless_steps_per_s": round(headless_steps / headless_time, 1),
        "batches_per_epoch": trainer.batches_per_epoch,
    }
    if recording is not None:
        target, suffix = recording
        result["recording"] = f"{target}, {suffix[1:]}, {RECORDING_FPS} fps, {RECORDING_WIDTH} px"
        result.update(recorded.summary("recording_"))
    return result


@dataclass
class _Turns:
    """What one kind of turn measured: frame wall and CPU times, layer space frames drawn
    (after a None), steps and time trained."""

    frames: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    layer_space: list = field(default_factory=lambda: [None])
    steps: float = 0.0
    time: float = 0.0

    def summary(self, prefix: str) -> dict:
        times = np.array(self.frames) if self.frames else np.array([np.nan])
        cpu = np.array(self.cpu) if self.cpu else np.array([np.nan])
        return {
            f"{prefix}frame_ms_p50": round(float(np.percentile(times, 50)), 2),
            f"{prefix}frame_ms_p95": round(float(np.percentile(times, 95)), 2),
            f"{prefix}frame_cpu_ms_p50": round(float(np.percentile(cpu, 50)), 2),
            f"{prefix}frame_cpu_ms_mean": round(float(np.mean(cpu)), 2),
            f"{prefix}frames": len(self.frames),
            f"{prefix}layer_space_frames": len(self.layer_space) - 1,
            f"{prefix}steps_per_s": round(self.steps / self.time, 1) if self.time else 0.0,
        }


def run_gui_bench(seconds: float = 3.0) -> int:
    """Print one JSON line per case; returns the exit status (0)."""
    from PySide6.QtCore import qInstallMessageHandler

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    previous = None

    def quiet_offscreen(mode, context, message: str) -> None:
        """Qt's messages, less the offscreen platform's notes on what it cannot do without a
        screen."""
        if OFFSCREEN_NOTE in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(quiet_offscreen)
    try:
        _run_cases(seconds)
    finally:
        qInstallMessageHandler(previous)
    return 0


@contextmanager
def private_data_folder(folder: Path) -> Iterator[None]:
    """`folder` as nnviz's data folder while the bench runs, the user's downloads linked into it
    (where links can be made; else the MNIST case uses the bundled subset)."""
    downloads = user_data_dir() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    if downloads.is_dir():
        with suppress(OSError):
            (folder / "datasets").symlink_to(downloads, target_is_directory=True)
    previous = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            del os.environ[DATA_DIR_ENV]
        else:
            os.environ[DATA_DIR_ENV] = previous


def _run_cases(seconds: float) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="nnviz-bench-") as tmp,
        private_data_folder(Path(tmp) / "data"),
    ):
        folder = Path(tmp)
        for case in CASES:
            design = case.design(folder)
            design_file = folder / f"{case.name}.json"
            save_design(design, design_file)
            result = window_run(design, design_file, seconds, case.view, case.recording)
            per_epoch = result.pop("batches_per_epoch")
            line = {
                "case": "-".join(str(n) for n in design.layer_sizes),
                "batch": design.training.batch_size,
                "dtype": design.training.dtype,
                "dataset": _data_label(design),
                "view": case.view,
                **result,
                "ratio": round(result["steps_per_s"] / result["headless_steps_per_s"], 3),
                "epochs_per_s": round(result["steps_per_s"] / per_epoch, 1),
            }
            if case.recording is not None:  # training while recording ÷ while only drawing
                line["recording_ratio"] = round(
                    result["recording_steps_per_s"] / result["steps_per_s"], 3
                )
            print(json.dumps(line), flush=True)


def _data_label(design: Design) -> str:
    """The case's data: "spiral", "npz" (random images), "mnist subset" or "mnist full"."""
    spec = design.dataset
    return f"{spec.name} {spec.source}" if spec.source else spec.name
