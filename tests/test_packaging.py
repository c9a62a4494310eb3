"""Bundled resources are found from code in a source/editable checkout and in a built wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnviz.core.resources import resource_path, resources_dir

ROOT = Path(__file__).resolve().parents[1]
FIND_RESOURCES = (
    "from nnviz.core.resources import resources_dir; import nnviz; "
    "print(resources_dir()); print(nnviz.__file__)"
)


def test_resources_are_found_in_the_checkout():
    assert resources_dir() == ROOT / "resources"
    assert resource_path("examples").is_dir()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("nnviz-*.whl"))


def test_wheel_carries_resources_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("nnviz/resources/examples/") for n in names)
    assert not any(n.startswith("resources/") for n in names)


def test_installed_wheel_finds_its_own_resources(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-c", FIND_RESOURCES],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    found, package = result.stdout.split()
    assert Path(package).is_relative_to(target)
    assert Path(found) == target / "nnviz" / "resources"
