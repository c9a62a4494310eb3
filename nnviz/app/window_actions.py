"""The window's commands as tables: each action (its text, the window method it triggers, its
shortcut, tip and icon), the menus that hold them and the toolbar, so a new command is one entry
here and one method on the window; `add_actions` and `add_menus` build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtGui import QAction, QKeySequence

from nnviz.app.icons import icon


@dataclass(frozen=True)
class ActionSpec:
    text: str
    slot: str  # the MainWindow method the action triggers ("files.save": a FileActions one)
    shortcut: str | QKeySequence.StandardKey | None = None
    tip: str = ""
    icon: str | None = None
    checkable: bool = False


ACTIONS: dict[str, ActionSpec] = {
    "new": ActionSpec("&New", "files.new_design", QKeySequence.StandardKey.New, "A new design"),
    "open": ActionSpec(
        "&Open…",
        "files.open_dialog",
        QKeySequence.StandardKey.Open,
        "Open a design or session file",
        "open",
    ),
    "save": ActionSpec(
        "&Save", "files.save", QKeySequence.StandardKey.Save, "Save the design to its file"
    ),
    "save_as": ActionSpec(
        "Save &As…", "files.save_as", QKeySequence.StandardKey.SaveAs, "Save the design to a file"
    ),
    "revert": ActionSpec("Re&vert", "files.revert", None, "Reload the design from its file"),
    "import_data": ActionSpec(
        "&Import Data…", "importer.ask_file", "Ctrl+I", "Preview a CSV table, then train on it"
    ),
    "import_folder": ActionSpec(
        "Import Image &Folder…",
        "importer.ask_folder",
        None,
        "Preview a folder of pictures (one sub-folder per class), then train on it",
    ),
    "open_session": ActionSpec(
        "Open Sess&ion…", "files.open_session_dialog", None, "Open a saved training session"
    ),
    "save_session": ActionSpec(
        "Save Session…",
        "files.save_session_dialog",
        None,
        "Save the design and the trained run, to resume it later",
    ),
    "export_plots": ActionSpec(
        "&Plots…", "export_plots", None, "Every plot as PNG, SVG and CSV into a folder"
    ),
    "export_network": ActionSpec(
        "&Network Picture…", "export_network", None, "The network as a PNG or SVG picture"
    ),
    "export_plane": ActionSpec(
        "&Decision Plane…", "export_plane", None, "The decision plane as a PNG or SVG picture"
    ),
    "export_layer_space": ActionSpec(
        "&Layer Space…", "export_layer_space", None, "Every layer's view of the data, PNG or SVG"
    ),
    "export_history": ActionSpec(
        "Training &History CSV…", "export_history", None, "The training history as CSV"
    ),
    "export_weights": ActionSpec(
        "&Weights…", "export_weights", None, "The trained weights as a NumPy .npz file"
    ),
    "export_pytorch": ActionSpec(
        "As P&yTorch…",
        "export_pytorch",
        None,
        "A PyTorch script that rebuilds this network with its trained weights",
    ),
    "export_worked_example": ActionSpec(
        "Worked &Example (Markdown)…",
        "export_worked_example",
        None,
        "The next training step taken apart for the traced sample, as a worksheet",
    ),
    "export_figure": ActionSpec(
        "&Figure…",
        "export_figure",
        None,
        "One high-resolution picture: network, decision plane and loss side by side",
    ),
    "export_recording": ActionSpec(
        "&Recording…",
        "export_recording",
        None,
        "Record the canvas, the data view or the window as an animated GIF or WebP",
    ),
    "export_all": ActionSpec(
        "&All…", "export_all", None, "Plots, pictures, history, weights and PyTorch script"
    ),
    "quit": ActionSpec("&Quit", "close", QKeySequence.StandardKey.Quit, "Quit nnviz"),
    "play": ActionSpec(
        "&Play", "toggle_play", "Space", "Train continuously (Space)", "play", checkable=True
    ),
    "step": ActionSpec(
        "&Step one batch", "step_batch", "S", "Train one mini-batch, then pause (S)", "step"
    ),
    "epoch": ActionSpec(
        "Step one &epoch",
        "step_epoch",
        "E",
        "Train to the end of the epoch, then pause (E)",
        "epoch",
    ),
    "reset": ActionSpec(
        "&Reset", "run.reset", "R", "New random weights, back to step 0 (R)", "reset"
    ),
    "step_back": ActionSpec(
        "Step &back",
        "timeline_panel.step_back",
        "Shift+S",
        "Show the step before, from the timeline (Shift+S, when paused)",
    ),
}

# Menu title → action names; None is a separator. "undo"/"redo" come from the document; names
# in SUBMENUS are submenus that FileActions fills (Open Recent each time it opens).
MENUS: dict[str, tuple[str | None, ...]] = {
    "&File": (
        "new",
        "open",
        "recent",
        "examples",
        None,
        "import_data",
        "import_folder",
        None,
        "save",
        "save_as",
        "revert",
        None,
        "open_session",
        "save_session",
        None,
        "export",
        None,
        "quit",
    ),
    "&Edit": ("undo", "redo"),
    "&Train": ("play", "step", "epoch", "step_back", None, "reset"),
    "&View": (),  # filled with the docks' toggle actions
    "&Help": (),  # filled by install_learning
}
SUBMENUS: dict[str, str] = {
    "recent": "Open &Recent",
    "examples": "&Examples",
    "export": "E&xport",  # filled by ExportActions
}
TOOLBAR: tuple[str | None, ...] = ("play", "step", "epoch", "reset")


def add_actions(window) -> dict[str, QAction]:
    """Every action of `ACTIONS` on `window` (its shortcuts work even while the toolbar is
    hidden), plus the document's undo and redo."""
    actions: dict[str, QAction] = {}
    for name, spec in ACTIONS.items():
        action = QAction(spec.text, window)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
        if spec.icon is not None:
            action.setIcon(icon(spec.icon))
        action.setCheckable(spec.checkable)
        action.triggered.connect(attrgetter(spec.slot)(window))
        window.addAction(action)
        actions[name] = action
    actions["undo"] = window.document.undo_action(window)
    actions["redo"] = window.document.redo_action(window)
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    return actions


def add_menus(window) -> dict:
    """The menu bar of `MENUS` with `window.actions`; the menus by lower-case title ("file",
    "view", …) and the empty submenus of `SUBMENUS` by name, for the window to fill."""
    menus = {}
    for title, names in MENUS.items():
        menu = window.menuBar().addMenu(title)
        menus[title.replace("&", "").lower()] = menu
        for name in names:
            if name is None:
                menu.addSeparator()
            elif name in SUBMENUS:
                menus[name] = menu.addMenu(SUBMENUS[name])
            else:
                menu.addAction(window.actions[name])
    return menus
