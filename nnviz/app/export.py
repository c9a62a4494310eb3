"""Pictures and data out of nnviz: plots as PNG, SVG and CSV, the network, the decision plane and
the layer space as PNG and SVG, and a whole run (with its history, weights and a PyTorch script)
into a folder.

Pictures are drawn by the live views themselves, laid out at the export size for the moment of
drawing: PNGs at `scale` times that size (high DPI, text and lines drawn sharp, not upscaled),
SVGs as vectors with a title and a viewBox. Every file is written atomically, and a folder
export is staged in a hidden sub-folder first, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnviz.core.atomic import write_atomic
from nnviz.core.design import Design, save_design
from nnviz.core.history import History
from nnviz.core.runs import RunList
from nnviz.core.snapshot import Snapshot
from nnviz.core.torch_export import write_pytorch_script
from nnviz.core.weights_io import save_weights

DEFAULT_SCALE = 2.0  # PNG pixels per logical pixel: sharp on high-DPI screens and slides
PLOT_SIZE = QSize(640, 400)  # every plot of a folder export, whatever its size on screen
SVG_DPI = 96  # so an SVG's physical size matches the picture's size on a normal screen
BACKGROUND = QColor(255, 255, 255)
Series = Mapping[str, tuple[np.ndarray, np.ndarray]]


class ExportError(Exception):
    """A file or folder could not be written; the message is one line naming it."""


# ----------------------------------------------------------------------- single files


def export_plot(
    plot_widget: pg.PlotWidget,
    path: str | os.PathLike[str],
    width: int | None = None,
    height: int | None = None,
    *,
    scale: float = DEFAULT_SCALE,
    data: Series | None = None,
) -> None:
    """One plot to `path`: .png (width×height logical pixels, `scale`× as many real ones),
    .svg, or .csv of its visible curves (`data`, if given, instead of the curves' own data,
    e.g. the unsmoothed history behind a smoothed curve)."""
    path = Path(path)
    size = QSize(width or plot_widget.width(), height or plot_widget.height())
    if path.suffix.lower() == ".csv":
        series = data if data is not None else _visible_curves(plot_widget)
        _write(path, lambda: plot_csv(series, _x_label(plot_widget)))
    else:
        export_widget_picture(plot_widget, path, scale, size)


def export_widget_picture(
    widget: QWidget,
    path: str | os.PathLike[str],
    scale: float = DEFAULT_SCALE,
    size: QSize | None = None,
    title: str | None = None,
) -> None:
    """A view as it looks (at `size`, default its own) to .png (`scale`× the pixels) or .svg."""
    path = Path(path)
    renderer = PICTURE_FORMATS.get(path.suffix.lower())
    if renderer is None:
        raise ExportError(f"{path}: unknown picture format (use {', '.join(PICTURE_FORMATS)})")
    size = size or widget.size()
    title = title or _title(widget) or path.stem
    with laid_out(widget, size):
        content = renderer(widget, size, scale, title)
    _write(path, lambda: content)


def export_all_plots(
    plots_panel, folder: str | os.PathLike[str], scale: float = DEFAULT_SCALE
) -> list[Path]:
    """Every plot of the panel as PNG, SVG and CSV (the unsmoothed data) into `folder`."""
    with _staged(folder) as stage:
        _plots_into(plots_panel, stage.folder, scale)
    return stage.paths


def export_network_picture(
    canvas, path: str | os.PathLike[str], scale: float = DEFAULT_SCALE, size: QSize | None = None
) -> None:
    """The network canvas in its settled state (not half-way through an animated sweep)."""
    with settled(canvas):
        export_widget_picture(canvas, path, scale, size, title="Network")


def export_history_csv(history: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """The training history as the trainer keeps it: one column per quantity, full precision."""
    _write(Path(path), lambda: _history_csv(history))


def export_runs_csv(runs: RunList, path: str | os.PathLike[str]) -> None:
    """Every run's epoch history, one block per run after a `run` column with its name."""

    def content() -> bytes:
        text = io.StringIO(newline="")
        runs.write_csv(text)
        return text.getvalue().encode("utf-8")

    _write(Path(path), content)


def _write(path: Path, content: Callable[[], bytes]) -> None:
    try:
        write_atomic(path, content())
    except OSError as error:
        raise ExportError(f"{path}: cannot write ({error.strerror or error})") from None


# ----------------------------------------------------------------------- a whole run


class PlotSource(Protocol):
    """What a run export uses of the plots panel. Typed by what it does, not by its class:
    the views import the export module for their right-click exports, never the other way."""

    def plot_widgets(self) -> Mapping[str, pg.PlotWidget]: ...

    def export_name(self, name: str) -> str: ...

    def curve_data(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]: ...


class NetworkPicture(Protocol):
    """The network canvas, as a run export draws it: settled, then painted like any widget."""

    def mode(self) -> str: ...

    def set_mode(self, mode: str) -> None: ...


class GraphicsView(Protocol):
    """A view whose picture is one graphics widget (the layer space)."""

    graphics: QWidget


@dataclass(frozen=True)
class RunViews:
    """What a run export draws and saves: the views, and the state they show."""

    plots: PlotSource
    canvas: NetworkPicture  # a QWidget too
    plane: pg.PlotWidget | None  # the decision plane; None when the data is not 2-D
    snapshot: Snapshot
    design: Design
    layer_space: GraphicsView | None = None  # drawn, or None to leave it out
    runs: RunList | None = None  # the session's runs, written to runs.csv when several


def export_run(views: RunViews, folder: str | os.PathLike[str]) -> list[Path]:
    """Everything about a run into `folder`: each plot (PNG, SVG, CSV), network.png/.svg,
    plane.png/.svg for 2-D data, layer_space.png/.svg when given, history.csv, design.json,
    weights.npz and model.py (PyTorch); runs.csv (every run's history with a `run` column) when
    the session has several runs."""
    s = views.snapshot
    with _staged(folder) as stage:
        out = stage.folder
        _plots_into(views.plots, out, DEFAULT_SCALE)
        for suffix in (".png", ".svg"):
            export_network_picture(views.canvas, out / f"network{suffix}")
            if views.plane is not None:
                export_widget_picture(views.plane, out / f"plane{suffix}", title="Decision plane")
            if views.layer_space is not None:
                export_widget_picture(
                    views.layer_space.graphics, out / f"layer_space{suffix}", title="Layer space"
                )
        export_history_csv(s.history, out / "history.csv")
        if views.runs is not None and len(views.runs) > 1:
            export_runs_csv(views.runs, out / "runs.csv")
        save_design(views.design, out / "design.json")
        save_weights(out / "weights.npz", (s.weights, s.biases))
        write_pytorch_script(out / "model.py", views.design, weights_file="weights.npz")
    return stage.paths


def _plots_into(plots_panel, folder: Path, scale: float) -> None:
    for name, widget in plots_panel.plot_widgets().items():
        stem = plots_panel.export_name(name)
        for suffix in (".png", ".svg"):
            export_plot(
                widget,
                folder / f"{stem}{suffix}",
                PLOT_SIZE.width(),
                PLOT_SIZE.height(),
                scale=scale,
            )
        export_plot(widget, folder / f"{stem}.csv", data=plots_panel.curve_data(name))


@dataclass
class _Stage:
    folder: Path
    paths: list[Path]


@contextmanager
def _staged(folder: str | os.PathLike[str]) -> Iterator[_Stage]:
    """A hidden folder inside `folder` to write into; on success its files replace their
    namesakes in `folder`, on any error it is removed and `folder` is left as it was (folders
    made for the export are removed again)."""
    target = Path(folder)
    made = [p for p in (target, *target.parents) if not p.exists()]
    try:
        target.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".nnviz-export-", dir=target))
    except OSError as error:
        _remove_folders(made)
        raise ExportError(f"{target}: cannot write ({error.strerror or error})") from None
    stage = _Stage(temp, [])
    try:
        yield stage
        for staged in sorted(temp.iterdir()):
            final = target / staged.name
            os.replace(staged, final)
            stage.paths.append(final)
    except BaseException as error:
        shutil.rmtree(temp, ignore_errors=True)
        _remove_folders(made)
        if isinstance(error, OSError):
            raise ExportError(f"{target}: cannot write ({error.strerror or error})") from None
        if isinstance(error, ExportError):  # name the folder asked for, not the staging one
            raise ExportError(str(error).replace(str(temp), str(target))) from None
        raise
    shutil.rmtree(temp, ignore_errors=True)


def _remove_folders(folders: list[Path]) -> None:
    """Remove the (empty) folders an export made, deepest first."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


# ----------------------------------------------------------------------- drawing


@contextmanager
def laid_out(widget: QWidget, size: QSize) -> Iterator[None]:
    """The widget at `size`, its layouts settled, for the time of drawing; then as it was.

    A plot's legend is shown whatever the plot on screen decided: a small plot in the window
    leaves out a legend it has no room for, and an exported picture needs one."""
    old = widget.size()
    legend = widget.getPlotItem().legend if isinstance(widget, pg.PlotWidget) else None
    shown = legend is not None and legend.isVisible()
    try:
        if legend is not None:
            legend.setVisible(bool(legend.items))
        _resize(widget, size)
        yield
    finally:
        _resize(widget, old)
        if legend is not None:
            legend.setVisible(shown)


def _resize(widget: QWidget, size: QSize) -> None:
    """Resize and lay out now, even a widget never shown (Qt defers its resize event then)."""
    widget.resize(size)
    if isinstance(widget, pg.GraphicsView):
        # What pyqtgraph's own resizeEvent does: the scene and its central item take the size.
        pg.GraphicsView.setRange(widget, QRectF(QPoint(0, 0), size), 0, disableAutoPixel=False)
    if isinstance(widget, pg.GraphicsLayoutWidget):
        widget.ci.layout.activate()
    if isinstance(widget, pg.PlotWidget):
        item = widget.getPlotItem()
        item.layout.activate()
        if item.legend is not None:  # re-anchor: the legend may have grown since placed
            item.legend.setOffset(item.legend.opts["offset"])


@contextmanager
def settled(canvas) -> Iterator[None]:
    """The canvas showing the latest state still (no sweep), then animating as before."""
    mode = canvas.mode()
    if mode == "off":
        yield
        return
    canvas.set_mode("off")
    try:
        yield
    finally:
        canvas.set_mode(mode)


def _paint(widget: QWidget, painter: QPainter, size: QSize) -> None:
    if isinstance(widget, QGraphicsView):  # its scene, whose coordinates are its pixels
        area = QRectF(0, 0, size.width(), size.height())
        widget.scene().render(painter, area, area)
    else:
        QWidget.render(widget, painter, QPoint(0, 0))


@contextmanager
def _curve_pens_scaled(widget: QWidget, scale: float) -> Iterator[None]:
    """Curves as thick as on screen: their pens are cosmetic (widths in device pixels), and a
    high-DPI picture has `scale` times as many device pixels."""
    items = []
    if isinstance(widget, pg.PlotWidget):
        items = [i for i in widget.getPlotItem().listDataItems() if isinstance(i, pg.PlotDataItem)]
    saved = [(item, pg.mkPen(item.opts["pen"])) for item in items]
    try:
        for item, pen in saved:
            if pen.isCosmetic():
                wide = QPen(pen)
                wide.setWidthF(max(pen.widthF(), 1.0) * scale)
                item.setPen(wide)
        yield
    finally:
        for item, pen in saved:
            item.setPen(pen)


def _png(widget: QWidget, size: QSize, scale: float, title: str) -> bytes:
    return png_bytes(render_image(widget, size, scale), title)


def write_png(path: str | os.PathLike[str], image: QImage, title: str) -> None:
    """A picture to a PNG file, atomically."""
    content = png_bytes(image, title)
    _write(Path(path), lambda: content)


def png_bytes(image: QImage, title: str) -> bytes:
    image.setText("Title", title)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"{title}: cannot encode the picture as PNG")
    buffer.close()
    return bytes(data)


def render_image(widget: QWidget, size: QSize, scale: float) -> QImage:
    """The widget drawn at `size` points into an image of `scale`× the pixels (the widget must
    already be laid out at `size`; see `laid_out`)."""
    image = QImage(
        round(size.width() * scale), round(size.height() * scale), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(scale)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    for hint in (
        QPainter.RenderHint.Antialiasing,
        QPainter.RenderHint.TextAntialiasing,
        QPainter.RenderHint.SmoothPixmapTransform,
    ):
        painter.setRenderHint(hint)
    with _curve_pens_scaled(widget, scale):
        _paint(widget, painter, size)
    painter.end()
    return image


def _svg(widget: QWidget, size: QSize, scale: float, title: str) -> bytes:
    if isinstance(widget, pg.PlotWidget):
        return _plot_svg(widget, size, title)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setResolution(SVG_DPI)
    generator.setTitle(title)
    generator.setDescription("nnviz")
    painter = QPainter(generator)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint(widget, painter, size)
    painter.end()
    buffer.close()
    return bytes(data)


def _plot_svg(widget: pg.PlotWidget, size: QSize, title: str) -> bytes:
    """pyqtgraph's SVG (it clips curves to the axes, which Qt's generator cannot), titled and
    given a size."""
    exporter = SVGExporter(widget.getPlotItem())
    text = exporter.export(toBytes=True).decode("utf-8")
    # pyqtgraph asks for blocky pixels in images; the decision plane is drawn smooth on screen.
    text = re.sub(r"<style>\s*image \{[^}]*\}\s*</style>\n?", "", text, count=1)
    text = text.replace(
        "<title>pyqtgraph SVG export</title>", f"<title>{escape(title)}</title>", 1
    ).replace(" viewBox =", f' width="{size.width()}" height="{size.height()}" viewBox=', 1)
    return text.encode("utf-8")


PICTURE_FORMATS: dict[str, Callable[[QWidget, QSize, float, str], bytes]] = {
    ".png": _png,
    ".svg": _svg,
}


def _title(widget: QWidget) -> str:
    if isinstance(widget, pg.PlotWidget):
        return widget.getPlotItem().titleLabel.text
    return ""


# ----------------------------------------------------------------------- data


def _visible_curves(widget: pg.PlotWidget) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    curves = {}
    for k, item in enumerate(widget.getPlotItem().listDataItems()):
        x, y = item.getOriginalDataset()
        if item.isVisible() and x is not None and len(x):
            curves[item.name() or f"curve {k + 1}"] = (x, y)
    return curves


def _x_label(widget: pg.PlotWidget) -> str:
    return widget.getPlotItem().getAxis("bottom").labelText or "x"


def plot_csv(series: Series, x_label: str = "epoch") -> bytes:
    """One x column and one column per curve, rows in x order; a curve with no point at an x
    has an empty field there. Numbers are written exactly (shortest repr of the float)."""
    rows: dict[tuple[float, int], list[str]] = {}
    names = list(series)
    for column, (x, y) in enumerate(series.values()):
        seen: dict[float, int] = {}
        for xv, yv in zip(
            np.asarray(x, float).tolist(), np.asarray(y, float).tolist(), strict=True
        ):
            occurrence = seen.get(xv, 0)
            seen[xv] = occurrence + 1
            row = rows.setdefault((xv, occurrence), [""] * len(names))
            row[column] = _number(yv)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([x_label, *names])
    for (xv, _), values in sorted(rows.items()):
        writer.writerow([_number(xv), *values])
    return stream.getvalue().encode("utf-8")


def _history_csv(history: Mapping[str, np.ndarray]) -> bytes:
    names = list(history)
    rows = np.column_stack([np.asarray(history[n], float) for n in names]) if names else []
    stream = io.StringIO(newline="")
    History.from_rows(names, rows, capacity=max(len(rows), 4)).write_csv(stream)
    return stream.getvalue().encode("utf-8")


def _number(value: float) -> str:
    if value != value:  # NaN: no value
        return ""
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))
