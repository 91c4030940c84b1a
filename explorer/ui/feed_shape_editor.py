"""The shape of a sample: one field per dimension, those the input fixes read-only.

Dimensions the input leaves open (the batch dimension above all) are typed in; when even the
rank is open a spin box chooses it. A sample loaded from elsewhere may disagree with the input
(a file of the wrong shape): the editor then shows the sample's shape as it is, and the check
below the editor says what is wrong.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from explorer.core.model_spec import Shape

DEFAULT_OPEN_DIM = 1
DEFAULT_RANK = 2  # when the input does not say: a batch of feature rows
MAX_RANK = 8
MAX_SIZE = 2**63 - 1
FIELD_DIGITS = 12
FIELD_PADDING = 12  # the line edit's frame and margins
FIXED_STYLE = 'QLineEdit[readOnly="true"] { color: palette(mid); background: palette(window); }'


class SizeValidator(QValidator):
    """Sizes as TensorFlow holds them: whole numbers from 0 to 2**63 - 1 (int64)."""

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if not text:
            return QValidator.State.Intermediate, text, pos
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_SIZE:
            return QValidator.State.Invalid, text, pos
        return QValidator.State.Acceptable, text, pos


def default_shape(spec_shape: Shape | None) -> tuple[int, ...]:
    """What a new sample's shape starts as: known dims as given, open ones 1."""
    if spec_shape is None:
        return (DEFAULT_OPEN_DIM,) * DEFAULT_RANK
    return tuple(DEFAULT_OPEN_DIM if dim is None else dim for dim in spec_shape)


class ShapeEditor(QWidget):
    sig_changed = Signal()
    """The shape was edited (or set)."""

    def __init__(self, spec_shape: Shape | None, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._spec_shape = spec_shape
        self._fields: list[QLineEdit] = []
        self._validator = SizeValidator(self)
        self._fixed_everywhere = False
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(caption)
        self._layout.addWidget(self.caption)
        self.rank_box: QSpinBox | None = None
        if spec_shape is None:
            self.rank_box = QSpinBox()
            self.rank_box.setRange(1, MAX_RANK)
            self.rank_box.setPrefix("rank ")
            self.rank_box.setToolTip("The input does not fix its rank")
            self.rank_box.valueChanged.connect(self._on_rank)
            self._layout.addWidget(self.rank_box)
        self._dims = QHBoxLayout()
        self._dims.setSpacing(2)
        self._layout.addLayout(self._dims)
        self._layout.addStretch(1)
        self.setStyleSheet(FIXED_STYLE)
        self.set_shape(default_shape(spec_shape))

    def shape(self) -> tuple[int, ...]:
        return tuple(int(field.text() or 0) for field in self._fields)

    def set_shape(self, shape: tuple[int, ...]) -> None:
        """Show `shape`, rebuilding the fields if its rank changed; no sig_changed."""
        if len(shape) != len(self._fields):
            self._build(len(shape))
        for field, dim in zip(self._fields, shape, strict=True):
            with QSignalBlocker(field):
                field.setText(str(int(dim)))

    def set_all_fixed(self, fixed: bool) -> None:
        """Make every field read-only, for samples whose shape comes with their values."""
        self._fixed_everywhere = fixed
        self._update_read_only()
        if self.rank_box is not None:
            self.rank_box.setEnabled(not fixed)

    def open_axes(self) -> list[int]:
        """The dimensions one can type."""
        return [axis for axis, field in enumerate(self._fields) if not field.isReadOnly()]

    def fields(self) -> list[QLineEdit]:
        return list(self._fields)

    def _open(self, axis: int) -> bool:
        spec = self._spec_shape
        if spec is None:
            return True
        return len(spec) == len(self._fields) and spec[axis] is None

    def _build(self, rank: int) -> None:
        while self._dims.count():
            widget = self._dims.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self._fields = []
        for axis in range(rank):
            if axis:
                self._dims.addWidget(QLabel("×"))
            field = QLineEdit()
            field.setValidator(self._validator)
            digits = field.fontMetrics().horizontalAdvance("0" * FIELD_DIGITS)
            field.setMinimumWidth(digits // 2 + FIELD_PADDING)  # "1000" stays whole
            field.setMaximumWidth(digits + FIELD_PADDING)
            field.textEdited.connect(lambda _text: self.sig_changed.emit())
            self._fields.append(field)
            self._dims.addWidget(field)
        if self.rank_box is not None:
            with QSignalBlocker(self.rank_box):
                self.rank_box.setValue(max(1, rank))
        self._update_read_only()

    def _update_buddy(self) -> None:
        """The caption's shortcut goes to the first size one can type, else the rank."""
        editable = [field for field in self._fields if not field.isReadOnly()]
        self.caption.setBuddy(editable[0] if editable else self.rank_box)

    def _update_read_only(self) -> None:
        for axis, field in enumerate(self._fields):
            fixed = self._fixed_everywhere or not self._open(axis)
            field.setReadOnly(fixed)
            # Tab moves between the sizes one can type; fixed ones can still be clicked and copied.
            field.setFocusPolicy(Qt.FocusPolicy.ClickFocus if fixed else Qt.FocusPolicy.StrongFocus)
            if not self._open(axis):
                field.setToolTip("Fixed by the input")
            else:
                field.setToolTip("Given by the sample" if fixed else f"Size of dimension {axis}")
            field.style().unpolish(field)  # the stylesheet looks at readOnly
            field.style().polish(field)
        self._update_buddy()

    def _on_rank(self, rank: int) -> None:
        old = self.shape()
        self.set_shape(tuple(old[:rank]) + (DEFAULT_OPEN_DIM,) * max(0, rank - len(old)))
        self.sig_changed.emit()
