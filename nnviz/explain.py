"""`nnviz explain`: the worked example of one training step, for a worksheet.

The trainer is built as `train` builds it (from a design or an example; a session `.nnviz`
resumes its saved state), optionally given starting weights (`--weights`, arrays W0, b0, …),
takes `--steps` ordinary steps, and then the next step is taken apart for one training sample
(`--sample`, default the batch's first row) and printed as text, Markdown or JSON.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from nnviz.cli_inputs import (
    SESSION_SUFFIX,
    BadInputError,
    build_trainer,
    load,
    prefixed,
    resume_session,
)
from nnviz.core.errors import first_line


def make_trainer(arg: str):
    """The trainer DESIGN names: a session resumes its state, anything else starts afresh."""
    if arg.endswith(SESSION_SUFFIX):
        return resume_session(arg, None, None)
    return build_trainer(arg, load(arg))


def shipped_weights(arg: str) -> Path | None:
    """The starting weights of the example DESIGN names (when no file of that name exists)."""
    from nnviz.core.examples import example_weights_path

    return None if Path(arg).exists() else example_weights_path(arg)


def explained_trainer(args: argparse.Namespace):
    """The trainer of `args` with its weights, after its --steps ordinary steps."""
    trainer = make_trainer(args.design)
    trainer.grid_resolution = None
    weights = args.weights if args.weights is not None else shipped_weights(args.design)
    if weights is not None:
        from nnviz.core.design import DesignError
        from nnviz.core.weights_io import load_weights

        try:
            weights, biases = load_weights(weights, trainer.design)
        except DesignError as error:
            raise BadInputError(first_line(error)) from None
        trainer.network.load_weights(weights, biases)
    for _ in range(args.steps):
        trainer.step_batch()
        if trainer.state == "diverged":
            raise BadInputError(f"{args.design}: {trainer.message}")
    return trainer


def run_explain(args: argparse.Namespace) -> int:
    from nnviz.core.worked_example import render

    trainer = explained_trainer(args)
    rows = len(trainer.data.x_train)
    if args.sample is not None and not 0 <= args.sample < rows:
        raise BadInputError(
            f"--sample: {args.sample} is not a row of the training split (0..{rows - 1})"
        )
    try:
        walk = trainer.walkthrough(args.sample)
    except ValueError as error:
        raise BadInputError(prefixed(args.design, error)) from None
    if not math.isfinite(walk.loss):
        raise BadInputError(f"{args.design}: the loss of step {walk.step + 1} is not finite")
    if args.format == "json":
        print(json.dumps(walk.to_json()))
    else:
        print(render(walk, args.format, trainer.design.name), end="")
    return 0
