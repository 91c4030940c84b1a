"""A sparse output: its summary, its entries (the COO table) and its sparsity pattern."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from explorer.core.model_spec import SparseArray
from explorer.core.sparse_check import index_columns
from explorer.ui.axis_chooser import AxisChooser
from explorer.ui.coo_table_model import CooTableModel
from explorer.ui.output_table import OutputTable
from explorer.ui.output_text import sparse_summary, value_shape
from explorer.ui.sparse_pattern_plot import SparsePatternPlot


class SparseOutputPanel(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._value: SparseArray | None = None
        self._columns: list = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.entries = CooTableModel(self)
        self.table = OutputTable()
        self.table.setObjectName("outputEntries")
        self.table.setModel(self.entries)
        self.axes_bar = AxisChooser(can_sum=True)
        self.axes_bar.sig_changed.connect(self._show_plane)
        self.pattern = SparsePatternPlot()
        self.pattern.sig_log.connect(self.sig_log)
        self._pattern_page = QWidget()
        pattern_layout = QVBoxLayout(self._pattern_page)
        pattern_layout.setContentsMargins(0, 0, 0, 0)
        pattern_layout.addWidget(self.axes_bar)
        pattern_layout.addWidget(self.pattern, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._pattern_page)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)

    def show_sparse(self, value: SparseArray) -> None:
        """Show the entries of `value`; its pattern too when its rank is 2 or more."""
        self._value = value
        shape = value_shape(value)
        self.summary.setText(sparse_summary(value))
        self.entries.set_entries(value.indices, value.values)  # type: ignore[arg-type]
        self.entries.set_shape(shape)
        self.table.fit_columns()
        self._columns = index_columns(value.indices) if value.indices.ndim == 2 else []
        self.axes_bar.set_shape(shape)
        self._pattern_page.setVisible(len(shape) >= 2)
        self._show_plane()

    def has_pending(self) -> bool:
        return self.pattern.has_pending()

    def shutdown(self) -> None:
        self.pattern.shutdown()

    def _show_plane(self) -> None:
        value = self._value
        shape = () if value is None else value_shape(value)
        if len(shape) < 2:
            self.pattern.set_plane(None)
            return
        rows, columns = self.axes_bar.axes()
        extent = (shape[rows], shape[columns])
        if min(extent) <= 0:
            self.pattern.set_plane(None, message="The dense shape has no cells to draw.")
            return
        self.pattern.set_plane(self._columns, (rows, columns), self.axes_bar.fixed(), extent)
