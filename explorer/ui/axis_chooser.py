"""Which two axes of an N-D array are shown, and the index every other axis is fixed at.

Choosing for rows the axis the columns show (or the reverse) swaps the two, so the pair
always differs. Hidden below rank 3: a 2-D array has only its own two axes to show.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

MAX_SPIN = 2**31 - 1  # QSpinBox holds an int32


class AxisChooser(QWidget):
    sig_changed = Signal()
    """The axes shown or a fixed index changed (read them with axes() and indices())."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._shape: tuple[int, ...] = ()
        self._shown = (0, 1)  # the axes before the latest choice, to swap when one repeats
        self.row_axis_box = QComboBox()
        self.row_axis_box.setToolTip("The axis shown down the table and the heat map")
        self.column_axis_box = QComboBox()
        self.column_axis_box.setToolTip("The axis shown across the table and along the lines")
        self.row_axis_box.activated.connect(lambda _i: self._on_axis_chosen(self.row_axis_box))
        self.column_axis_box.activated.connect(
            lambda _i: self._on_axis_chosen(self.column_axis_box)
        )
        self.index_boxes: dict[int, QSpinBox] = {}
        self._index_layout = QHBoxLayout()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Rows:"))
        layout.addWidget(self.row_axis_box)
        layout.addWidget(QLabel("Columns:"))
        layout.addWidget(self.column_axis_box)
        layout.addLayout(self._index_layout)
        layout.addStretch(1)
        self.setVisible(False)

    def set_shape(self, shape: tuple[int, ...]) -> None:
        """Offer the axes of `shape`: the last two shown, the others fixed at index 0."""
        self._shape = tuple(shape)
        for box in (self.row_axis_box, self.column_axis_box):
            box.clear()
            box.addItems([f"axis {axis} ({dim:,})" for axis, dim in enumerate(shape)])
        rank = len(shape)
        if rank >= 2:
            self.row_axis_box.setCurrentIndex(rank - 2)
            self.column_axis_box.setCurrentIndex(rank - 1)
        self._shown = self.axes()
        self._rebuild_index_boxes({})
        self.setVisible(rank > 2)

    def axes(self) -> tuple[int, int]:
        """The axes shown as rows and as columns."""
        if len(self._shape) < 2:
            return (0, 1)
        return self.row_axis_box.currentIndex(), self.column_axis_box.currentIndex()

    def indices(self) -> tuple[int, ...]:
        """One index per axis: the fixed ones as chosen, 0 for the two shown."""
        return tuple(
            self.index_boxes[axis].value() if axis in self.index_boxes else 0
            for axis in range(len(self._shape))
        )

    def choose(self, rows: int, columns: int, fixed: Mapping[int, int] | None = None) -> None:
        """Show axes `rows` x `columns` (they must differ), the others at `fixed` or 0."""
        self.row_axis_box.setCurrentIndex(rows)
        self.column_axis_box.setCurrentIndex(columns)
        self._shown = self.axes()
        self._rebuild_index_boxes(fixed or {})
        self.sig_changed.emit()

    def _on_axis_chosen(self, box: QComboBox) -> None:
        is_rows = box is self.row_axis_box
        other = self.column_axis_box if is_rows else self.row_axis_box
        if box.currentIndex() == other.currentIndex():  # the same axis twice: swap them
            other.setCurrentIndex(self._shown[0 if is_rows else 1])
        self._shown = self.axes()
        kept = {axis: box.value() for axis, box in self.index_boxes.items()}
        self._rebuild_index_boxes(kept)
        self.sig_changed.emit()

    def _rebuild_index_boxes(self, fixed: Mapping[int, int]) -> None:
        while self._index_layout.count():
            widget = self._index_layout.takeAt(0).widget()
            widget.hide()
            widget.deleteLater()
        self.index_boxes = {}
        shown = self.axes()
        for axis, dim in enumerate(self._shape):
            if axis in shown:
                continue
            box = QSpinBox()
            box.setKeyboardTracking(False)  # one re-slice per committed index, not per keystroke
            box.setRange(0, min(max(dim - 1, 0), MAX_SPIN))
            box.setValue(fixed.get(axis, 0))
            box.setPrefix(f"axis {axis} = ")
            box.setToolTip(f"The index axis {axis} is fixed at")
            box.valueChanged.connect(self.sig_changed)
            self._index_layout.addWidget(box)
            self.index_boxes[axis] = box
