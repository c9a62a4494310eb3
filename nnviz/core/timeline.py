"""The run's past, kept in bounded memory so any recorded moment can be shown or resumed.

A `Timeline` records the trainer's resumable state (`Trainer.state_dict` without its histories:
weights, optimizer state, the epoch's shuffle, the random generator, counters) after steps of
the run. Resuming from a recorded moment takes exactly the steps the uninterrupted run took,
because that state is all the next steps depend on.

How it stays bounded, whatever the run's length:
- Every step is recorded while one moment is small (at most `DENSE_BYTES`); a bigger network is
  recorded every `stride` steps so that copying its state costs about as much as a small one's.
  A step between two recorded moments is rebuilt by resuming from the earlier one and training
  on (`restore`), which gives the same numbers.
- A moment's size is what it really holds in memory: its arrays with their headers and data,
  the tuples, numbers and text around them (`_held_bytes`; within a few per cent of what
  tracemalloc and the process's resident size measure).
- When the record passes its budget, it is thinned by age: a moment `age` steps old is kept
  when its step is a multiple of `stride · 2^k`, where 2^k is the power of two at or below
  age / `dense_steps` (every recorded step for the newest 2·`dense_steps` steps, every second
  one for the next 2·`dense_steps`, every fourth for the 4·`dense_steps` after…): the gap
  between two moments grows in proportion to their age (at most `stride` · age / `dense_steps`
  steps), so any step is a short replay away from a moment. `dense_steps` starts at a
  quarter of the run when the budget is first reached and shrinks (by a quarter each time)
  only while thinning leaves the record above `THIN_TO` of its budget. The first moment is
  always kept.
- The shuffle of an epoch is shared by all the moments inside that epoch, and counted once.

The histories (epoch metrics, running batch loss) are not copied per moment: `restore` cuts the
run's own histories (from a snapshot) back to the moment's step.

The trainer's thread records (through `attach`, which sets `Trainer.on_step`); any thread may
read (`steps`, `moment`, `nbytes`), under the timeline's lock. Moments are never written after
they are recorded (loading one copies its arrays), so readers may keep them.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from nnviz.core.snapshot import Snapshot
    from nnviz.core.trainer import Trainer

DEFAULT_BUDGET = 256 * 2**20  # bytes
DENSE_BYTES = 64 * 2**10  # a moment up to this size is recorded every step
THIN_TO = 0.75  # of the budget: thinning by age goes on (with fewer dense steps) above this
ALLOCATION_BYTES = 16  # the C allocator's bookkeeping for an array's data
SMALL_INTS = (-5, 256)  # integers Python keeps one copy of


class Moment(NamedTuple):
    """One recorded state of the run after `step` steps (read-only arrays).

    Kept as a few tuples of numbers, text and arrays (`values`, named by `names`, a tuple all
    the timeline's moments share; the optimizer's state likewise, the random generator's as
    JSON text), which the garbage collector stops tracking after its first look: its full
    collections no longer pass over tens of thousands of moments (they took up to 250 ms with
    the record full, holding the interpreter lock that training and the window need), and a
    moment adds five objects for it to look at once, not thirty."""

    step: int
    epoch: int
    batch_in_epoch: int
    names: tuple[str, ...]  # of Trainer.state_dict(histories=False)'s entries but the shuffle
    values: tuple[Any, ...]  # their values, packed (see `state`)
    nbytes: int  # its own arrays and overhead; the shared shuffle is counted by the timeline
    order: np.ndarray  # the epoch's shuffle (shared by the moments of one epoch)

    @property
    def state(self) -> dict[str, Any]:
        """The trainer's state as `Trainer.load_state_dict` takes it (a new dict each time)."""
        state = dict(zip(self.names, self.values, strict=True))
        state["optimizer"] = dict(zip(*state["optimizer"], strict=True))
        state["rng"] = json.loads(state["rng"])
        state["order"] = self.order
        return state


class Timeline:
    """A bounded record of one run's past; see the module notes."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET, dense_bytes: int = DENSE_BYTES) -> None:
        if budget_bytes <= 0:
            raise ValueError(f"timeline budget must be positive, not {budget_bytes}")
        self.budget_bytes = int(budget_bytes)
        self.dense_bytes = int(dense_bytes)
        self.stride = 1  # steps between moments: more than 1 for a moment over `dense_bytes`
        self.dense_steps: int | None = None  # see the module notes; None until first thinned
        self._lock = threading.Lock()
        self._moments: list[Moment] = []
        self._orders: dict[int, list] = {}  # id(order) → [order, moments sharing it]
        self._nbytes = 0
        self._sizes: dict[tuple[int, bool], int] = {}  # a moment's own bytes, by its shape
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}  # see `_shared`

    def __len__(self) -> int:
        return len(self._moments)

    def __repr__(self) -> str:
        return (
            f"Timeline({len(self._moments)} moments, {self.nbytes / 2**20:.1f} of "
            f"{self.budget_bytes / 2**20:.0f} MB)"
        )

    @property
    def nbytes(self) -> int:
        """Bytes the record holds in memory (see `_held_bytes`)."""
        return self._nbytes

    # ----------------------------------------------------------------- recording

    def attach(self, trainer: Trainer) -> None:
        """Record `trainer`'s current state, then every step it takes (call before it trains)."""
        self.record(trainer)
        trainer.on_step = self.record

    def record(self, trainer: Trainer) -> None:
        """Keep the trainer's state if its step is due (see `stride`); the thread that trains."""
        step = trainer.step
        moments = self._moments
        if moments and (step <= moments[-1].step or step % self.stride):
            if step > moments[-1].step:
                return
            with self._lock:  # the run went back (a reset of the same trainer): start again
                self._drop_after(step - 1)
        state = trainer.state_dict(histories=False)
        order = state.pop("order")
        last = moments[-1] if moments else None
        if last is not None and _same_shuffle(last, step):
            order = last.order  # the epoch's shuffle, shared
        optimizer = state["optimizer"]
        state["weights"], state["biases"] = tuple(state["weights"]), tuple(state["biases"])
        state["optimizer"] = (self._shared(tuple(optimizer)), tuple(optimizer.values()))
        state["rng"] = json.dumps(state["rng"])
        names, values = self._shared(tuple(state)), tuple(state.values())
        # Same shapes every step once the optimizer has its buffers: measured once per count
        # (the last step's pass is absent before the first step).
        key = (len(optimizer), state["step_params"] is None)
        own = self._sizes.get(key)
        if own is None:  # the names are held once for all moments
            own = _held_bytes(values) - _held_bytes(state["optimizer"][0])
            self._sizes[key] = own
        moment = Moment(step, trainer.epoch, trainer.batch_in_epoch, names, values, own, order)
        with self._lock:
            moments.append(moment)
            self._nbytes += own
            self._share(order, +1)
            if self._nbytes > self.budget_bytes:
                self._thin()
        self.stride = max(1, math.ceil(own / self.dense_bytes))

    def _shared(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """One tuple of these names for every moment that has them."""
        return self._names.setdefault(names, names)

    def _share(self, order: np.ndarray, change: int) -> None:
        entry = self._orders.setdefault(id(order), [order, 0])
        if entry[1] == 0:
            self._nbytes += order.nbytes
        entry[1] += change
        if entry[1] == 0:
            del self._orders[id(order)]
            self._nbytes -= order.nbytes

    def _remove(self, moment: Moment) -> None:
        self._nbytes -= moment.nbytes
        self._share(moment.order, -1)

    def _thin(self) -> None:
        """Thin the record by age until the budget holds (see the module notes; lock held)."""
        moments = self._moments
        if self.dense_steps is None:
            self.dense_steps = max((moments[-1].step - moments[0].step) // 4, 1)
        self._keep_by_age()
        while self._nbytes > THIN_TO * self.budget_bytes and self.dense_steps > 1:
            self.dense_steps = max(self.dense_steps * 3 // 4, 1)
            self._keep_by_age()
        while self._nbytes > self.budget_bytes and len(moments) > 1:
            self._remove(moments.pop(0))  # moments so big that the budget holds only a few

    def _keep_by_age(self) -> None:
        moments = self._moments
        steps = np.fromiter((m.step for m in moments), np.int64, len(moments))
        age = steps[-1] - steps
        level = np.floor(np.log2(np.maximum(age / self.dense_steps, 1.0))).astype(np.int64)
        keep = steps % (self.stride << level) == 0
        keep[0] = True
        for i in np.flatnonzero(~keep):
            self._remove(moments[i])
        moments[:] = [moments[i] for i in np.flatnonzero(keep)]

    def _drop_after(self, step: int) -> None:
        while self._moments and self._moments[-1].step > step:
            self._remove(self._moments.pop())

    # ----------------------------------------------------------------- reading

    def steps(self) -> np.ndarray:
        """The recorded steps, ascending."""
        with self._lock:
            return np.fromiter((m.step for m in self._moments), np.int64, len(self._moments))

    def first_step(self) -> int | None:
        """The oldest recorded step (a reopened session's record starts where it was saved)."""
        with self._lock:
            return self._moments[0].step if self._moments else None

    def moment(self, step: int) -> Moment | None:
        """The newest moment at or before `step` (None before the first)."""
        with self._lock:
            moments = self._moments
            lo, hi = 0, len(moments)
            while lo < hi:
                mid = (lo + hi) // 2
                if moments[mid].step <= step:
                    lo = mid + 1
                else:
                    hi = mid
            return moments[lo - 1] if lo else None

    def nearest(self, step: int) -> int | None:
        """The recorded step closest to `step` (for a slider that snaps to the record)."""
        steps = self.steps()
        if not len(steps):
            return None
        i = int(np.searchsorted(steps, step))
        candidates = steps[max(i - 1, 0) : i + 1]
        return int(candidates[np.argmin(np.abs(candidates - step))])

    def truncated(self, step: int) -> Timeline:
        """A new timeline holding this one's moments up to `step` (a branch starts from it);
        the moments are shared, being read-only."""
        other = Timeline(self.budget_bytes, self.dense_bytes)
        with self._lock:
            kept = [m for m in self._moments if m.step <= step]
        other.stride, other.dense_steps = self.stride, self.dense_steps
        for moment in kept:
            other._moments.append(moment)
            other._nbytes += moment.nbytes
            other._share(moment.order, +1)
        return other

    # ----------------------------------------------------------------- going back

    def restore(self, trainer: Trainer, step: int, past: Snapshot | None = None) -> None:
        """Put `trainer` (the run's design and data) where the run was after `step` steps.

        Loads the newest moment at or before `step` and trains on to `step`, so any step after
        the first moment can be reached exactly. `past`: a snapshot of the run at or after
        `step`, whose histories are cut back to the moment (empty histories without it).
        Raises ValueError before the first moment.
        """
        moment = self.moment(step)
        if moment is None:
            raise ValueError(f"step {step} is before the timeline's first moment")
        _load(trainer, moment, past)
        _train_to(trainer, step)

    def snapshot_at(self, trainer: Trainer, step: int, past: Snapshot | None = None) -> Snapshot:
        """A snapshot of the run after `step` steps as a run stopped there shows it, the last
        batch's gradients and activations included (a moment redoes its last step's pass).
        `trainer`: a scratch trainer of the run's design and data; a snapshot of a settled run
        (state "paused" where it was training)."""
        self.restore(trainer, step, past)
        if trainer.state == "running":
            trainer.state = "paused"
        return trainer.snapshot()


def _load(trainer: Trainer, moment: Moment, past: Snapshot | None) -> None:
    state = moment.state
    for which in ("history", "step_history"):
        names = getattr(trainer, which).names
        state[which] = _history_until(names, past, which, moment.step)
    trainer.load_state_dict(state)


def _train_to(trainer: Trainer, step: int) -> None:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while trainer.step < step and trainer.state != "diverged":
            trainer.step_batch()


def _history_until(
    names: tuple[str, ...], past: Snapshot | None, which: str, step: int
) -> dict[str, Any]:
    """A history state (as `Trainer.state_dict` holds it) of `past`'s rows up to `step`."""
    columns = getattr(past, which) if past is not None else {}
    if not columns or not len(columns.get("step", ())):
        return {"names": list(names), "rows": np.zeros((0, len(names))), "total": 0}
    rows = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    rows = rows[rows[:, names.index("step")] <= step]
    return {"names": list(names), "rows": rows, "total": len(rows)}


def _held_bytes(value: Any) -> int:
    """Memory a state value holds: arrays with their headers and data (and the allocator's
    bookkeeping for the data), the tuples around them, numbers and text. Python's small
    integers are shared by everyone and not counted."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, np.ndarray):  # getsizeof counts the data an array owns
        return sys.getsizeof(value) + ALLOCATION_BYTES
    if isinstance(value, int) and SMALL_INTS[0] <= value <= SMALL_INTS[1]:
        return 0
    inner = sum(_held_bytes(v) for v in value) if isinstance(value, tuple) else 0
    return sys.getsizeof(value) + inner


def _same_shuffle(last: Moment, step: int) -> bool:
    """Whether the moment of `step` holds `last`'s shuffle: a new one is drawn by the step that
    starts an epoch, i.e. the step after a moment at an epoch boundary."""
    return last.batch_in_epoch != 0 and last.step == step - 1


def rss_bytes() -> int:
    """This process's resident memory (Linux /proc; the peak elsewhere), for benchmarks."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # Unix only; imported where it is needed

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
