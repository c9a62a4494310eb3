"""Exports: every plot as PNG, SVG and CSV, the network and the decision plane as pictures, a whole
run into a folder, and the window's menus around them.

`test_toolkit_guard_every_plot_exports_png_svg_csv` is the guard against a PySide6 or pyqtgraph
upgrade silently breaking exports: it checks real files, not calls.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from export_files import RUN_FILES
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from nnviz.app import export, export_actions
from nnviz.app.export import ExportError, RunViews, export_run
from nnviz.app.headless import export_trainer
from nnviz.app.main_window import MainWindow
from nnviz.app.views.data_view import DataView
from nnviz.app.views.layer_space_view import LayerSpaceView
from nnviz.app.views.network_canvas import NetworkCanvas
from nnviz.app.views.plots import EXPORT_MENU, Overlay, PlotsPanel
from nnviz.core.design import Design, load_design
from nnviz.core.examples import example_path
from nnviz.core.layer_space import layer_space_at
from nnviz.core.trainer import Trainer
from nnviz.core.weights_io import load_weights
from nnviz.core.worked_example import render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def trained(name: str = "xor", epochs: int = 6) -> Trainer:
    design = load_design(example_path(name))
    design = dataclasses.replace(
        design, training=dataclasses.replace(design.training, epochs=epochs)
    )
    trainer = Trainer(design)
    trainer.run()
    return trainer


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    return trained()


@pytest.fixture
def views(qtbot, trainer) -> RunViews:
    snapshot = trainer.snapshot()
    plots = PlotsPanel()
    qtbot.addWidget(plots)
    plots.start_run(trainer.data.task, len(trainer.design.layers))
    plots.set_snapshot(snapshot, force=True)
    canvas = NetworkCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 450)
    canvas.set_design(trainer.design)
    canvas.set_feature_names(trainer.data.feature_names)
    canvas.set_snapshot(snapshot)
    data_view = DataView()
    qtbot.addWidget(data_view)
    data_view.set_dataset(trainer.data)
    data_view.set_snapshot(snapshot)
    data_view.plane.plot.resize(400, 400)
    layer_space = LayerSpaceView()
    qtbot.addWidget(layer_space)
    layer_space.resize(900, 300)
    layer_space.set_dataset(trainer.data)
    layer_space.draw(layer_space_at(trainer.design, trainer.data, trainer.targets, 0, snapshot))
    # yielded, not returned: the views' parents (the data view) stay alive during the test
    yield RunViews(plots, canvas, data_view.plane.plot, snapshot, trainer.design, layer_space)


def png_image(path: Path) -> QImage:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = QImage(str(path))
    assert not image.isNull()
    return image


def distinct_colors(image: QImage) -> int:
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), np.uint32, rgb.width() * rgb.height())
    return len(np.unique(pixels))


def svg_root(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert len(root.get("viewBox").split()) == 4
    return root


def svg_texts(root: ET.Element) -> set[str]:
    return {"".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")}


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def column(rows: list[list[str]], index: int) -> list[float]:
    return [float(row[index]) if row[index] else math.nan for row in rows]


def assert_same_numbers(written: list[float], expected: np.ndarray) -> None:
    """Equal to the last bit, NaN where the history has NaN."""
    expected = np.asarray(expected, dtype=float)
    assert len(written) == len(expected)
    assert np.array_equal(np.array(written), expected, equal_nan=True)


# ----------------------------------------------------------------------- plots


def test_toolkit_guard_every_plot_exports_png_svg_csv(views, trainer, tmp_path):
    history = trainer.history.columns()
    panel = views.plots
    for name, widget in panel.plot_widgets().items():
        plot = widget.getPlotItem()
        legend_names = set(panel.curve_data(name))
        assert legend_names, name

        png = tmp_path / f"{name}.png"
        export.export_plot(widget, png, 500, 300)
        image = png_image(png)
        assert (image.width(), image.height()) == (1000, 600)
        assert distinct_colors(image) > 50, f"{name}.png looks blank"

        svg = tmp_path / f"{name}.svg"
        export.export_plot(widget, svg, 500, 300)
        texts = svg_texts(svg_root(svg))
        assert plot.titleLabel.text in texts
        assert plot.getAxis("left").labelText in texts
        assert "epoch" in texts
        assert legend_names <= texts, f"{name}.svg lacks legend entries"

        table = tmp_path / f"{name}.csv"
        export.export_plot(widget, table, data=panel.curve_data(name))
        header, rows = read_csv(table)
        assert header[0] == "epoch"
        assert set(header[1:]) == legend_names
        epoch_rows = [row for row in rows if float(row[0]).is_integer()]
        if name == "loss":
            steps = trainer.step_history.columns()
            batch_rows = [row for row in rows if row[header.index("batches")]]
            assert_same_numbers(column(batch_rows, 0), steps["epoch"])
            assert_same_numbers(column(batch_rows, header.index("batches")), steps["batch_loss"])
            assert_same_numbers(column(epoch_rows, header.index("train")), history["train_loss"])
            assert_same_numbers(column(epoch_rows, header.index("test")), history["test_loss"])
        if name == "score":
            assert_same_numbers(column(rows, 0), history["epoch"])
            assert_same_numbers(column(rows, header.index("train")), history["train_accuracy"])
            assert_same_numbers(column(rows, header.index("test")), history["test_accuracy"])
        if name == "grad_norm":
            for k, label in enumerate(("L1", "output"), start=1):
                assert_same_numbers(column(rows, header.index(label)), history[f"grad_norm_L{k}"])


def test_png_is_drawn_at_the_chosen_size_and_scale(views, tmp_path):
    widget = views.plots.plot_widgets()["loss"]
    before = widget.size()
    for scale, size in ((1.0, (300, 200)), (4.0, (320, 180))):
        path = tmp_path / f"loss-{scale}.png"
        export.export_plot(widget, path, *size, scale=scale)
        image = png_image(path)
        assert (image.width(), image.height()) == (round(size[0] * scale), round(size[1] * scale))
    assert widget.size() == before  # the plot on screen keeps its size


def test_csv_holds_the_history_even_when_the_curve_is_smoothed(views, trainer, tmp_path):
    panel = views.plots
    panel.smoothing.setValue(5)
    panel.log_loss.setChecked(True)
    written = export.export_all_plots(panel, tmp_path)
    assert {p.name for p in written} == {
        f"{stem}{suffix}"
        for stem in ("loss", "accuracy", "grad_norm", "stuck")
        for suffix in (".png", ".svg", ".csv")
    }
    header, rows = read_csv(tmp_path / "loss.csv")
    epoch_rows = [row for row in rows if row[header.index("train")]]
    assert_same_numbers(
        column(epoch_rows, header.index("train")), trainer.history.column("train_loss")
    )


def test_curve_hidden_from_the_legend_is_not_exported(views, tmp_path):
    panel = views.plots
    panel.curves["loss:batch"].setVisible(False)
    export.export_plot(
        panel.plot_widgets()["loss"], tmp_path / "loss.csv", data=panel.curve_data("loss")
    )
    header, _ = read_csv(tmp_path / "loss.csv")
    assert header == ["epoch", "train", "test"]


def test_other_runs_curves_are_named_in_the_csv(views, trainer, tmp_path):
    panel = views.plots
    columns = trainer.history.columns()
    panel.set_overlays(
        [
            Overlay(
                1, "sgd", QColor("green"), {"score": (columns["epoch"], columns["test_accuracy"])}
            )
        ]
    )
    export.export_plot(
        panel.plot_widgets()["score"], tmp_path / "score.csv", data=panel.curve_data("score")
    )
    header, _ = read_csv(tmp_path / "score.csv")
    assert header == ["epoch", "train", "test", "sgd"]


# ----------------------------------------------------------------------- pictures


def test_network_picture_png_and_svg(views, tmp_path):
    png = tmp_path / "network.png"
    export.export_network_picture(views.canvas, png, scale=2.0)
    image = png_image(png)
    assert (image.width(), image.height()) == (1600, 900)
    assert distinct_colors(image) > 100

    svg = tmp_path / "network.svg"
    export.export_network_picture(views.canvas, svg)
    root = svg_root(svg)
    assert root.get("viewBox").split() == ["0", "0", "800", "450"]
    assert root.find(f"{SVG}title").text == "Network"
    assert root.find(f".//{SVG}clipPath") is None
    texts = " ".join(svg_texts(root))
    for label in ("Input", "Hidden 1", "Output", "x1", "x2"):
        assert label in texts


def test_network_picture_shows_the_settled_state_and_keeps_the_animation(views, tmp_path):
    views.canvas.set_mode("both")
    export.export_network_picture(views.canvas, tmp_path / "network.svg")
    texts = svg_texts(svg_root(tmp_path / "network.svg"))
    step = views.snapshot.step
    assert f"Latest state · after step {step}" in texts
    assert views.canvas.mode() == "both"


def test_decision_plane_png_and_svg(views, tmp_path):
    png = tmp_path / "plane.png"
    export.export_widget_picture(views.plane, png, scale=2.0)
    image = png_image(png)
    assert (image.width(), image.height()) == (800, 800)
    assert distinct_colors(image) > 100

    svg = tmp_path / "plane.svg"
    export.export_widget_picture(views.plane, svg, title="Decision plane")
    root = svg_root(svg)
    assert root.find(f"{SVG}title").text == "Decision plane"
    assert root.find(f".//{SVG}image") is not None  # the shaded output map


def test_unknown_picture_format_is_refused(views, tmp_path):
    with pytest.raises(ExportError, match=r"network\.gif"):
        export.export_widget_picture(views.canvas, tmp_path / "network.gif")
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------- whole runs


def test_export_run_writes_everything(views, trainer, tmp_path):
    out = tmp_path / "run"
    written = export_run(views, out)
    assert {p.name for p in written} == RUN_FILES
    assert {p.name for p in out.iterdir()} == RUN_FILES  # no staging folder left behind
    for path in written:
        assert path.stat().st_size > 0, path.name
    weights, biases = load_weights(out / "weights.npz", trainer.design)
    for mine, theirs in zip(
        weights + biases, views.snapshot.weights + views.snapshot.biases, strict=True
    ):
        assert np.array_equal(mine, theirs)
    header, rows = read_csv(out / "history.csv")
    assert_same_numbers(
        column(rows, header.index("train_loss")), trainer.history.column("train_loss")
    )
    compile((out / "model.py").read_text(encoding="utf-8"), "model.py", "exec")
    assert isinstance(load_design(out / "design.json"), Design)


def test_headless_export_of_image_data_has_no_plane(qtbot, tmp_path):
    written = export_trainer(trained("digits", epochs=1), tmp_path)
    names = {p.name for p in written}
    assert "network.png" in names and "model.py" in names
    assert not {"plane.png", "plane.svg"} & names


def test_unwritable_folder_is_an_error_and_writes_nothing(views, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportError, match="not-a-folder"):
        export_run(views, blocker / "run")
    with pytest.raises(ExportError, match="not-a-folder"):
        export.export_plot(views.plots.plot_widgets()["loss"], blocker / "loss.png")
    assert blocker.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-folder"]


def disk_full(*_args, **_kwargs):
    raise OSError(28, "No space left on device")


def test_failure_half_way_leaves_the_folder_as_it_was(views, tmp_path, monkeypatch):
    out = tmp_path / "run"
    out.mkdir()
    (out / "loss.png").write_bytes(b"old picture")

    monkeypatch.setattr(export, "write_pytorch_script", disk_full)
    with pytest.raises(ExportError) as caught:
        export_run(views, out)
    assert str(caught.value) == f"{out}: cannot write (No space left on device)"
    assert [p.name for p in out.iterdir()] == ["loss.png"]
    assert (out / "loss.png").read_bytes() == b"old picture"


def test_failure_in_a_new_folder_removes_the_folder_again(views, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "save_weights", disk_full)
    with pytest.raises(ExportError, match="No space left"):
        export_run(views, tmp_path / "new" / "run")
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------- the window


@pytest.fixture
def window(qtbot):
    win = MainWindow(str(example_path("xor")))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.step_epoch()
    qtbot.waitUntil(lambda: len(win.plots.curve_data("loss")) == 3)  # trained, and drawn
    yield win
    win.shutdown()


def answer_save_dialog(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def test_every_plot_has_the_export_entries_in_its_right_click_menu(window):
    for widget in window.plots.plot_widgets().values():
        assert [a.text() for a in widget.scene().contextMenu] == list(EXPORT_MENU)


def test_right_click_csv_and_png_exports(window, tmp_path, monkeypatch):
    loss = window.plots.plot_widgets()["loss"]
    actions = {a.text(): a for a in loss.scene().contextMenu}

    answer_save_dialog(monkeypatch, tmp_path / "loss.csv")
    actions["Export data as CSV…"].trigger()
    header, _ = read_csv(tmp_path / "loss.csv")
    assert header[0] == "epoch" and "train" in header

    monkeypatch.setattr(export_actions, "ask_png_size", lambda parent, size: (QSize(400, 250), 4.0))
    answer_save_dialog(monkeypatch, tmp_path / "chosen")  # no suffix typed: .png is added
    actions["Export as PNG…"].trigger()
    image = png_image(tmp_path / "chosen.png")
    assert (image.width(), image.height()) == (1600, 1000)


def test_png_size_dialog_shows_the_pixels_it_will_write(qtbot):
    dialog = export_actions.PngSizeDialog(QSize(640, 400))
    qtbot.addWidget(dialog)
    assert dialog.pixels.text() == "1280 × 800 pixels"
    dialog.scale_box.setCurrentIndex(2)
    dialog.width_box.setValue(500)
    assert dialog.pixels.text() == "2000 × 1600 pixels"
    assert dialog.choice() == (QSize(500, 400), 4.0)


def test_file_export_menu_lists_every_export(window):
    texts = [a.text() for a in window.menus["export"].actions() if not a.isSeparator()]
    assert texts == [
        "&Plots…",
        "&Network Picture…",
        "&Decision Plane…",
        "&Layer Space…",
        "Training &History CSV…",
        "&Weights…",
        "As P&yTorch…",
        "Worked &Example (Markdown)…",
        "&Figure…",
        "&Recording…",
        "&All…",
    ]


def test_export_all_from_the_window(window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.actions["export_all"].trigger()
    assert {p.name for p in tmp_path.iterdir()} == RUN_FILES
    assert str(tmp_path) in window.statusBar().currentMessage()


def test_export_as_pytorch_writes_the_script_and_its_weights(window, tmp_path, monkeypatch):
    answer_save_dialog(monkeypatch, tmp_path / "xor_model.py")
    window.actions["export_pytorch"].trigger()
    assert {p.name for p in tmp_path.iterdir()} == {"xor_model.py", "xor_model.npz"}
    script = (tmp_path / "xor_model.py").read_text(encoding="utf-8")
    assert "xor_model.npz" in script
    compile(script, "xor_model.py", "exec")


def test_worked_example_is_the_explain_commands_markdown(window, tmp_path, monkeypatch):
    answer_save_dialog(monkeypatch, tmp_path / "step")  # no suffix typed: .md is added
    window.actions["export_worked_example"].trigger()
    md = (tmp_path / "step.md").read_text(encoding="utf-8")
    live = window.worker.trainer
    same = Trainer(load_design(example_path("xor")))
    for _ in range(live.step):
        same.step_batch()
    same.set_trace_sample(live.trace_sample)
    assert md == render(same.walkthrough(), "markdown", same.design.name)
    assert f"Training step {live.step + 1}:" in md and "## 5. Update" in md


def test_window_export_error_is_one_line_and_writes_nothing(window, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(blocker / "out"))
    window.actions["export_plots"].trigger()
    assert len(warnings) == 1 and "\n" not in warnings[0] and str(blocker) in warnings[0]
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_plane_export_without_a_plane_says_so(qtbot, monkeypatch):
    win = MainWindow(str(example_path("digits")))
    qtbot.addWidget(win)
    notes = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: notes.append(text))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("asked"))
    win.actions["export_plane"].trigger()
    assert notes == ["This dataset has no 2-D input plane to export."]
    win.shutdown()


def test_cancelled_png_size_dialog_writes_nothing(window, tmp_path, monkeypatch):
    monkeypatch.setattr(
        export_actions.PngSizeDialog, "exec", lambda self: QDialog.DialogCode.Rejected
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("asked"))
    loss = window.plots.plot_widgets()["loss"]
    next(a for a in loss.scene().contextMenu if a.text() == "Export as PNG…").trigger()
    assert not list(tmp_path.iterdir())


def test_an_exported_plot_has_its_legend_even_when_the_small_plot_on_screen_left_it_out(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.start_run("classification", 2)
    widget = panel.plot_widgets()["loss"]
    legend = widget.getPlotItem().legend
    legend.setVisible(False)  # as `_place_legend` does when a plot has no room for it
    with export.laid_out(widget, QSize(560, 480)):
        assert legend.isVisible()
    assert not legend.isVisible()  # the window's plot is left as it was
