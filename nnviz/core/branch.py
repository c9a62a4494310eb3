"""Branching: a new run that continues an old one from one of its recorded moments.

Unchanged, the branch takes exactly the steps the old run took from there (same batches, same
numbers). With what steers the updates changed at that moment (`can_branch`: the optimizer
and its settings, regularization, the schedule, stop conditions, the epoch budget) it is the
experiment "what if I had lowered the learning rate at epoch 50?": the same weights, the same
place in the same shuffled epoch and the same random generator, and from there the new
settings. The optimizer keeps its state (momentum, Adam's moments, its step count) when only
its learning rate changed; with another optimizer or other settings it starts afresh, as a
new `torch.optim` optimizer would on the same model.
"""

from __future__ import annotations

from nnviz.core.design import Design, can_branch
from nnviz.core.optimizers import learning_rate_of
from nnviz.core.snapshot import Snapshot
from nnviz.core.timeline import Timeline
from nnviz.core.trainer import Trainer


def branch(
    timeline: Timeline,
    run: Trainer,
    before: Design,
    design: Design,
    step: int,
    past: Snapshot | None = None,
) -> Trainer:
    """A paused trainer of `design` where `run` (the old run's trainer: its design, data and
    seed) was after `step` steps, `timeline` being its record and `past` a snapshot of it (for
    the histories). `before`: the design as it was before the changes made at that moment (a
    learning rate changed during the old run is the old run's, not the branch's). Raises
    ValueError when `design` cannot take over (`can_branch`) or `step` was not recorded."""
    if not can_branch(before, design):
        raise ValueError(
            "only the optimizer, regularization, schedule and stop conditions can change at a "
            "past moment; anything else starts a fresh run"
        )
    start = Trainer(run.design, data=run.data, seed=run.seed)
    start.set_trace_sample(run.trace_sample)
    timeline.restore(start, step, past)  # exactly, with the old run's own settings
    if design == before:
        return start
    trainer = Trainer(design, data=run.data, seed=run.seed)
    trainer.set_trace_sample(run.trace_sample)
    state = start.state_dict()
    if not _same_but_rate(before, design):  # a new optimizer: no state yet, the same rate
        fresh = trainer.optimizer.state_dict()
        state["optimizer"] = fresh | {"learning_rate": state["optimizer"]["learning_rate"]}
    trainer.load_state_dict(state)
    rate = learning_rate_of(design.optimizer)
    if rate != learning_rate_of(before.optimizer):
        trainer.set_learning_rate(rate)
    if design.training.epochs != before.training.epochs:
        trainer.set_epochs(max(design.training.epochs, trainer.epoch + 1))
    return trainer


def _same_but_rate(a: Design, b: Design) -> bool:
    """The same optimizer with the same settings, the learning rate aside."""

    def settings(design: Design) -> tuple[str, dict]:
        params = {k: v for k, v in design.optimizer.params.items() if k != "learning_rate"}
        return design.optimizer.name, params

    return settings(a) == settings(b)
