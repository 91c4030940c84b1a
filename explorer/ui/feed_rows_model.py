"""The entries of a sparse sample being edited: index columns and a value column.

The rows live in two numpy arrays (indices int64 [N, R], values [N]) so a sample of millions of
entries costs what its arrays cost; the view gets rows a page at a time (canFetchMore /
fetchMore) like the checkpoint's entries table. Cells are typed in as text and parsed into the
input's dtype; text that is not one is refused with a sentence saying why.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from explorer.core.feed_dtypes import parse_value
from explorer.ui.formatting import MAX_CELL_CHARS, value_text
from explorer.ui.paged_rows_model import ROW_PAGE, AnyIndex, PagedRowsModel
from explorer.ui.plot_style import mix

FAULT_TINT = QColor(230, 60, 60)
FAULT_AMOUNT = 0.3


def fault_background() -> QColor:
    """The background of cells the sample's problem is about: the table's base colour tinted
    red, pink on a light palette and dark red on a dark one, where light text stays readable."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return mix(base, FAULT_TINT, FAULT_AMOUNT)


EDIT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole)


def _default_value(dtype: np.dtype) -> object:
    if dtype.kind == "O":
        return b""
    return np.ones((), dtype=dtype)[()]


class FeedRowsModel(PagedRowsModel):
    sig_edited = Signal()
    """Rows or cells changed."""
    sig_refused = Signal(str)
    """A typed cell was not taken: one sentence saying why."""

    def __init__(self, rank: int, dtype: np.dtype, parent: QObject | None = None):
        super().__init__(parent)
        self._dtype = dtype
        self._indices = np.zeros((0, rank), dtype=np.int64)
        self._values = np.zeros(0, dtype=dtype)
        self._fault: tuple[int, str] | None = None

    # --- the sample ------------------------------------------------------------------------

    @property
    def rank(self) -> int:
        return int(self._indices.shape[1])

    def total_rows(self) -> int:
        return int(self._values.shape[0])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The indices and values as they are (not copies: do not change them)."""
        return self._indices, self._values

    def set_arrays(self, indices: np.ndarray, values: np.ndarray) -> None:
        """Show a whole sample; its dtypes are kept, and so is what is fed. The arrays are
        copied: edits must not reach into the caller's arrays."""
        self.beginResetModel()
        self._indices, self._values = np.array(indices), np.array(values)
        self._reset_loaded()
        self._fault = None
        self.endResetModel()
        self.sig_edited.emit()

    def set_rank(self, rank: int) -> None:
        """Drop or add (zero) index columns, keeping the rows."""
        if rank == self.rank:
            return
        kept = self._indices[:, :rank]
        extra = np.zeros((self.total_rows(), max(0, rank - self.rank)), dtype=self._indices.dtype)
        self._replace(np.concatenate([kept, extra], axis=1), self._values)

    def append_rows(self, indices: np.ndarray, values: np.ndarray) -> None:
        """Add rows at the end (values converted to the column's dtype by numpy)."""
        self._replace(
            np.concatenate([self._indices, indices.astype(self._indices.dtype)]),
            np.concatenate([self._values, values.astype(self._values.dtype)]),
        )

    def add_row(self) -> int:
        """Append a row after the last one (its last index one further on); return its row."""
        row = self.total_rows()
        index = np.zeros((1, self.rank), dtype=self._indices.dtype)
        if row and self.rank:
            index[0] = self._indices[-1]
            index[0, -1] += 1
        value = np.array([_default_value(self._values.dtype)], dtype=self._values.dtype)
        visible = self._loaded == row  # every row is shown: show the new one too
        if visible:
            self.beginInsertRows(QModelIndex(), row, row)
        self._indices = np.concatenate([self._indices, index])
        self._values = np.concatenate([self._values, value])
        if visible:
            self._loaded += 1
            self.endInsertRows()
        self.sig_edited.emit()
        return row

    def remove_rows(self, rows: list[int]) -> None:
        if rows:
            self._replace(np.delete(self._indices, rows, axis=0), np.delete(self._values, rows))

    def clear(self) -> None:
        self._replace(self._indices[:0], self._values[:0])

    def _replace(self, indices: np.ndarray, values: np.ndarray) -> None:
        self.beginResetModel()
        self._indices, self._values = indices, values
        self._reset_loaded(max(self._loaded, ROW_PAGE))  # rows shown stay shown
        self._fault = None
        self.endResetModel()
        self.sig_edited.emit()

    def set_fault(self, entry: int | None, part: str = "index") -> None:
        """Highlight the cells of `entry` the problem is about (None: no highlight)."""
        old, self._fault = self._fault, None if entry is None else (entry, part)
        for fault in (old, self._fault):
            if fault is not None and fault[0] < self._loaded:
                left, right = self.index(fault[0], 0), self.index(fault[0], self.rank)
                self.dataChanged.emit(left, right, [Qt.ItemDataRole.BackgroundRole])

    def ensure_loaded(self, row: int) -> None:
        """Fetch pages until `row` is shown."""
        while self._loaded <= row and self.canFetchMore():
            self.fetchMore()

    # --- Qt's model interface --------------------------------------------------------------

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.rank + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section)  # entries are counted from 0, as problem sentences count them
        if section == self.rank:
            return f"value ({'string' if self._dtype.kind == 'O' else self._dtype.name})"
        return f"index {section}"

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= self.total_rows():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.BackgroundRole:
            return fault_background() if self._is_fault(row, column) else None
        if role not in EDIT_ROLES:
            return None
        if column < self.rank:
            return str(self._indices[row, column])
        return value_text(self._values[row], MAX_CELL_CHARS)

    def _is_fault(self, row: int, column: int) -> bool:
        if self._fault is None or self._fault[0] != row:
            return False
        return (column == self.rank) == (self._fault[1] == "value")

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column, text = index.row(), index.column(), str(value)
        try:
            if column < self.rank:
                self._indices[row, column] = _parse_index(text)
            else:
                self._values[row] = parse_value(text, self._values.dtype)
        except ValueError as exc:
            what = "index" if column < self.rank else "value"
            self.sig_refused.emit(f"Entry {row} keeps its {what}: {exc}.")
            return False
        except OverflowError:  # a negative index for uint64 indices (from a file)
            dtype = self._indices.dtype.name
            self.sig_refused.emit(f"Entry {row} keeps its index: {text} does not fit {dtype}.")
            return False
        self.dataChanged.emit(index, index, list(EDIT_ROLES))
        self.sig_edited.emit()
        return True

    def rows_text(self, rows: list[int]) -> str:
        """Rows as tab-separated lines, the text that pasting reads back."""
        lines = []
        for row in rows:
            fields = [str(i) for i in self._indices[row]] + [value_text(self._values[row])]
            lines.append("\t".join(fields))
        return "\n".join(lines)


def _parse_index(text: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a whole number") from None
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"{number} is beyond int64")
    return number
