"""The entries of a sparse tensor as a table: one row per entry, its index and its value.

Rows grow a page at a time (canFetchMore/fetchMore) and are read in blocks straight from the
indices and values tensors, so a tensor of millions of entries opens at once.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication

from explorer.core.errors import CheckpointError
from explorer.core.tensor import LazyTensor
from explorer.ui.array_table_model import VALUE_ROLE
from explorer.ui.formatting import MAX_CELL_CHARS, value_text
from explorer.ui.paged_rows_model import AnyIndex, PagedRowsModel
from explorer.ui.plot_style import PROBLEM_ON_DARK, is_dark

BLOCK_ROWS = 512
CACHED_BLOCKS = 16
OUTSIDE_COLOUR = QColor(200, 30, 30)
"""Index cells outside the dense shape (on a dark palette, PROBLEM_ON_DARK)."""


class CooTableModel(PagedRowsModel):
    sig_read_failed = Signal(str)
    """One sentence saying why entries could not be read."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._indices: LazyTensor | None = None
        self._values: LazyTensor | None = None
        self._shape: tuple[int, ...] | None = None
        self._rank = 0
        self._total = 0
        self._blocks: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._failed = False

    def set_entries(self, indices: LazyTensor | None, values: LazyTensor | None) -> None:
        """Show indices [N, rank] beside values [N]."""
        self.beginResetModel()
        self._indices, self._values, self._shape = indices, values, None
        self._rank = indices.shape[1] if indices is not None else 0
        lengths = [t.shape[0] for t in (indices, values) if t is not None]
        self._total = max(lengths, default=0)
        self._reset_loaded()
        self._blocks.clear()
        self._failed = False
        self.endResetModel()

    def set_shape(self, shape: tuple[int, ...]) -> None:
        """Mark indices outside `shape` (known once the dense shape has been read)."""
        self._shape = shape
        if self._loaded:
            last = self.index(self._loaded - 1, self.columnCount() - 1)
            roles = [Qt.ItemDataRole.ForegroundRole]
            self.dataChanged.emit(self.index(0, 0), last, roles)

    def total_rows(self) -> int:
        return self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._indices is None else self._rank + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section)
        if section == self._rank:
            return "value"
        if self._rank == 2:
            return ("row", "column")[section]
        return f"index {section}"

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._indices is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, VALUE_ROLE):
            return None
        value = self._cell(index.row(), index.column())
        if value is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            column = index.column()
            outside = (
                self._shape is not None
                and column < self._rank
                and column < len(self._shape)
                and not 0 <= int(value) < self._shape[column]
            )
            if not outside:
                return None
            return PROBLEM_ON_DARK if is_dark(QGuiApplication.palette()) else OUTSIDE_COLOUR
        return value if role == VALUE_ROLE else value_text(value, MAX_CELL_CHARS)

    def _cell(self, row: int, column: int) -> object:
        block = self._block(row // BLOCK_ROWS)
        if block is None:
            return None
        indices, values = block
        offset = row % BLOCK_ROWS
        if column < self._rank:
            return indices[offset, column] if offset < len(indices) else None
        return values[offset] if offset < len(values) else None

    def _block(self, number: int) -> tuple[np.ndarray, np.ndarray] | None:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        if self._failed:
            return None
        rows = slice(number * BLOCK_ROWS, (number + 1) * BLOCK_ROWS)
        try:
            block = tuple(  # type: ignore[assignment]
                t[rows] if t is not None else np.zeros(0) for t in (self._indices, self._values)
            )
        except (CheckpointError, OSError) as exc:
            self._failed = True  # say it once, not once per cell
            self.sig_read_failed.emit(str(exc))
            return None
        self._blocks[number] = block
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block
