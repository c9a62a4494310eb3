"""Opening a design whose data is a folder of pictures reads it in a worker thread: the window
keeps running and shows the progress, Cancel leaves everything as it was, and the Build panel's
folder choice does the same."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from nnviz import imaging
from nnviz.core import image_folder
from nnviz.core.design import LayerSpec

WAIT_S = 20


@pytest.fixture
def window(main_window):
    return main_window


@pytest.fixture
def gate(monkeypatch):
    """Qt's decoder, held before the first picture until the test opens the gate: a load can
    only finish if the window's event loop runs meanwhile (it opens the gate from a timer)."""
    opened = threading.Event()

    def decode(path, size, grayscale):
        if not opened.wait(WAIT_S):
            raise AssertionError("the window's event loop did not run while the folder loaded")
        return imaging.read_image(path, size, grayscale)

    image_folder._cache.clear()
    image_folder.set_image_decoder(decode)
    yield opened
    imaging.install()
    image_folder._cache.clear()


def pictures(root: Path) -> Path:
    for k, name in enumerate(("cats", "dogs")):
        (root / name).mkdir(parents=True)
        for i in range(6):
            Image.new("L", (8, 8), 30 + 180 * k + i).save(root / name / f"{i}.png")
    return root


def design_file(tmp_path: Path) -> Path:
    pictures(tmp_path / "pets")
    design = {
        "format": "nnviz-design",
        "version": 1,
        "name": "pets",
        "inputs": 784,
        "layers": [{"units": 2, "activation": "softmax"}],
        "loss": "cross_entropy",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "training": {"batch_size": 4, "epochs": 2, "seed": 0},
        "dataset": {"name": "image_folder", "path": "pets"},
    }
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(design))
    return path


def progress_dialog(window) -> QProgressDialog | None:
    found = window.findChildren(QProgressDialog, "backgroundProgress")
    return found[-1] if found else None


def test_opening_a_design_reads_its_folder_while_the_window_runs(window, gate, tmp_path):
    seen = []

    def look_then_open():
        dialog = progress_dialog(window)
        seen.append(dialog.windowTitle() if dialog is not None else None)
        gate.set()

    QTimer.singleShot(50, look_then_open)
    assert window.open_path(design_file(tmp_path))
    assert seen == ["Opening pets.json"]
    assert window.worker.dataset.class_names == ("cats", "dogs")
    assert window.document.design.dataset.path == "pets"
    assert not progress_dialog(window).isVisible()  # closed once read


def test_cancel_while_a_folder_loads_changes_nothing(window, gate, tmp_path):
    before = window.document.design

    def cancel():
        progress_dialog(window).findChild(QPushButton).click()  # as a person would
        gate.set()

    QTimer.singleShot(50, cancel)
    assert not window.open_path(design_file(tmp_path))
    assert window.document.design == before
    assert window.worker.dataset.name == before.dataset.name


def test_a_folder_chosen_in_the_build_panel_is_read_in_the_background(window, gate, tmp_path):
    root = pictures(tmp_path / "pets")
    panel = window.build_panel.dataset
    panel.ask_folder = lambda title: str(root)
    QTimer.singleShot(50, gate.set)
    index = panel.name.findData("image_folder")
    panel.name.setCurrentIndex(index)
    design = window.document.design
    assert design.dataset.path == str(root) and design.inputs == 784
    assert design.layers[-1] == LayerSpec(1, "sigmoid")
