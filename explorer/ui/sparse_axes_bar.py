"""For sparse tensors of rank above 2: which two axes the pattern shows, and what the others do.

Every other axis is either summed over (each entry counts where it projects) or fixed at one
position; its spin box shows "sum" below position 0.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

SUM = -1
"""The spin box value meaning "sum over this axis"."""
MAX_SPIN = 2**31 - 1


class SparseAxesBar(QWidget):
    """Hidden for rank 2 and below."""

    sig_changed = Signal()
    """The axes shown or the fixed positions changed (read them with axes() and fixed())."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._shape: tuple[int, ...] = ()
        self._shown = (0, 1)  # the axes before the latest choice, to swap when one repeats
        self.row_axis_box = QComboBox()
        self.column_axis_box = QComboBox()
        self.row_axis_box.activated.connect(lambda _i: self._on_axis_chosen(self.row_axis_box))
        self.column_axis_box.activated.connect(
            lambda _i: self._on_axis_chosen(self.column_axis_box)
        )
        self.other_boxes: dict[int, QSpinBox] = {}
        self._others = QHBoxLayout()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Rows:"))
        layout.addWidget(self.row_axis_box)
        layout.addWidget(QLabel("Columns:"))
        layout.addWidget(self.column_axis_box)
        layout.addLayout(self._others)
        layout.addStretch(1)
        self.setVisible(False)

    def set_shape(self, shape: tuple[int, ...]) -> None:
        """Offer the axes of `shape`; the last two are shown, the others summed over."""
        self._shape = shape
        for box in (self.row_axis_box, self.column_axis_box):
            box.clear()
            box.addItems([f"axis {axis} ({dim:,})" for axis, dim in enumerate(shape)])
        rank = len(shape)
        if rank > 2:
            self.row_axis_box.setCurrentIndex(rank - 2)
            self.column_axis_box.setCurrentIndex(rank - 1)
        self._shown = self.axes()
        self._rebuild_others()
        self.setVisible(rank > 2)

    def axes(self) -> tuple[int, int]:
        if len(self._shape) <= 2:
            return (0, 1)
        return self.row_axis_box.currentIndex(), self.column_axis_box.currentIndex()

    def fixed(self) -> dict[int, int]:
        """Positions of the axes held fixed; axes not listed are summed over."""
        return {axis: box.value() for axis, box in self.other_boxes.items() if box.value() != SUM}

    def choose(self, rows: int, columns: int, fixed: dict[int, int] | None = None) -> None:
        """Show axes `rows` x `columns`, fixing the axes in `fixed` and summing the others."""
        self.row_axis_box.setCurrentIndex(rows)
        self.column_axis_box.setCurrentIndex(columns)
        self._shown = self.axes()
        self._rebuild_others(fixed or {})
        self.sig_changed.emit()

    def _on_axis_chosen(self, box: QComboBox) -> None:
        is_rows = box is self.row_axis_box
        other = self.column_axis_box if is_rows else self.row_axis_box
        if box.currentIndex() == other.currentIndex():  # the same axis twice: swap them
            other.setCurrentIndex(self._shown[0 if is_rows else 1])
        self._shown = self.axes()
        self._rebuild_others(self.fixed())
        self.sig_changed.emit()

    def _rebuild_others(self, fixed: dict[int, int] | None = None) -> None:
        fixed = fixed or {}
        while self._others.count():
            widget = self._others.takeAt(0).widget()
            widget.hide()
            widget.deleteLater()
        self.other_boxes = {}
        shown = self.axes()
        for axis, dim in enumerate(self._shape):
            if axis in shown:
                continue
            box = QSpinBox()
            box.setRange(SUM, min(max(dim - 1, 0), MAX_SPIN))
            box.setSpecialValueText("sum")  # shown for the minimum, SUM
            box.setValue(fixed.get(axis, SUM))
            box.setToolTip(f"Axis {axis}: sum over it, or fix one position")
            box.valueChanged.connect(self.sig_changed)
            self._others.addWidget(QLabel(f"axis {axis}:"))
            self._others.addWidget(box)
            self.other_boxes[axis] = box
