"""What one design changes from another, in words: a run's automatic name.

`differences` compares every setting a run depends on with its real value, defaults included
(a design file may leave a setting out): "learning rate 0.001 → 0.03", not "default → 0.03".
An optimizer's hyper-parameters are compared as `torch.optim` would use them; when the
optimizer itself changes, the new one's own settings that are not its defaults come with it
("optimizer adam → sgd with momentum 0.9"), and only the settings both have are compared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from nnviz.core.design import Design
from nnviz.core.optimizers import OPTIMIZERS

Changes = Callable[[Design, Design], list[str]]

LABELS = {  # a field's words where its name needs more than "_" → " "
    "learning_rate": "learning rate",
    "weight_decay": "weight decay",
    "batch_size": "batch size",
    "test_fraction": "test fraction",
}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{_label(k)} {_show(v)}" for k, v in sorted(value.items()))
    if hasattr(value, "params"):  # a schedule: its name, then what it was given
        return value.name + (f" ({_show(value.params)})" if value.params else "")
    if dataclasses.is_dataclass(value):
        return _show(_fields(value))
    return str(value)


def _fields(spec: Any) -> dict[str, Any]:
    """A part of a design as its fields, the ones left to their defaults included."""
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name != "given"}


def _compared(read: Callable[[Design], Mapping[str, Any]]) -> Changes:
    """Changes of the labelled values `read` takes from a design."""

    def changes(base: Design, other: Design) -> list[str]:
        old, new = read(base), read(other)
        out = []
        for label in dict.fromkeys([*old, *new]):
            before, after = _show(old.get(label)), _show(new.get(label))
            if before != after:
                out.append(f"{label} {before} → {after}")
        return out

    return changes


def _top(design: Design) -> dict[str, Any]:
    return {"inputs": design.inputs, "loss": design.loss, "initializer": design.initializer}


def _layers(design: Design) -> dict[str, str]:
    hidden = design.layers[:-1]
    activations = [layer.activation for layer in hidden]
    shown = activations[0] if len(set(activations)) == 1 else ", ".join(activations)
    output = design.layers[-1]
    return {
        "hidden layers": "-".join(str(layer.units) for layer in hidden) or "none",
        "activation": shown if hidden else "none",
        "output": f"{output.units} {output.activation}",
    }


def _regularization(design: Design) -> dict[str, str]:
    reg = design.regularization
    return {"regularization": "none" if reg is None else f"{reg.kind} {reg.rate:g}"}


def _labelled(part: str) -> Callable[[Design], dict[str, Any]]:
    """The fields of one part of the design (`training`, `dataset`), by their labels (a
    part's `name` by the part's)."""

    def read(design: Design) -> dict[str, Any]:
        fields = _fields(getattr(design, part)).items()
        return {part if k == "name" else _label(k): v for k, v in fields}

    return read


def _optimizer(base: Design, other: Design) -> list[str]:
    (old, old_hyper), (new, new_hyper) = _hyper(base), _hyper(other)
    out = []
    if old != new:
        defaults = OPTIMIZERS.get(new).defaults
        own = [
            f"{_label(k)} {_show(v)}"
            for k, v in new_hyper.items()
            if k not in old_hyper and v != defaults[k]
        ]
        out.append(f"optimizer {old} → {new}" + (f" with {', '.join(own)}" if own else ""))
    for key, value in new_hyper.items():
        if key in old_hyper and _show(old_hyper[key]) != _show(value):
            out.append(f"{_label(key)} {_show(old_hyper[key])} → {_show(value)}")
    return out


def _hyper(design: Design) -> tuple[str, dict[str, Any]]:
    """The optimizer's name and every hyper-parameter it trains with (defaults included)."""
    spec = design.optimizer
    return spec.name, {**OPTIMIZERS.get(spec.name).defaults, **spec.params}


# What `differences` compares, in the order it names them.
ASPECTS: tuple[Changes, ...] = (
    _compared(_top),
    _optimizer,
    _compared(_layers),
    _compared(_regularization),
    _compared(_labelled("training")),
    _compared(_labelled("dataset")),
)


def differences(base: Design, other: Design) -> list[str]:
    """What `other` changes from `base`, one "label old → new" each (its name and meta aside)."""
    return [change for aspect in ASPECTS for change in aspect(base, other)]


def auto_name(base: Design | None, design: Design, note: str) -> str:
    """A run's automatic name: what it changes from the first run, and how it started."""
    if base is None:
        return note or "first run"
    changed = ", ".join(differences(base, design)) or "same design"
    return f"{changed}; {note}" if note else changed
