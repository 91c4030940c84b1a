"""The variable tree with its filter box, its context menu and the status of exports."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from explorer.core.checkpoint import Checkpoint
from explorer.core.formatting import human_bytes
from explorer.ui.context_menus import TreeContextMenu
from explorer.ui.export_job import ExportBar
from explorer.ui.formatting import count_text
from explorer.ui.variable_nodes import DTYPE, NAME, SHAPE, SIZE, VariableNode
from explorer.ui.variable_tree_model import NODE_ROLE, VariableFilterProxy, VariableTreeModel

FILTER_DELAY_MS = 150
"""Typing collapses into one filter pass per pause, not one per key."""
EXPAND_ALL_LIMIT = 500
"""Checkpoints with at most this many variables open fully expanded."""
FILTER_EXPAND_LIMIT = 2000
"""Filter results of at most this many rows are expanded (laying out more takes long)."""
COLUMN_SAMPLES = {DTYPE: "bfloat16", SHAPE: "[1000, 1000]", SIZE: "999.9 KiB"}
"""Typical widest texts of the narrow columns, which are sized in the font in use."""
COLUMN_PADDING = 16


class VariableTreePanel(QWidget):
    sig_selected = Signal(object)
    """The VariableNode now selected, or None."""
    sig_log = Signal(str, str)
    """Level and text of an entry for the log (copies and exports)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = VariableTreeModel(self)
        self.proxy = VariableFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter by name…")
        self.filter_box.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_box.textChanged.connect(self._filter_timer.start)

        self.tree = QTreeView()
        self.tree.setObjectName("variableTree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)  # lets Qt skip measuring 20,000 rows
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.tree.fontMetrics()
        for column, sample in COLUMN_SAMPLES.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + COLUMN_PADDING)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self.export_bar = ExportBar()
        self.export_bar.sig_log.connect(self.sig_log)
        self.context_menu = TreeContextMenu(self.tree, self.export_bar)

        self.summary = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.export_bar)
        layout.addWidget(self.summary)

    def set_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        """The checkpoint the tree shows, which the context menu reads and exports from."""
        self.context_menu.set_checkpoint(checkpoint)

    def has_pending(self) -> bool:
        """An export is running (or a cancelled one is still stopping)."""
        return self.export_bar.has_pending()

    def shutdown(self) -> None:
        """Cancel a running export, removing its unfinished file."""
        self.export_bar.shutdown()

    def sort_order(self) -> tuple[int, bool]:
        """The column the view sorts by, and whether descending (to build trees sorted so)."""
        header = self.tree.header()
        return (
            header.sortIndicatorSection(),
            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        )

    def set_root(
        self, root: VariableNode, select_key: str | None = None, select_sparse: str | None = None
    ) -> None:
        """Show a tree built in sort_order(), filtered by the box, with the variable stored
        under `select_key` or the sparse tensor named `select_sparse` selected."""
        self.model.set_root(root)
        self.apply_filter()
        if root.variable_count <= EXPAND_ALL_LIMIT:
            self.tree.expandAll()
        sparse = len(root.sparse_nodes())
        summary = f"{root.variable_count:,} variables, {human_bytes(root.total_bytes)}"
        self.summary.setText(
            summary + (f", {count_text(sparse, 'sparse tensor')}" if sparse else "")
        )
        selected = select_key is not None and self.select_key(select_key)
        selected = selected or (select_sparse is not None and self.select_sparse(select_sparse))
        if not selected:
            self.sig_selected.emit(None)

    def select_key(self, key: str) -> bool:
        """Select the variable stored under raw key `key`; False if it is not shown."""
        return self._select(self.model.root().find(key))

    def select_sparse(self, name: str) -> bool:
        """Select the sparse tensor named `name`; False if it is not shown."""
        found = (node for node in self.model.root().sparse_nodes() if node.sparse.name == name)
        return self._select(next(found, None))

    def _select(self, node: VariableNode | None) -> bool:
        index = self.proxy.mapFromSource(self.model.index_of(node)) if node else QModelIndex()
        if not index.isValid():
            return False
        self.tree.scrollTo(index)
        flags = QItemSelectionModel.SelectionFlag
        self.tree.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
        return True

    def selected_node(self) -> VariableNode | None:
        index = self.tree.selectionModel().currentIndex()
        return index.data(NODE_ROLE) if index.isValid() else None

    def focus_filter(self) -> None:
        """Put the cursor in the filter box with its text selected, ready to type over."""
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        text = self.filter_box.text()
        self.proxy.set_filter_text(text)
        if 0 < self.proxy.kept_count() <= FILTER_EXPAND_LIMIT:
            self.tree.expandAll()  # matches deep in collapsed scopes would stay hidden

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.sig_selected.emit(current.data(NODE_ROLE) if current.isValid() else None)
