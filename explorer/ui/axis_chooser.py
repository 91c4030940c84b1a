"""Which two axes of an N-D array are shown, and what every other axis does.

Every other axis is fixed at an index; where the chooser offers it (sparse patterns), it may
instead be summed over, each entry counting where it projects: its spin box then shows "sum"
below index 0. Choosing for rows the axis the columns show (or the reverse) swaps the two, so
the pair always differs. An axis keeps its index while it is shown and gets it back after.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

SUM = -1
"""An index box's value meaning "sum over this axis"."""
MAX_SPIN = 2**31 - 1  # QSpinBox holds an int32


class AxisChooser(QWidget):
    sig_changed = Signal()
    """The axes shown or a fixed index changed (read them with axes(), fixed() or indices())."""

    def __init__(
        self, parent: QWidget | None = None, *, can_sum: bool = False, shown_from_rank: int = 3
    ):
        """`can_sum`: offer "sum" for the other axes, and start there; `shown_from_rank`: the
        lowest rank the chooser is visible for (2 lets a matrix be transposed)."""
        super().__init__(parent)
        self._can_sum = can_sum
        self._shown_from_rank = shown_from_rank
        self._shape: tuple[int, ...] = ()
        self._shown = (0, 1)  # the axes before the latest choice, to swap when one repeats
        self._chosen: dict[int, int] = {}  # the index of each axis, also while it is shown
        self.row_axis_box = QComboBox()
        self.row_axis_box.setToolTip("The axis shown down the rows")
        self.column_axis_box = QComboBox()
        self.column_axis_box.setToolTip("The axis shown across the columns")
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
        """Offer the axes of `shape`: the last two shown, the others at 0 (or summed over)."""
        self._shape = tuple(shape)
        for box in (self.row_axis_box, self.column_axis_box):
            box.clear()
            box.addItems([f"axis {axis} ({dim:,})" for axis, dim in enumerate(shape)])
        rank = len(shape)
        if rank >= 2:
            self.row_axis_box.setCurrentIndex(rank - 2)
            self.column_axis_box.setCurrentIndex(rank - 1)
        self._shown = self.axes()
        self._chosen = {}
        self._rebuild_index_boxes()
        self.setVisible(rank >= self._shown_from_rank)

    def axes(self) -> tuple[int, int]:
        """The axes shown as rows and as columns."""
        if len(self._shape) < 2:
            return (0, 1)
        return self.row_axis_box.currentIndex(), self.column_axis_box.currentIndex()

    def fixed(self) -> dict[int, int]:
        """The index of every axis held fixed; the other axes not shown are summed over."""
        return {axis: box.value() for axis, box in self.index_boxes.items() if box.value() != SUM}

    def indices(self) -> tuple[int, ...]:
        """One index per axis: the fixed ones as chosen, 0 for the others."""
        fixed = self.fixed()
        return tuple(fixed.get(axis, 0) for axis in range(len(self._shape)))

    def choose(self, rows: int, columns: int, fixed: Mapping[int, int] | None = None) -> None:
        """Show axes `rows` x `columns` (they must differ), the others at `fixed`, else at 0
        (or summed over)."""
        self.row_axis_box.setCurrentIndex(rows)
        self.column_axis_box.setCurrentIndex(columns)
        self._shown = self.axes()
        self._chosen = dict(fixed or {})
        self._rebuild_index_boxes()
        self.sig_changed.emit()

    def _on_axis_chosen(self, box: QComboBox) -> None:
        is_rows = box is self.row_axis_box
        other = self.column_axis_box if is_rows else self.row_axis_box
        if box.currentIndex() == other.currentIndex():  # the same axis twice: swap them
            other.setCurrentIndex(self._shown[0 if is_rows else 1])
        self._shown = self.axes()
        self._chosen.update({axis: box.value() for axis, box in self.index_boxes.items()})
        self._rebuild_index_boxes()
        self.sig_changed.emit()

    def _rebuild_index_boxes(self) -> None:
        while self._index_layout.count():
            widget = self._index_layout.takeAt(0).widget()
            widget.hide()
            widget.deleteLater()
        self.index_boxes = {}
        shown = self.axes()
        lowest = SUM if self._can_sum else 0
        for axis, dim in enumerate(self._shape):
            if axis in shown:
                continue
            box = QSpinBox()
            box.setKeyboardTracking(False)  # one redraw per committed index, not per keystroke
            box.setRange(lowest, min(max(dim - 1, 0), MAX_SPIN))
            if self._can_sum:
                box.setSpecialValueText("sum")  # shown for the minimum, SUM
                box.setToolTip(f"Axis {axis}: sum over it, or fix one index")
            else:
                box.setToolTip(f"The index axis {axis} is fixed at")
            box.setValue(self._chosen.get(axis, lowest))
            box.valueChanged.connect(self.sig_changed)
            label = QLabel(f"axis {axis}:")
            label.setBuddy(box)
            self._index_layout.addWidget(label)
            self._index_layout.addWidget(box)
            self.index_boxes[axis] = box
