"""How an error is reported in one line: the command line, dialogs and the status bar agree."""

from __future__ import annotations

import re


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


_LAYER = re.compile(r"\blayers\[(\d+)\]")
_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")


def plain_words(message: str) -> str:
    """A design message for the window, where file-format field paths read as words:
    "layers[2].activation: …" → "Layer 3 activation: …", "(layers[2] uses tanh)" → "(layer 3
    uses tanh)". The command line keeps the exact paths, which a file's author needs."""
    field = _FIELD.match(message)
    head, rest = (field.group(1), message[field.end() :]) if field else ("", message)
    rest = _LAYER.sub(_layer, rest)
    if not head:
        return rest
    words = _LAYER.sub(_layer, head).replace(".", " ").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]}: {rest}"


def _layer(match: re.Match[str]) -> str:
    return f"layer {int(match.group(1)) + 1}"
