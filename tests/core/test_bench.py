"""The benchmark cases: valid designs in both dtypes, and a float32 step that stays float32
everywhere (no silent float64 upcast doubling the memory traffic)."""

import numpy as np
import pytest

from nnviz.bench import CASES, DTYPES, case_design, make_trainer, measure


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_case_builds_the_network_it_names(case, dtype):
    design = case_design(case, dtype)
    assert design.layer_sizes == case.sizes
    assert design.training.batch_size == case.batch and design.training.dtype == dtype


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_float32_step_keeps_every_array_float32(case):
    trainer = make_trainer(case, "float32")
    trainer.step_batch()
    trainer.step_batch()
    fwd, bwd = trainer._last_fwd, trainer._last_bwd
    arrays = [fwd.input, *fwd.pre, *fwd.post, *bwd.pre, *bwd.post, *bwd.weights, *bwd.biases]
    arrays += [trainer.network.params, trainer.network.grad_params]
    arrays += [buffer for state in trainer.optimizer.state for buffer in state.values()]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert np.isfinite(trainer.batch_loss)


def test_a_trainer_can_be_measured_again():
    """The run a measurement stops leaves no stop behind: the next measurement trains too."""
    trainer = make_trainer(CASES[0], "float64")
    first = measure(trainer, 0.05)
    step = trainer.step
    second = measure(trainer, 0.05)
    assert trainer.step > step
    assert 0 < second < 20 * first and 0 < first < 20 * second
