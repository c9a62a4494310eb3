"""Presentation zoom: View › Zoom In / Out / Reset scale the window's text and plot axes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnviz.app.main_window import MainWindow
from nnviz.app.teacher import ZOOM_LEVELS


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.zoom.reset()
    w.close()


def test_zoom_in_out_and_reset_scale_text_and_axes(qtbot, window):
    base = QApplication.font().pointSizeF()
    loss = window.plots.plot_widgets()["loss"]
    axis = loss.getAxis("left")
    width = axis.fixedWidth
    texts = [a.text() for a in window.menus["view"].actions()]
    assert {"Zoom &In", "Zoom &Out", "&Reset Zoom"} <= set(texts)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    factor = ZOOM_LEVELS[ZOOM_LEVELS.index(1.0) + 2]
    assert window.zoom.factor == factor
    assert QApplication.font().pointSizeF() == pytest.approx(base * factor)
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(base * factor)
    assert axis.fixedWidth == round(width * factor)
    assert window.statusBar().currentMessage() == f"Zoom {factor:.0%}"
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == ZOOM_LEVELS[ZOOM_LEVELS.index(1.0) + 1]
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.0
    assert QApplication.font().pointSizeF() == pytest.approx(base)
    assert axis.fixedWidth == width


def test_zoom_stops_at_either_end(window):
    for _ in range(len(ZOOM_LEVELS) + 2):
        window.zoom.zoom_in()
    assert window.zoom.factor == ZOOM_LEVELS[-1]
    for _ in range(len(ZOOM_LEVELS) + 2):
        window.zoom.zoom_out()
    assert window.zoom.factor == ZOOM_LEVELS[0]
