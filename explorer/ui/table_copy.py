"""Copying table cells as text: a row per line and a tab between cells, as spreadsheets paste.

Cells are written by value_text at full precision (the shortest text that reads back as the
same value in its dtype) and never elided, so a paste holds exactly what the tensor holds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QTableView, QWidget

from explorer.ui.array_table_model import VALUE_ROLE
from explorer.ui.formatting import value_text

COPY_CHARS = 1_000_000
"""Copied cells keep their whole text (the table elides long strings)."""


def rows_text(rows: Iterable[Iterable[object]]) -> str:
    """Tab-separated lines of cell values; None is an empty cell."""
    return "\n".join(
        "\t".join("" if value is None else value_text(value, COPY_CHARS) for value in row)
        for row in rows
    )


def array_text(array: np.ndarray) -> str:
    """A tensor as the value table lays it out: a vector as a column, a matrix as rows;
    higher ranks as their matrices one under the other."""
    if array.ndim == 0:
        return rows_text([[array[()]]])
    columns = array.shape[-1] if array.ndim >= 2 else 1
    return rows_text(array.reshape(-1, columns))


class CopyableTable(QTableView):
    """Ctrl+C copies the selected cells (the model gives values by VALUE_ROLE). Tab leaves the
    table for the next control, as everywhere else; the arrow keys move between cells."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabKeyNavigation(False)  # else Tab walks a million cells before leaving

    def selection_text(self) -> str:
        """The selected cells as tab-separated text; "" when nothing is selected."""
        selection = self.selectionModel()
        selected = selection.selectedIndexes() if selection is not None else []
        if not selected:
            return ""
        cells = {(index.row(), index.column()): index for index in selected}
        rows = [row for row, _ in cells]
        columns = [column for _, column in cells]
        return rows_text(
            [
                cells[row, column].data(VALUE_ROLE) if (row, column) in cells else None
                for column in range(min(columns), max(columns) + 1)
            ]
            for row in range(min(rows), max(rows) + 1)
        )

    def copy_selection(self) -> str:
        """Put the selected cells on the clipboard; returns what was copied."""
        text = self.selection_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        super().keyPressEvent(event)
