"""The output view: the outputs of the latest run, one at a time, dense or sparse.

A list names every output with its dtype and shape; the chosen one is shown below it, a dense
output as a table, line plot or heat map (output_dense), a sparse one as its entries and its
pattern (output_sparse). Each can be saved (.npy, or .npz of indices/values/dense_shape) and
table cells copied as tab-separated text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import FeedError
from explorer.core.model_spec import OutputSpec, SparseArray, Value
from explorer.ui.formatting import value_text
from explorer.ui.log_view import ERROR, INFO
from explorer.ui.output_dense import SCALAR_CHARS, DenseOutputPanel
from explorer.ui.output_files import default_file_name, save_value
from explorer.ui.output_sparse import SparseOutputPanel
from explorer.ui.output_text import declared_text, output_label

LIST_ROWS = 4
"""The output list shows this many outputs before it scrolls."""
NAME_ROLE = Qt.ItemDataRole.UserRole
FILE_FILTERS = {".npy": "NumPy array (*.npy)", ".npz": "NumPy archive (*.npz)"}


class OutputView(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("outputView")
        self._outputs: dict[str, Value] = {}
        self._save_dir = Path.home()

        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.copy_button = QPushButton("Cop&y")
        self.copy_button.setToolTip("Copy the selected table cells as tab-separated text (Ctrl+C)")
        self.copy_button.clicked.connect(self.copy_selection)
        self.save_button = QPushButton("&Save…")
        self.save_button.setToolTip("Save this output: .npy when dense, .npz when sparse")
        self.save_button.clicked.connect(self._ask_and_save)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.copy_button)
        header.addWidget(self.save_button)

        self.output_list = QListWidget()
        self.output_list.setObjectName("outputList")
        self.output_list.setAccessibleName("Outputs")
        self.output_list.currentItemChanged.connect(self._on_current_changed)
        self.message = QLabel()
        self.message.setObjectName("outputMessage")
        self.message.setWordWrap(True)
        self.message.setMargin(12)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dense_panel = DenseOutputPanel()
        self.sparse_panel = SparseOutputPanel()
        self.sparse_panel.sig_log.connect(self.sig_log)
        self._stack = QStackedWidget()
        for widget in (self.message, self.dense_panel, self.sparse_panel):
            self._stack.addWidget(widget)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.output_list)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.status)
        self.clear("Run the model to see its outputs.")

    # -- what is shown ---------------------------------------------------------------------

    def show_outputs(
        self,
        outputs: Mapping[str, Value],
        specs: Sequence[OutputSpec] | None = None,
        title: str = "",
    ) -> None:
        """Replace what is shown by `outputs`, the first one selected; `specs` (what the model
        declared) are shown as tooltips."""
        if not outputs:
            self.clear("The run returned no outputs.")
            return
        self._outputs = {
            name: value if isinstance(value, SparseArray) else np.asarray(value)
            for name, value in outputs.items()
        }
        declared = {spec.name: spec for spec in specs or ()}
        self.title.setText(f"Outputs of {title}" if title else "Outputs")
        self.status.clear()
        self.output_list.blockSignals(True)  # one selection, below, shows the first
        self.output_list.clear()
        for name, value in self._outputs.items():
            item = QListWidgetItem(output_label(name, value))
            item.setData(NAME_ROLE, name)
            if name in declared:
                item.setToolTip(declared_text(declared[name]))
            self.output_list.addItem(item)
        self.output_list.blockSignals(False)
        self._fit_list_height()
        self.output_list.setVisible(True)
        self._set_actions_enabled(True)
        self.output_list.setCurrentRow(0)

    def clear(self, message: str = "") -> None:
        """Show no outputs, only `message` (what to do, or why the run failed)."""
        self.sparse_panel.shutdown()
        self._outputs = {}
        self.output_list.blockSignals(True)
        self.output_list.clear()
        self.output_list.blockSignals(False)
        self.output_list.setVisible(False)
        self.title.setText("Outputs")
        self.status.clear()
        self._set_actions_enabled(False)
        self.message.setText(message)
        self._stack.setCurrentWidget(self.message)

    def select_output(self, name: str) -> bool:
        """Show the output called `name`; False when there is none."""
        for row in range(self.output_list.count()):
            if self.output_list.item(row).data(NAME_ROLE) == name:
                self.output_list.setCurrentRow(row)
                return True
        return False

    def current_name(self) -> str | None:
        item = self.output_list.currentItem()
        return None if item is None else item.data(NAME_ROLE)

    def outputs(self) -> dict[str, Value]:
        return dict(self._outputs)

    def message_text(self) -> str:
        """The placeholder or error shown instead of outputs; "" while outputs are shown."""
        return self.message.text() if self._stack.currentWidget() is self.message else ""

    # -- actions -------------------------------------------------------------------------------

    def save_output(self, name: str, path: Path | str) -> Path:
        """Write output `name` to `path`: .npy when dense, .npz (indices, values, dense_shape)
        when sparse. Raises KeyError for an unknown name, OSError when the file cannot be
        written."""
        path = Path(path)
        save_value(self._outputs[name], path)
        return path

    def copy_selection(self) -> str:
        """Copy the selected cells of the table shown (a scalar: its value) to the clipboard;
        returns the text copied, "" when nothing was selected."""
        name = self.current_name()
        value = self._outputs.get(name) if name is not None else None
        if value is None:
            return ""
        if isinstance(value, SparseArray):
            text = self.sparse_panel.table.copy_selection()
        elif value.ndim == 0:
            text = value_text(value[()], SCALAR_CHARS)
            QGuiApplication.clipboard().setText(text)
        else:
            text = self.dense_panel.table.copy_selection()
        lines = text.count("\n") + 1
        self.status.setText(
            f"Copied {lines:,} line{'s' if lines > 1 else ''}."
            if text
            else "Select cells in the table to copy them."
        )
        return text

    def has_pending(self) -> bool:
        return self.sparse_panel.has_pending()

    def shutdown(self) -> None:
        self.sparse_panel.shutdown()

    # -- inside --------------------------------------------------------------------------------

    def _on_current_changed(self, current: QListWidgetItem | None) -> None:
        self.status.clear()
        if current is None:
            return
        value = self._outputs[current.data(NAME_ROLE)]
        if isinstance(value, SparseArray):
            self.sparse_panel.show_sparse(value)
            self._stack.setCurrentWidget(self.sparse_panel)
        else:
            self.sparse_panel.shutdown()
            self.dense_panel.show_array(value)
            self._stack.setCurrentWidget(self.dense_panel)

    def _ask_and_save(self) -> None:
        name = self.current_name()
        if name is None:
            return
        value = self._outputs[name]
        suggested = self._save_dir / default_file_name(name, value)
        suffix = suggested.suffix
        chosen, _filter = QFileDialog.getSaveFileName(
            self, f"Save output {name}", str(suggested), FILE_FILTERS[suffix]
        )
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(suffix)
        self._save_dir = path.parent
        try:
            self.save_output(name, path)
        except (OSError, FeedError) as exc:  # FeedError: values numpy cannot store unpickled
            reason = getattr(exc, "strerror", None) or str(exc).rstrip(".")
            self.status.setText(f"The output {name} could not be saved to {path}: {reason}.")
            self.sig_log.emit(ERROR, f"Saving the output {name} to {path} failed: {exc}")
            return
        self.status.setText(f"Saved {name} to {path}.")
        self.sig_log.emit(INFO, f"Saved the output {name} to {path}.")

    def _set_actions_enabled(self, enabled: bool) -> None:
        self.copy_button.setEnabled(enabled)
        self.save_button.setEnabled(enabled)

    def _fit_list_height(self) -> None:
        rows = min(self.output_list.count(), LIST_ROWS)
        frame = 2 * self.output_list.frameWidth()
        self.output_list.setFixedHeight(self.output_list.sizeHintForRow(0) * rows + frame + 2)
