"""A table of output values that pages columns as well as rows and copies its selection."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from explorer.ui.array_table_model import VALUE_ROLE
from explorer.ui.formatting import value_text

MAX_FITTED_COLUMNS = 50
MAX_COLUMN_WIDTH = 300
COPY_CHARS = 1_000_000
"""Copied cells keep their whole text (the table elides long strings)."""


class OutputTable(QTableView):
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

    def selection_text(self) -> str:
        """The selected cells as tab-separated text; "" when nothing is selected."""
        selected = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        if not selected:
            return ""
        cells = {(index.row(), index.column()): index for index in selected}
        rows = sorted({row for row, _ in cells})
        columns = sorted({column for _, column in cells})
        lines = []
        for row in range(rows[0], rows[-1] + 1):
            texts = []
            for column in range(columns[0], columns[-1] + 1):
                index = cells.get((row, column))
                value = None if index is None else index.data(VALUE_ROLE)
                texts.append("" if value is None else value_text(value, COPY_CHARS))
            lines.append("\t".join(texts))
        return "\n".join(lines)

    def copy_selection(self) -> str:
        """Put the selected cells on the clipboard; returns what was copied."""
        text = self.selection_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def fit_columns(self) -> None:
        """Size columns to their text while there are few; never wider than MAX_COLUMN_WIDTH."""
        model = self.model()
        if model is None or model.columnCount() > MAX_FITTED_COLUMNS:
            return
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        for column in range(model.columnCount()):
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_scrolled(self, value: int) -> None:
        # Qt pages rows by itself (fetchMore); columns are fetched at the right edge.
        fetch = getattr(self.model(), "fetch_more_columns", None)
        if fetch is not None and value == self.horizontalScrollBar().maximum():
            fetch()
