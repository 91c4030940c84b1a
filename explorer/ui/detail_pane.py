"""The detail pane of the selected tree node: metadata, values, statistics and heat map."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from explorer.core.checkpoint import Checkpoint
from explorer.core.dtypes import display_name as dtype_display_name
from explorer.core.errors import CheckpointError, UnsupportedDtypeError
from explorer.core.formatting import human_bytes, shape_text
from explorer.core.tensor import LazyTensor
from explorer.ui.checksum_bar import ChecksumBar
from explorer.ui.heatmap_panel import HeatmapPanel
from explorer.ui.log_view import ERROR
from explorer.ui.statistics_panel import StatisticsPanel
from explorer.ui.value_table_panel import ValueTablePanel
from explorer.ui.variable_nodes import VariableNode

# Where each metadata field sits: (row, column pair, pairs spanned). The raw key gets a line
# of its own because TF2 keys are long.
FIELDS = {
    "Key": (1, 0, 2),
    "dtype": (2, 0, 1),
    "Shape": (2, 1, 1),
    "Elements": (3, 0, 1),
    "Bytes": (3, 1, 1),
    "Slices": (4, 0, 1),
    "Data file": (4, 1, 1),
    "Variables": (5, 0, 1),
}


class MetadataGrid(QWidget):
    """Label/value pairs; fields without a value are hidden."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.title, 0, 0, 1, 4)
        self.values: dict[str, QLabel] = {}
        self._captions: dict[str, QLabel] = {}
        for field, (row, pair, span) in FIELDS.items():
            caption, value = QLabel(f"{field}:"), QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row, 2 * pair)
            grid.addWidget(value, row, 2 * pair + 1, 1, 2 * span - 1)
            self._captions[field], self.values[field] = caption, value
        grid.setColumnMinimumWidth(1, 260)  # keeps the second pair of fields close by
        grid.setColumnStretch(3, 1)

    def show_fields(self, title: str, fields: dict[str, str]) -> None:
        self.title.setText(title)
        for field, label in self.values.items():
            text = fields.get(field, "")
            label.setText(text)
            label.setVisible(bool(text))
            self._captions[field].setVisible(bool(text))


def variable_fields(checkpoint: Checkpoint, node: VariableNode) -> dict[str, str]:
    info = node.info
    assert info is not None
    files = checkpoint.reader.data_files(info.name)
    return {
        "Key": info.name,
        "dtype": dtype_display_name(info.tf_dtype),
        "Shape": shape_text(info.shape),
        "Elements": f"{info.size:,}",
        "Bytes": f"{human_bytes(info.nbytes)} ({info.nbytes:,} bytes)",
        "Slices": f"{info.num_slices} (partitioned)" if info.num_slices else "",
        "Data file": ", ".join(path.name for path in files),
    }


class DetailPane(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tensorView")
        self.metadata = MetadataGrid()
        self.checksum = ChecksumBar()
        self.checksum.sig_log.connect(self.sig_log)
        self.values = ValueTablePanel()
        self.statistics = StatisticsPanel()
        self.heatmap = HeatmapPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.values, "Values")
        self.tabs.addTab(self.statistics, "Statistics")
        self.tabs.addTab(self.heatmap, "Heat map")
        for panel in (self.values, self.statistics, self.heatmap):
            panel.sig_log.connect(self.sig_log)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.metadata)
        layout.addWidget(self.checksum)
        layout.addWidget(self.tabs, 1)
        self.show_node(None, None)

    def show_node(self, checkpoint: Checkpoint | None, node: VariableNode | None) -> None:
        """Describe `node` of `checkpoint`: a variable, a scope, or nothing selected."""
        key = node.info.name if checkpoint and node and node.info else None
        self.checksum.show_variable(checkpoint.reader if key else None, key or "")
        if checkpoint is None or node is None:
            self.metadata.show_fields("No variable selected", {})
            self._show_tensor(None, "Select a variable in the tree.")
        elif node.info is None:
            self.metadata.show_fields(
                node.path,
                {
                    "Variables": f"{node.variable_count:,} in this scope",
                    "Bytes": f"{human_bytes(node.total_bytes)} ({node.total_bytes:,} bytes)",
                },
            )
            self._show_tensor(None, f"{node.path} is a scope; select one of its variables.")
        else:
            self.metadata.show_fields(node.path, variable_fields(checkpoint, node))
            try:
                tensor = checkpoint.reader.tensor(node.info.name)
            except UnsupportedDtypeError as exc:
                self._show_tensor(None, str(exc))
            except CheckpointError as exc:
                self.sig_log.emit(ERROR, str(exc))
                self._show_tensor(None, str(exc))
            else:
                self._show_tensor(tensor)

    def _panels(self) -> tuple:
        return (self.checksum, self.values, self.statistics, self.heatmap)

    def has_pending(self) -> bool:
        return any(panel.has_pending() for panel in self._panels())

    def shutdown(self) -> None:
        for panel in self._panels():
            panel.shutdown()

    def _show_tensor(self, tensor: LazyTensor | None, message: str = "") -> None:
        self.values.show_tensor(tensor, message)
        self.statistics.show_tensor(tensor, message)
        self.heatmap.show_tensor(tensor, message)
