"""Item models of the variable tree: the node tree itself, and filtering on top of it.

Sorting is done by the source model on its Python node lists (one `list.sort` per scope)
rather than by QSortFilterProxyModel, whose per-comparison calls back into Python would take
seconds on a 20,000-variable checkpoint.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from explorer.core.checkpoint import OBJECT_GRAPH_KEY
from explorer.core.dtypes import display_name as dtype_display_name
from explorer.core.formatting import human_bytes, shape_text
from explorer.core.sparse import SparseTensor
from explorer.ui.sparse_text import sparse_icon, sparse_label, sparse_tooltip
from explorer.ui.variable_nodes import (
    COLUMNS,
    DTYPE,
    NAME,
    SHAPE,
    SIZE,
    VariableNode,
    sort_tree,
)

NODE_ROLE = Qt.ItemDataRole.UserRole + 1
"""data() role returning the VariableNode of a row."""

AnyIndex = QModelIndex | QPersistentModelIndex


class VariableTreeModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._root = VariableNode("", "")
        self._icons: dict[QStyle.StandardPixmap | None, QIcon] = {}
        """Icons by kind; None stands for a sparse tensor without problems."""
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_root(self, root: VariableNode) -> None:
        self.beginResetModel()
        self._root = root
        self.endResetModel()

    def root(self) -> VariableNode:
        return self._root

    def update_sparse(self, checked: dict[str, SparseTensor]) -> None:
        """Show validated sparse tensors, given by their indices key, in place of the unchecked."""
        for node in self._root.sparse_nodes():
            assert node.sparse is not None
            found = checked.get(node.sparse.indices)
            if found is not None:
                node.sparse, node.sparse_checked = found, True
                self.dataChanged.emit(
                    self.index_of(node, NAME), self.index_of(node, len(COLUMNS) - 1)
                )

    def node(self, index: AnyIndex) -> VariableNode:
        """The node of `index`, or the root for an invalid index."""
        return index.internalPointer() if index.isValid() else self._root

    def index_of(self, node: VariableNode, column: int = NAME) -> QModelIndex:
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self.node(parent).children[row])

    def parent(self, index: AnyIndex | None = None) -> QModelIndex | QObject:  # type: ignore[override]
        if index is None:  # QObject.parent()
            return super().parent()
        if not index.isValid():
            return QModelIndex()
        return self.index_of(index.internalPointer().parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node: VariableNode = index.internalPointer()
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(node, column)
        if role == NODE_ROLE:
            return node
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.DecorationRole and column == NAME:
            return self._icon(node)
        if role == Qt.ItemDataRole.FontRole and node.info and node.info.name == OBJECT_GRAPH_KEY:
            return self._italic  # bookkeeping, not a model variable
        return None

    @staticmethod
    def _text(node: VariableNode, column: int) -> str:
        info, sparse = node.info, node.sparse
        if column == NAME:
            return sparse_label(node.name, sparse) if sparse else node.name
        if column == SIZE:
            return human_bytes(node.shown_bytes)
        if sparse is not None:
            if column == SHAPE:
                return shape_text(sparse.shape) if sparse.shape is not None else ""
            values = next(
                (c.info for c in node.children if c.info and c.info.name == sparse.values), None
            )
            return dtype_display_name(values.tf_dtype) if values else ""
        if info is None:
            return ""
        return dtype_display_name(info.tf_dtype) if column == DTYPE else shape_text(info.shape)

    @staticmethod
    def _tooltip(node: VariableNode) -> str:
        if node.sparse is not None:
            return sparse_tooltip(node.sparse, node.sparse_checked)
        if node.info is None:
            return f"{node.path}: {node.variable_count} variables, {human_bytes(node.total_bytes)}"
        return node.info.name

    def _icon(self, node: VariableNode) -> QIcon | None:
        pixmaps = QStyle.StandardPixmap
        if node.sparse is None:
            kind = pixmaps.SP_DirIcon if node.info is None else pixmaps.SP_FileIcon
        else:
            kind = pixmaps.SP_MessageBoxWarning if node.sparse.problems else None
        if kind not in self._icons:
            style = QApplication.style()  # None when only a QCoreApplication runs
            if style is None:
                return None
            self._icons[kind] = sparse_icon() if kind is None else style.standardIcon(kind)
        return self._icons[kind]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        sort_tree(self._root, column, order == Qt.SortOrder.DescendingOrder)
        after = [self.index_of(index.internalPointer(), index.column()) for index in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()


class VariableFilterProxy(QSortFilterProxyModel):
    """Keeps variables whose full name contains the filter text (any case), and their scopes.

    Matches and their scopes are found in one pass over the node tree when the text changes;
    Qt then asks only about rows under scopes it shows. Qt's own recursive filtering would ask
    about every node in Python, over 100 ms per keystroke pause on 20,000 variables.
    """

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._needle = ""
        self._kept: set[VariableNode] = set()
        self._kept_root: VariableNode | None = None

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().lower()
        self._kept_root = None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def kept_count(self) -> int:
        """Nodes the filter keeps (matches and their scopes); 0 when there is no filter."""
        if not self._needle:
            return 0
        self._refresh()
        return len(self._kept)

    def _refresh(self) -> None:
        root = self.sourceModel().root()
        if self._kept_root is not root:
            self._kept = self._matches_and_scopes(root)
            self._kept_root = root

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._needle:
            return True
        self._refresh()
        return self.sourceModel().node(source_parent).children[source_row] in self._kept

    def _matches_and_scopes(self, root: VariableNode) -> set[VariableNode]:
        kept: set[VariableNode] = set()
        for node in root.walk():
            matchable = node.info is not None or node.sparse is not None
            if matchable and self._needle in node.path.lower():
                while node is not None and node not in kept:
                    kept.add(node)
                    node = node.parent
        return kept

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # The source sorts its node lists; this proxy keeps the source order.
        self.sourceModel().sort(column, order)
