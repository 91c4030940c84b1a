"""The builder of a sparse sample: its dense shape and a table of (index, value) rows.

Rows are typed, pasted (any of the line forms pasted_rows reads), drawn at random, taken from
one of the checkpoint's sparse tensors or loaded from an .npz; the last three run in the
background. The check runs as you type; the entry a problem is about is highlighted. Entries
keep the order they are given in: an unsorted sample is fed unsorted, with a note under the
table and a button that sorts it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from functools import partial

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QWidget,
)

from explorer.core.errors import FeedError
from explorer.core.feed_dtypes import convert_values, feed_dtype
from explorer.core.feed_files import load_feed_file
from explorer.core.feeds import (
    INT64_MAX,
    FeedEntryError,
    check_feed,
    order_note,
    sorted_entries,
)
from explorer.core.model_spec import InputSpec, SparseArray, Value
from explorer.core.pasted_rows import parse_row_arrays
from explorer.core.random_feeds import random_sparse
from explorer.ui.feed_editor import FeedEditor, Recipe, given
from explorer.ui.feed_random_dialog import RandomChoice, ask_random
from explorer.ui.feed_rows_model import FeedRowsModel
from explorer.ui.feed_shape_editor import ShapeEditor
from explorer.ui.plot_style import NOTE, colour_text
from explorer.ui.sparse_text import density as density_of
from explorer.ui.sparse_text import percent_text

NPZ_FILTER = "Sparse samples (*.npz);;All files (*)"
CheckpointLoaders = Mapping[str, Callable[[], SparseArray]]
TIPS = {
    "fit": "Make the open dimensions just large enough for the entries",
    "add": "Add an entry after the last one",
    "remove": "Remove the selected entries (Delete)",
    "paste": "Add rows from the clipboard, an entry a line such as '0 5 1.5' or '[0, 5] 1.5' "
    "(Ctrl+V)",
    "clear": "Remove every entry",
    "random": "Fill with random entries",
    "file": "Load indices, values and dense_shape (or a scipy.sparse file) from an .npz",
    "sort": "Put the entries in row-major order, each value moving with its index",
}


def load_sparse_file(path: str) -> SparseArray:
    """A sparse sample from a file, in the background; a dense file is refused."""
    value = load_feed_file(path)
    if not isinstance(value, SparseArray):
        raise FeedError(f"{path} holds a dense value, not a sparse one.")
    return value


def _fits_table(indices: np.ndarray, values: np.ndarray, shape: np.ndarray) -> bool:
    """Whether a sample has the structure the rows table can hold (its content may be wrong)."""
    shape_fits = shape.ndim == 1 and shape.dtype.kind in "iu"
    indices_fit = indices.ndim == 2 and indices.dtype.kind in "iuf"
    return (
        shape_fits
        and indices_fit
        and indices.shape[1] == shape.shape[0]
        and (values.shape == indices.shape[:1])
    )


def _structure_problem(spec: InputSpec, value: SparseArray) -> str:
    try:
        check_feed(spec, value)
    except FeedError as exc:
        return str(exc)
    return f"The sample for '{spec.name}' cannot be shown as rows."


class RowsView(QTableView):
    """The rows table; Ctrl+V pastes rows, Ctrl+C copies them, Delete removes them."""

    def __init__(self, editor: SparseFeedEditor):
        super().__init__()  # parented by the layout, so Tab reaches it after the buttons
        self._editor = editor

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.matches(QKeySequence.StandardKey.Paste):
            self._editor.paste()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self._editor.copy_selected()
        elif event.key() == Qt.Key.Key_Delete and self.state() != self.State.EditingState:
            self._editor.remove_selected()
        else:
            super().keyPressEvent(event)


class SparseFeedEditor(FeedEditor):
    def __init__(
        self,
        spec: InputSpec,
        checkpoint_sparse: CheckpointLoaders | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(spec, parent)
        self._loaders = dict(checkpoint_sparse or {})
        self._fault: FeedEntryError | None = None
        self.ask_random: Callable[[], RandomChoice | None] = lambda: ask_random(
            self.shape_editor.shape(), spec.dtype, self
        )
        self.shape_editor = ShapeEditor(spec.shape, "D&ense shape:")
        self.shape_editor.sig_changed.connect(self._on_shape_edited)
        if spec.shape_fixed:
            self.shape_editor.set_all_fixed(True)
        self.fit_button = self._button("F&it", TIPS["fit"], self.fit_shape)
        self.fit_button.setEnabled(bool(self.shape_editor.open_axes()))
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.shape_editor, 1)
        top.addWidget(self.fit_button)
        top.addWidget(self.count_label)

        self.model = FeedRowsModel(len(self.shape_editor.shape()), feed_dtype(spec), self)
        self.model.sig_edited.connect(self.edited)
        self.model.sig_refused.connect(self.note)
        self.table = RowsView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setTabKeyNavigation(False)  # Tab moves on to Run; arrows move between cells

        self.add_button = self._button("Add ro&w", TIPS["add"], self.add_row)
        self.remove_button = self._button("Remove", TIPS["remove"], self.remove_selected)
        self.paste_button = self._button("Paste", TIPS["paste"], self.paste)
        self.clear_button = self._button("Clear", TIPS["clear"], self.clear)
        self.random_button = self._button("Ra&ndom…", TIPS["random"], self._ask_random)
        self.checkpoint_button = QPushButton("From chec&kpoint")
        self.checkpoint_menu = QMenu(self.checkpoint_button)
        self.checkpoint_button.setMenu(self.checkpoint_menu)
        self._fill_checkpoint_menu()
        self.file_button = self._button("Load .np&z…", TIPS["file"], self._ask_file)
        buttons = QGridLayout()
        row_buttons = (self.add_button, self.remove_button, self.paste_button, self.clear_button)
        fill_buttons = (self.random_button, self.checkpoint_button, self.file_button)
        for column, button in enumerate(row_buttons):
            buttons.addWidget(button, 0, column)
        for column, button in enumerate(fill_buttons):
            buttons.addWidget(button, 1, column)

        self.body.addLayout(top)
        self.body.addLayout(buttons)
        self.order_note = QLabel()
        self.order_note.setObjectName("feedOrderNote")
        self.order_note.setWordWrap(True)
        colour_text(self.order_note, NOTE)
        self.order_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sort_button = self._button("S&ort entries", TIPS["sort"], self.sort_entries)
        self.order_row = QWidget()
        order_layout = QHBoxLayout(self.order_row)
        order_layout.setContentsMargins(0, 0, 0, 0)
        order_layout.addWidget(self.order_note, 1)
        order_layout.addWidget(self.sort_button, 0, Qt.AlignmentFlag.AlignTop)
        self.order_row.setVisible(False)
        self.advise = order_note

        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.order_row)
        self.body.addWidget(self.problem_label)
        self.check_now()

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _fill_checkpoint_menu(self) -> None:
        self.checkpoint_menu.clear()
        for name in sorted(self._loaders):
            self.checkpoint_menu.addAction(name, lambda name=name: self.fill_from_checkpoint(name))
        self.checkpoint_button.setEnabled(bool(self._loaders))
        tip = "Take the entries of one of the checkpoint's sparse tensors"
        self.checkpoint_button.setToolTip(tip if self._loaders else "The checkpoint has none")

    # --- the sample ------------------------------------------------------------------------

    def dense_shape(self) -> tuple[int, ...]:
        return self.shape_editor.shape()

    def recipe(self) -> Recipe:
        """The rows as they are: no copy, since an edit drops a check still running on them."""
        indices, values = self.model.arrays()
        if self.spec.optional and not values.shape[0]:
            return Recipe(partial(given, None), 0)  # an optional input left empty is not fed
        shape = self.dense_shape()
        # A size beyond int64 (from a file) reaches the check, which names it.
        beyond = any(dim > INT64_MAX for dim in shape)
        dense_shape = np.asarray(shape, dtype=np.uint64 if beyond else np.int64)
        return Recipe(partial(SparseArray, indices, values, dense_shape), int(values.shape[0]))

    def set_value(self, value: Value) -> None:
        """Show a sample from elsewhere: values in the input's dtype when that is safe."""
        if not isinstance(value, SparseArray):
            self.note(f"'{self.spec.name}' is sparse: a dense array cannot fill it.")
            return
        indices, values = np.asarray(value.indices), np.asarray(value.values)
        shape = np.asarray(value.dense_shape)
        if not _fits_table(indices, values, shape):
            self.note(_structure_problem(self.spec, value))
            return
        fits_int64 = not indices.size or int(indices.max()) <= INT64_MAX
        if indices.dtype.kind in "iu" and fits_int64:
            indices = indices.astype(np.int64, copy=False)
        if values.dtype != feed_dtype(self.spec):  # (strings need no look at millions of items)
            with contextlib.suppress(FeedError):  # else kept as given: the check says what's wrong
                values = convert_values(self.spec, values)
        self.shape_editor.set_shape(tuple(int(dim) for dim in shape))
        self.fit_button.setEnabled(bool(self.shape_editor.open_axes()))
        self.model.set_arrays(indices, values)  # an edit: the check follows

    def fit_shape(self) -> None:
        """Set each open dimension to one past the largest index in it."""
        indices, _ = self.model.arrays()
        shape = list(self.dense_shape())
        if not indices.shape[0] or indices.shape[1] != len(shape):
            return
        for axis in self.shape_editor.open_axes():
            shape[axis] = max(int(indices[:, axis].max()) + 1, 0)
        self.shape_editor.set_shape(tuple(shape))
        self.edited()

    def _on_shape_edited(self) -> None:
        self.model.set_rank(len(self.dense_shape()))
        self.edited()

    def value(self) -> SparseArray | None:
        """The sample when it passes the check: copies, so later edits do not reach it."""
        value = super().value()
        if not isinstance(value, SparseArray):
            return None
        return SparseArray(value.indices.copy(), value.values.copy(), value.dense_shape.copy())

    def edited(self) -> None:
        super().edited()
        self._update_count()

    def show_checked(self, value: Value | None) -> None:
        self._update_count()

    def _update_count(self) -> None:
        nnz = self.model.total_rows()
        fraction = density_of(nnz, self.dense_shape())
        dense = f" · {percent_text(fraction)} dense" if fraction is not None else ""
        self.count_label.setText(f"{nnz:,} entr{'y' if nnz == 1 else 'ies'}{dense}")

    def show_advice(self, advice: str | None) -> None:
        self.order_note.setText(advice or "")
        self.order_row.setVisible(bool(advice))

    def mark_fault(self, error: FeedEntryError | None) -> None:
        self._fault = error
        if error is None:
            self.model.set_fault(None)
        else:
            self.model.set_fault(error.entry, error.part)

    def show_fault(self) -> None:
        error = self._fault
        if error is None or error.entry >= self.model.total_rows():
            return
        self.model.ensure_loaded(error.entry)
        column = self.model.rank if error.part == "value" else 0
        index = self.model.index(error.entry, column)
        self.table.scrollTo(index)
        self.table.setCurrentIndex(index)
        self.table.setFocus()

    # --- editing the rows ------------------------------------------------------------------

    def add_row(self) -> None:
        row = self.model.add_row()
        if row < self.model.rowCount():
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
            self.table.setFocus()

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedIndexes()})

    def remove_selected(self) -> None:
        self.model.remove_rows(self.selected_rows())

    def clear(self) -> None:
        self.model.clear()

    def paste(self, text: str | None = None) -> bool:
        """Add the rows of `text` (the clipboard's by default); False and a note if refused."""
        text = QApplication.clipboard().text() if text is None else text
        try:
            indices, values = parse_row_arrays(text, self.model.rank, self.model.arrays()[1].dtype)
        except FeedError as exc:
            self.note(str(exc))
            return False
        self.model.append_rows(indices, values)
        return True

    def sort_entries(self) -> None:
        """Put the entries in row-major order, in the background (a sample that fails the
        check is left as it is: its problem comes first)."""
        if self.problem() is not None:
            return
        indices, values = self.model.arrays()
        sample = SparseArray(indices.copy(), values.copy(), np.asarray(self.dense_shape()))
        self.start_job("sorting the entries…", sorted_entries, sample)

    def copy_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            QApplication.clipboard().setText(self.model.rows_text(rows))

    # --- filling the sample from elsewhere -------------------------------------------------

    def _ask_random(self) -> None:
        choice = self.ask_random()
        if choice is not None:
            self.fill_random(choice.density, choice.distribution, choice.seed)

    def fill_random(self, density: float, distribution: str, seed: int) -> None:
        """Replace the rows by random_sparse's, drawn in the background."""
        shape, dtype = self.dense_shape(), self.spec.dtype
        what = "drawing a random sample…"
        self.start_job(what, random_sparse, shape, density, dtype, distribution, seed)

    def checkpoint_names(self) -> list[str]:
        return sorted(self._loaders)

    def fill_from_checkpoint(self, name: str) -> None:
        self.start_job(f"reading '{name}' from the checkpoint…", self._loaders[name])

    def _ask_file(self) -> None:
        path = self.choose_file(f"Sparse sample for '{self.spec.name}'", NPZ_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        self.start_job(f"reading {path}…", load_sparse_file, str(path))
