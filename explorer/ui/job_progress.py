"""A progress bar with a Cancel button that follows one JobSlot."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from explorer.ui.jobs import JobSlot

STEPS = 1000


class JobProgress(QWidget):
    """Visible only while the slot's job runs."""

    sig_cancel_clicked = Signal()
    """The user pressed Cancel (the job has already been asked to stop)."""

    def __init__(self, slot: JobSlot, parent: QWidget | None = None):
        super().__init__(parent)
        self._slot = slot
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        slot.sig_progress.connect(self._on_progress)
        slot.sig_running.connect(self._on_running)
        self.setVisible(False)

    def _on_progress(self, fraction: float) -> None:
        self.bar.setValue(round(fraction * STEPS))

    def _on_running(self, running: bool) -> None:
        self.bar.setValue(0)
        self.setVisible(running)

    def _cancel(self) -> None:
        if self._slot.cancel():
            self.sig_cancel_clicked.emit()
