"""The value table of the selected tensor, with axis choosers and index boxes for N-D tensors."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from explorer.core.checkpoint import display_name
from explorer.core.tensor import LazyTensor
from explorer.ui.array_table_model import ArrayTableModel
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR

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
        self._indices: list[int] = []
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._show_array)
        self._jobs.sig_failed.connect(self._on_failed)

        self.model = ArrayTableModel(self)
        self.model.sig_read_failed.connect(self._on_read_failed)
        self.table = QTableView()
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

        self.row_axis_box = QComboBox()
        self.column_axis_box = QComboBox()
        self.row_axis_box.activated.connect(self._on_row_axis_chosen)
        self.column_axis_box.activated.connect(self._on_column_axis_chosen)
        self.index_boxes: dict[int, QSpinBox] = {}
        self._index_layout = QHBoxLayout()
        self._axes_bar = QWidget()
        bar = QHBoxLayout(self._axes_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Rows:"))
        bar.addWidget(self.row_axis_box)
        bar.addWidget(QLabel("Columns:"))
        bar.addWidget(self.column_axis_box)
        bar.addLayout(self._index_layout)
        bar.addStretch(1)
        self.size_note = QLabel()

        layout = QVBoxLayout(self)
        layout.addWidget(self._axes_bar)
        layout.addWidget(JobProgress(self._jobs))
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.size_note)
        self.show_tensor(None, "Select a variable to see its values.")

    def show_tensor(self, tensor: LazyTensor | None, message: str = "") -> None:
        """Show the values of `tensor`, or `message` when there is none."""
        self._jobs.cancel()
        self.model.set_array(None)
        self._set_axes_bar(() if tensor is None else tensor.shape)
        self.size_note.clear()
        if tensor is None:
            self._show_message(message)
        elif tensor.dtype.kind == "O":
            self._show_message(f"Indexing the strings of {display_name(tensor.name)}…")
            self._jobs.start(index_strings, tensor)
        else:
            self._show_array(tensor)

    def set_axes(self, row_axis: int, column_axis: int) -> None:
        """Show `row_axis` down and `column_axis` across (they must differ)."""
        self.row_axis_box.setCurrentIndex(row_axis)
        self.column_axis_box.setCurrentIndex(column_axis)
        self._apply_slice()

    def set_index(self, axis: int, index: int) -> None:
        """Fix a non-displayed `axis` at `index`."""
        self.index_boxes[axis].setValue(index)

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

    def _set_axes_bar(self, shape: tuple[int, ...]) -> None:
        self._shape = tuple(shape)
        self._indices = [0] * len(shape)
        for box in (self.row_axis_box, self.column_axis_box):
            box.clear()
            box.addItems([f"axis {axis} ({dim})" for axis, dim in enumerate(shape)])
        if len(shape) >= 2:
            self.row_axis_box.setCurrentIndex(len(shape) - 2)
            self.column_axis_box.setCurrentIndex(len(shape) - 1)
        self._axes_bar.setVisible(len(shape) >= 2)

    def _on_row_axis_chosen(self, axis: int) -> None:
        self._keep_distinct(self.column_axis_box, axis)

    def _on_column_axis_chosen(self, axis: int) -> None:
        self._keep_distinct(self.row_axis_box, axis)

    def _keep_distinct(self, other: QComboBox, chosen: int) -> None:
        """Choosing the axis the other box shows swaps them."""
        rows, columns = self.model.axes()
        if other.currentIndex() == chosen:
            other.setCurrentIndex(columns if other is self.row_axis_box else rows)
        self._apply_slice()

    def _apply_slice(self) -> None:
        if len(self._shape) >= 2:
            rows, columns = self.row_axis_box.currentIndex(), self.column_axis_box.currentIndex()
            self._rebuild_index_boxes(rows, columns)
            self.model.set_slice(rows, columns, self._indices)
        self._fit_columns()
        self._update_size_note()

    def _rebuild_index_boxes(self, rows: int, columns: int) -> None:
        fixed = [axis for axis in range(len(self._shape)) if axis not in (rows, columns)]
        if list(self.index_boxes) == fixed:
            return
        while self._index_layout.count():
            item = self._index_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.index_boxes = {}
        for axis in fixed:
            box = QSpinBox()
            box.setKeyboardTracking(False)  # one re-slice per committed index, not per keystroke
            box.setRange(0, min(max(self._shape[axis] - 1, 0), 2**31 - 1))  # QSpinBox is int32
            box.setValue(self._indices[axis])
            box.setPrefix(f"axis {axis} = ")
            box.valueChanged.connect(lambda value, axis=axis: self._on_index_changed(axis, value))
            self._index_layout.addWidget(box)
            self.index_boxes[axis] = box

    def _on_index_changed(self, axis: int, value: int) -> None:
        self._indices[axis] = value
        self.model.set_slice(*self.model.axes(), self._indices)

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
