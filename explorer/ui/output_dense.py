"""A dense output: its summary, and a table, a line plot or a heat map of a 2-D slice of it.

Only the modes that fit are offered: a scalar is just its value; a 1-D output has a table
and a line plot; 2-D and up add a heat map, of the two axes chosen (others at fixed indices).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.formatting import shape_text
from explorer.core.stats import is_numeric
from explorer.ui.array_table_model import ArrayTableModel
from explorer.ui.axis_chooser import AxisChooser
from explorer.ui.formatting import kind_of_values, value_text
from explorer.ui.output_plots import HeatMap, Line, LinePlot
from explorer.ui.output_table import OutputTable
from explorer.ui.output_text import dense_summary, plot_values

TABLE, LINE, HEATMAP = "table", "line", "heatmap"
MODE_TEXTS = {TABLE: "&Table", LINE: "&Line plot", HEATMAP: "Heat map"}  # Alt+H: the Help menu
MAX_LINES = 10
"""Slices with at most this many rows may draw them all as lines at once."""
ALL_ROWS = -1
"""The line chooser's value meaning "every row"."""
SCALAR_CHARS = 10_000


def offered_modes(array: np.ndarray) -> list[str]:
    """The views that fit an output: none for a scalar, plots only for numbers."""
    if array.ndim == 0:
        return []
    if not is_numeric(array.dtype) or array.size == 0:
        return [TABLE]
    return [TABLE, LINE] if array.ndim == 1 else [TABLE, LINE, HEATMAP]


class DenseOutputPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._array: np.ndarray = np.zeros(0)
        self._mode = TABLE

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.mode_buttons: dict[str, QPushButton] = {}
        mode_bar = QHBoxLayout()
        for mode, text in MODE_TEXTS.items():
            button = QPushButton(text)
            # Checked by hand, not by an exclusive QButtonGroup, where Tab reaches only the
            # checked button.
            button.setCheckable(True)
            button.setToolTip(f"Show the output as a {text.replace('&', '').lower()}")
            button.clicked.connect(lambda _checked, mode=mode: self.set_mode(mode))
            self.mode_buttons[mode] = button
            mode_bar.addWidget(button)
        self.line_label = QLabel("Line:")
        self.line_box = QSpinBox()
        self.line_box.setKeyboardTracking(False)
        self.line_box.setPrefix("row ")
        self.line_box.setSpecialValueText("all rows")  # shown for ALL_ROWS, the minimum
        self.line_box.setToolTip("The row drawn as a line")
        self.line_box.valueChanged.connect(self._refresh)
        self.line_label.setBuddy(self.line_box)
        mode_bar.addSpacing(12)
        mode_bar.addWidget(self.line_label)
        mode_bar.addWidget(self.line_box)
        mode_bar.addStretch(1)
        self.axes = AxisChooser()
        self.axes.sig_changed.connect(self._on_axes_changed)

        self.value_label = QLabel()
        self.value_label.setObjectName("outputScalar")
        self.value_label.setWordWrap(True)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.value_label.setFont(font)
        self.model = ArrayTableModel(self)
        self.table = OutputTable()
        self.table.setObjectName("outputTable")
        self.table.setModel(self.model)
        self.line_plot = LinePlot()
        self.heat_map = HeatMap()
        self._stack = QStackedWidget()
        for widget in (self.value_label, self.table, self.line_plot, self.heat_map):
            self._stack.addWidget(widget)
        self.size_note = QLabel()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(mode_bar)
        layout.addWidget(self.axes)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.size_note)

    def show_array(self, array: np.ndarray) -> None:
        """Show `array`, in the mode shown before if it fits, else as a table."""
        self._array = array
        modes = offered_modes(array)
        for mode, button in self.mode_buttons.items():
            button.setVisible(len(modes) > 1 and mode in modes)
        self.summary.setText(
            f"{kind_of_values(array.dtype)} scalar" if array.ndim == 0 else dense_summary(array)
        )
        self.axes.set_shape(array.shape if array.ndim >= 2 else ())
        self.model.set_array(None)
        self._reset_line_box()
        self._mode = self._mode if self._mode in modes else TABLE
        self._refresh()

    def modes(self) -> list[str]:
        """The modes offered for the output shown."""
        return offered_modes(self._array)

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Show the output as TABLE, LINE or HEATMAP (ignored when not offered)."""
        if mode in self.modes():
            self._mode = mode
            self._refresh()

    def plane(self) -> np.ndarray:
        """The 2-D slice shown: the chosen axes as rows and columns, the others fixed."""
        array = self._array
        rows, columns = self.axes.axes()
        key: list[object] = list(self.axes.indices())
        key[rows] = key[columns] = slice(None)
        plane = array[tuple(key)]
        # Indexing keeps the two free axes in their original order.
        return plane.T if rows > columns else plane

    def _axis_names(self) -> tuple[str, str]:
        if self._array.ndim == 2:
            return "row", "column"
        rows, columns = self.axes.axes()
        return f"axis {rows}", f"axis {columns}"

    def _on_axes_changed(self) -> None:
        self._reset_line_box()
        self._refresh()

    def _reset_line_box(self) -> None:
        """Offer every row of the slice; "all rows" too when there are few."""
        rows = self.plane().shape[0] if self._array.ndim >= 2 else 0
        lowest = ALL_ROWS if rows <= MAX_LINES else 0
        self.line_box.blockSignals(True)  # one refresh follows, by the caller
        self.line_box.setRange(lowest, max(rows - 1, 0))
        self.line_box.setValue(lowest)
        self.line_box.blockSignals(False)

    def _refresh(self) -> None:
        array, mode = self._array, self._mode
        for name, button in self.mode_buttons.items():
            button.setChecked(name == mode)
        self.line_label.setVisible(False)
        self.line_box.setVisible(False)
        self.size_note.setVisible(False)
        if array.ndim == 0:
            self.value_label.setText(value_text(array[()], SCALAR_CHARS))
            self._stack.setCurrentWidget(self.value_label)
        elif mode == LINE:
            self._show_lines()
        elif mode == HEATMAP:
            row_name, column_name = self._axis_names()
            self.heat_map.set_plane(self.plane(), row_name, column_name)
            self._stack.setCurrentWidget(self.heat_map)
        else:
            self._show_table()

    def _show_table(self) -> None:
        if self._array.ndim >= 2:
            rows, columns = self.axes.axes()
            self.model.set_array(self._array)
            self.model.set_slice(rows, columns, self.axes.indices())
        else:
            self.model.set_array(self._array)
        self.table.fit_columns()
        rows, columns = self.model.total_shape()
        if self._array.size == 0:
            self.size_note.setText(f"The output is empty (shape {shape_text(self._array.shape)}).")
        else:
            self.size_note.setText(f"{rows:,} × {columns:,} values in this view.")
        self.size_note.setVisible(True)
        self._stack.setCurrentWidget(self.table)

    def _show_lines(self) -> None:
        array = self._array
        if array.ndim == 1:
            self.line_plot.set_lines([Line("", plot_values(array))], "index")
        else:
            plane = plot_values(self.plane())
            row_name, column_name = self._axis_names()
            if plane.shape[1] == 1:  # a column vector, e.g. one prediction per example
                self.line_plot.set_lines([Line("", plane[:, 0])], row_name)
            else:
                self.line_label.setVisible(True)
                self.line_box.setVisible(True)
                chosen = self.line_box.value()
                numbers = range(plane.shape[0]) if chosen == ALL_ROWS else [chosen]
                lines = [Line(f"{row_name} {n}", plane[n]) for n in numbers]
                self.line_plot.set_lines(lines, column_name)
        self._stack.setCurrentWidget(self.line_plot)
