"""Command line: `nnviz [DESIGN]` opens the window; `train`, `validate`, `examples` and `bench` run
headless. DESIGN is a design file, or the name of a bundled example when no such file exists.

Exit status: 0 done (a diverged training run is a result, reported in the final JSON with
"state": "diverged", so it also exits 0); 2 bad input, with one line on stderr naming the file
and the problem and no traceback; 1 an internal fault, reported as one line
"nnviz: internal error: ..." (set NNVIZ_DEBUG=1 to see the traceback as well).

BLAS runs on one thread (`nnviz.blas`, unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS are set); that must happen before NumPy is first imported, so this module
imports NumPy lazily.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NoReturn

from nnviz.blas import pin_blas_threads
from nnviz.cli_inputs import (
    SESSION_SUFFIX,
    BadInputError,
    build_trainer,
    design_file,
    load,
    resume_session,
)
from nnviz.core.errors import first_line

pin_blas_threads()

DEBUG_ENV = "NNVIZ_DEBUG"
QT_PLATFORM = "QT_QPA_PLATFORM"

# What `train` reports in its final JSON "state" for each reason training ended.
FINAL_STATES = {
    "epochs": "finished",
    "target_loss": "stopped early",
    "early_stopping": "stopped early",
    "diverged": "diverged",
    "stopped": "stopped",
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of usage plus error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def summary(trainer) -> str:
    data = trainer.data
    sizes = "-".join(map(str, trainer.network.layer_sizes))
    params = int(trainer.network.params.size)
    split = f"{len(data.x_train)} train / {len(data.x_test)} test"
    kind = f"{data.classes} classes" if data.task == "classification" else "regression"
    return f"{sizes}, {params} parameters, dataset {data.name} ({split}, {kind})"


# ----------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    trainer = build_trainer(args.design, load(args.design))
    print(f"{args.design}: ok ({summary(trainer)})")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    out = output_folder(args.out)
    trainer = run_training(args)
    if out is not None:
        write_outputs(out, trainer)
    print(json.dumps(final_report(trainer)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Train like `train`, then draw the views off screen and export everything into --out."""
    out = output_folder(args.out)
    trainer = run_training(args)
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and sys.platform not in ("darwin", "win32") and not os.environ.get(QT_PLATFORM):
        os.environ[QT_PLATFORM] = "offscreen"  # before any QApplication exists
    try:
        from nnviz.app.export import ExportError
        from nnviz.app.headless import export_trainer
        from nnviz.app.launch import make_application
    except ImportError as error:
        print(f"nnviz: exporting pictures needs the window's libraries ({error})", file=sys.stderr)
        return 1
    make_application()
    try:
        files = export_trainer(trainer, out)
    except ExportError as error:
        raise BadInputError(str(error)) from None
    report = final_report(trainer)
    report["files"] = [str(path) for path in files]
    print(json.dumps(report))
    return 0


def output_folder(arg: str | None) -> Path | None:
    """The --out folder (None if not given); a file in its place is bad input."""
    out = Path(arg) if arg else None
    if out is not None and out.exists() and not out.is_dir():
        raise BadInputError(f"{arg}: exists and is not a directory")
    return out


def run_training(args: argparse.Namespace):
    """Train the design of `args` (with its --epochs and --seed) to the end, progress on
    stderr; Ctrl-C stops training cleanly. Returns the trainer."""
    if args.design.endswith(SESSION_SUFFIX):
        trainer = resume_session(args.design, args.epochs, args.seed)
    else:
        design = load(args.design)
        training = design.training
        if args.epochs is not None:
            training = dataclasses.replace(training, epochs=args.epochs)
        if args.seed is not None:
            training = dataclasses.replace(training, seed=args.seed)
        design = dataclasses.replace(design, training=training)
        trainer = build_trainer(args.design, design)
    trainer.grid_resolution = None
    progress = None if args.quiet else Progress(trainer, sys.stderr)
    # Ctrl-C ends training cleanly: outputs are still written and the JSON says "stopped".
    previous = signal.signal(signal.SIGINT, lambda *_: trainer.controls.stop())
    try:
        trainer.run(on_snapshot=progress, snapshot_hz=5.0 if sys.stderr.isatty() else 1.0)
    finally:
        signal.signal(signal.SIGINT, previous)
    if progress is not None:
        progress.close()
    if trainer.state == "diverged":
        print(f"nnviz: {args.design}: {trainer.message}", file=sys.stderr)
    return trainer


def final_report(trainer) -> dict:
    """The last line of `train`: metrics of the final parameters on every sample of both
    splits (the history's epochs use a bounded sample of a large set), NaN as null."""
    metrics = trainer.evaluate_all()
    score = trainer.targets.score_name
    report = {
        "state": FINAL_STATES.get(trainer.stop_reason or "", trainer.state),
        "epochs": trainer.epoch,
        "steps": trainer.step,
    }
    for key in ("train_loss", "test_loss", f"train_{score}", f"test_{score}"):
        value = metrics[key]
        report[key] = value if math.isfinite(value) else None
    report["learning_rate"] = trainer.learning_rate
    report["train_samples"] = len(trainer.data.x_train)
    report["test_samples"] = len(trainer.data.x_test)
    if trainer.message:
        report["message"] = trainer.message
    return report


def write_outputs(out: Path, trainer) -> None:
    """history.csv, design.json (canonical), weights.npz (W0, b0, W1, b1, ...) and SVG charts."""
    from nnviz.core.atomic import write_atomic
    from nnviz.core.design import save_design
    from nnviz.core.history_svg import history_charts
    from nnviz.core.weights_io import save_weights

    try:
        out.mkdir(parents=True, exist_ok=True)
        trainer.history.to_csv(out / "history.csv")
        save_design(trainer.design, out / "design.json")
        save_weights(out / "weights.npz", trainer.network)
        for name, svg in history_charts(trainer.history.columns()).items():
            write_atomic(out / name, svg.encode("utf-8"))
    except OSError as error:
        raise BadInputError(f"{out}: cannot write outputs: {error.strerror or error}") from None


class Progress:
    """Training progress on a stream: a bar redrawn in place on a terminal, lines otherwise."""

    LINE_EVERY_S = 5.0

    def __init__(self, trainer, stream) -> None:
        self.trainer = trainer
        self.stream = stream
        self.tty = stream.isatty()
        self.last_line = -math.inf
        self.drawn = False

    def __call__(self, snapshot) -> None:
        now = time.monotonic()
        epochs = self.trainer.epochs
        fraction = (snapshot.epoch + snapshot.batch_in_epoch / snapshot.batches_per_epoch) / epochs
        metrics = snapshot.metrics
        score = self.trainer.targets.score_name
        parts = [f"epoch {snapshot.epoch}/{epochs}", f"loss {snapshot.batch_loss:.4g}"]
        if f"test_{score}" in metrics:
            value = metrics[f"test_{score}"]
            parts.append(f"test {score} {value:.3f}" if math.isfinite(value) else "")
        if snapshot.steps_per_s:
            parts.append(f"{snapshot.steps_per_s:,.0f} steps/s")
        text = "  ".join(p for p in parts if p)
        if self.tty:
            filled = int(30 * min(1.0, fraction))
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}\x1b[K")
            self.drawn = True
            self.stream.flush()
        elif now - self.last_line >= self.LINE_EVERY_S or snapshot.state != "running":
            self.last_line = now
            self.stream.write(f"nnviz: {text}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def cmd_explain(args: argparse.Namespace) -> int:
    from nnviz.explain import run_explain

    return run_explain(args)


def cmd_examples(args: argparse.Namespace) -> int:
    import textwrap

    from nnviz.core.design import DesignError
    from nnviz.core.examples import list_examples

    try:
        examples = list_examples()
    except DesignError as error:
        raise BadInputError(first_line(error)) from None
    width = max((len(example.name) for example in examples), default=0)
    for i, example in enumerate(examples):
        if args.verbose and i:
            print()
        print(f"{example.name:<{width}}  {example.title}")
        if args.verbose:
            print(
                textwrap.fill(
                    example.description, 88, initial_indent="    ", subsequent_indent="    "
                )
            )
    return 0


def cmd_lessons(args: argparse.Namespace) -> int:
    from nnviz.lessons_cli import run_lessons

    return run_lessons(args)


def _bench_window(args: argparse.Namespace) -> Iterable[dict]:
    try:
        from nnviz.app.gui_bench import run_gui_bench
    except ImportError:
        raise BadInputError("bench --gui: the window benchmark is not available") from None
    run_gui_bench(args.seconds)  # prints each case as it ends
    return ()


def _bench_speed(args: argparse.Namespace) -> Iterable[dict]:
    from nnviz.bench import run_bench

    return run_bench(args.seconds)


def _bench_timeline(args: argparse.Namespace) -> Iterable[dict]:
    from nnviz.bench import run_timeline_bench

    return run_timeline_bench(args.steps)


def _bench_mnist(args: argparse.Namespace) -> Iterable[dict]:
    from nnviz.mnist_bench import run_mnist_bench

    return run_mnist_bench(args.seconds)


def _bench_launch(args: argparse.Namespace) -> Iterable[dict]:
    from nnviz.launch_bench import run_launch_bench

    return [run_launch_bench(args.runs)]


# `nnviz bench --NAME` → what it measures (no flag: training speed).
BENCHES: dict[str, Callable[[argparse.Namespace], Iterable[dict]]] = {
    "gui": _bench_window,
    "timeline": _bench_timeline,
    "mnist": _bench_mnist,
    "launch": _bench_launch,
}


def cmd_bench(args: argparse.Namespace) -> int:
    chosen = next((name for name in BENCHES if getattr(args, name)), None)
    for result in BENCHES[chosen](args) if chosen else _bench_speed(args):
        print(json.dumps(result), flush=True)
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from nnviz.data_cli import cmd_data as run_data

    return run_data(args)


def _data_args(p: argparse.ArgumentParser) -> None:
    from nnviz.data_cli import data_args

    data_args(p)


def cmd_window(arg: str | None) -> int:
    path = None
    if arg is not None:
        path = design_file(arg)
        build_trainer(arg, load(path))
    try:
        from nnviz.app.launch import run_app
    except ImportError as error:
        print(f"nnviz: the window is not available ({error})", file=sys.stderr)
        return 1
    return int(run_app(path) or 0)


# ----------------------------------------------------------------------- arguments


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _int_at_least_0(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None


DESIGN_HELP = "design file (.json), or the name of an example (see: nnviz examples)"


RESUME_HELP = DESIGN_HELP + ", or a session (.nnviz) to resume from its step"
EPOCHS_HELP = "epoch budget, counted from the run's start (default: the design's)"


def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help=RESUME_HELP)
    p.add_argument("--epochs", type=_positive_int, help=EPOCHS_HELP)
    p.add_argument("--out", metavar="DIR", help="write history.csv, design.json, weights.npz")
    p.add_argument("--seed", type=_int, help="training seed (default: the design's)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help=RESUME_HELP)
    p.add_argument("--epochs", type=_positive_int, help=EPOCHS_HELP)
    p.add_argument(
        "--out",
        metavar="DIR",
        required=True,
        help="write every plot (PNG, SVG, CSV), network and plane pictures, history.csv, "
        "design.json, weights.npz and model.py (PyTorch)",
    )
    p.add_argument("--seed", type=_int, help="training seed (default: the design's)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help=DESIGN_HELP)


def _explain_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("design", help=DESIGN_HELP + ", or a session (.nnviz) to go on from")
    p.add_argument("--weights", metavar="FILE.npz", help="starting weights (W0, b0, W1, b1, …)")
    p.add_argument(
        "--steps", type=_int_at_least_0, default=0, help="ordinary steps first (default 0)"
    )
    p.add_argument(
        "--sample", type=_int, help="training row to follow (default: the batch's first)"
    )
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")


def _lessons_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["validate"], help="check one lesson file")
    p.add_argument("file", nargs="?", metavar="FILE", help="the lesson file to check")


def _examples_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="show each description too")


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=_positive_float, default=2.0, help="time per case")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--gui", action="store_true", help="measure the window's frame times instead")
    kind.add_argument(
        "--timeline",
        action="store_true",
        help="train the default design with its timeline recorded; print the record's memory",
    )
    kind.add_argument(
        "--mnist",
        action="store_true",
        help="784-128-64-10 on full MNIST (or data of its shape) next to PyTorch eager",
    )
    kind.add_argument(
        "--launch",
        action="store_true",
        help="milliseconds to the window's first frame, next to a bare PySide6 + pyqtgraph window",
    )
    p.add_argument(
        "--steps", type=_positive_int, default=1_000_000, help="steps of the --timeline bench"
    )
    p.add_argument("--runs", type=_positive_int, default=15, help="launches of each, for --launch")


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable]] = {
    "train": (
        "train a design headless and print its final metrics as JSON",
        _train_args,
        cmd_train,
    ),
    "export": (
        "train a design headless, then write its plots, pictures, weights and PyTorch script",
        _export_args,
        cmd_export,
    ),
    "explain": (
        "print the worked example of one training step (text, Markdown or JSON)",
        _explain_args,
        cmd_explain,
    ),
    "validate": ("check a design file and the data it names", _validate_args, cmd_validate),
    "examples": ("list the bundled example designs", _examples_args, cmd_examples),
    "lessons": (
        "list the bundled lessons, or check a lesson file (lessons validate FILE)",
        _lessons_args,
        cmd_lessons,
    ),
    "bench": ("measure training speed (one JSON line per case)", _bench_args, cmd_bench),
    "data": (
        "list or download full MNIST / Fashion-MNIST (data download NAME)",
        _data_args,
        cmd_data,
    ),
}


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="nnviz",
        usage=f"%(prog)s [DESIGN]\n       %(prog)s {{{','.join(COMMANDS)}}} ...",
        description="Watch a neural network learn. Without a command, opens the window. "
        "Wherever a DESIGN is asked for, the name of an example (nnviz examples) works too.",
        epilog="'nnviz COMMAND --help' describes each command.",
    )
    sub = root.add_subparsers(dest="command", parser_class=_Parser, prog="nnviz")
    for name, (help_text, configure, _) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return root


def window_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nnviz", description="Open the nnviz window, optionally on a design.")
    p.add_argument("design", nargs="?", help=DESIGN_HELP)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            args = parser().parse_args(argv)
            from nnviz import imaging

            imaging.install()  # image folders are decoded by Qt's reader (no display needed)
            return COMMANDS[args.command][2](args)
        if argv and argv[0] in ("-h", "--help"):
            parser().print_help()
            return 0
        return cmd_window(window_parser().parse_args(argv).design)
    except BadInputError as error:
        print(f"nnviz: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnviz: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the one place every unexpected fault is reported
        debug = bool(os.environ.get(DEBUG_ENV))
        hint = "" if debug else f" (set {DEBUG_ENV}=1 for the traceback)"
        print(f"nnviz: internal error: {type(error).__name__}: {error}{hint}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return 1
