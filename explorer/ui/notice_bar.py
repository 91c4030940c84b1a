"""A slim, non-modal bar above a tab's content: one sentence, one action, and Dismiss."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from explorer.ui.plot_style import mix

TINT = 0.18
"""How much of the highlight colour the bar's background takes (the rest is the base colour)."""


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

    def paintEvent(self, event: QPaintEvent) -> None:
        # Painted from the palette of the moment rather than set as a style sheet: a style
        # sheet would fix the bar's palette, and it would then miss a switch to a dark one.
        palette = self.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(highlight)
        painter.setBrush(mix(palette.color(QPalette.ColorRole.Base), highlight, TINT))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.end()
