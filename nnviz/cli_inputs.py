"""What the commands read from their arguments: a design, an example or a session, as a
trainer; anything unusable is a `BadInputError`, one line naming it (exit status 2).

NumPy is imported only inside the functions: the command line sets BLAS thread variables first.
"""

from __future__ import annotations

from pathlib import Path

from nnviz.core.errors import first_line

SESSION_SUFFIX = ".nnviz"  # as `nnviz.core.session` names them (not imported: it loads NumPy)


class BadInputError(Exception):
    """Anything the user can fix: reported as one line, exit status 2."""


def design_file(arg: str) -> str:
    """The file a DESIGN argument names: the file itself, else the bundled example of that name.

    A file always wins, so a user's own `spiral` file is never shadowed by the example; a folder
    does not, and is passed on only to be reported as a folder.
    """
    from nnviz.core.examples import example_names, example_path

    path = Path(arg)
    if path.exists() and not path.is_dir():
        return arg
    names = example_names()
    if arg in names:
        return str(example_path(arg))
    if path.exists():
        return arg
    raise BadInputError(f"{arg}: no such design file or example (examples: {', '.join(names)})")


def load(arg: str):
    """The design a DESIGN argument names; BadInputError (one line naming it) when unusable."""
    from nnviz.core.design import DesignError, load_design

    try:
        return load_design(design_file(arg))
    except DesignError as error:
        raise BadInputError(first_line(error)) from None


def build_trainer(path: str, design):
    from nnviz.core.design import DesignError
    from nnviz.core.trainer import Trainer

    try:
        return Trainer(design)
    except DesignError as error:
        raise BadInputError(prefixed(path, error)) from None
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: a data file it names is not valid text") from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise BadInputError(f"{path}: {where}{error.strerror or error}") from None


def prefixed(path: str, error: Exception) -> str:
    return f"{path}: {first_line(error)}"


def resume_session(path: str, epochs: int | None, seed: int | None):
    """The trainer a session file saved, at its step and with its optimizer state, to train on
    (to `epochs` when given: the budget counts from the run's start, as in the window)."""
    from nnviz.core.session import load_session

    if seed is not None:
        raise BadInputError(f"{path}: --seed cannot change a saved run (it resumes as it was)")
    try:
        trainer = load_session(path).restore()
        if epochs is not None:
            trainer.set_epochs(epochs)
    except ValueError as error:  # SessionError is one
        raise BadInputError(first_line(error)) from None
    return trainer
