"""The engine, usable without the window (a notebook, a script, the command line).

    from nnviz.core import (Design, DesignError, Network, Trainer, load_design, save_design,
                            make_dataset, make_optimizer, load_session, save_session)

Names are imported on first use, so importing one module of `nnviz.core` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "Design": "nnviz.core.design",
    "DesignError": "nnviz.core.validation",
    "Network": "nnviz.core.network",
    "Trainer": "nnviz.core.trainer",
    "load_design": "nnviz.core.design",
    "save_design": "nnviz.core.design",
    "make_dataset": "nnviz.core.datasets",
    "make_optimizer": "nnviz.core.optimizers",
    "load_session": "nnviz.core.session",
    "save_session": "nnviz.core.session",
}

__all__ = [
    "Design",
    "DesignError",
    "Network",
    "Trainer",
    "load_design",
    "load_session",
    "make_dataset",
    "make_optimizer",
    "save_design",
    "save_session",
]

if TYPE_CHECKING:
    from nnviz.core.datasets import make_dataset
    from nnviz.core.design import Design, load_design, save_design
    from nnviz.core.network import Network
    from nnviz.core.optimizers import make_optimizer
    from nnviz.core.session import load_session, save_session
    from nnviz.core.trainer import Trainer
    from nnviz.core.validation import DesignError


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'nnviz.core' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(__all__)
