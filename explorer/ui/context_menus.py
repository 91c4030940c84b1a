"""The variable tree's context menu: copy names, values and Python, and export to files.

It opens on a right click, and for keyboard users on the Menu key or Shift+F10 at the current
item. An action that cannot apply to an item is shown disabled with the reason as its
tooltip, so the user learns why instead of wondering where it went. Exports run in the
background through an ExportBar; the save dialog is `choose_path`, which tests replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QTreeView, QWidget

from explorer.core.checkpoint import Checkpoint, display_name
from explorer.core.errors import CheckpointError
from explorer.core.export import (
    FORMATS,
    dense_refusal,
    export_sparse,
    export_tensor,
    sparse_refusal,
    variable_snippet,
    with_suffix,
)
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_snippet import python_snippet
from explorer.core.tensor import LazyTensor
from explorer.ui.export_job import ExportBar
from explorer.ui.log_view import ERROR, INFO
from explorer.ui.table_copy import array_text
from explorer.ui.variable_nodes import VariableNode
from explorer.ui.variable_tree_model import NODE_ROLE

COPY_VALUES_LIMIT = 10_000
"""Copy Values takes tensors up to this many elements; bigger ones are exported instead."""

ChoosePath = Callable[[str, str, str], str]
"""(caption, suggested path, file-type filter) -> the chosen path, or "" if the user backed out."""

FILE_TYPES = {
    "npy": "NumPy array (*.npy)",
    "csv": "Comma-separated values (*.csv)",
    "npz": "NumPy archive (*.npz)",
    "scipy": "scipy.sparse matrix (*.npz)",
}
_UNSAFE_IN_FILE_NAMES = re.compile(r"[^\w.+-]+")


def save_dialog(parent: QWidget, caption: str, suggested: str, file_type: str) -> str:
    """A save dialog that adds the type's suffix to a bare name itself, so that its question
    before overwriting a file is about the file really written ("w" saves "w.npy")."""
    dialog = QFileDialog(parent, caption, suggested, file_type)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    suffix = re.search(r"\*\.(\w+)\)", file_type)
    if suffix:
        dialog.setDefaultSuffix(suffix.group(1))
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def file_stem(name: str) -> str:
    """A file name from a variable name: "dense/kernel:0" -> "dense_kernel_0"."""
    return _UNSAFE_IN_FILE_NAMES.sub("_", name).strip("._") or "tensor"


class TreeContextMenu(QObject):
    """Builds and opens the menu of the item under the mouse or the current item."""

    def __init__(self, tree: QTreeView, export_bar: ExportBar):
        super().__init__(tree)
        self._tree = tree
        self.export_bar = export_bar
        self.checkpoint: Checkpoint | None = None
        self.choose_path: ChoosePath = partial(save_dialog, tree)
        self.directory = Path.home()
        """Where the save dialog starts: the directory of the last export."""
        self.menu: QMenu | None = None
        """The menu last opened (kept for tests and for keyboard users' next open)."""
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self._on_mouse_request)
        tree.installEventFilter(self)

    def set_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        """The checkpoint the tree's items belong to."""
        self.checkpoint = checkpoint

    # -- opening -------------------------------------------------------------------------------

    def popup(self, node: VariableNode, position: QPoint) -> QMenu:
        """Open the menu of `node` at global `position` without waiting for a choice."""
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = QMenu(self._tree)
        self.menu.setToolTipsVisible(True)  # disabled actions say why
        self.menu.addActions(self.actions_for(node, self.menu))
        self.menu.popup(position)
        return self.menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and self._is_menu_key(event):  # type: ignore[arg-type]
            self._open_at_current()
            event.accept()
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _is_menu_key(event: QKeyEvent) -> bool:
        shift_f10 = event.key() == Qt.Key.Key_F10 and (
            event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        )
        return event.key() == Qt.Key.Key_Menu or shift_f10

    def _open_at_current(self) -> None:
        index = self._tree.currentIndex()
        if not index.isValid():
            return
        self._tree.scrollTo(index)
        rect = self._tree.visualRect(index)
        self.popup(index.data(NODE_ROLE), self._tree.viewport().mapToGlobal(rect.center()))

    def _on_mouse_request(self, position: QPoint) -> None:
        index: QModelIndex = self._tree.indexAt(position)
        if not index.isValid():
            return
        self._tree.setCurrentIndex(index)  # the item acted on is the one shown, as in file managers
        self.popup(index.data(NODE_ROLE), self._tree.viewport().mapToGlobal(position))

    # -- the actions ---------------------------------------------------------------------------

    def actions_for(self, node: VariableNode, parent: QObject) -> list[QAction]:
        """The menu's actions for a variable, a sparse tensor or a scope (separators included)."""
        if node.sparse is not None:
            return self._sparse_actions(node, parent)
        if node.info is not None:
            return self._variable_actions(node, parent)
        return [self._copy_action(parent, "Copy &Name", node.path)]

    @staticmethod
    def _action(
        parent: QObject, text: str, slot: Callable[[], object], refusal: str | None = None
    ) -> QAction:
        """An action; disabled with `refusal` as its tooltip when that is set."""
        action = QAction(text, parent)
        action.triggered.connect(lambda _checked=False: slot())
        if refusal:
            action.setEnabled(False)
            action.setToolTip(refusal)
        return action

    @staticmethod
    def _separator(parent: QObject) -> QAction:
        separator = QAction(parent)
        separator.setSeparator(True)
        return separator

    def _copy_action(self, parent: QObject, text: str, copied: str) -> QAction:
        action = self._action(parent, text, partial(self._copy, copied))
        action.setToolTip(copied)
        return action

    def _variable_actions(self, node: VariableNode, parent: QObject) -> list[QAction]:
        assert node.info is not None
        key, name = node.info.name, display_name(node.info.name)
        actions = [self._copy_action(parent, "Copy &Name", name)]
        if key != name:
            actions.append(self._copy_action(parent, "Copy Raw &Key", key))
        tensor, unreadable = self._tensor(key)
        actions.append(
            self._action(
                parent,
                "Copy &Values",
                partial(self._copy_values, key),
                unreadable or self._copy_values_refusal(node.info.size),
            )
        )
        actions.append(self._separator(parent))
        for file_format in FORMATS:
            refusal = unreadable
            if tensor is not None:
                refusal = dense_refusal(tensor.dtype, tensor.shape, file_format)
            actions.append(
                self._action(
                    parent,
                    f"Export as .{file_format}…",
                    partial(self._export_variable, key, file_format),
                    refusal,
                )
            )
        actions.append(self._separator(parent))
        actions.append(
            self._action(
                parent,
                "Copy as &Python",
                partial(self._copy_variable_python, key),
                self._no_checkpoint(),
            )
        )
        return actions

    def _sparse_actions(self, node: VariableNode, parent: QObject) -> list[QAction]:
        sparse = node.sparse
        assert sparse is not None
        npz_refusal = scipy_refusal = self._unreadable_member(sparse)
        if npz_refusal is None:
            assert self.checkpoint is not None
            values = self.checkpoint.reader.tensor(sparse.values)
            npz_refusal = sparse_refusal(sparse, values.dtype, "npz")
            scipy_refusal = sparse_refusal(sparse, values.dtype, "scipy")
        if not scipy_refusal and not node.sparse_checked:
            scipy_refusal = "Its indices are still being checked; try again in a moment."
        return [
            self._copy_action(parent, "Copy &Name", sparse.name),
            self._separator(parent),
            self._action(
                parent,
                "Export as .npz (indices, values, dense_shape)…",
                partial(self._export_sparse, sparse, "npz"),
                npz_refusal,
            ),
            self._action(
                parent,
                "Export as scipy.sparse .npz…",
                partial(self._export_sparse, sparse, "scipy"),
                scipy_refusal,
            ),
            self._separator(parent),
            self._action(
                parent,
                "Copy as &Python",
                partial(self._copy_sparse_python, sparse),
                self._no_checkpoint(),
            ),
        ]

    def _no_checkpoint(self) -> str | None:
        return "The checkpoint is not open yet." if self.checkpoint is None else None

    def _unreadable_member(self, sparse: SparseTensor) -> str | None:
        for key in (sparse.indices, sparse.values, sparse.dense_shape):
            _, unreadable = self._tensor(key)
            if unreadable:
                return unreadable
        return None

    def _tensor(self, key: str) -> tuple[LazyTensor | None, str | None]:
        """The variable's tensor, or why it cannot be read here (one sentence)."""
        if self.checkpoint is None:
            return None, self._no_checkpoint()
        try:
            return self.checkpoint.reader.tensor(key), None
        except CheckpointError as exc:  # e.g. a dtype only TensorFlow reads
            return None, str(exc)

    @staticmethod
    def _copy_values_refusal(size: int) -> str | None:
        if size == 0:
            return "This tensor holds no values."
        if size > COPY_VALUES_LIMIT:
            return (
                f"Copy Values takes tensors of up to {COPY_VALUES_LIMIT:,} values and this one "
                f"holds {size:,}; export it instead."
            )
        return None

    # -- what the actions do -------------------------------------------------------------------

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    def _copy_values(self, key: str) -> None:
        tensor, problem = self._tensor(key)
        try:
            text = None if tensor is None else array_text(tensor[...])  # small: read at once
        except CheckpointError as exc:
            text, problem = None, str(exc)
        if text is None:
            self.export_bar.show_message(problem or "")
            self.export_bar.sig_log.emit(ERROR, problem or "")
            return
        self._copy(text)
        self.export_bar.sig_log.emit(INFO, f"Copied the values of {display_name(key)}.")

    def _copy_variable_python(self, key: str) -> None:
        assert self.checkpoint is not None
        self._copy(variable_snippet(str(self.checkpoint.prefix), key))
        self.export_bar.sig_log.emit(INFO, f"Copied Python that loads {display_name(key)}.")

    def _copy_sparse_python(self, sparse: SparseTensor) -> None:
        assert self.checkpoint is not None
        self._copy(python_snippet(str(self.checkpoint.prefix), sparse))
        self.export_bar.sig_log.emit(INFO, f"Copied Python that rebuilds {sparse.name}.")

    def _ask_target(self, what: str, file_format: str) -> Path | None:
        suggested = with_suffix(self.directory / file_stem(what), file_format)
        caption = f"Export {what} as {FILE_TYPES[file_format].split(' (')[0]}"
        chosen = self.choose_path(caption, str(suggested), FILE_TYPES[file_format])
        if not chosen:
            return None
        target = with_suffix(Path(chosen), file_format)
        self.directory = target.parent
        return target

    def _export_variable(self, key: str, file_format: str) -> None:
        tensor, _ = self._tensor(key)
        target = self._ask_target(display_name(key), file_format)
        if tensor is not None and target is not None:
            self.export_bar.start(
                display_name(key), target, export_tensor, tensor, target, file_format
            )

    def _export_sparse(self, sparse: SparseTensor, file_format: str) -> None:
        members = [
            self._tensor(key)[0] for key in (sparse.indices, sparse.values, sparse.dense_shape)
        ]
        target = self._ask_target(sparse.name, file_format)
        if target is not None and all(member is not None for member in members):
            self.export_bar.start(
                sparse.name, target, export_sparse, sparse, members, target, file_format
            )
