"""The gallery of bundled example designs in `resources/examples/`.

An example is a design file; its name is the file's stem, and its title and one-paragraph
description live in the design's `meta`. An example may ship the weights it starts from beside
it, as `<name>_weights.npz` (arrays W0, b0, …): a hand-computed exercise needs its own numbers.
`GALLERY_ORDER` sets the order a menu or the command line lists them in (simple to hard, then
the ones that fail on purpose); a file added to the folder but not to the order is still
listed, after the others, so none can be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nnviz.core.design import Design, DesignError, load_design
from nnviz.core.resources import resource_path
from nnviz.core.weights_io import load_weights

SUFFIX = ".json"
WEIGHTS_SUFFIX = "_weights.npz"

GALLERY_ORDER = (
    "backprop_2_2_2",
    "gauss",
    "xor",
    "circle",
    "moons",
    "spiral",
    "spiral_bottleneck",
    "spiral3",
    "plane",
    "multi_gauss",
    "digits",
    "mnist",
    "iris",
    "vanishing_gradients",
    "dead_relu",
    "diverging",
)


@dataclass(frozen=True)
class Example:
    """One gallery entry: what a menu or `nnviz examples` shows, and where the design is."""

    name: str
    title: str
    description: str
    path: Path


def examples_dir() -> Path:
    return resource_path("examples")


def example_names() -> list[str]:
    """Names of all examples in gallery order, without reading the files."""
    found = {path.stem for path in examples_dir().glob(f"*{SUFFIX}") if path.is_file()}
    ordered = [name for name in GALLERY_ORDER if name in found]
    return ordered + sorted(found - set(ordered))


def _example(name: str) -> Example:
    path = examples_dir() / f"{name}{SUFFIX}"
    design = load_design(path)
    meta = design.meta
    title = meta.get("title")
    description = meta.get("description")
    return Example(
        name=name,
        title=title if isinstance(title, str) and title else design.name,
        description=description if isinstance(description, str) else "",
        path=path,
    )


def list_examples() -> list[Example]:
    """Every example in the folder, in gallery order."""
    return [_example(name) for name in example_names()]


def example_path(name: str) -> Path:
    """The design file of the example `name`; DesignError listing the valid names if unknown."""
    names = example_names()
    if name not in names:
        raise DesignError(f"no example named {name!r} (examples: {', '.join(names)})")
    return examples_dir() / f"{name}{SUFFIX}"


def load_example(name: str) -> Design:
    """The example's design, ready to train."""
    return load_design(example_path(name))


def example_weights_path(name: str) -> Path | None:
    """The starting weights example `name` ships beside its design, or None if it has none."""
    path = examples_dir() / f"{name}{WEIGHTS_SUFFIX}"
    return path if name in example_names() and path.is_file() else None


def example_weights(name: str) -> tuple[list, list] | None:
    """(weights, biases) example `name` starts from, or None: the initializer's are used."""
    path = example_weights_path(name)
    return None if path is None else load_weights(path, load_example(name))


def example_at(path: str | Path) -> Example | None:
    """The example whose bundled file `path` is, or None: such a file opens as an untitled copy,
    so saving never overwrites the gallery."""
    path = Path(path)
    try:
        bundled = path.resolve().parent == examples_dir().resolve()
    except OSError:
        return None
    if not bundled or path.suffix != SUFFIX or path.stem not in example_names():
        return None
    return _example(path.stem)
