"""The window's export commands: ask where (and, for PNGs, how large), then `nnviz.app.export`.

A failed export shows one line in a warning dialog and writes nothing; a finished one says in
the status bar what it wrote. `ExportActions` gives `MainWindow` one slot per command of its
Export menu; the plots' right-click menu calls `export_plot_interactive`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from nnviz.app import export
from nnviz.app.figure import export_figure
from nnviz.app.recording_ui import RecordingDialog
from nnviz.app.settings import app_settings
from nnviz.core.atomic import write_atomic
from nnviz.core.design import DesignError
from nnviz.core.errors import first_line
from nnviz.core.torch_export import write_pytorch_script
from nnviz.core.weights_io import save_weights
from nnviz.core.worked_example import markdown_of_next_step

FOLDER_KEY = "export/folder"  # where the last export went, offered first next time
PNG_SCALES = {"1× (screen)": 1.0, "2× (high DPI)": 2.0, "4× (print)": 4.0}
MAX_SIDE = 8000
FILTERS = {
    ".png": "PNG images (*.png)",
    ".svg": "SVG pictures (*.svg)",
    ".csv": "CSV tables (*.csv)",
    ".npz": "NumPy arrays (*.npz)",
    ".py": "Python scripts (*.py)",
    ".md": "Markdown documents (*.md)",
    ".gif": "Animated GIF (*.gif)",
    ".webp": "Animated WebP (*.webp)",
    ".mp4": "MP4 videos (*.mp4)",
}
FAILURES = (export.ExportError, DesignError, OSError, ValueError, RuntimeError)
TRAINER_TIMEOUT_S = 30.0  # for the training thread to take a task between two steps
# The File › Export submenu: `MainWindow.actions` names (each also the slot), None a separator.
EXPORT_MENU = (
    "export_plots",
    "export_network",
    "export_plane",
    "export_layer_space",
    None,
    "export_history",
    "export_weights",
    "export_pytorch",
    "export_worked_example",
    None,
    "export_figure",
    "export_recording",
    None,
    "export_all",
)


class PngSizeDialog(QDialog):
    """Width and height of the picture, and how many pixels per point (sharpness)."""

    def __init__(self, size: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PNG size")
        self.width_box = _side_box(size.width())
        self.height_box = _side_box(size.height())
        self.scale_box = QComboBox()
        self.scale_box.addItems(list(PNG_SCALES))
        self.scale_box.setCurrentIndex(1)
        self.pixels = QLabel()
        dims = QHBoxLayout()
        dims.addWidget(self.width_box)
        dims.addWidget(QLabel("×"))
        dims.addWidget(self.height_box)
        form = QFormLayout(self)
        form.addRow("Size (points)", dims)
        form.addRow("Resolution", self.scale_box)
        form.addRow("Image", self.pixels)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for box in (self.width_box, self.height_box):
            box.valueChanged.connect(self._update_pixels)
        self.scale_box.currentIndexChanged.connect(self._update_pixels)
        self._update_pixels()

    def choice(self) -> tuple[QSize, float]:
        """(size in points, pixels per point)."""
        size = QSize(self.width_box.value(), self.height_box.value())
        return size, PNG_SCALES[self.scale_box.currentText()]

    def _update_pixels(self) -> None:
        size, scale = self.choice()
        w, h = round(size.width() * scale), round(size.height() * scale)
        self.pixels.setText(f"{w} × {h} pixels")


def _side_box(value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(100, MAX_SIDE)
    box.setValue(min(max(value, 100), MAX_SIDE))
    return box


def ask_png_size(parent: QWidget, size: QSize) -> tuple[QSize, float] | None:
    dialog = PngSizeDialog(size, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_save_path(
    parent: QWidget, title: str, name: str, suffixes: tuple[str, ...] | None = None
) -> Path | None:
    """A file to write, starting in the last export folder. Without a typed suffix, the one
    of the chosen file type (`suffixes`, default the suffix of `name`)."""
    suffixes = suffixes or (Path(name).suffix,)
    filters = {FILTERS[s]: s for s in suffixes}
    start = str(Path(app_settings().value(FOLDER_KEY, str(Path.home()))) / name)
    path, chosen_filter = QFileDialog.getSaveFileName(parent, title, start, ";;".join(filters))
    if not path:
        return None
    chosen = Path(path)
    if chosen.suffix.lower() not in suffixes:
        chosen = chosen.with_name(chosen.name + filters.get(chosen_filter, suffixes[0]))
    app_settings().setValue(FOLDER_KEY, str(chosen.parent))
    return chosen


def ask_folder(parent: QWidget, title: str) -> Path | None:
    start = str(app_settings().value(FOLDER_KEY, str(Path.home())))
    path = QFileDialog.getExistingDirectory(parent, title, start)
    if not path:
        return None
    app_settings().setValue(FOLDER_KEY, path)
    return Path(path)


def run_export(parent: QWidget, write: Callable[[], object], done: str) -> bool:
    """Run one export; a failure becomes a one-line warning dialog. True if it was written."""
    try:
        write()
    except FAILURES as error:
        QMessageBox.warning(parent, "Export failed", first_line(error))
        return False
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(done, 6000)
    return True


def export_plot_interactive(panel, name: str, suffix: str) -> bool:
    """One plot of a `PlotsPanel` to a file the user picks (PNG: at a size they pick)."""
    widget = panel.plot_widgets()[name]
    stem = panel.export_name(name)
    if suffix != ".csv":
        return export_picture_interactive(
            panel, widget, stem, suffix, None, export.PLOT_SIZE.expandedTo(widget.size())
        )
    path = ask_save_path(panel, "Export plot", stem + suffix)
    if path is None:
        return False
    data = panel.curve_data(name)
    return run_export(panel, lambda: export.export_plot(widget, path, data=data), f"Wrote {path}")


def export_picture_interactive(
    parent: QWidget,
    widget: QWidget,
    stem: str,
    suffix: str,
    title: str | None,
    png_size: QSize | None = None,
) -> bool:
    """A view's picture to a file the user picks: a PNG at a size they pick (starting from
    `png_size`, default the view's), or an SVG at the view's size; `title` goes into the file."""
    size, scale = widget.size(), export.DEFAULT_SCALE
    if suffix == ".png":
        choice = ask_png_size(parent, png_size or widget.size())
        if choice is None:
            return False
        size, scale = choice
    path = ask_save_path(parent, f"Export {(title or 'plot').lower()}", stem + suffix)
    if path is None:
        return False
    return run_export(
        parent,
        lambda: export.export_widget_picture(widget, path, scale, size, title),
        f"Wrote {path}",
    )


class ExportActions:
    """The Export menu's commands, mixed into `MainWindow` (they use its views and run)."""

    def fill_export_menu(self, menu: QMenu) -> None:
        for name in EXPORT_MENU:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions[name])

    def export_plots(self) -> None:
        folder = ask_folder(self, "Export every plot into a folder")
        if folder is not None:
            run_export(
                self,
                lambda: export.export_all_plots(self.plots, folder),
                f"Wrote every plot to {folder}",
            )

    def export_network(self) -> None:
        path = self._picture_path("Export network picture", "network")
        if path is not None:
            run_export(
                self, lambda: export.export_network_picture(self.canvas, path), f"Wrote {path}"
            )

    def export_plane(self) -> None:
        plane = self._plane()
        if plane is None:
            self._nothing("This dataset has no 2-D input plane to export.")
            return
        path = self._picture_path("Export decision plane", "plane")
        if path is not None:
            run_export(
                self,
                lambda: export.export_widget_picture(plane, path, title="Decision plane"),
                f"Wrote {path}",
            )

    def export_layer_space(self) -> None:
        view = self._layer_space()
        if view is None:
            return
        path = self._picture_path("Export layer space", "layer_space")
        if path is not None:
            run_export(
                self,
                lambda: export.export_widget_picture(view.graphics, path, title="Layer space"),
                f"Wrote {path}",
            )

    def export_history(self) -> None:
        snapshot = self._export_snapshot()
        if snapshot is None:
            return
        path = ask_save_path(self, "Export training history", "history.csv")
        if path is not None:
            run_export(
                self, lambda: export.export_history_csv(snapshot.history, path), f"Wrote {path}"
            )

    def export_weights(self) -> None:
        snapshot = self._export_snapshot()
        if snapshot is None:
            return
        path = ask_save_path(self, "Export weights", "weights.npz")
        if path is not None:
            run_export(
                self,
                lambda: save_weights(path, (snapshot.weights, snapshot.biases)),
                f"Wrote {path}",
            )

    def export_pytorch(self) -> None:
        """A PyTorch script and, beside it, the weights it loads (the script's name, .npz)."""
        snapshot = self._export_snapshot()
        if snapshot is None:
            return
        path = ask_save_path(self, "Export as PyTorch", "model.py")
        if path is None:
            return
        weights = path.with_suffix(".npz")

        def write() -> None:
            save_weights(weights, (snapshot.weights, snapshot.biases))
            write_pytorch_script(path, self._export_design(), weights_file=weights.name)

        run_export(self, write, f"Wrote {path} and {weights.name}")

    def export_worked_example(self) -> None:
        """The next training step taken apart for the traced sample, as a Markdown worksheet
        (the same text as `nnviz explain --format markdown`)."""
        if self.worker.trainer is None:
            self._nothing("There is no network to explain yet.")
            return
        path = ask_save_path(self, "Export worked example", "worked_example.md")
        if path is None:
            return

        def write() -> None:
            future = self.worker.call_on_trainer(markdown_of_next_step)
            try:
                text = future.result(timeout=TRAINER_TIMEOUT_S)
            except TimeoutError:
                raise export.ExportError(f"{path.name}: the training thread is busy") from None
            write_atomic(path, text.encode("utf-8"))

        run_export(self, write, f"Wrote {path}")

    def export_all(self) -> None:
        snapshot = self._export_snapshot()
        if snapshot is None:
            return
        folder = ask_folder(self, "Export everything into a folder")
        if folder is not None:
            views = export.RunViews(
                self.plots,
                self.canvas,
                self._plane(),
                snapshot,
                self._export_design(),
                self._layer_space(),
                self.runs_dock.runs,
            )
            run_export(self, lambda: export.export_run(views, folder), f"Wrote the run to {folder}")

    def export_figure(self) -> None:
        """Network, data view (the plane, or the traced image) and loss curve side by side."""
        path = ask_save_path(self, "Export figure", "figure.png")
        if path is None:
            return
        plane = self._plane()
        # for images, the traced picture and its probabilities, without the strip and buttons
        image = self.data_view.sample if self.data_view.page() == "image" else None
        data = plane or image or self.data_view
        data_title = "Decision plane" if plane is not None else "Prediction"
        panels = [
            ("Network", self.canvas),
            (data_title, data),
            ("Training", self.plots.plot_widgets()["loss"]),  # the plot's own title: Loss
        ]
        run_export(self, lambda: export_figure(panels, path), f"Wrote {path}")

    def export_recording(self) -> None:
        """Record a view (or the window) while it trains, to an animated GIF or WebP, or an
        MP4 where imageio-ffmpeg is installed."""
        dialog = RecordingDialog(self.recording.view_size, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        suffix = dialog.suffix()
        path = ask_save_path(self, "Save recording as", f"recording{suffix}", (suffix,))
        if path is not None:
            self.recording.start(dialog.settings(path))

    # ------------------------------------------------------------------ helpers
    def _picture_path(self, title: str, stem: str) -> Path | None:
        return ask_save_path(self, title, stem + ".png", tuple(export.PICTURE_FORMATS))

    def _plane(self):
        return self.data_view.plane.plot if self.data_view.page() == "plane" else None

    def _layer_space(self):
        """The layer space view drawn for the moment the window shows (a past moment of the
        timeline, else the present), hidden or behind another tab too; None, with a note,
        when there is no run."""
        snapshot = self.timeline_panel.viewing or self._export_snapshot()
        if snapshot is None or self.worker.trainer is None:
            return None
        return self.layer_space_dock.draw_moment(snapshot)

    def _export_snapshot(self):
        snapshot = self.frames.snapshot
        if snapshot is None:
            self._nothing("There is no trained network to export yet.")
        return snapshot

    def _export_design(self):
        trainer = self.worker.trainer
        return trainer.design if trainer is not None else self.document.design

    def _nothing(self, text: str) -> None:
        QMessageBox.information(self, "Nothing to export", text)
