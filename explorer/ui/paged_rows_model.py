"""A table model whose view gets its rows a page at a time (Qt's canFetchMore / fetchMore).

A sparse tensor or sample of millions of entries then opens at once: the view asks for more
rows only as it is scrolled down to them.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex

ROW_PAGE = 1000

AnyIndex = QModelIndex | QPersistentModelIndex


class PagedRowsModel(QAbstractTableModel):
    """Subclasses say how many rows there are (total_rows) and call _reset_loaded on a reset."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = 0  # the rows the view has been given so far

    def total_rows(self) -> int:
        raise NotImplementedError

    def _reset_loaded(self, at_least: int = ROW_PAGE) -> None:
        """Give the view the first `at_least` rows (a page), or all there are if fewer."""
        self._loaded = min(self.total_rows(), at_least)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._loaded < self.total_rows()

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        more = min(self.total_rows(), self._loaded + ROW_PAGE)
        self.beginInsertRows(QModelIndex(), self._loaded, more - 1)
        self._loaded = more
        self.endInsertRows()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded
