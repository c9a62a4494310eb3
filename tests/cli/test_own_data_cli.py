"""A person's own data trained headless: the UCI iris.data file and a folder of pictures."""

import json
import shutil

import numpy as np
import pytest
from cli_runner import run_nnviz
from PIL import Image

from nnviz.core.resources import resource_path


def design(dataset: dict, inputs: int, layers: list[dict], epochs: int) -> dict:
    return {
        "format": "nnviz-design",
        "version": 1,
        "name": "own data",
        "inputs": inputs,
        "layers": layers,
        "loss": "cross_entropy",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "training": {"batch_size": 16, "epochs": epochs, "seed": 0},
        "dataset": dataset,
    }


def train(tmp_path, spec: dict, headless: bool = False) -> dict:
    path = tmp_path / "design.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = run_nnviz("train", path, headless=headless)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_uci_iris_data_with_only_its_path_trains_past_90_percent(tmp_path):
    shutil.copy(resource_path("data", "iris.data"), tmp_path / "iris.data")
    layers = [{"units": 8, "activation": "tanh"}, {"units": 3, "activation": "softmax"}]
    report = train(tmp_path, design({"name": "csv", "path": "iris.data"}, 4, layers, 150))
    assert report["test_accuracy"] >= 0.9, report


@pytest.mark.slow
def test_a_folder_of_class_sorted_pictures_trains_without_a_display(tmp_path):
    """No DISPLAY and no QT_QPA_PLATFORM: Qt's image reader needs neither."""
    rng = np.random.default_rng(0)
    for label in ("top", "bottom"):
        (tmp_path / "pics" / label).mkdir(parents=True)
        for i in range(20):
            pixels = rng.integers(0, 60, size=(28, 28)).astype(np.uint8)
            row = rng.integers(2, 9) + (0 if label == "top" else 16)
            col = rng.integers(2, 22)
            pixels[row : row + 4, col : col + 4] = 255  # a bright square in its half
            Image.fromarray(pixels).save(tmp_path / "pics" / label / f"{i}.png")
    layers = [{"units": 2, "activation": "softmax"}]
    spec = design({"name": "image_folder", "path": "pics", "test_fraction": 0.25}, 784, layers, 60)
    report = train(tmp_path, spec, headless=True)
    assert report["test_accuracy"] >= 0.9, report


def test_a_folder_with_one_class_is_bad_input_in_one_line(tmp_path):
    (tmp_path / "pics" / "cats").mkdir(parents=True)
    Image.new("L", (4, 4), 10).save(tmp_path / "pics" / "cats" / "a.png")
    layers = [{"units": 2, "activation": "softmax"}]
    path = tmp_path / "design.json"
    path.write_text(json.dumps(design({"name": "image_folder", "path": "pics"}, 784, layers, 1)))
    result = run_nnviz("validate", path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"nnviz: {path}: pics: needs at least 2 class sub-folders, found only 'cats'"
    )


def test_a_picture_that_is_not_one_stops_training_before_anything_is_written(tmp_path):
    for label, shade in (("cats", 10), ("dogs", 200)):
        (tmp_path / "pics" / label).mkdir(parents=True)
        Image.new("L", (4, 4), shade).save(tmp_path / "pics" / label / "a.png")
    (tmp_path / "pics" / "dogs" / "b.png").write_text("a note, not a picture")
    layers = [{"units": 2, "activation": "softmax"}]
    path = tmp_path / "design.json"
    path.write_text(json.dumps(design({"name": "image_folder", "path": "pics"}, 784, layers, 1)))
    result = run_nnviz("train", path, "--out", tmp_path / "out")
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    assert result.stderr.strip().splitlines() == [
        f"nnviz: {path}: pics: cannot read dogs/b.png as an image (Unsupported image format); "
        'fix or remove it, or set "skip_unreadable": true'
    ]
