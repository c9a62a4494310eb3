"""The training loop: mini-batches, epochs, metrics, stop conditions, pause/step/stop.

`Trainer` is plain NumPy and runs anywhere: tests, the command line, or a GUI worker thread that
calls `run()` and steers it through `trainer.controls` from the GUI thread.

Choices worth knowing:
- Mini-batches are a fresh shuffle of the training set each epoch (seeded by `training.seed`, so
  the same design and seed give the same numbers); the last batch of an epoch may be smaller.
- The learning-rate schedule sets the rate at the start of every epoch. `set_learning_rate(lr)`
  applies at the next step and rescales the schedule so it carries on from `lr` with its shape
  kept (a step decay still divides by 10 later, starting from the new rate).
- Epoch metrics are evaluated on at most `EVAL_SAMPLES` samples per split (a fixed random
  subset, all samples when the split is smaller) so large datasets stay quick; the loss includes
  regularization. `evaluated_on()` says how many; `evaluate_all()` uses every sample (the
  command line's final report). Dead and saturated fractions use the first `HEALTH_SAMPLES` of
  the training subset (a random sample), because they cost a lot for what they show.
  `grad_norm_L{k}` is the norm of dLoss/dW of the epoch's last batch: it costs nothing per step
  and shows the same trend as an average would.
- `step_history` holds the running mean of the batch loss every `step_stride` steps, so plots move
  during long epochs; both histories are bounded (see `History`).
- A non-finite batch loss stops training with state "diverged" before the update is applied; only
  then are the layers scanned to say where the first non-finite value appeared.
- `state_dict()` / `load_state_dict()` hold everything the next steps depend on (weights,
  optimizer state, position in the epoch and its shuffle, the random generator, learning-rate
  scale, early-stopping counters, histories): a resumed run takes exactly the steps an
  uninterrupted one would have (`checkpoint.py`). Session files (`session.py`) store them.
- `snapshot()` copies what views need; call it from the thread that trains (e.g. inside the
  `on_snapshot` callback). How grids are refreshed: `snapshot_maker.py`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from nnviz.core.checkpoint import Checkpoint
from nnviz.core.controls import Controls
from nnviz.core.datasets import Dataset, make_dataset
from nnviz.core.design import Design, DesignError
from nnviz.core.history import History
from nnviz.core.image_views import MistakeFinder
from nnviz.core.layer_space import LayerSpaceTracker
from nnviz.core.metrics import UnitHealth, layer_columns, layer_metrics
from nnviz.core.network import Network
from nnviz.core.optimizers import make_optimizer
from nnviz.core.pace import Pacer
from nnviz.core.schedules import make_schedule
from nnviz.core.snapshot import Snapshot
from nnviz.core.snapshot_maker import GRID_RESOLUTION, SnapshotMaker
from nnviz.core.targets import make_targets
from nnviz.core.validation import some_of
from nnviz.core.walkthrough import Walkthrough, walk_step, walk_taken_step

EVAL_SAMPLES = 2000  # per split and epoch
EVAL_CHUNK_VALUES = 4_000_000  # activations of one layer held at once by `evaluate_all`
HEALTH_SAMPLES = 256  # of the training subset, for the dead / saturated fractions
RATE_WINDOW_S = 2.0  # steps_per_s is measured over about this long

STOP_REASONS = ("epochs", "target_loss", "early_stopping", "stopped", "diverged")
FEATURES_NAMED = 6  # a mismatch names the first few inputs, not all 784 pixels

SnapshotCallback = Callable[[Snapshot], None]


class Trainer(Checkpoint, SnapshotMaker):
    """Trains one `Network` on one `Dataset` as a `Design` says; owns the loop and its history."""

    def __init__(
        self,
        design: Design,
        data: Dataset | None = None,
        network: Network | None = None,
        seed: int | None = None,
    ) -> None:
        self.design = design
        training = design.training
        self.seed = training.seed if seed is None else int(seed)
        self.data = data if data is not None else make_dataset(design.dataset, design.base_dir)
        if self.data.n_features != design.inputs:
            names = some_of(self.data.feature_names, FEATURES_NAMED)
            raise DesignError(
                f"inputs: the design has {design.inputs} input(s) but dataset "
                f"'{self.data.name}' gives {self.data.n_features} feature(s) ({names})"
            )
        if len(self.data.x_train) == 0:
            raise DesignError(f"dataset: '{self.data.name}' has no training samples")
        width = 1 if self.data.task == "classification" else _width(self.data.y_train)
        self.targets = make_targets(design, self.data.task, self.data.classes, width)
        self.network = network if network is not None else Network(design, seed=self.seed)
        self.dtype = np.dtype(training.dtype)
        self.activations = tuple(layer.activation for layer in design.layers)
        self._health = UnitHealth(self.activations, [layer.units for layer in design.layers])

        self._x = self.data.inputs(self.dtype)  # shared by every run on this data
        self._y = self.targets.encode(self.data.y_train, self.dtype)
        # Both evaluation subsets go through the network in one call; rows are split after.
        train = self._eval_subset(self.data.x_train, self.data.y_train, 1)
        test = self._eval_subset(self.data.x_test, self.data.y_test, 2)
        self._eval_x = np.concatenate([train[0], test[0]])
        n_train = len(train[0])
        self._eval = {
            "train": (slice(0, n_train), *train[1:]),
            "test": (slice(n_train, len(self._eval_x)), *test[1:]),
        }

        n = len(self._x)
        self.batch_size = min(training.batch_size, n)
        self.batches_per_epoch = math.ceil(n / self.batch_size)
        self._order = np.arange(n)
        self._rng = np.random.default_rng(self.seed)
        sizes = {self.batch_size, n % self.batch_size or self.batch_size}
        self._buffers = {size: self._batch_buffers(size) for size in sizes}

        self.optimizer = make_optimizer(design.optimizer)
        self._params = self.network.parameters()
        self._grads = [self.network.grad_params]
        self._base_lr = float(self.optimizer.learning_rate)
        self._schedule = make_schedule(training.schedule, self._base_lr, training.epochs)
        self._lr_scale = 1.0

        self.epochs = training.epochs
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.state = "idle"
        self.message: str | None = None
        # Why training ended: one of STOP_REASONS
        self.stop_reason: str | None = None
        self.batch_loss = math.nan
        self.metrics: dict[str, float] = {}
        self._halted = False  # a stop condition or divergence ended training
        self._best = math.inf
        self._waited = 0
        self._last_fwd = None
        self._last_bwd = None
        self._last_batch: np.ndarray | None = None
        # The weights the last pass used, whether the optimizer's update followed it, and at
        # which learning rate.
        self._step_params = self.network.params.copy()
        self._step_updated = False
        self._step_lr = self.learning_rate

        score = self.targets.score_name
        self.history = History(
            [
                "epoch",
                "step",
                "train_loss",
                "test_loss",
                f"train_{score}",
                f"test_{score}",
                "learning_rate",
                *layer_columns(len(design.layers)),
            ]
        )
        self.step_history = History(["step", "epoch", "batch_loss"])
        self.step_stride = max(8, self.batches_per_epoch // 50)
        self._loss_sum = 0.0
        self._loss_count = 0

        self.controls = Controls()
        self.pacer = Pacer()  # full speed unless a pace is set (`pace.py`)
        self.trace_sample: int | None = None
        self.grid_resolution: int | None = GRID_RESOLUTION if self.data.plane else None
        self.clock: Callable[[], float] = time.perf_counter
        self.steps_per_s = 0.0
        self._rate_marks: deque[tuple[float, int]] = deque()
        self._init_snapshots()
        self.layer_space: LayerSpaceTracker | None = None  # see show_layer_space
        self.layer_space_shown = False
        self._mistakes = MistakeFinder(self.data, self.dtype, self.seed)
        # Called after every completed step (e.g. a `Timeline` recording the run's past).
        self.on_step: Callable[[Trainer], None] | None = None

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.network.layer_sizes))
        return (
            f"Trainer({sizes} on {self.data.name}, epoch {self.epoch}/{self.epochs}, "
            f"step {self.step}, {self.state})"
        )

    # ----------------------------------------------------------------- setup helpers

    def _eval_subset(self, x: np.ndarray, y: np.ndarray, offset: int):
        """A fixed subset of at most EVAL_SAMPLES rows, in random order (so that its first
        HEALTH_SAMPLES rows are a fair sample too): (x, encoded targets, raw targets)."""
        rng = np.random.default_rng(self.seed + 7919 * offset)
        rows = rng.permutation(len(x))[:EVAL_SAMPLES]
        x, y = x[rows], y[rows]
        x = np.ascontiguousarray(x, dtype=self.dtype)
        return x, self.targets.encode(y, self.dtype), y

    def _batch_buffers(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.empty((size, *self._x.shape[1:]), dtype=self._x.dtype),
            np.empty((size, *self._y.shape[1:]), dtype=self._y.dtype),
        )

    # ----------------------------------------------------------------- stepping

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.learning_rate)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Thread-safe; takes effect before the next update (see the module notes)."""
        self.controls.set_learning_rate(learning_rate)

    def set_epochs(self, epochs: int) -> None:
        """Change the epoch budget live (e.g. to train on after finishing)."""
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {epochs}")
        self.epochs = int(epochs)

    def set_trace_sample(self, index: int | None) -> None:
        """Trace one training sample in snapshots, or None for the last batch's mean."""
        if index is not None and not 0 <= index < len(self._x):
            raise IndexError(f"trace sample {index} out of range 0..{len(self._x) - 1}")
        self.trace_sample = index

    def show_layer_space(self, on: bool) -> None:
        """Put every layer's picture of the data into snapshots (see `layer_space.py`), or stop;
        thread-safe. Off by default: it costs a forward pass and a PCA per layer each frame,
        and nothing while off. The tracker is kept while off, so a view shown again continues
        the picture it left (same axes, no new projection of a wide input)."""
        if on and self.layer_space is None:
            self.layer_space = LayerSpaceTracker(self.data, self.targets, self.seed)
        self.layer_space_shown = bool(on)

    def _apply_learning_rate(self, learning_rate: float) -> None:
        self._lr_scale = self._scale_for(learning_rate)
        self.optimizer.learning_rate = learning_rate

    def _scale_for(self, learning_rate: float) -> float:
        """The schedule's scale that makes this epoch's rate `learning_rate`."""
        current = self._schedule(self.epoch)
        return learning_rate / current if current > 0 else learning_rate / self._base_lr

    def _start_epoch(self) -> None:
        self._rng.shuffle(self._order)
        self.optimizer.learning_rate = self._schedule(self.epoch) * self._lr_scale

    def set_parameter(self, layer: int, source: int, unit: int, value: float) -> float:
        """Set one weight W[source, unit] of trainable layer `layer` (1-based), or its bias when
        `source` is -1, and return the old value: a learner's edit while paused. The last
        step's pass no longer matches the weights, so snapshots and `shown_walkthrough` show the
        next step's, with the edit (as before the first step), and the plane's grid is redone."""
        k = layer - 1
        target = self.network.biases[k] if source < 0 else self.network.weights[k]
        index = (unit,) if source < 0 else (source, unit)
        old = float(target[index])
        target[index] = value
        self._last_fwd = self._last_bwd = self._last_batch = None
        np.copyto(self._step_params, self.network.params)
        self._step_updated = False
        self._invalidate_snapshots()
        return old

    def step_batch(self) -> float:
        """One mini-batch: forward, backward, update. Returns the batch loss."""
        if self.controls.requested_learning_rate is not None:
            self._apply_learning_rate(self.controls.take_learning_rate())
        if self.batch_in_epoch == 0:
            self._start_epoch()
        start = self.batch_in_epoch * self.batch_size
        rows = self._order[start : start + self.batch_size]
        xb, yb = self._buffers[len(rows)]
        self._x.take(rows, axis=0, out=xb)
        self._y.take(rows, axis=0, out=yb)
        fwd = self.network.forward(xb)
        bwd = self.network.backward(fwd, yb)
        loss = bwd.loss
        self._last_fwd, self._last_bwd, self._last_batch = fwd, bwd, rows
        np.copyto(self._step_params, self.network.params)  # the weights this pass used
        self._step_updated = False
        self._step_lr = self.learning_rate
        self.batch_loss = loss
        if not math.isfinite(loss):
            self._diverge(self._locate_non_finite(fwd, bwd))
            return loss
        self.optimizer.step(self._params, self._grads)
        self._step_updated = True
        self.step += 1
        self.batch_in_epoch += 1
        self._loss_sum += loss
        self._loss_count += 1
        if self._loss_count >= self.step_stride:
            self._record_step()
        if self.batch_in_epoch == self.batches_per_epoch:
            self._end_epoch()
        if self.on_step is not None:
            self.on_step(self)
        return loss

    def next_batch(self) -> tuple[np.ndarray, float]:
        """The rows and learning rate `step_batch` will use next, without taking the step: the
        random generator, the epoch's shuffle and the rate are left as they are."""
        lr, scale = self.optimizer.learning_rate, self._lr_scale
        requested = self.controls.requested_learning_rate
        if requested is not None:
            lr, scale = requested, self._scale_for(requested)
        order = self._order
        if self.batch_in_epoch == 0:
            rng = np.random.default_rng()
            rng.bit_generator.state = self._rng.bit_generator.state
            order = order.copy()
            rng.shuffle(order)
            lr = self._schedule(self.epoch) * scale
        start = self.batch_in_epoch * self.batch_size
        return order[start : start + self.batch_size].copy(), float(lr)

    def walkthrough(self, sample: int | None = None) -> Walkthrough:
        """The next step taken apart for one training row (default: the traced sample, else
        the batch's first row), on copies: training goes on exactly as if it was not asked."""
        rows, lr = self.next_batch()
        sample = self._followed(sample, rows)
        data = (self._x, self._y)
        return walk_step(
            self.network, self.optimizer, *data, rows, sample, step=self.step, learning_rate=lr
        )

    def last_walkthrough(self, sample: int | None = None) -> Walkthrough | None:
        """The last step taken, taken apart for one training row (default: the traced sample,
        else its batch's first row): the step a snapshot shows. None when it is not known (no
        step yet, an edit since, a divergence, a session saved without it)."""
        if not self._step_updated or self._last_batch is None:
            return None
        rows = self._last_batch
        sample = self._followed(sample, rows)
        data = (self._x, self._y)
        taken = self.step - 1
        net, before = self.network, self._step_params
        return walk_taken_step(
            net,
            before,
            self.optimizer,
            *data,
            rows,
            sample,
            step=taken,
            learning_rate=self._step_lr,
        )

    def shown_walkthrough(self, sample: int | None = None) -> Walkthrough:
        """The step a snapshot shows, taken apart: the last one taken when it is known, else
        the next (see `step_view.py`)."""
        last = self.last_walkthrough(sample)
        return last if last is not None else self.walkthrough(sample)

    def _followed(self, sample: int | None, rows: np.ndarray) -> int:
        """The row a walkthrough follows: `sample`, else the traced one, else the batch's first."""
        if sample is not None:
            return sample
        return self.trace_sample if self.trace_sample is not None else int(rows[0])

    def run_epoch(self) -> None:
        """Step to the end of the current epoch (a whole epoch from a boundary)."""
        self.step_batch()
        while self.batch_in_epoch and not self._halted:
            self.step_batch()

    def _record_step(self) -> None:
        mean = self._loss_sum / self._loss_count
        self.step_history.append_row(
            (self.step, self.epoch + self.batch_in_epoch / self.batches_per_epoch, mean)
        )
        self._loss_sum = 0.0
        self._loss_count = 0

    # ----------------------------------------------------------------- epochs and metrics

    def _end_epoch(self) -> None:
        self.batch_in_epoch = 0
        self.epoch += 1
        metrics = self.evaluate()
        self.metrics = metrics
        self.history.append(metrics)
        if not math.isfinite(metrics["train_loss"]):
            self._diverge(self._locate_non_finite(None, None))
            return
        self._check_stop(metrics)

    def evaluate(self) -> dict[str, float]:
        """Metrics of the current parameters (losses and scores on the evaluation subsets)."""
        score = self.targets.score_name
        metrics = {"epoch": float(self.epoch), "step": float(self.step)}
        penalty = self.network.penalty()
        with np.errstate(all="ignore"):
            posts = self.network.forward_grid(self._eval_x)
            for split, (rows, y, raw) in self._eval.items():
                output = posts[-1][rows]
                if len(output) == 0:
                    metrics[f"{split}_loss"] = math.nan
                    metrics[f"{split}_{score}"] = math.nan
                    continue
                metrics[f"{split}_loss"] = float(self.network.loss_value(output, y)) + penalty
                metrics[f"{split}_{score}"] = self.targets.score(output, raw)
            metrics["learning_rate"] = self.learning_rate
            if self._last_bwd is not None:
                grads = self._last_bwd.weights
            else:  # no step yet: no gradient to measure
                grads = [np.full(1, np.nan)] * len(self.network.weights)
            rows = slice(0, min(HEALTH_SAMPLES, self._eval["train"][0].stop))
            train_posts = [p[rows] for p in posts]
            metrics.update(layer_metrics(self.network.weights, grads, train_posts, self._health))
        return metrics

    def evaluated_on(self) -> dict[str, tuple[int, int]]:
        """Per split: (samples the epoch metrics are computed on, samples in the split)."""
        totals = {"train": len(self.data.x_train), "test": len(self.data.x_test)}
        return {
            split: (rows.stop - rows.start, totals[split])
            for split, (rows, _, _) in self._eval.items()
        }

    def evaluate_all(self) -> dict[str, float]:
        """Losses and scores of the current parameters on every sample of both splits: the
        final answer of a run. Epoch metrics use at most EVAL_SAMPLES per split; when that is
        every sample, this is `evaluate()`'s numbers, so a small run's history and final
        report agree to the last digit."""
        score = self.targets.score_name
        keys = ("epoch", "step", "train_loss", "test_loss", f"train_{score}", f"test_{score}")
        if all(used == total for used, total in self.evaluated_on().values()):
            metrics = self.evaluate()
            return {key: metrics[key] for key in keys}
        penalty = self.network.penalty()
        metrics = {"epoch": float(self.epoch), "step": float(self.step)}
        for split, (x, y) in {
            "train": (self.data.x_train, self.data.y_train),
            "test": (self.data.x_test, self.data.y_test),
        }.items():
            if len(x) == 0:
                metrics[f"{split}_loss"] = metrics[f"{split}_{score}"] = math.nan
                continue
            output = self._outputs(x)
            encoded = self.targets.encode(y, self.dtype)
            with np.errstate(all="ignore"):
                metrics[f"{split}_loss"] = float(self.network.loss_value(output, encoded)) + penalty
            metrics[f"{split}_{score}"] = self.targets.score(output, y)
        return metrics

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        """The output layer for every row of x, a chunk at a time so that no layer's
        activations for the whole set are held at once."""
        widest = max(self.network.layer_sizes)
        chunk = max(1, EVAL_CHUNK_VALUES // widest)
        with np.errstate(all="ignore"):
            parts = [
                self.network.forward_grid(np.asarray(x[k : k + chunk], dtype=self.dtype))[-1]
                for k in range(0, len(x), chunk)
            ]
        return np.concatenate(parts)

    def _check_stop(self, metrics: dict[str, float]) -> None:
        training = self.design.training
        loss = metrics["train_loss"]
        if training.target_loss is not None and loss <= training.target_loss:
            self._halt(
                "target_loss",
                f"reached the target loss {training.target_loss:g} "
                f"(train loss {loss:.4g}) after {self.epoch} epochs",
            )
            return
        early = training.early_stopping
        if early is not None:
            which = "test" if len(self.data.x_test) else "train"
            watched = metrics[f"{which}_loss"]
            if watched < self._best - early.min_delta:
                self._best, self._waited = watched, 0
            else:
                self._waited += 1
            if self._waited >= early.patience:
                self._halt(
                    "early_stopping",
                    f"stopped early after {self.epoch} epochs: the {which} loss has not improved "
                    f"for {early.patience} epochs (best {self._best:.4g})",
                )
                return
        if self.epoch >= self.epochs:
            self._halt("epochs", f"trained for {self.epoch} epochs")

    def _halt(self, reason: str, message: str) -> None:
        self.stop_reason = reason
        self.message = message
        self.state = "finished"
        self._halted = True

    # ----------------------------------------------------------------- divergence

    def _diverge(self, where: str) -> None:
        lr = self.learning_rate
        self.stop_reason = "diverged"
        self.state = "diverged"
        self._halted = True
        self.message = (
            f"training diverged at step {self.step + 1} (epoch {self.epoch + 1}): {where}; "
            f"the learning rate {lr:g} is probably too high, try a lower one such as {lr / 10:g}"
        )

    def _locate_non_finite(self, fwd, bwd) -> str:
        """The first place, in the order things are computed, holding a NaN or an infinity."""
        net = self.network
        for k, (w, b) in enumerate(zip(net.weights, net.biases, strict=True), start=1):
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                return f"non-finite weights in layer {k}"
        if fwd is None:
            return "non-finite loss on the evaluation samples"
        for k, (pre, post) in enumerate(zip(fwd.pre, fwd.post, strict=True), start=1):
            if not np.isfinite(pre).all():
                return f"non-finite value in layer {k}'s forward pre-activation (z)"
            if not np.isfinite(post).all():
                return f"non-finite value in layer {k}'s activation (a)"
        if not math.isfinite(bwd.data_loss):
            top = float(np.max(np.abs(fwd.output)))
            return (
                f"the loss overflowed at the output layer (layer {len(fwd.post)}): its outputs "
                f"are finite but huge (up to {top:.3g})"
            )
        n = len(bwd.pre)
        for k in range(n, 0, -1):
            if not (np.isfinite(bwd.post[k - 1]).all() and np.isfinite(bwd.pre[k - 1]).all()):
                return f"non-finite gradient in layer {k} (backward pass)"
            if not np.isfinite(bwd.weights[k - 1]).all():
                return f"non-finite weight gradient in layer {k}"
        return "non-finite loss (the regularization term overflowed)"

    # ----------------------------------------------------------------- the loop

    def run(
        self,
        epochs: int | None = None,
        on_snapshot: SnapshotCallback | None = None,
        snapshot_hz: float = 30.0,
        *,
        max_epochs: int | None = None,
    ) -> str:
        """Train until the epoch budget, a stop condition, divergence or `controls.stop()`.

        `epochs` (or its alias `max_epochs`) replaces the epoch budget. `on_snapshot` gets a
        snapshot at most `snapshot_hz` times a second while training, and at every change of
        state (paused, finished, diverged, stopped) so a view always ends on the true state.
        Pause, step and stop come from `self.controls` (any thread). Returns the final state.
        """
        budget = epochs if epochs is not None else max_epochs
        if budget is not None:
            self.set_epochs(budget)

        def emit() -> None:
            if on_snapshot is not None:
                on_snapshot(self.snapshot())

        if self.state == "diverged":
            emit()
            return self.state
        if self.epoch >= self.epochs:
            self._halt("epochs", f"trained for {self.epoch} epochs")
            emit()
            return self.state
        if self.stop_reason == "early_stopping":  # training on after it: patience afresh
            self._waited = 0
        self._halted = False
        self.message = None
        self.state = "running"
        self._rate_marks.clear()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._loop(emit, snapshot_hz)
        self.steps_per_s = 0.0
        emit()
        return self.state

    def _loop(self, emit: Callable[[], None], snapshot_hz: float) -> None:
        controls = self.controls
        interval = 1.0 / snapshot_hz if snapshot_hz > 0 else math.inf
        clock = self.clock
        last_emit = -math.inf
        paused = False
        steps_left: int | None = None
        to_epoch_end = False
        while True:
            changed = False
            if controls.pending:
                if controls.requested_learning_rate is not None:
                    self._apply_learning_rate(controls.take_learning_rate())
                commands = controls.take()
                if commands.stop:
                    self.state = "stopped"
                    self.stop_reason = "stopped"
                    break
                if commands.paused is not None:
                    paused = commands.paused
                    steps_left = commands.steps
                    to_epoch_end = commands.to_epoch_end
                changed = True
            if paused:
                if self.state != "paused" or changed:
                    self.state = "paused"
                    self.steps_per_s = 0.0
                    emit()
                controls.wait()
                continue
            wait = self.pacer.claim(clock())
            if wait > 0:  # a slow pace: wait for this step's turn (any command cuts it short)
                self.pacer.sleep(controls, wait)
                continue
            if self.state != "running":
                self.state = "running"
                self._rate_marks.clear()
            self.step_batch()
            if self._halted:
                break
            if steps_left is not None:
                steps_left -= 1
                paused = steps_left == 0
            if to_epoch_end and self.batch_in_epoch == 0:
                paused = True
            now = clock()
            self._measure_rate(now)
            if now - last_emit >= interval:
                last_emit = now
                emit()

    def _measure_rate(self, now: float) -> None:
        marks = self._rate_marks
        if not marks or now - marks[-1][0] >= RATE_WINDOW_S / 8:
            marks.append((now, self.step))
            while len(marks) > 2 and now - marks[0][0] > RATE_WINDOW_S:
                marks.popleft()
            t0, s0 = marks[0]
            if now > t0:
                self.steps_per_s = (self.step - s0) / (now - t0)


def _width(y: np.ndarray) -> int:
    return 1 if y.ndim == 1 else int(y.shape[1])
