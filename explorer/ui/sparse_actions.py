"""The sparse pane's actions: rebuild the tensor with TensorFlow, or copy Python that does.

TensorFlow runs in a child process behind explorer.engine.rebuild_client; a background job
waits for its report, and Cancel kills the child.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import CheckpointError
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_snippet import python_snippet
from explorer.engine.rebuild_client import RebuildProcess
from explorer.engine.rebuild_report import RebuildReport
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO, WARNING
from explorer.ui.sparse_text import WARNING_MARK

OK_MARK = "✓"


def run_rebuild(process: RebuildProcess) -> RebuildReport:
    """Start the TensorFlow child and wait for its report; runs in a background job."""
    process.start()
    return process.wait()


class SparseActions(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._prefix = ""
        self._sparse: SparseTensor | None = None
        self._process: RebuildProcess | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_rebuilt)
        self._jobs.sig_failed.connect(self._on_failed)

        self.rebuild_button = QPushButton("Rebuild with TensorFlow")
        self.rebuild_button.setToolTip(
            "Restore the three variables and build a tf.sparse.SparseTensor from them in a "
            "separate TensorFlow process."
        )
        self.rebuild_button.clicked.connect(self.rebuild)
        self.reorder_box = QCheckBox("reorder")
        self.reorder_box.setToolTip("Apply tf.sparse.reorder (sorts the entries row-major).")
        self.copy_button = QPushButton("Copy as Python")
        self.copy_button.setToolTip("Copy Python that loads this sparse tensor with TensorFlow.")
        self.copy_button.clicked.connect(self.copy_python)
        self.progress = JobProgress(self._jobs)
        self.progress.sig_cancel_clicked.connect(self._on_cancelled)
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages.setVisible(False)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.rebuild_button)
        buttons.addWidget(self.reorder_box)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.messages)
        # Never squeezed by the plots below: TensorFlow's findings must be readable in full.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def set_target(self, prefix: str, sparse: SparseTensor | None) -> None:
        """Act on `sparse` of the checkpoint at `prefix`; a new target cancels a rebuild."""
        if sparse is None or self._sparse is None or sparse.indices != self._sparse.indices:
            self._stop()
            self._show_messages([])
        self._prefix, self._sparse = prefix, sparse
        for button in (self.rebuild_button, self.copy_button):
            button.setEnabled(sparse is not None)

    def rebuild(self) -> None:
        if self._sparse is None:
            return
        self._stop()
        self._show_messages([f"Rebuilding {self._sparse.name} with TensorFlow…"])
        self._process = RebuildProcess(self._prefix, self._sparse, self.reorder_box.isChecked())
        self._jobs.start(run_rebuild, self._process)

    def copy_python(self) -> None:
        """Put Python that loads and rebuilds the tensor on the clipboard."""
        if self._sparse is None:
            return
        snippet = python_snippet(self._prefix, self._sparse, self.reorder_box.isChecked())
        QGuiApplication.clipboard().setText(snippet)
        self.sig_log.emit(INFO, f"Copied Python that rebuilds {self._sparse.name}.")

    def message_lines(self) -> list[str]:
        """The lines on display below the buttons."""
        text = self.messages.text()
        return text.splitlines() if text else []

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._stop()

    def _stop(self) -> None:
        """Cancel the rebuild job and kill its TensorFlow child, if one runs."""
        self._jobs.cancel()
        if self._process is not None:
            self._process.kill()
            self._process = None

    def _show_messages(self, lines: list[str]) -> None:
        self.messages.setText("\n".join(lines))
        self.messages.setVisible(bool(lines))

    def _on_rebuilt(self, report: RebuildReport) -> None:
        assert self._sparse is not None
        self._process = None
        verdict = "rebuilt" if report.ok else "could not be rebuilt"
        mark = OK_MARK if report.ok else WARNING_MARK
        lines = [f"{mark} {self._sparse.name} {verdict} by TensorFlow.", *report.messages]
        self._show_messages(lines)
        self.sig_log.emit(INFO if report.ok else WARNING, "\n".join(lines))

    def _on_cancelled(self) -> None:
        self._stop()
        self._show_messages(["Rebuild cancelled."])
        self.sig_log.emit(INFO, "Rebuild cancelled.")

    def _on_failed(self, failure: JobFailure) -> None:
        self._process = None
        if isinstance(failure.error, CheckpointError):  # one sentence from the rebuild client
            message = str(failure.error)
            self.sig_log.emit(ERROR, message)
        else:
            message = f"The rebuild failed: {failure.error}"
            self.sig_log.emit(ERROR, f"{message}\n{failure.traceback}")
        self._show_messages([f"{WARNING_MARK} {message}"])
