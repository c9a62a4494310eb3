"""Locate files shipped in `resources/`.

A wheel carries them as `nnviz/resources`; an editable install or a source checkout has them
beside the package at the repository's top level. Both are searched, wheel first.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_CANDIDATES = (_PACKAGE / "resources", _PACKAGE.parent / "resources")


def resources_dir() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_dir():
            return candidate
    looked = ", ".join(map(str, _CANDIDATES))
    raise FileNotFoundError(f"nnviz resources not found (looked in {looked})")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
