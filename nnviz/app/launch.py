"""Start the window: one QApplication with nnviz's name, icon and theme, then its event loop."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from nnviz.app.gui_gc import GuiGarbageCollector
from nnviz.app.icons import app_icon
from nnviz.app.style import apply_theme

APP_NAME = "nnviz"


def make_application() -> QApplication:
    """The running QApplication, or a new one set up as nnviz."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


def run_app(design_path: str | None = None) -> int:
    """Open the window on `design_path` (a design or session; else the built-in example) and
    run until it closes; the window autosaves for crash recovery."""
    app = make_application()
    from nnviz.app.error_log import ErrorLog, log_path
    from nnviz.app.main_window import MainWindow  # after the QApplication exists

    collector = GuiGarbageCollector(app)
    collector.start()
    window = MainWindow(design_path, recover=True)
    errors = ErrorLog(log_path(), window)
    errors.reported.connect(window.banner.show_message)
    errors.install()
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    window.lessons.offer_welcome()  # on a first launch: lesson 1, until started or declined
    return int(app.exec())
