"""Slow data is read off the GUI thread: the window stays usable, the status bar shows how far
the read is, Cancel leaves everything as it was, and the run starts when the data is in. Full
MNIST (a small stand-in is served here) and a folder of pictures, opened with a design or
chosen in the Build panel, go the same way."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from nnviz import imaging
from nnviz.app.main_window import MainWindow
from nnviz.core import data_cache, image_folder
from nnviz.core.design import LayerSpec, save_design
from nnviz.core.examples import load_example
from tests.fake_downloads import install_small_set

WAIT_MS = 10_000


def full_mnist(tmp_path, monkeypatch):
    """The MNIST example on full MNIST (a 70-image stand-in, slow to read by decree)."""
    install_small_set(monkeypatch, tmp_path, "mnist")
    design = load_example("mnist")
    return dataclasses.replace(design, dataset=dataclasses.replace(design.dataset, source="full"))


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    w.document.undo_stack.setClean()
    w.close()


@pytest.fixture
def gate(monkeypatch):
    """Holds background reads until `gate.set()`, so a test sees the read in progress."""
    event = threading.Event()
    original = data_cache.make_dataset

    def held(spec, base_dir=None, progress=None):
        if progress is not None:  # a background read (those on the GUI thread pass none)
            progress(1, 4)
            assert event.wait(WAIT_MS / 1000)
        return original(spec, base_dir, progress)

    monkeypatch.setattr(data_cache, "make_dataset", held)
    return event


def test_a_design_on_full_mnist_opens_at_once_and_trains_once_read(
    qtbot, tmp_path, monkeypatch, gate
):
    path = tmp_path / "full.json"
    save_design(full_mnist(tmp_path, monkeypatch), path)
    window = MainWindow(str(path))
    qtbot.addWidget(window)
    loading = window.data_loading
    assert loading.loading and window.worker.trainer is None  # the window is up, no run yet
    assert loading.label.isVisibleTo(window) and "full MNIST" in loading.label.text()
    qtbot.waitUntil(lambda: loading.bar.value() == 250, timeout=WAIT_MS)  # 1 of 4
    assert "read in the background" in window.build_panel.dataset.info.text()
    assert window.canvas._empty_text.startswith("Reading full MNIST…")
    gate.set()
    qtbot.waitUntil(lambda: window.worker.trainer is not None, timeout=WAIT_MS)
    data = window.worker.trainer.data
    assert len(data.x_train) + len(data.x_test) == 70
    assert not loading.label.isVisibleTo(window) and not loading.loading
    assert window.build_panel.dataset.preview._data is data  # the builder shares the copy
    assert window.canvas._empty_text == "Build a network and press Play"
    window.close()


def test_switching_to_the_full_set_keeps_the_subset_run_until_the_data_is_in(
    qtbot, window, tmp_path, monkeypatch, gate
):
    full = full_mnist(tmp_path, monkeypatch)
    window.files.open_untitled(dataclasses.replace(full, dataset=load_example("mnist").dataset))
    subset_run = window.worker.trainer
    window.build_panel.dataset.source_row.source.set_value("full")
    window.build_panel.dataset.source_row.sourceChosen.emit("full")
    assert window.document.design.dataset.source == "full"  # committed without reading it
    assert window.worker.trainer is subset_run and window.data_loading.loading
    assert not window.worker.is_playing
    gate.set()
    qtbot.waitUntil(lambda: window.worker.trainer is not subset_run, timeout=WAIT_MS)
    data = window.worker.trainer.data
    assert len(data.x_train) == 56
    assert window.data_loading.cache.peek(full.dataset, None) is data
    window.run.reset()  # reuses the data read: no second read, no second copy
    assert not window.data_loading.loading and window.worker.trainer.data is data


def test_cancel_leaves_the_window_as_it_was(qtbot, window, tmp_path, monkeypatch, gate):
    before = window.worker.trainer
    window.files.open_untitled(full_mnist(tmp_path, monkeypatch), ask=False)
    assert window.data_loading.loading
    window.data_loading.cancel_button.click()
    gate.set()
    reading = [t for t in threading.enumerate() if t.name == "nnviz-data"]
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in reading), timeout=WAIT_MS)
    qtbot.wait(50)  # anything the read could still have sent is delivered
    assert window.worker.trainer is before and not window.data_loading.loading
    assert not window.data_loading.label.isVisibleTo(window)


def test_data_that_cannot_be_read_says_why_and_changes_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    design = full_mnist(tmp_path, monkeypatch)
    broken = tmp_path / "datasets" / "mnist" / "train-images-idx3-ubyte.gz"
    broken.write_bytes(b"\x1f\x8b" + b"\0" * (broken.stat().st_size - 2))  # same size, no gzip
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    before = window.worker.trainer
    path = tmp_path / "full.json"
    save_design(design, path)
    window.open_path(path)
    qtbot.waitUntil(lambda: len(shown) > 0, timeout=WAIT_MS)
    assert "full.json" in shown[0] and "train-images-idx3-ubyte.gz" in shown[0]
    assert window.worker.trainer is before


def test_closing_the_window_while_it_reads_ends_the_read_quietly(
    qtbot, tmp_path, monkeypatch, gate
):
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    path = tmp_path / "full.json"
    save_design(full_mnist(tmp_path, monkeypatch), path)
    window = MainWindow(str(path))
    assert window.data_loading.loading
    reading = [t for t in threading.enumerate() if t.name == "nnviz-data"]
    window.close()
    window.deleteLater()
    qtbot.wait(10)
    gate.set()
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in reading), timeout=WAIT_MS)
    assert errors == []


# ---------------------------------------------------------------- a folder of pictures


@pytest.fixture
def held_pictures(monkeypatch):
    """Qt's decoder reads the first picture, then holds until `held_pictures.set()`: the read
    is seen in progress, and it can only end while the window's event loop runs."""
    opened = threading.Event()
    decoded = []

    def decode(path, size, grayscale):
        if decoded and not opened.wait(WAIT_MS / 1000):
            raise AssertionError("the folder's read was never let go on")
        decoded.append(path)
        return imaging.read_image(path, size, grayscale)

    image_folder._cache.clear()
    image_folder.set_image_decoder(decode)
    yield opened
    opened.set()
    imaging.install()
    image_folder._cache.clear()


def pictures(root: Path) -> Path:
    for k, name in enumerate(("cats", "dogs")):
        (root / name).mkdir(parents=True)
        for i in range(6):
            Image.new("L", (8, 8), 30 + 180 * k + i).save(root / name / f"{i}.png")
    return root


def pets_design(tmp_path: Path) -> Path:
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


def test_opening_a_design_on_a_folder_of_pictures_reads_it_while_the_window_runs(
    qtbot, window, tmp_path, held_pictures
):
    before = window.worker.trainer
    loading = window.data_loading
    assert window.open_path(pets_design(tmp_path))  # returns while the folder is read
    assert loading.loading and window.worker.trainer is before
    assert loading.label.isVisibleTo(window) and loading.label.text() == "Loading pets…"
    qtbot.waitUntil(lambda: loading.bar.value() == round(1000 / 12), timeout=WAIT_MS)  # 1 of 12
    held_pictures.set()
    qtbot.waitUntil(lambda: window.worker.trainer is not before, timeout=WAIT_MS)
    assert window.worker.dataset.class_names == ("cats", "dogs")
    assert window.document.design.dataset.path == "pets"
    assert not loading.label.isVisibleTo(window)
    assert window.build_panel.dataset.preview._data is window.worker.trainer.data  # read once


def test_cancel_while_a_folder_is_read_changes_nothing(qtbot, window, tmp_path, held_pictures):
    before, design = window.worker.trainer, window.document.design
    assert window.open_path(pets_design(tmp_path))
    reading = [t for t in threading.enumerate() if t.name == "nnviz-data"]
    window.data_loading.cancel_button.click()  # as a person would
    held_pictures.set()
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in reading), timeout=WAIT_MS)
    qtbot.wait(50)  # anything the read could still have sent is delivered
    assert window.document.design == design and window.worker.trainer is before
    assert window.document.path is None


def test_a_folder_chosen_in_the_build_panel_is_read_in_the_background(
    qtbot, window, tmp_path, held_pictures
):
    root = pictures(tmp_path / "pets")
    panel = window.build_panel.dataset
    panel.ask_folder = lambda title: str(root)
    before = window.document.design
    choose = panel.name.findData("image_folder")
    panel.name.setCurrentIndex(choose)
    assert window.data_loading.loading and window.document.design == before  # not yet
    window.data_loading.cancel_button.click()  # the panel shows the design as it is again
    assert panel.name.currentData() == before.dataset.name and window.document.design == before
    panel.name.setCurrentIndex(choose)
    held_pictures.set()
    qtbot.waitUntil(lambda: window.document.design != before, timeout=WAIT_MS)
    design = window.document.design
    assert design.dataset.path == str(root) and design.inputs == 784
    assert design.layers[-1] == LayerSpec(1, "sigmoid")
    qtbot.waitUntil(lambda: window.worker.dataset.class_names == ("cats", "dogs"), timeout=WAIT_MS)
