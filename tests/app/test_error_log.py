"""Errors that reach the window's top level are logged with their traceback and said plainly."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from nnviz.app.error_log import ErrorLog, log_path, show_log
from nnviz.app.main_window import MainWindow


@pytest.fixture
def window(qtbot, private_user_data):
    win = MainWindow()
    qtbot.addWidget(win)
    yield win
    win.close()


@pytest.fixture
def errors(window):
    log = ErrorLog(log_path(), window)
    log.reported.connect(window.banner.show_message)
    log.install()
    yield log
    log.uninstall()


def _broken_slot() -> None:
    raise ZeroDivisionError("a fault deep inside")


def test_an_uncaught_error_is_logged_with_its_traceback_and_shown(
    window, errors, qtbot, private_user_data
):
    try:
        _broken_slot()
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    assert log_path() == private_user_data / "nnviz.log"  # the one data folder (core's)
    text = log_path().read_text(encoding="utf-8")
    assert "uncaught in the window: a fault deep inside" in text
    assert "Traceback (most recent call last)" in text and "_broken_slot" in text
    shown = window.banner.text()
    assert "a fault deep inside" in shown and "Help › Show Log" in shown


def test_an_error_in_a_background_thread_is_logged_and_shown_in_the_window(window, errors, qtbot):
    thread = threading.Thread(target=_broken_slot, name="helper")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: "a fault deep inside" in window.banner.text(), timeout=5000)
    assert "uncaught in thread helper" in log_path().read_text(encoding="utf-8")


def test_help_show_log_shows_the_end_of_the_log(window, errors, qtbot):
    try:
        _broken_slot()
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    window.findChild(type(window.actions["play"]), "showLog").trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "logDialog")
    qtbot.addWidget(dialog)
    assert "a fault deep inside" in dialog.findChild(QPlainTextEdit).toPlainText()


def test_show_log_without_a_log_says_nothing_was_logged(window, tmp_path, qtbot):
    dialog = show_log(window, tmp_path / "none.log")
    qtbot.addWidget(dialog)
    assert "Nothing has been logged" in dialog.findChild(QPlainTextEdit).toPlainText()
