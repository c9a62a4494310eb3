"""nnviz.core must stay usable without a display: it may never import Qt or pyqtgraph."""

import ast
import subprocess
import sys
from pathlib import Path

import nnviz.core

CORE = Path(nnviz.core.__file__).parent
GUI_MODULES = ("PySide6", "pyqtgraph", "shiboken6")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_core_source_file_imports_a_gui_toolkit():
    offenders = {
        path.name: sorted(_imported_roots(path) & set(GUI_MODULES))
        for path in CORE.rglob("*.py")
        if _imported_roots(path) & set(GUI_MODULES)
    }
    assert offenders == {}


def test_importing_every_core_module_loads_no_gui_toolkit():
    modules = sorted(f"nnviz.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_MODULES!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
