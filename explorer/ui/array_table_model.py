"""A table over a 2-D slice of an N-D tensor that reads only the blocks being drawn.

Like silx's ArrayTableModel it shows two chosen axes of an N-D array with the other axes
fixed at an index; like Spyder's arrayeditor it grows its rows and columns a page at a time,
so a 2,000,000-row embedding never makes 2,000,000 rows at once. Values are read in blocks
through basic slicing of a LazyTensor (a few KB from a memory map) and a few blocks cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)

from explorer.core.errors import CheckpointError
from explorer.ui.formatting import MAX_CELL_CHARS, value_text
from explorer.ui.paged_rows_model import AnyIndex, PagedRowsModel

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
"""data() role returning the element itself as a Python value."""

COLUMN_PAGE = 200
BLOCK_ROWS = 256
BLOCK_COLUMNS = 64
CACHED_BLOCKS = 16
TOOLTIP_CHARS = 2000


class Sliceable(Protocol):
    """A LazyTensor, or an ndarray already in memory (decoded strings)."""

    shape: tuple[int, ...]
    dtype: np.dtype

    def __getitem__(self, key: object) -> np.ndarray: ...


class ArrayTableModel(PagedRowsModel):
    """Pages rows as PagedRowsModel does, and columns (fetch_more_columns) the same way."""

    sig_read_failed = Signal(str)
    """One sentence saying why values could not be read."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._array: Sliceable | None = None
        self._row_axis = 0
        self._column_axis = 1
        self._indices: tuple[int, ...] = ()
        self._blocks: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._total = (0, 0)
        self._loaded_columns = 0  # the columns the view has been given so far
        self._failed = False

    # -- what is shown ---------------------------------------------------------------------

    def set_array(self, array: Sliceable | None) -> None:
        """Show `array`: its last two axes as rows and columns, the others at index 0."""
        ndim = 0 if array is None else len(array.shape)
        self._set(array, max(ndim - 2, 0), max(ndim - 1, 0), (0,) * ndim)

    def set_slice(self, row_axis: int, column_axis: int, indices: Sequence[int]) -> None:
        """Show axes `row_axis` x `column_axis`; `indices[axis]` fixes every other axis."""
        self._set(self._array, row_axis, column_axis, tuple(indices))

    def array(self) -> Sliceable | None:
        return self._array

    def axes(self) -> tuple[int, int]:
        return self._row_axis, self._column_axis

    def indices(self) -> tuple[int, ...]:
        return self._indices

    def _set(self, array: Sliceable | None, rows: int, columns: int, indices: tuple) -> None:
        self.beginResetModel()
        self._array, self._row_axis, self._column_axis = array, rows, columns
        self._indices = indices
        self._blocks.clear()
        self._failed = False
        shape = () if array is None else tuple(array.shape)
        if array is None:
            self._total = (0, 0)
        elif len(shape) == 0:
            self._total = (1, 1)
        elif len(shape) == 1:
            self._total = (shape[0], 1)
        elif any(shape[axis] == 0 for axis in range(len(shape)) if axis not in (rows, columns)):
            self._total = (0, 0)  # a fixed axis of length 0 leaves nothing to index
        else:
            self._total = (shape[rows], shape[columns])
        self._reset_loaded()
        self._loaded_columns = min(self._total[1], COLUMN_PAGE)
        self.endResetModel()

    def total_shape(self) -> tuple[int, int]:
        """Rows and columns of the whole slice, loaded or not."""
        return self._total

    # -- paging -------------------------------------------------------------------------------

    def total_rows(self) -> int:
        return self._total[0]

    def can_fetch_more_columns(self) -> bool:
        return self._loaded_columns < self._total[1]

    def fetch_more_columns(self) -> None:
        """Views call this when scrolled to the right edge (Qt pages only rows by itself)."""
        if not self.can_fetch_more_columns():
            return
        columns = self._loaded_columns
        more = min(self._total[1], columns + COLUMN_PAGE)
        self.beginInsertColumns(QModelIndex(), columns, more - 1)
        self._loaded_columns = more
        self.endInsertColumns()

    # -- the Qt model -------------------------------------------------------------------------

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded_columns

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        if role == Qt.ItemDataRole.ToolTipRole and self._array is not None:
            axis = self._row_axis if orientation == Qt.Orientation.Vertical else self._column_axis
            return f"index {section} of axis {axis}"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._array is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._array.dtype.kind == "O":
                return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, VALUE_ROLE):
            return None
        value = self._value(index.row(), index.column())
        if value is None:
            return None
        if role == VALUE_ROLE:
            # The numpy scalar itself: Qt carries it untouched, while a Python int above
            # 2**63 (uint64) would overflow Qt's 64-bit signed integer.
            return value
        tooltip = role == Qt.ItemDataRole.ToolTipRole
        return value_text(value, TOOLTIP_CHARS if tooltip else MAX_CELL_CHARS)

    # -- reading ------------------------------------------------------------------------------

    def _value(self, row: int, column: int) -> object:
        key = (row // BLOCK_ROWS, column // BLOCK_COLUMNS)
        block = self._blocks.get(key)
        if block is None:
            block = self._read_block(*key)
            if block is None:
                return None
            self._blocks[key] = block
            while len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(key)
        return block[row % BLOCK_ROWS, column % BLOCK_COLUMNS]

    def _read_block(self, block_row: int, block_column: int) -> np.ndarray | None:
        if self._failed:
            return None
        assert self._array is not None
        rows = slice(block_row * BLOCK_ROWS, min(self._total[0], (block_row + 1) * BLOCK_ROWS))
        columns = slice(
            block_column * BLOCK_COLUMNS, min(self._total[1], (block_column + 1) * BLOCK_COLUMNS)
        )
        ndim = len(self._array.shape)
        try:
            if ndim == 0:
                return np.asarray(self._array[...]).reshape(1, 1)
            if ndim == 1:
                return np.asarray(self._array[rows]).reshape(-1, 1)
            key: list[object] = list(self._indices)
            key[self._row_axis], key[self._column_axis] = rows, columns
            block = np.asarray(self._array[tuple(key)])
        except (CheckpointError, OSError) as exc:
            self._failed = True  # say it once, not once per cell
            self.sig_read_failed.emit(str(exc))
            return None
        # Indexing keeps the two free axes in their original order.
        return block.T if self._row_axis > self._column_axis else block
