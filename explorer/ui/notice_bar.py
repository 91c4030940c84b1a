"""A slim, non-modal bar above a tab's content: one sentence, one action, and Dismiss."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

TINT = 0.18
"""How much of the highlight colour the bar's background takes (the rest is the base colour)."""


def _mix(base: QColor, tint: QColor, amount: float) -> QColor:
    return QColor.fromRgbF(
        *(b + (t - b) * amount for b, t in zip(base.getRgbF()[:3], tint.getRgbF()[:3], strict=True))
    )


class NoticeBar(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.action_button = QPushButton()
        self.action_button.clicked.connect(self._on_action)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.dismiss_button)
        self._action: Callable[[], None] | None = None
        self._restyle()
        self.hide()

    def show_notice(
        self, text: str, action_text: str = "", action: Callable[[], None] | None = None
    ) -> None:
        """Show `text`, with a button `action_text` that hides the bar and calls `action`."""
        self.label.setText(text)
        self._action = action
        self.action_button.setText(action_text)
        self.action_button.setVisible(action is not None)
        self.show()

    def text(self) -> str:
        """The sentence on display, or "" when the bar is hidden."""
        return self.label.text() if not self.isHidden() else ""

    def _on_action(self) -> None:
        self.hide()
        if self._action is not None:
            self._action()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # follow a switch to a dark palette
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        # The application's palette: our own is changed by the style sheet set here.
        palette = QGuiApplication.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        background = _mix(palette.color(QPalette.ColorRole.Base), highlight, TINT)
        sheet = (
            f"QFrame#noticeBar {{ background: {background.name()}; "
            f"border: 1px solid {highlight.name()}; border-radius: 3px; }}"
        )
        if sheet != self.styleSheet():  # a style sheet change is itself a palette change
            self.setStyleSheet(sheet)
