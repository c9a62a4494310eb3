"""The status bar's fields: the run's state, epoch, step, speed, loss and score.

Each field is a label of fixed size, sized when the window is built for the widest text it
shows in practice (`FIELDS`): a label whose size changes re-lays out the whole window, and
repaints it, with every new text, dozens of times a second while training. A text that needs
more room than that (a diverged loss of 1.000e300, a millionth epoch) widens its field once;
fields never shrink. Losses and R² keep their significant digits (`significant`), however small
or large they get.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QLabel, QStatusBar

from nnviz.app.style import STATE_COLORS
from nnviz.core.readouts import percent, significant
from nnviz.core.snapshot import Snapshot

SLACK = 12  # pixels beyond a text's width, for fonts whose digits differ in width
# Each field's size: at least this width, and room for this text.
FIELDS = {
    "state": (110, "<b>● finished</b>"),
    "epoch": (110, "epoch <b>88888</b> / 88888"),
    "step": (100, "step <b>8888888</b>"),
    "speed": (110, "88,888 steps/s"),
    "loss": (200, "loss <b>0.08888</b>  (test 0.08888)"),
    "score": (200, "accuracy <b>88.8%</b>  (test 88.8%)"),
}
LOSS_DIGITS = 4
R2_DIGITS = 3


def status_texts(s: Snapshot, epochs: int, regression: bool) -> dict[str, str]:
    """Every field's text for one snapshot; `epochs`: the run's budget."""
    score_name = "R²" if regression or "train_r2" in s.metrics else "accuracy"
    score_key = "r2" if score_name == "R²" else "accuracy"
    color = STATE_COLORS.get(s.state, STATE_COLORS["idle"])
    train_loss = s.metrics.get("train_loss", s.batch_loss)
    score_text = percent if score_key == "accuracy" else partial(significant, digits=R2_DIGITS)
    return {
        "state": f"<b style='color:{color}'>● {s.state}</b>",
        "epoch": f"epoch <b>{s.epoch}</b> / {epochs}",
        "step": f"step <b>{s.step}</b>",
        "speed": f"{s.steps_per_s:,.{1 if 0 < s.steps_per_s < 10 else 0}f} steps/s",
        "loss": "loss "
        + _pair(train_loss, s.metrics.get("test_loss"), partial(significant, digits=LOSS_DIGITS)),
        "score": f"{score_name} "
        + _pair(
            s.metrics.get(f"train_{score_key}"), s.metrics.get(f"test_{score_key}"), score_text
        ),
    }


def _pair(train: float | None, test: float | None, fmt: Callable[[float], str]) -> str:
    """'<b>train</b>  (test …)' with NaN and missing values shown as '–'."""

    def show(value: float | None) -> str:
        return fmt(value) if value is not None else "–"

    text = f"<b>{show(train)}</b>"
    if test is not None and math.isfinite(test):
        text += f"  (test {show(test)})"
    return text


class StatusFields:
    """The labels, added to a status bar as permanent widgets; `labels` by field name."""

    def __init__(self, bar: QStatusBar) -> None:
        bar.setSizeGripEnabled(False)
        self.labels: dict[str, QLabel] = {}
        for name, (width, sample) in FIELDS.items():
            label = QLabel(sample)
            self.labels[name] = label
            bar.addPermanentWidget(label)
            label.ensurePolished()  # measured in the font the window's style gives it
            hint = label.sizeHint()
            label.setFixedSize(max(width, hint.width() + SLACK), hint.height())
            label.clear()

    def show(self, snapshot: Snapshot, epochs: int, regression: bool) -> None:
        for name, text in status_texts(snapshot, epochs, regression).items():
            self.set_text(name, text)

    def set_text(self, name: str, text: str) -> None:
        """A field's new text (only if it changed), its field widened if the text needs it."""
        label = self.labels[name]
        if label.text() == text:
            return
        label.setText(text)
        needed = label.sizeHint().width()
        if needed > label.width():
            label.setFixedWidth(needed + SLACK)
