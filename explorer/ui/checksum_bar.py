"""Checking a variable's crc32c checksums on demand, in a background job."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from explorer.core.bundle import BundleReader
from explorer.core.checkpoint import display_name
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO

MATCH = "The checksum matches: the stored bytes are intact."


class ChecksumBar(QWidget):
    """A "Verify checksum" button, its progress and Cancel, and the verdict."""

    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._reader: BundleReader | None = None
        self._name = ""
        self._slot = JobSlot(self)
        self._slot.sig_done.connect(self._on_done)
        self._slot.sig_failed.connect(self._on_failed)
        self.button = QPushButton("Verify checksum")
        self.button.setToolTip("Read the variable's bytes and compare their crc32c with the index")
        self.button.clicked.connect(self.verify)
        self.progress = JobProgress(self._slot)
        self.progress.sig_cancel_clicked.connect(lambda: self.verdict.setText("Cancelled."))
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.verdict, 2)

    def show_variable(self, reader: BundleReader | None, name: str = "") -> None:
        """Offer the check for `name` of `reader` (None hides it); any running check stops."""
        self._slot.cancel()
        self._reader, self._name = reader, name
        self.verdict.clear()
        self.setVisible(reader is not None)

    def verify(self) -> None:
        if self._reader is None:
            return
        self.verdict.setText("Checking…")
        self._slot.start(self._reader.iter_verify, self._name)

    def has_pending(self) -> bool:
        return self._slot.has_pending()

    def shutdown(self) -> None:
        self._slot.cancel()

    def _on_done(self, _result: object) -> None:
        self.verdict.setText(MATCH)
        self.sig_log.emit(INFO, f"Checksum of '{display_name(self._name)}' matches.")

    def _on_failed(self, failure: JobFailure) -> None:
        self.verdict.setText(f"⚠ {failure.error}")
        self.sig_log.emit(ERROR, str(failure.error))
