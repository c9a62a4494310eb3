"""The window's light theme, matched to the canvas: white drawing areas, slate text, blue accent."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

TEXT = QColor(51, 56, 62)
MUTED = QColor(128, 134, 140)
WINDOW = QColor(246, 247, 249)
BASE = QColor(255, 255, 255)
ALTERNATE = QColor(241, 243, 246)
ACCENT = QColor(8, 119, 189)
BORDER = QColor(216, 220, 225)

ERROR_TEXT = "#b00020"  # a refused value or file, said in red beside it

# Colours of the run's state in the status bar.
STATE_COLORS = {
    "running": "#1a7f37",
    "paused": "#5b6470",
    "idle": "#5b6470",
    "finished": "#0877bd",
    "stopped": "#5b6470",
    "diverged": "#c0392b",
}

STYLESHEET = """
QMainWindow::separator { background: #d8dce1; width: 1px; height: 1px; }
QDockWidget { titlebar-close-icon: none; font-weight: 600; }
QDockWidget::title { padding: 5px 8px; background: #eceef1; border-bottom: 1px solid #d8dce1; }
QToolBar { spacing: 4px; padding: 3px 6px; border: none; border-bottom: 1px solid #d8dce1;
           background: #fbfbfc; }
QToolBar QLabel { color: #5b6470; padding-left: 6px; }
QToolButton { padding: 3px 6px; border-radius: 4px; }
QToolButton:hover { background: #e7eef5; }
QToolButton:checked { background: #dceaf6; }
QStatusBar { background: #fbfbfc; border-top: 1px solid #d8dce1; }
QStatusBar QLabel { padding: 0 8px; color: #33383e; }
QFrame#banner { background: #fdecea; border: 1px solid #f1b8b0; border-radius: 6px; }
QFrame#banner QLabel { color: #7a1f14; }
QFrame#banner[kind="info"] { background: #eaf3fb; border: 1px solid #b5d3ec; }
QFrame#banner[kind="info"] QLabel { color: #1d3a55; }
"""


def apply_theme(app: QApplication) -> None:
    """Fusion with a light palette, so the window looks the same on every platform."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALTERNATE,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: QColor(250, 250, 251),
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: BASE,
        QPalette.ColorRole.ToolTipBase: BASE,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Mid: BORDER,
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, MUTED)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, MUTED)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, MUTED)
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)
