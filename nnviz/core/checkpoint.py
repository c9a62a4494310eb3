"""A trainer's checkpoint: everything the next steps depend on, out and back in.

`state_dict()` copies what a resumed run needs to take exactly the steps an uninterrupted one
would have; `load_state_dict(d)` checks all of it first and only then applies it, so a bad
checkpoint leaves the trainer as it was. Session files (`session.py`) store these. A part of
`Trainer` kept in its own module (a mixin): it reads and sets the trainer's own fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnviz.core.history import History
from nnviz.core.schedules import make_schedule

STATES = ("idle", "running", "paused", "finished", "stopped", "diverged")


class Checkpoint:
    """The trainer's saving and resuming (mixed into `Trainer`)."""

    def state_dict(self, histories: bool = True) -> dict[str, Any]:
        """Everything a resumed run needs to take exactly the steps this one would have taken.

        JSON-able values (counters, states, `rng`: the bit generator's state) plus arrays:
        `weights` / `biases` (lists), `order` (this epoch's shuffle), `optimizer` (its own
        `state_dict`) and the `history` / `step_history` (`names`, `rows`, `total`; left out
        with `histories=False`, as a `Timeline` does every step). Copies only; call from the
        thread that trains, as `snapshot()`.
        """
        net = self.network
        state = {
            "seed": self.seed,
            "epochs": self.epochs,
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "state": self.state,
            "stop_reason": self.stop_reason,
            "message": self.message,
            "halted": self._halted,
            "batch_loss": float(self.batch_loss),
            "lr_scale": self._lr_scale,
            "requested_learning_rate": self.controls.requested_learning_rate,
            # What the schedule was built from: a design saved with a learning rate or epoch
            # budget changed during the run must not change the schedule of the resumed run.
            "base_learning_rate": self._base_lr,
            "schedule_epochs": self._schedule.epochs,
            "best": self._best,
            "waited": self._waited,
            "loss_sum": self._loss_sum,
            "loss_count": self._loss_count,
            "rng": self._rng.bit_generator.state,
            "order": self._order.copy(),
            "weights": [w.copy() for w in net.weights],
            "biases": [b.copy() for b in net.biases],
            "optimizer": self.optimizer.state_dict(),
            # The last step's pass, so a resumed run shows its numbers (`step_view.py`): the
            # weights it used and its batch; None when no update followed a pass.
            **self._last_step_state(),
        }
        if histories:
            state["history"] = _history_state(self.history)
            state["step_history"] = _history_state(self.step_history)
        return state

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        """Continue from what `state_dict` gave (for the same design and data). Everything is
        checked first, so a ValueError leaves this trainer as it was. A run that was going when
        it was saved comes back paused."""
        if int(d["seed"]) != self.seed:
            raise ValueError(
                f"seed: saved with seed {d['seed']}, this trainer uses {self.seed} "
                "(its evaluation samples would differ)"
            )
        n = len(self._x)
        order = np.asarray(d["order"])
        if order.shape != (n,) or order.dtype.kind not in "iu":
            raise ValueError(f"order: needs {n} sample indices (got shape {order.shape})")
        if not np.array_equal(np.sort(order), np.arange(n)):
            raise ValueError(f"order: not a shuffle of the {n} training samples")
        if not 0 <= d["batch_in_epoch"] < self.batches_per_epoch:
            raise ValueError(
                f"batch_in_epoch: {d['batch_in_epoch']} is outside 0..{self.batches_per_epoch - 1}"
            )
        if d["state"] not in STATES:
            raise ValueError(f"state: unknown state {d['state']!r} (valid: {', '.join(STATES)})")
        for name in ("history", "step_history"):
            names = tuple(d[name]["names"])
            if names != getattr(self, name).names:
                raise ValueError(f"{name}: columns {list(names)} do not fit this design")
        rng = np.random.default_rng()
        rng.bit_generator.state = d["rng"]
        optimizer = self._optimizer_state(d["optimizer"])
        history = _history_from(d["history"], self.history.capacity)
        step_history = _history_from(d["step_history"], self.step_history.capacity)
        counters = {key: int(d[key]) for key in _COUNTERS}
        values = {key: float(d[key]) for key in _VALUES}
        requested = d["requested_learning_rate"]
        requested = None if requested is None else float(requested)
        base_lr = d.get("base_learning_rate")
        base_lr = self._base_lr if base_lr is None else float(base_lr)
        schedule_epochs = d.get("schedule_epochs")
        schedule_epochs = self._schedule.epochs if schedule_epochs is None else int(schedule_epochs)
        if not (math.isfinite(base_lr) and base_lr > 0 and schedule_epochs >= 1):
            raise ValueError(
                f"base_learning_rate / schedule_epochs: {base_lr} / {schedule_epochs} "
                "must be positive"
            )
        schedule = make_schedule(self.design.training.schedule, base_lr, schedule_epochs)
        last_step = self._checked_last_step(d.get("step_params"), d.get("last_rows"))
        self.network.load_weights(d["weights"], d["biases"])

        self.epochs, self.step, self.epoch = (
            counters["epochs"],
            counters["step"],
            counters["epoch"],
        )
        self.batch_in_epoch = counters["batch_in_epoch"]
        self._waited, self._loss_count = counters["waited"], counters["loss_count"]
        self.batch_loss, self._lr_scale = values["batch_loss"], values["lr_scale"]
        self._base_lr, self._schedule = base_lr, schedule
        self._best, self._loss_sum = values["best"], values["loss_sum"]
        self.state = "paused" if d["state"] == "running" else d["state"]
        self.stop_reason = d["stop_reason"]
        self.message = d["message"]
        self._halted = bool(d["halted"])
        self._rng = rng
        self._order = order.astype(np.int64)
        self.optimizer.load_state_dict(optimizer)
        self.history, self.step_history = history, step_history
        self.metrics = history.last()
        self._restore_last_step(last_step)
        self._invalidate_snapshots()
        self.controls.take_learning_rate()
        if requested is not None:
            self.controls.set_learning_rate(requested)

    def _last_step_state(self) -> dict[str, np.ndarray | None]:
        if not self._step_updated or self._last_batch is None:
            return {"step_params": None, "last_rows": None}
        return {"step_params": self._step_params.copy(), "last_rows": self._last_batch.copy()}

    def _checked_last_step(self, params: Any, rows: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """The saved last step (weights it used, its batch rows) checked, or None if absent."""
        if params is None or rows is None:
            return None
        params, rows = np.asarray(params), np.asarray(rows)
        size = self.network.params.shape
        if params.shape != size or params.dtype.kind != "f" or not np.isfinite(params).all():
            raise ValueError(f"step_params: needs {size[0]} finite numbers (got {params.shape})")
        n = len(self._x)
        if not (
            rows.ndim == 1
            and 0 < len(rows) <= self.batch_size
            and rows.dtype.kind in "iu"
            and rows.min() >= 0
            and rows.max() < n
        ):
            raise ValueError(f"last_rows: needs 1..{self.batch_size} row indices below {n}")
        return params.astype(self.dtype), rows.astype(np.int64)

    def _restore_last_step(self, last_step: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Redo the saved last step's pass (the same weights and rows give the same numbers)."""
        self._last_fwd = self._last_bwd = self._last_batch = None
        self._step_params = self.network.params.copy()
        self._step_updated = False
        if last_step is None:
            return
        params, rows = last_step
        net = self.network.copy()
        net.params[...] = params
        with np.errstate(all="ignore"):
            self._last_fwd = net.forward(self._x[rows])
            self._last_bwd = net.backward(self._last_fwd, self._y[rows])
        self._last_batch, self._step_params, self._step_updated = rows, params, True
        self._step_lr = self.learning_rate  # the saved rate is the last step's

    def _optimizer_state(self, d: Mapping[str, Any]) -> dict[str, Any]:
        """The optimizer's saved state checked against this network, in its dtype."""
        buffers = self.optimizer.buffers
        size = self.network.params.shape
        arrays = {key: value for key, value in d.items() if "." in key}
        expected = {f"0.{key}" for key in buffers}
        if arrays and set(arrays) != expected:
            raise ValueError(
                f"optimizer: holds {', '.join(sorted(arrays))}, "
                f"{self.optimizer.name} needs {', '.join(sorted(expected))}"
            )
        out: dict[str, Any] = {"steps": int(d["steps"]), "learning_rate": float(d["learning_rate"])}
        for key, value in arrays.items():
            value = np.asarray(value)
            if value.shape != size:
                raise ValueError(f"optimizer: {key} has shape {value.shape}, needs {size}")
            out[key] = value.astype(self.dtype)
        return out


_COUNTERS = ("epochs", "step", "epoch", "batch_in_epoch", "waited", "loss_count")
_VALUES = ("batch_loss", "lr_scale", "best", "loss_sum")


def _history_state(history: History) -> dict[str, Any]:
    return {"names": list(history.names), "rows": history.rows(), "total": history.total}


def _history_from(d: Mapping[str, Any], capacity: int) -> History:
    rows = np.asarray(d["rows"], dtype=np.float64)
    names = tuple(d["names"])
    if rows.ndim != 2 or rows.shape[1] != len(names):
        raise ValueError(f"history: rows shaped {rows.shape} for {len(names)} columns")
    if len(rows) > capacity:
        raise ValueError(f"history: {len(rows)} rows, more than its capacity {capacity}")
    return History.from_rows(names, rows, int(d["total"]), capacity)
