"""Every run of a session, side by side: what each changed, its curves, its colour.

A `Run` keeps what comparing needs once its trainer is gone: the design it trained, its
histories (epoch metrics and running batch loss), the weights it started from (so another run
can start from the same ones, a fair comparison), a colour, and a name. The automatic name says
what differs from the first run ("optimizer sgd → adam, learning rate 0.03 → 0.1"), computed
from the two designs by `nnviz.core.differences`, so it is true by construction; a user's
own name replaces it.

`RunList` holds at most `MAX_RUNS` runs (the oldest goes first, never the `current` one, which
the window trains), gives each a colour index not in use (the app maps indices to its
palette), and serialises to plain JSON plus arrays for session files (`to_files` /
`from_files`).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from nnviz.core.design import Design, DesignError
from nnviz.core.differences import auto_name
from nnviz.core.frozen import frozen_copies
from nnviz.core.history import DEFAULT_CAPACITY as HISTORY_ROWS
from nnviz.core.history import csv_cell
from nnviz.core.weights_io import ArraySpec, weight_arrays, weight_specs

MAX_RUNS = 16
COLORS = 8  # colour indices 0..COLORS-1 (reused when more runs are visible than colours)
FORMAT = "nnviz-runs"
VERSION = 1

Columns = Mapping[str, np.ndarray]
Weights = tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]  # (weights, biases) by layer


@dataclass
class Run:
    """One run of the session (`id` is unique within its `RunList`)."""

    id: int
    design: Design
    color: int
    note: str = ""  # how it started, e.g. "from run 1 at step 250"
    custom_name: str | None = None
    visible: bool = True
    auto_name: str = ""
    steps: int = 0  # steps trained so far
    history: Columns = field(default_factory=dict, repr=False)
    step_history: Columns = field(default_factory=dict, repr=False)
    initial: Weights | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.custom_name or self.auto_name


# ----------------------------------------------------------------- curves


def overlay_series(run: Run, score: str) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """One curve per plot for drawing `run` beside others: plot name → (epochs, values,
    what the values are). Loss: the training loss; score: the test score, or the training
    score without a test split; gradient: the norm of the whole dLoss/dW (all layers)."""
    h = run.history
    epoch = np.asarray(h.get("epoch", ()), dtype=np.float64)
    empty = np.full(len(epoch), np.nan)
    test = np.asarray(h.get(f"test_{score}", empty), dtype=np.float64)
    split = "test" if np.isfinite(test).any() else "train"
    layers = [np.asarray(h[n], dtype=np.float64) for n in h if n.startswith("grad_norm_L")]
    with np.errstate(invalid="ignore"):
        grad = np.sqrt(np.sum(np.square(layers), axis=0)) if layers else empty
    return {
        "loss": (epoch, np.asarray(h.get("train_loss", empty), dtype=np.float64), "train loss"),
        "score": (
            epoch,
            np.asarray(h.get(f"{split}_{score}", empty), dtype=np.float64),
            f"{split} {score}",
        ),
        "grad_norm": (epoch, grad, "norm of dLoss/dW, all layers"),
    }


CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")


def legend_corner(points: np.ndarray, size: tuple[float, float]) -> str | None:
    """The corner of a plot for its legend that covers none of `points` (the curves' newest
    points, as fractions of the visible area: x right, y up), tried in the order of CORNERS;
    None when every corner would cover one (the legend is better left out then). `size`: the
    legend's width and height as such fractions."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    w, h = size
    if w > 1 or h > 1:  # it would not fit in the plot at all
        return None
    boxes = {
        "top-right": (1 - w, 1, 1 - h, 1),
        "top-left": (0, w, 1 - h, 1),
        "bottom-right": (1 - w, 1, 0, h),
        "bottom-left": (0, w, 0, h),
    }

    def covered(corner: str) -> int:
        x0, x1, y0, y1 = boxes[corner]
        x, y = points[:, 0], points[:, 1]
        return int(np.sum((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))

    return next((corner for corner in CORNERS if not covered(corner)), None)


# ----------------------------------------------------------------- the list


class RunList:
    """The session's runs, oldest first; see the module notes."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.current: int | None = None  # id of the run the window trains, if listed
        self._next_id = 1

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __repr__(self) -> str:
        return f"RunList({len(self.runs)} runs)"

    def get(self, run_id: int) -> Run:
        for run in self.runs:
            if run.id == run_id:
                return run
        raise KeyError(f"no run {run_id}")

    def add(
        self,
        design: Design,
        note: str = "",
        initial: Weights | None = None,
    ) -> Run:
        """A new run (the newest); the oldest goes when there would be more than MAX_RUNS."""
        while len(self.runs) >= MAX_RUNS:
            oldest = next(r for r in self.runs if r.id != self.current)
            self.runs.remove(oldest)
        used = {run.color for run in self.runs}
        free = [c for c in range(COLORS) if c not in used]
        color = free[0] if free else (self._next_id - 1) % COLORS
        run = Run(self._next_id, design, color, note, initial=initial)
        self._next_id += 1
        self.runs.append(run)
        self._rename()
        return run

    def update(self, run_id: int, history: Columns, step_history: Columns, steps: int) -> None:
        """The run's curves so far (a snapshot's copies) and its step count."""
        run = self.get(run_id)
        run.history, run.step_history, run.steps = history, step_history, int(steps)

    def set_design(self, run_id: int, design: Design) -> None:
        """The design a run trains with now (a learning rate or epoch budget changed while it
        trains), so names compare what the runs really use."""
        self.get(run_id).design = design
        self._rename()

    def rename(self, run_id: int, name: str) -> None:
        """A user's name; an empty one goes back to the automatic name."""
        self.get(run_id).custom_name = name.strip() or None

    def set_visible(self, run_id: int, visible: bool) -> None:
        self.get(run_id).visible = bool(visible)

    def remove(self, run_id: int) -> None:
        self.runs.remove(self.get(run_id))
        if run_id == self.current:
            self.current = None
        self._rename()

    def copy(self) -> RunList:
        """A copy another thread may read while this one changes (arrays are shared: they are
        snapshot copies nobody writes)."""
        other = RunList()
        other.runs = [dataclasses.replace(run) for run in self.runs]
        other.current, other._next_id = self.current, self._next_id
        return other

    def _rename(self) -> None:
        """Automatic names relative to the first run (which changes when it is removed)."""
        base = self.runs[0].design if self.runs else None
        for i, run in enumerate(self.runs):
            run.auto_name = auto_name(None if i == 0 else base, run.design, run.note)

    # ----------------------------------------------------------------- export

    def write_csv(self, stream: TextIO) -> None:
        """Every run's epoch history, one block per run: a `run` column (its name), then the
        union of the runs' columns (empty where a run has no such column)."""
        names: list[str] = []
        for run in self.runs:
            names += [n for n in run.history if n not in names]
        writer = csv.writer(stream)
        writer.writerow(["run", *names])
        for run in self.runs:
            columns = run.history
            rows = len(columns.get("epoch", ()))
            for j in range(rows):
                writer.writerow(
                    [run.name, *(csv_cell(columns[n][j]) if n in columns else "" for n in names)]
                )

    # ----------------------------------------------------------------- files

    def to_files(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON-ready description, arrays by name) for a session file."""
        runs, arrays = [], {}
        for i, run in enumerate(self.runs):
            entry = {
                "design": run.design.to_dict(),
                "color": run.color,
                "note": run.note,
                "name": run.custom_name,
                "visible": run.visible,
                "steps": run.steps,
            }
            for which in ("history", "step_history"):
                columns = getattr(run, which)
                entry[which] = list(columns)
                arrays[f"{i}.{which}"] = _block(columns)
            if run.initial is not None:  # so another run can start from them again
                initial = weight_arrays(run.initial)
                arrays.update({f"{i}.{INITIAL}.{name}": a for name, a in initial.items()})
            runs.append(entry)
        current = next((i for i, r in enumerate(self.runs) if r.id == self.current), None)
        return {"format": FORMAT, "version": VERSION, "runs": runs, "current": current}, arrays

    @staticmethod
    def array_specs(meta: Any, base_dir: Any = None) -> tuple[dict[str, ArraySpec], list[str]]:
        """What the arrays of `to_files` must be for the runs `meta` describes, and which of
        them may be missing (a run's initial weights: files from before they were kept)."""
        entries = meta.get("runs") if isinstance(meta, dict) else None
        if not isinstance(entries, list) or len(entries) > MAX_RUNS:
            raise ValueError(f"runs must be a list of at most {MAX_RUNS}")
        history = ArraySpec((None, None), finite=False, max_length=HISTORY_ROWS)
        specs, optional = {}, []
        for i, entry in enumerate(entries):
            specs.update({f"{i}.{which}": history for which in _WHICH})
            try:
                design = Design.from_dict(entry["design"], base_dir)
            except (DesignError, KeyError, TypeError) as error:
                raise ValueError(f"run {i + 1}: design: {error}") from None
            initial = {f"{i}.{INITIAL}.{k}": v for k, v in weight_specs(design).items()}
            specs.update(initial)
            optional += initial
        return specs, optional

    @classmethod
    def from_files(
        cls, meta: Any, arrays: Mapping[str, np.ndarray], base_dir: Any = None
    ) -> RunList:
        """Read what `to_files` wrote (its arrays checked against `array_specs`); anything
        wrong raises ValueError naming the run."""
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"not a runs description (format must be {FORMAT!r})")
        if meta.get("version") != VERSION:
            raise ValueError(f"unsupported runs version {meta.get('version')!r}")
        entries = meta.get("runs")
        if not isinstance(entries, list) or len(entries) > MAX_RUNS:
            raise ValueError(f"runs must be a list of at most {MAX_RUNS}")
        out = cls()
        for i, entry in enumerate(entries):
            where = f"run {i + 1}"
            try:
                design = Design.from_dict(entry["design"], base_dir)
                color = int(entry["color"])
                note, name = str(entry["note"]), entry["name"]
                visible, steps = entry["visible"], entry["steps"]
                columns = {w: _columns(entry[w], arrays[f"{i}.{w}"]) for w in _WHICH}
                initial = _initial(arrays, f"{i}.{INITIAL}.", len(design.layers))
            except DesignError as error:
                raise ValueError(f"{where}: design: {error}") from None
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{where}: {error}") from None
            if not 0 <= color < COLORS or not isinstance(visible, bool):
                raise ValueError(f"{where}: colour or visibility out of range")
            if not isinstance(steps, int) or steps < 0:
                raise ValueError(f"{where}: steps must be a whole number, not {steps!r}")
            if name is not None and not isinstance(name, str):
                raise ValueError(f"{where}: name must be text")
            run = out.add(design, note, initial)
            run.color, run.custom_name, run.visible, run.steps = color, name, visible, steps
            run.history, run.step_history = columns["history"], columns["step_history"]
        current = meta.get("current")
        if current is not None:
            if not isinstance(current, int) or not 0 <= current < len(out.runs):
                raise ValueError(f"current: {current!r} is not one of the runs")
            out.current = out.runs[current].id
        return out


_WHICH = ("history", "step_history")
INITIAL = "initial"  # arrays `{run}.initial.W0`, `.b0`, …: the weights the run started from


def _initial(arrays: Mapping[str, np.ndarray], prefix: str, layers: int) -> Weights | None:
    """A run's initial weights from its arrays (already checked against its design), or None
    when it has none; all of them or none."""
    names = [f"{prefix}{kind}{k}" for k in range(layers) for kind in "Wb"]
    present = [name in arrays for name in names]
    if not any(present):
        return None
    if not all(present):
        raise ValueError("initial weights: only some of the layers' arrays are there")
    weights = frozen_copies([arrays[f"{prefix}W{k}"] for k in range(layers)])
    biases = frozen_copies([arrays[f"{prefix}b{k}"] for k in range(layers)])
    return weights, biases


def _block(columns: Columns) -> np.ndarray:
    if not columns:
        return np.zeros((0, 0))
    return np.vstack([np.asarray(c, dtype=np.float64) for c in columns.values()])


def _columns(names: Any, block: np.ndarray) -> dict[str, np.ndarray]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("column names must be a list of text")
    block = np.asarray(block)
    if block.dtype.kind != "f" or block.ndim != 2 or block.shape[0] != len(names):
        raise ValueError(f"history shaped {block.shape} for {len(names)} columns")
    return {name: block[k].copy() for k, name in enumerate(names)}
