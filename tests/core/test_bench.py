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


def _small_mnist_bench(monkeypatch, tmp_path):
    from nnviz import mnist_bench

    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path))  # nothing downloaded: MNIST's shape
    monkeypatch.setattr(mnist_bench, "SYNTHETIC", (3000, 500))
    monkeypatch.setattr(mnist_bench, "TURNS", 1)
    return mnist_bench


def test_the_mnist_bench_reports_its_data_and_the_machines_load(monkeypatch, tmp_path):
    mnist_bench = _small_mnist_bench(monkeypatch, tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # as if not installed
    (result,) = mnist_bench.run_mnist_bench(0.2)
    assert result["case"] == "784-128-64-10" and result["dataset"].startswith("synthetic")
    assert result["steps_per_s"] == result["turns"][0] > 0
    assert len(result["load_average"]) == 2 and "torch_steps_per_s" not in result


@pytest.mark.slow
def test_the_mnist_bench_runs_pytorch_with_its_threads_and_with_one(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    mnist_bench = _small_mnist_bench(monkeypatch, tmp_path)
    (result,) = mnist_bench.run_mnist_bench(0.2)
    assert result["torch_steps_per_s"] > 0 and result["torch_one_thread_steps_per_s"] > 0
    assert result["ratio"] == pytest.approx(
        result["steps_per_s"] / result["torch_steps_per_s"], rel=0.01
    )
