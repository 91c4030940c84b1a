"""Exports running in the background: a status line, a progress bar and Cancel.

The writing itself is explorer.core.export's generators, run by a JobSlot off the GUI thread.
A cancelled export removes its unfinished file at once (the generator, left at its next
yield, also removes its own when it is closed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from explorer.core.errors import CheckpointError
from explorer.core.export import ExportError, ExportResult, Progress, partial_files
from explorer.ui.formatting import count_text
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO


def remove_partial_files(target: Path) -> None:
    for path in partial_files(target):
        with contextlib.suppress(OSError):  # its own job may have removed it meanwhile
            path.unlink()


class ExportBar(QWidget):
    """One export at a time; starting another cancels the one running."""

    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._what = ""
        self._target: Path | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_done)
        self._jobs.sig_failed.connect(self._on_failed)
        self.status = QLabel()
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText("✕")
        self.dismiss_button.setToolTip("Hide this message")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.clicked.connect(self.hide)
        self.progress = JobProgress(self._jobs)
        self.progress.sig_cancel_clicked.connect(self._on_cancelled)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.status, 1)
        line.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(line)
        layout.addWidget(self.progress)
        self.setVisible(False)

    def start(self, what: str, target: Path, job: Callable[..., Progress], *args: object) -> None:
        """Run `job(*args)`, an export of `what` (a phrase) to `target`."""
        self._abandon()
        self._what, self._target = what, target
        self.show_message(f"Exporting {what} to {target}…")
        self.dismiss_button.setVisible(False)
        self._jobs.start(job, *args)

    def status_text(self) -> str:
        """The sentence on display ("" when hidden)."""
        return "" if self.isHidden() else self.status.text()

    def is_running(self) -> bool:
        return self._jobs.is_running()

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def cancel(self) -> None:
        """What the Cancel button does."""
        self.progress.cancel_button.click()

    def shutdown(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        if self._jobs.cancel() and self._target is not None:
            remove_partial_files(self._target)

    def show_message(self, text: str) -> None:
        """Show one sentence (an outcome or an error) until the next one or until dismissed."""
        self.status.setText(text)
        self.dismiss_button.setVisible(True)
        self.setVisible(True)

    def _on_cancelled(self) -> None:
        if self._target is not None:
            remove_partial_files(self._target)
        self.show_message(
            f"The export of {self._what} was cancelled; {self._target} was not written."
        )
        self.sig_log.emit(INFO, self.status.text())

    def _on_done(self, result: ExportResult) -> None:
        what = count_text(result.elements, "value")
        text = f"Wrote {self._what} ({what}) to {result.path}."
        self.show_message(f"{text} {result.note}".strip())
        self.sig_log.emit(INFO, self.status.text())

    def _on_failed(self, failure: JobFailure) -> None:
        if isinstance(failure.error, ExportError | CheckpointError):  # already one sentence
            self.show_message(str(failure.error))
            self.sig_log.emit(ERROR, self.status.text())
        else:
            detail = str(failure.error).rstrip(".") or type(failure.error).__name__
            self.show_message(f"Exporting {self._what} failed: {detail} (the log has details).")
            self.sig_log.emit(ERROR, f"{self.status.text()}\n{failure.traceback}")
