"""`nnviz examples`, and an example's name wherever a DESIGN is asked for."""

import json
import subprocess

import pytest
from cli_runner import run_nnviz

from nnviz.core.examples import list_examples


def nnviz(*args, cwd=None) -> subprocess.CompletedProcess:
    return run_nnviz(*args, cwd=cwd)


def test_examples_prints_one_line_per_example_in_gallery_order():
    result = nnviz("examples")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    gallery = list_examples()
    assert [line.split()[0] for line in lines] == [example.name for example in gallery]
    for line, example in zip(lines, gallery, strict=True):
        assert line.endswith(f"  {example.title}")


def test_examples_verbose_shows_the_descriptions():
    for flag in ("-v", "--verbose"):
        result = nnviz("examples", flag)
        assert result.returncode == 0, result.stderr
        text = " ".join(result.stdout.split())
        for example in list_examples():
            assert example.title in text
            assert " ".join(example.description.split()) in text


def test_validate_an_example_by_name():
    result = nnviz("validate", "moons")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("moons: ok (2-8-8-1,") and "dataset moons" in result.stdout


def test_train_an_example_by_name():
    result = nnviz("train", "plane", "--epochs", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["epochs"] == 2 and "test_r2" in report


@pytest.mark.parametrize("command", [["validate"], ["train"], []])
def test_unknown_name_exits_2_with_one_line_listing_the_examples(tmp_path, command):
    result = nnviz(*command, "spirals", cwd=tmp_path)  # [] is the window: no window opens
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("nnviz: spirals: no such design file or example")
    assert all(example.name in lines[0] for example in list_examples())


def test_a_file_of_the_same_name_wins_over_the_example(tmp_path):
    own = {
        "format": "nnviz-design",
        "version": 1,
        "name": "mine",
        "inputs": 2,
        "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        "loss": "binary_cross_entropy",
        "optimizer": {"name": "sgd", "learning_rate": 0.1},
        "regularization": None,
        "training": {"batch_size": 10, "epochs": 1, "seed": 0},
        "dataset": {"name": "xor", "samples": 50, "seed": 0},
    }
    (tmp_path / "spiral").write_text(json.dumps(own), encoding="utf-8")
    result = nnviz("validate", "spiral", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2-3-1" in result.stdout and "dataset xor" in result.stdout


def test_help_says_an_example_name_is_a_design():
    result = nnviz("--help")
    assert result.returncode == 0
    assert "examples" in result.stdout and "nnviz [DESIGN]" in result.stdout
    train_help = nnviz("train", "--help").stdout
    assert "name of an example" in " ".join(train_help.split())
