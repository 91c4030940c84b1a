"""The read-only log pane: open notes, errors and job events, newest at the bottom."""

from __future__ import annotations

import time

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

INFO = "info"
WARNING = "warning"
ERROR = "error"
ENGINE = "engine"  # a line the engine process (TensorFlow) wrote
MAX_LINES = 5000


class LogView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)  # a long session must not grow without bound
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Open notes, errors and background jobs are logged here.")

    def log(self, level: str, text: str) -> None:
        """Append one entry; continuation lines (a traceback) are indented under it."""
        stamp = time.strftime("%H:%M:%S")
        first, *rest = text.rstrip("\n").splitlines() or [""]
        lines = [f"{stamp}  {level.upper():<7}  {first}"] + [f"{'':19}{line}" for line in rest]
        self.appendPlainText("\n".join(lines))
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
