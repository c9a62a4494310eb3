"""What the learner is looking at: one small observed object owned by the window.

The canvas, the data view, the inspector and the explorers all read and write the same
`Selection` (`window.selection`); none of them owns it, so choosing a neuron on the canvas or a
point in the data view is seen by every other view at once. Fields:

- `layer`: a column of the network, numbered as `Snapshot.layer_sizes` (0 = the inputs,
  k = trainable layer k, whose weights are `weights[k - 1]`);
- `neuron`: a unit of that column;
- `link`: `(k, i, j)`, the weight `weights[k][i, j]` from unit i of column k to unit j of
  column k + 1;
- `sample`: a row of the training split, the sample traced (None: none chosen, the views show
  the batch mean);
- `hovered_sample`: the training row under the pointer in the data view, if any.

`set(**fields)` changes any of them and emits `changed` once if anything differs; `changed`
carries no arguments, `last_changed` says which fields it was about.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from PySide6.QtCore import QObject, Signal

Link = tuple[int, int, int]


@dataclass(frozen=True)
class SelectionState:
    """One moment of the selection (every field None when nothing is chosen)."""

    layer: int | None = None
    neuron: int | None = None
    link: Link | None = None
    sample: int | None = None
    hovered_sample: int | None = None


FIELDS = tuple(f.name for f in fields(SelectionState))


class Selection(QObject):
    """The window's selection: read the fields, change them through `set`."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = SelectionState()
        self.last_changed: frozenset[str] = frozenset()

    @property
    def state(self) -> SelectionState:
        return self._state

    @property
    def layer(self) -> int | None:
        return self._state.layer

    @property
    def neuron(self) -> int | None:
        return self._state.neuron

    @property
    def link(self) -> Link | None:
        return self._state.link

    @property
    def sample(self) -> int | None:
        return self._state.sample

    @property
    def hovered_sample(self) -> int | None:
        return self._state.hovered_sample

    def set(self, **values) -> bool:
        """Change the given fields; `changed` fires once if any of them differs. True if so."""
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown selection field(s): {', '.join(sorted(unknown))}")
        values = {name: _normalised(name, value) for name, value in values.items()}
        new = replace(self._state, **values)
        if new == self._state:
            return False
        old = self._state
        diff = frozenset(n for n in FIELDS if getattr(new, n) != getattr(old, n))
        self._state = new
        self.last_changed = diff
        self.changed.emit()
        return True

    def clear(self) -> bool:
        """Forget the chosen neuron and link (a new network has other ones); keep the sample."""
        return self.set(layer=None, neuron=None, link=None)

    def __repr__(self) -> str:
        return f"Selection({self._state})"


def _normalised(name: str, value):
    """Plain ints (NumPy integers compare equal but print and hash differently in places)."""
    if value is None:
        return None
    if name == "link":
        k, i, j = value
        return int(k), int(i), int(j)
    return int(value)


def kept_selection(state: SelectionState, layer_sizes, dataset) -> dict:
    """The fields to set when a new run starts: what still exists in its network and data is
    kept, the rest cleared. Image data traces a real sample (the first) rather than a blurred
    batch mean when none is chosen."""
    sizes = tuple(layer_sizes)
    neuron_ok = (
        state.layer is not None
        and state.neuron is not None
        and state.layer < len(sizes)
        and state.neuron < sizes[state.layer]
    )
    link = state.link
    link_ok = link is not None and link[0] + 1 < len(sizes) and link[1] < sizes[link[0]]
    link_ok = link_ok and link[2] < sizes[link[0] + 1]
    rows = len(dataset.x_train)
    sample = state.sample if state.sample is not None and state.sample < rows else None
    if sample is None and dataset.picture is not None and rows:
        sample = 0
    return {
        "layer": state.layer if neuron_ok else None,
        "neuron": state.neuron if neuron_ok else None,
        "link": link if link_ok else None,
        "sample": sample,
        "hovered_sample": None,
    }
