"""A table of output values that pages columns as well as rows and copies its selection."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from explorer.ui.table_copy import CopyableTable

MAX_FITTED_COLUMNS = 50
MAX_COLUMN_WIDTH = 300


class OutputTable(CopyableTable):
    """Ctrl+C copies the selected cells, a row per line and a tab between cells."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table, for the rest of the view
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrolled)

    def fit_columns(self) -> None:
        """Size columns to their text while there are few; never wider than MAX_COLUMN_WIDTH."""
        model = self.model()
        if model is None or model.columnCount() > MAX_FITTED_COLUMNS:
            return
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        for column in range(model.columnCount()):
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))

    def _on_scrolled(self, value: int) -> None:
        # Qt pages rows by itself (fetchMore); columns are fetched at the right edge.
        fetch = getattr(self.model(), "fetch_more_columns", None)
        if fetch is not None and value == self.horizontalScrollBar().maximum():
            fetch()
