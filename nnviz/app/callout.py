"""A lesson's callout: a frame around the real widget and a card beside it with the step's text.

Both are children of the target's window laid over it. The frame lets every mouse event through,
so the widget it points at stays usable; the card takes the side the lesson asks for, moved
inside the window when there is no room, and follows the target when the window changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.style import ACCENT

CARD_WIDTH = 360
GAP = 12  # between the target and the card
FRAME_WIDTH = 3
MARGIN = 8  # the card keeps this far from the window's edges

CARD_STYLE = """
QFrame#lessonCard { background: #ffffff; border: 2px solid #0877bd; border-radius: 8px; }
QFrame#lessonCard QLabel { color: #33383e; }
QLabel#lessonProgress { color: #5b6470; }
QLabel#lessonTask { background: #eaf3fb; border-radius: 4px; padding: 6px; }
QLabel#lessonTask[done="true"] { background: #e3f4e8; color: #1a5c2e; }
"""


class Frame(QWidget):
    """A coloured rectangle around the target; transparent to the mouse."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(ACCENT)
        painter.setPen(QPen(color, FRAME_WIDTH))
        inset = FRAME_WIDTH // 2 + 1
        painter.drawRoundedRect(self.rect().adjusted(inset, inset, -inset, -inset), 6, 6)


class Card(QFrame):
    """The step's text, what to try and whether it is done, and Back / Next / Leave."""

    back = Signal()
    next = Signal()
    leave = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lessonCard")
        self.setStyleSheet(CARD_STYLE)
        self.setFixedWidth(CARD_WIDTH)
        self.progress = QLabel()
        self.progress.setObjectName("lessonProgress")
        self.progress.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Leave the lesson (Help › Lessons resumes it here)")
        close.clicked.connect(self.leave)
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.task = QLabel()
        self.task.setObjectName("lessonTask")
        self.task.setWordWrap(True)
        self.back_button = QPushButton("Back")
        self.next_button = QPushButton("Next")
        self.next_button.setDefault(True)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 12)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.task)
        layout.addLayout(buttons)

    def set_task(self, task: str | None, done: bool) -> None:
        self.task.setVisible(task is not None)
        if task is None:
            return
        self.task.setText(("✓ Done: " if done else "Try it: ") + task)
        if self.task.property("done") != done:
            self.task.setProperty("done", done)
            self.task.style().unpolish(self.task)
            self.task.style().polish(self.task)


def card_position(target: QRect, card: QRect, window: QRect, placement: str) -> QPoint:
    """Where the card goes: beside `target` on the `placement` side, else on the side with
    the most room, always inside `window` (all rectangles in the window's coordinates)."""
    w, h = card.width(), card.height()
    spots = {
        "right": QPoint(target.right() + GAP, target.top()),
        "left": QPoint(target.left() - GAP - w, target.top()),
        "bottom": QPoint(target.left(), target.bottom() + GAP),
        "top": QPoint(target.left(), target.top() - GAP - h),
        "over": QPoint(target.right() - w - GAP, target.top() + GAP),
    }
    room = {
        "right": window.right() - target.right() - GAP,
        "left": target.left() - window.left() - GAP,
        "bottom": window.bottom() - target.bottom() - GAP,
        "top": target.top() - window.top() - GAP,
    }
    needed = {"right": w, "left": w, "bottom": h, "top": h}
    side = placement
    if side != "over" and room[side] < needed[side]:
        fitting = [s for s in room if room[s] >= needed[s]]
        side = max(fitting, key=lambda s: room[s]) if fitting else "over"
    spot = spots[side]
    x = min(max(spot.x(), window.left() + MARGIN), window.right() - w - MARGIN)
    y = min(max(spot.y(), window.top() + MARGIN), window.bottom() - h - MARGIN)
    return QPoint(x, y)


def _shown_rect(widget: QWidget, window: QWidget) -> QRect:
    """`widget`'s rectangle in `window`, cut to what its parents show (a panel scrolled
    part-way shows only its top)."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect &= QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        parent = parent.parentWidget()
    return rect if not rect.isEmpty() else QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


class Callout(QObject):
    """The frame and the card for one target at a time; `point_at` moves them. The card's
    buttons call `on_back`, `on_next` and `on_leave`."""

    def __init__(self, on_back, on_next, on_leave, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._slots = (on_back, on_next, on_leave)
        self.target: QWidget | None = None
        self.placement = "right"
        self.frame: Frame | None = None
        self.card: Card | None = None

    def point_at(self, target: QWidget, placement: str) -> Card:
        """Frame `target` and put the card beside it (both move to the target's window)."""
        window = QWidget.window(target)  # some widgets keep their main window as `window`
        if self.card is None or self.card.parentWidget() is not window:
            self._make(window)
        if self.target is not None and self.target is not target:
            self.target.removeEventFilter(self)
        self.target, self.placement = target, placement
        target.installEventFilter(self)
        self.frame.show()
        self.card.show()
        self.place()
        return self.card

    def hide(self) -> None:
        for widget in (self.frame, self.card):
            if widget is not None:
                widget.hide()
        if self.target is not None:
            self.target.removeEventFilter(self)
            self.target = None

    def place(self) -> None:
        """Follow the target (after a resize, a dock moved, a panel shown)."""
        if self.target is None or self.card is None:
            return
        window = self.card.parentWidget()
        rect = _shown_rect(self.target, window)
        self.frame.setVisible(self.target.isVisible())
        self.frame.setGeometry(rect.adjusted(-FRAME_WIDTH, -FRAME_WIDTH, FRAME_WIDTH, FRAME_WIDTH))
        self.card.adjustSize()
        self.card.move(card_position(rect, self.card.rect(), window.rect(), self.placement))
        self.frame.raise_()
        self.card.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show):
            self.place()
        return False

    def _make(self, window: QWidget) -> None:
        """A new frame and card on `window` (the old ones, on another window, go)."""
        for old in (self.frame, self.card):
            if old is not None:
                old.parentWidget().removeEventFilter(self)
                old.deleteLater()
        self.frame = Frame(window)
        self.card = Card(window)
        on_back, on_next, on_leave = self._slots
        self.card.back.connect(on_back)
        self.card.next.connect(on_next)
        self.card.leave.connect(on_leave)
        window.installEventFilter(self)
