"""Checks that notice when a learner has done what a lesson step asks.

A check reads a `LearnerState` — the latest snapshot, the design, the window's selection, which
parts are shown, the step-through's phase — that the window assembles, so every check runs and
is tested without a window. `CHECKS` maps a lesson file's `"kind"` to a `Check`: its parameters
(each read and checked like a design field) and the test itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.design import Design
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.registry import Registry
from nnviz.core.snapshot import Snapshot
from nnviz.core.surfaces import SURFACES
from nnviz.core.validation import (
    check_keys,
    fail,
    read_choice,
    read_int,
    read_number,
    read_object,
    read_str,
    show,
)
from nnviz.core.window_parts import read_target

SELECTABLE = ("layer", "neuron", "link", "sample")
PHASES = ("forward", "loss", "backward", "update")  # the step-through's phase kinds
SPLITS = ("train", "test")


@dataclass(frozen=True)
class LearnerState:
    """What the window shows at one moment, as far as a check needs to know.

    `selection` holds the window selection's fields (`layer`, `neuron`, `link`, `sample`; None
    when nothing is chosen), `shown` the `TARGETS` names visible now, `phase` the step-through's
    current phase kind ("forward", "loss", "backward", "update"; None outside it) and
    `phase_layer` its trainable layer (1-based), `surface` the optimizer playground's surface,
    `step_mode` whether its step mode is on, `edits` how many weights or biases the learner has
    set by hand since the step began, `runs` how many runs the Runs panel gained since then.
    """

    snapshot: Snapshot | None = None
    design: Design | None = None
    selection: Mapping[str, Any] = field(default_factory=dict)
    shown: frozenset[str] = frozenset()
    phase: str | None = None
    phase_layer: int | None = None
    surface: str | None = None
    step_mode: bool = False
    edits: int = 0
    runs: int = 0


Reader = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Check:
    """`params`: name → (reader, required); `test(state, params)` is True once it is done."""

    params: Mapping[str, tuple[Reader, bool]]
    test: Callable[[LearnerState, Mapping[str, Any]], bool]


CHECKS: Registry[Check] = Registry("check")


def _metric(state: LearnerState, key: str) -> float:
    snap = state.snapshot
    if snap is None:
        return math.nan
    value = snap.metrics.get(key, math.nan)
    if key == "train_loss" and not math.isfinite(value) and snap.step > 0:
        value = snap.batch_loss
    return float(value)


def _loss_below(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return _metric(state, f"{p.get('split', 'train')}_loss") < p["value"]


def _accuracy_above(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return _metric(state, f"{p.get('split', 'train')}_accuracy") > p["value"]


def _steps_at_least(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.snapshot is not None and state.snapshot.step >= p["value"]


def _epochs_at_least(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.snapshot is not None and state.snapshot.epoch >= p["value"]


def _selected(state: LearnerState, p: Mapping[str, Any]) -> bool:
    if state.selection.get(p["what"]) is None:
        return False
    return "layer" not in p or state.selection.get("layer") == p["layer"]


def _dead_unit_selected(state: LearnerState, p: Mapping[str, Any]) -> bool:
    """The selected neuron is a relu-like hidden unit with no positive output anywhere the
    window looks: over the whole input plane when the snapshot has one (2-D data), else for the
    samples it traces. No gradient then reaches its weights, so it cannot learn back."""
    snap, design = state.snapshot, state.design
    layer, neuron = state.selection.get("layer"), state.selection.get("neuron")
    if snap is None or design is None or layer is None or neuron is None:
        return False
    if not 1 <= layer < snap.n_layers or layer > len(design.layers):
        return False
    if not ACTIVATIONS.get(design.layers[layer - 1].activation).can_die:
        return False
    if snap.grid is not None:
        outputs = snap.grid.neuron_maps[layer]
        return neuron < len(outputs) and bool(np.all(outputs[neuron] <= 0.0))
    post = np.atleast_2d(snap.post[layer - 1])
    return neuron < post.shape[1] and bool(np.all(post[:, neuron] <= 0.0))


def _shown(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return p["target"] in state.shown


def _phase_reached(state: LearnerState, p: Mapping[str, Any]) -> bool:
    """The step-through shows phase `phase` (of layer `layer`: a number, 1 = the first
    trainable layer, or "output")."""
    if state.phase != p["phase"]:
        return False
    layer = p.get("layer")
    if layer == "output":
        return state.snapshot is not None and state.phase_layer == state.snapshot.n_layers
    return layer is None or state.phase_layer == layer


def _weight_edited(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.edits > 0


def _runs_added(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.runs >= p["value"]


def _read_layer(value: Any, where: str) -> int | str:
    if value == "output":
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        fail(where, f'must be a layer number (1 = the first) or "output" (got {show(value)})')
    return read_int(value, where, 1, 1000)


def _surface_is(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.surface == p["name"]


def _step_mode_on(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.step_mode


def _activation_is(state: LearnerState, p: Mapping[str, Any]) -> bool:
    if state.design is None:
        return False
    layers = state.design.layers
    chosen = [layers[p["layer"]]] if "layer" in p and p["layer"] < len(layers) else layers[:-1]
    return any(layer.activation == p["name"] for layer in chosen)


def _optimizer_is(state: LearnerState, p: Mapping[str, Any]) -> bool:
    if state.design is None:
        return False
    spec = state.design.optimizer
    momentum = spec.params.get("momentum", 0.0)
    return spec.name == p["name"] and ("momentum" not in p or momentum >= p["momentum"])


def _learning_rate_between(state: LearnerState, p: Mapping[str, Any]) -> bool:
    snap = state.snapshot
    return snap is not None and p["min"] <= snap.learning_rate <= p["max"]


def _hidden_layers_at_least(state: LearnerState, p: Mapping[str, Any]) -> bool:
    return state.design is not None and len(state.design.layers) - 1 >= p["value"]


def _number(lo: float | None = None, hi: float | None = None, **kw) -> Reader:
    return partial(read_number, lo=lo, hi=hi, **kw)


def _int(lo: int, hi: int) -> Reader:
    return partial(read_int, lo=lo, hi=hi)


def _choice(kind: str, names) -> Reader:
    return lambda value, where: read_choice(value, where, kind, names)


SPLIT = (_choice("split", SPLITS), False)
for name, params, test, description in (
    (
        "loss_below",
        {"value": (_number(0.0, lo_open=True), True), "split": SPLIT},
        _loss_below,
        "the loss on the training (or test) split is below `value`",
    ),
    (
        "accuracy_above",
        {"value": (_number(0.0, 1.0), True), "split": SPLIT},
        _accuracy_above,
        "the accuracy on the training (or test) split is above `value` (0 to 1)",
    ),
    (
        "steps_at_least",
        {"value": (_int(1, 10**9), True)},
        _steps_at_least,
        "the run has taken at least `value` steps (mini-batches)",
    ),
    (
        "epochs_at_least",
        {"value": (_int(1, 10**7), True)},
        _epochs_at_least,
        "the run has finished at least `value` epochs",
    ),
    (
        "selected",
        {"what": (_choice("selection", SELECTABLE), True), "layer": (_int(0, 1000), False)},
        _selected,
        "a layer, neuron, link or sample is selected (in layer `layer`, if given)",
    ),
    (
        "dead_unit_selected",
        {},
        _dead_unit_selected,
        "the selected neuron is a hidden unit whose output is 0 for the whole batch",
    ),
    (
        "shown",
        {"target": (read_target, True)},
        _shown,
        "the part of the window `target` is visible",
    ),
    (
        "phase_reached",
        {"phase": (_choice("phase", PHASES), True), "layer": (_read_layer, False)},
        _phase_reached,
        'the step-through shows phase `phase` (of layer `layer`, a number or "output")',
    ),
    (
        "weight_edited",
        {},
        _weight_edited,
        "the learner has set a weight or bias by hand (in the inspector) during this step",
    ),
    (
        "runs_added",
        {"value": (_int(1, 1000), True)},
        _runs_added,
        "the Runs panel gained `value` runs since the step began (a race adds one per value)",
    ),
    (
        "surface_is",
        {"name": (_choice("surface", SURFACES.names()), True)},
        _surface_is,
        "the optimizer playground shows surface `name`",
    ),
    (
        "step_mode_on",
        {},
        _step_mode_on,
        "the optimizer playground's step mode is on",
    ),
    (
        "activation_is",
        {"name": (partial(read_str, max_len=40), True), "layer": (_int(0, 1000), False)},
        _activation_is,
        "a hidden layer (or layer `layer`, 0 = the first) uses activation `name`",
    ),
    (
        "optimizer_is",
        {
            "name": (_choice("optimizer", OPTIMIZERS.names()), True),
            "momentum": (_number(0.0, 1.0), False),
        },
        _optimizer_is,
        "the design trains with optimizer `name` (with at least `momentum`, if given)",
    ),
    (
        "learning_rate_between",
        {"min": (_number(0.0), True), "max": (_number(0.0), True)},
        _learning_rate_between,
        "the run's learning rate lies between `min` and `max`",
    ),
    (
        "hidden_layers_at_least",
        {"value": (_int(0, 100), True)},
        _hidden_layers_at_least,
        "the network has at least `value` hidden layers",
    ),
):
    CHECKS.add(name, Check(params, test), description)


def read_check(value: Any, where: str) -> dict[str, Any]:
    """A lesson step's `check` object, every parameter read; DesignError naming the field."""
    obj = read_object(value, where)
    if "kind" not in obj:
        fail(f"{where}.kind", f"required key is missing (valid: {CHECKS.valid()})")
    kind = read_choice(obj["kind"], f"{where}.kind", "check", CHECKS.names())
    params = CHECKS.get(kind).params
    check_keys(
        obj,
        where,
        required=["kind", *(k for k, (_, required) in params.items() if required)],
        optional=[k for k, (_, required) in params.items() if not required],
    )
    out: dict[str, Any] = {"kind": kind}
    for key, (reader, _) in params.items():
        if key in obj:
            out[key] = reader(obj[key], f"{where}.{key}")
    return out


def passed(check: Mapping[str, Any], state: LearnerState) -> bool:
    """True once the learner has done what `check` (as `read_check` gave it) asks."""
    return bool(CHECKS.get(check["kind"]).test(state, check))
