"""Snapshots: copies of what views show, made by the trainer in the thread that trains it.

A part of `Trainer` kept in its own module (a mixin): it reads the trainer's own fields.

Decision-boundary grids (2-D sets) are the costly part: they are recomputed at most `GRID_HZ`
times a second and reused in between, at `trainer.grid_resolution` points per side (default
100; None skips them), in float32 whatever the training dtype. A regression's predictions
against targets are refreshed the same way. Once a run has settled (paused, finished, …) both
are always fresh, so a view ends on the true state.
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.core.layer_space import LayerSpace
from nnviz.core.snapshot import GridView, PredictionView, Snapshot, frozen_copies, frozen_copy
from nnviz.core.step_view import StepView, step_view
from nnviz.core.targets import columns
from nnviz.core.update_rules import update_rule

GRID_RESOLUTION = 100
GRID_HZ = 5.0  # grids are the costly part of a snapshot; between refreshes the last is reused
GRID_DTYPE = np.float32  # grids are pictures: float32 is plenty, and several times cheaper
FIT_SAMPLES = 500  # points of a regression's predictions-against-targets view
SETTLED = ("paused", "finished", "stopped", "diverged")  # states whose snapshot must be exact


class SnapshotMaker:
    """The trainer's snapshots (mixed into `Trainer`); the last grid and fit are kept to be
    reused between refreshes."""

    def _init_snapshots(self) -> None:
        self._grid: GridView | None = None
        self._grid_key: tuple[int, int] | None = None
        self._grid_time = -math.inf
        self._grid_inputs: dict[int, np.ndarray] = {}
        self._fit: PredictionView | None = None
        self._fit_time = -math.inf
        self._fit_step = -1

    def _invalidate_snapshots(self) -> None:
        """The trainer's weights changed under the same step (a loaded checkpoint, an edit)."""
        self._grid_key = None
        self._fit = None
        if self.layer_space is not None:
            self.layer_space.invalidate()

    def snapshot(self) -> Snapshot:
        """Copies of everything a view shows (what each number is: `step_view.py`). Call from
        the thread that runs the trainer."""
        net = self.network
        view = self._step_view()
        trace = view.trace
        requested = self.controls.requested_learning_rate
        return Snapshot(
            step=self.step,
            epoch=self.epoch,
            batch_in_epoch=self.batch_in_epoch,
            batches_per_epoch=self.batches_per_epoch,
            state=self.state,
            message=self.message,
            learning_rate=self.learning_rate if requested is None else requested,
            steps_per_s=self.steps_per_s,
            layer_sizes=tuple(net.layer_sizes),
            weights=frozen_copies(net.weights),
            biases=frozen_copies(net.biases),
            grad_weights=view.grad_weights,
            grad_biases=view.grad_biases,
            input=trace.input,
            pre=trace.pre,
            post=trace.post,
            grad_pre=trace.grad_pre,
            grad_post=trace.grad_post,
            last_step=view.last_step,
            batch_size=view.batch_size,
            step_weights=view.step_weights,
            step_biases=view.step_biases,
            sample_grad_weights=trace.sample_grad_weights,
            sample_grad_biases=trace.sample_grad_biases,
            batch_loss=float(self.batch_loss),
            metrics=dict(self.metrics),
            history=self.history.columns(),
            grid=self._grid_view(),
            predictions=self._prediction_view(),
            trace_sample=self.trace_sample,
            step_history=self.step_history.columns(),
            class_names=self.data.class_names,
            layer_space=self._layer_space_view(),
            pace=self.pacer.steps_per_s,
            update_rule=update_rule(self.optimizer).caption,
            mistakes=self._mistakes.view(
                self.network, self.targets, self.step, self.state in SETTLED, self.clock()
            ),
            regularization=(
                None
                if net.regularization_kind is None
                else (net.regularization_kind, net.regularization_rate)
            ),
        )

    def _step_view(self) -> StepView:
        """The last step's pass, or before any (or after an edit or a reload without it) the
        pass of the next step's batch with the current weights."""
        if self._last_bwd is None:
            rows = self.next_batch()[0]
            net = self.network.copy()
            with np.errstate(all="ignore"):
                fwd = net.forward(self._x[rows])
                done = (fwd, net.backward(fwd, self._y[rows]), rows)
            params = net.params
        else:
            done = (self._last_fwd, self._last_bwd, self._last_batch)
            params = self._step_params
        return step_view(
            self.network,
            params,
            done,
            (self._x, self._y),
            self.trace_sample,
            self._step_updated and self._last_bwd is not None,
        )

    def _grid_view(self) -> GridView | None:
        """The 2-D plane through every neuron: at most GRID_HZ new ones a second while training,
        and one for every new step once the run has settled."""
        n = self.grid_resolution
        plane = self.data.plane
        if not n or plane is None:
            return None
        key = (self.step, n)
        now = self.clock()
        # Never reused once a run has settled (paused, finished, …): it shows its true state.
        recent = self.state not in SETTLED and now - self._grid_time < 1 / GRID_HZ
        fresh = key == self._grid_key or recent
        if self._grid is not None and self._grid.resolution == n and fresh:
            return self._grid
        inputs = self._grid_inputs.get(n)
        if inputs is None:
            axis = np.linspace(plane[0], plane[1], n)
            gx, gy = np.meshgrid(axis, axis)
            points = np.column_stack([gx.ravel(), gy.ravel()])
            inputs = np.ascontiguousarray(self.data.encode(points).T, dtype=GRID_DTYPE)
            inputs.flags.writeable = False  # shared by every grid's neuron_maps[0]
            self._grid_inputs = {n: inputs}
        with np.errstate(all="ignore"):
            posts = self.network.forward_units(inputs, GRID_DTYPE)
        for post in posts:
            post.flags.writeable = False  # fresh arrays nobody else holds: no copy needed
        self._grid = GridView(
            resolution=n,
            extent=(float(plane[0]), float(plane[1])),
            neuron_maps=tuple(m.reshape(len(m), n, n) for m in (inputs, *posts)),
            output_map=frozen_copy(self.targets.output_map(posts[-1].T).reshape(n, n)),
        )
        self._grid_key = key
        self._grid_time = now
        return self._grid

    def _layer_space_view(self) -> LayerSpace | None:
        tracker = self.layer_space
        if tracker is None or not self.layer_space_shown:
            return None
        settled = self.state in SETTLED
        return tracker.view(self.network, self.step, self.trace_sample, settled, self.clock)

    def _prediction_view(self) -> PredictionView | None:
        """Regression: predictions against targets on at most FIT_SAMPLES evaluation samples
        (test split if any), refreshed like the grid: at most GRID_HZ times a second while
        training, and for every new step once the run has settled."""
        if self.targets.task != "regression":
            return None
        now = self.clock()
        recent = self.state not in SETTLED and now - self._fit_time < 1 / GRID_HZ
        if self._fit is not None and (self._fit_step == self.step or recent):
            return self._fit
        split = "test" if self._eval["test"][0].stop > self._eval["test"][0].start else "train"
        rows, _, raw = self._eval[split]
        x = self._eval_x[rows][:FIT_SAMPLES]
        targets = columns(raw[:FIT_SAMPLES])
        with np.errstate(all="ignore"):
            output = self.network.forward_grid(x)[-1]
        self._fit = PredictionView(
            split, frozen_copy(targets), frozen_copy(output.astype(np.float64))
        )
        self._fit_time, self._fit_step = now, self.step
        return self._fit
