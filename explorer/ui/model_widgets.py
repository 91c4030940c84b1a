"""The Model tab's two simple parts: the bar of run actions and the page of one message."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from explorer.ui.plot_style import PROBLEM, colour_text


class RunBar(QWidget):
    """Run (Ctrl+R), Cancel, Copy as Python, a busy bar and a one-line status."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.run_button = QPushButton("▶ &Run")
        self.run_button.setToolTip("Run the model on these inputs (Ctrl+R)")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Stop the run; a run under way stops its engine process")
        self.copy_button = QPushButton("Copy as &Python")
        self.copy_button.setToolTip("A standalone TensorFlow script that runs the same inputs")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setObjectName("modelStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.run_button, self.cancel_button, self.copy_button, self.busy):
            layout.addWidget(widget)
        layout.addWidget(self.status_label, 1)

    def set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        colour_text(self.status_label, PROBLEM if error else None)


class MessagePage(QWidget):
    """One sentence in the middle of the tab (no model, loading, failed), with Try again."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message_label = QLabel()
        self.message_label.setObjectName("modelMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setMargin(24)
        self.retry_button = QPushButton("Try &again")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_message(self, text: str, retry: bool) -> None:
        self.message_label.setText(text)
        self.retry_button.setVisible(retry)
