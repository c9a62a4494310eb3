"""Small input widgets shared by the build panel's sections.

Spin boxes and combos ignore the mouse wheel unless focused, so scrolling the panel never edits
the design by accident; `LogSpinBox` steps through 1-2-5 values, the natural ladder for
learning rates and penalties that span several orders of magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel, QValidator, QWheelEvent
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from nnviz.core.registry import Registry


class _FocusWheel:
    """Mixin: the wheel edits only a focused field; otherwise it scrolls the panel."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SpinBox(_FocusWheel, QSpinBox):
    def __init__(self, lo: int, hi: int, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(lo, hi)
        self.setToolTip(tip)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)


class DoubleSpinBox(_FocusWheel, QDoubleSpinBox):
    def __init__(
        self,
        lo: float,
        hi: float,
        step: float,
        decimals: int,
        tip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(lo, hi)
        self.setSingleStep(step)
        self.setToolTip(tip)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, value: float) -> str:
        """No trailing zeros: 0.9, not 0.9000."""
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        return text.rstrip("0").rstrip(point) if point in text else text


_LADDER = (1.0, 2.0, 5.0)
_DESCRIPTION = Qt.ItemDataRole.UserRole + 1


def ladder_step(value: float, steps: int, lo: float) -> float:
    """`value` moved `steps` rungs along 1, 2, 5, 10, 20, 50, … (from `lo` when at zero)."""
    if value <= 0:
        if steps <= 0:
            return 0.0
        value, steps = lo, steps - 1
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = value / 10**exponent
    rung = max(i for i, m in enumerate(_LADDER) if m <= mantissa * (1 + 1e-9))
    if steps < 0 and mantissa > _LADDER[rung] * (1 + 1e-9):
        steps += 1  # between rungs: the first step down lands on the rung below the value
    index = exponent * 3 + rung + steps
    return float(f"{_LADDER[index % 3] * 10.0 ** (index // 3):.12g}")


class LogSpinBox(DoubleSpinBox):
    """A positive number over many decades: arrows step 1-2-5, text shows no trailing zeros."""

    def __init__(
        self, lo: float, hi: float, tip: str, zero: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(0.0 if zero else lo, hi, lo, 8, tip, parent)
        self._lo = lo

    def stepBy(self, steps: int) -> None:
        value = ladder_step(self.value(), steps, self._lo)
        if 0 < value < self._lo:
            value = 0.0 if self.minimum() == 0 else self._lo
        self.setValue(value)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip().replace(",", ".")
        try:
            value = float(stripped)
        except ValueError:
            ok = stripped == "" or all(c in "0123456789.eE-+" for c in stripped)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class ComboBox(_FocusWheel, QComboBox):
    """A combo whose items carry a value (item data) and a description (tooltip)."""

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tip = tip
        self.setToolTip(tip)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.currentIndexChanged.connect(self._update_tip)

    def add(self, text: str, value: object, description: str = "") -> None:
        self.addItem(text, value)
        self.setItemData(self.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.setItemData(self.count() - 1, description, _DESCRIPTION)

    def fill(self, registry: Registry, names: Iterable[str] | None = None) -> None:
        for name in names if names is not None else registry.names():
            self.add(name, name, registry.description(name))

    def value(self) -> object:
        return self.currentData()

    def set_value(self, value: object) -> None:
        self.setCurrentIndex(max(0, self.findData(value)))

    def set_enabled_item(self, index: int, enabled: bool, why: str = "") -> None:
        """Grey out one choice; its tooltip says why it cannot be picked now."""
        model = self.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(index)
        item.setEnabled(enabled)
        description = item.data(_DESCRIPTION) or ""
        item.setToolTip(description if enabled else f"{description}\nNot available: {why}".strip())

    def _update_tip(self) -> None:
        description = self.currentData(_DESCRIPTION)
        self.setToolTip(f"{self._tip}\n\n{description}" if description else self._tip)
