"""The value table of the selected tensor, with an axis chooser for 2-D and N-D tensors.

Ctrl+C copies the selected cells as tab-separated text (see table_copy).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.checkpoint import display_name
from explorer.core.tensor import LazyTensor
from explorer.ui.array_table_model import ArrayTableModel
from explorer.ui.axis_chooser import AxisChooser
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR
from explorer.ui.table_copy import CopyableTable

MAX_FITTED_COLUMNS = 50
MAX_COLUMN_WIDTH = 400


def index_strings(tensor: LazyTensor) -> LazyTensor:
    """Find where every string of the tensor starts (one pass); pages then read only theirs."""
    tensor.prepare()
    return tensor


class ValueTablePanel(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._shape: tuple[int, ...] = ()
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._show_array)
        self._jobs.sig_failed.connect(self._on_failed)

        self.model = ArrayTableModel(self)
        self.model.sig_read_failed.connect(self._on_read_failed)
        self.table = CopyableTable()  # Ctrl+C copies the selected cells
        self.table.setObjectName("valueTable")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalScrollBar().valueChanged.connect(self._on_scrolled_right)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setMargin(12)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.message)

        self.axes_bar = AxisChooser(shown_from_rank=2)  # a matrix may be transposed
        self.axes_bar.sig_changed.connect(self._on_axes_changed)
        self.size_note = QLabel()

        layout = QVBoxLayout(self)
        layout.addWidget(self.axes_bar)
        layout.addWidget(JobProgress(self._jobs))
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.size_note)
        self.show_tensor(None, "Select a variable to see its values.")

    def show_tensor(self, tensor: LazyTensor | None, message: str = "") -> None:
        """Show the values of `tensor`, or `message` when there is none."""
        self._jobs.cancel()
        self.model.set_array(None)
        self._shape = () if tensor is None else tuple(tensor.shape)
        self.axes_bar.set_shape(self._shape)
        self.size_note.clear()
        if tensor is None:
            self._show_message(message)
        elif tensor.dtype.kind == "O":
            self._show_message(f"Indexing the strings of {display_name(tensor.name)}…")
            self._jobs.start(index_strings, tensor)
        else:
            self._show_array(tensor)

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._jobs.cancel()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def _show_array(self, array: LazyTensor | np.ndarray) -> None:
        self.model.set_array(array)
        self._apply_slice()
        self._stack.setCurrentWidget(self.table)

    def _on_axes_changed(self) -> None:
        if self.axes_bar.axes() == self.model.axes():  # only an index moved: keep column widths
            self.model.set_slice(*self.model.axes(), self.axes_bar.indices())
        else:
            self._apply_slice()

    def _apply_slice(self) -> None:
        if len(self._shape) >= 2:
            self.model.set_slice(*self.axes_bar.axes(), self.axes_bar.indices())
        self._fit_columns()
        self._update_size_note()

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        if self.model.columnCount() <= MAX_FITTED_COLUMNS:
            self.table.resizeColumnsToContents()
            for column in range(self.model.columnCount()):
                header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))

    def _update_size_note(self) -> None:
        rows, columns = self.model.total_shape()
        self.size_note.setText(f"{rows:,} × {columns:,} values in this view.")

    def _on_scrolled_right(self, value: int) -> None:
        if value == self.table.horizontalScrollBar().maximum():
            self.model.fetch_more_columns()

    def _on_failed(self, failure: JobFailure) -> None:
        self._show_message(f"The values could not be read: {failure.error}")
        self.sig_log.emit(ERROR, f"Reading values failed.\n{failure.traceback}")

    def _on_read_failed(self, message: str) -> None:
        self._show_message(f"The values could not be read: {message}")
        self.sig_log.emit(ERROR, message)
