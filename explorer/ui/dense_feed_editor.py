"""The builder of a dense sample: a constant, random values, an array file, or a sparse sample
densified; with a preview of the first values.

The open dimensions of the input's shape (the batch dimension) are typed in for constants and
random values; an array from a file or a densified sample brings its own shape. Large samples
are made (drawn, filled, densified) in the background along with their check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial

import numpy as np
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from explorer.core.errors import FeedError
from explorer.core.feed_dtypes import feed_dtype, parse_value
from explorer.core.feed_files import load_feed_file
from explorer.core.formatting import shape_text
from explorer.core.model_spec import InputSpec, SparseArray, Value
from explorer.core.random_feeds import constant_dense, densify, random_dense
from explorer.ui.feed_editor import FeedEditor, Recipe, given
from explorer.ui.feed_random_dialog import distribution_box, seed_box
from explorer.ui.feed_shape_editor import ShapeEditor
from explorer.ui.formatting import value_text
from explorer.ui.sparse_feed_editor import NPZ_FILTER, load_sparse_file

ARRAY_FILTER = "Arrays (*.npy *.npz);;All files (*)"
PREVIEW_ITEMS = 12
PREVIEW_CHARS = 40  # per item: long strings are cut
FROM_FILE = "\x00file"  # the densify source that is a file rather than a sparse input
SparseSources = Callable[[], Mapping[str, Value | None]]
"""The current samples of the sparse inputs, by name (None where there is none)."""

MODES = {
    "default": "Nothing: use the input's default",
    "constant": "A constant",
    "random": "Random values",
    "array": "An array file (.npy, .npz)",
    "densify": "A sparse sample, densified",
}


class DenseFeedEditor(FeedEditor):
    def __init__(
        self,
        spec: InputSpec,
        sparse_sources: SparseSources | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(spec, parent)
        self._dtype = feed_dtype(spec)
        self._sources = sparse_sources or dict
        self._array: np.ndarray | None = None  # from a file or set_value
        self._sparse_file: SparseArray | None = None
        self._sparse_file_name = ""

        self.mode_box = QComboBox()
        for mode, text in MODES.items():
            if mode != "default" or spec.optional:
                self.mode_box.addItem(text, mode)
        self.mode_box.currentIndexChanged.connect(self._on_mode)
        self.shape_editor = ShapeEditor(spec.shape, "Shap&e:")
        self.shape_editor.sig_changed.connect(self.edited)

        self.constant = QLineEdit("" if self._dtype.kind == "O" else "0")
        self.constant.setToolTip(f"One {_dtype_word(self._dtype)} value for every element")
        self.constant.textEdited.connect(lambda _text: self.edited())
        self.distribution = distribution_box(spec.dtype)
        self.distribution.currentIndexChanged.connect(lambda _index: self.edited())
        self.seed = seed_box()
        self.seed.valueChanged.connect(lambda _seed: self.edited())
        self.array_label = QLabel("No file chosen.")
        self.array_label.setWordWrap(True)
        self.array_button = QPushButton("Choose f&ile…")
        self.array_button.clicked.connect(self._ask_array_file)
        self.source_box = QComboBox()
        self.source_box.activated.connect(self._on_source_chosen)

        self.options = QStackedWidget()
        self._pages: dict[str, QWidget] = {}
        self._add_page("default", [])
        self._add_page("constant", [("Val&ue:", self.constant)])
        self._add_page("random", [("Val&ues:", self.distribution), ("Seed:", self.seed)])
        self._add_page("array", [("", _row(self.array_label, self.array_button))])
        self._add_page("densify", [("So&urce:", self.source_box)])

        self.preview = QLabel()
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setWordWrap(True)
        form = QFormLayout()
        mode_label = QLabel("Fill &with:")
        mode_label.setBuddy(self.mode_box)
        form.addRow(mode_label, self.mode_box)
        form.addRow(self.shape_editor)
        self.body.addLayout(form)
        self.body.addWidget(self.options)
        self.body.addWidget(self.preview)
        self.body.addWidget(self.problem_label)
        self.body.addStretch(1)
        self.refresh_sources()
        self._on_mode()

    def _add_page(self, mode: str, rows: list[tuple[str, QWidget]]) -> None:
        page = QWidget()
        layout = QFormLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        for caption, widget in rows:
            if not caption:
                layout.addRow(widget)
                continue
            label = QLabel(caption)
            label.setBuddy(widget)
            layout.addRow(label, widget)
        self._pages[mode] = page
        self.options.addWidget(page)

    def mode(self) -> str:
        return str(self.mode_box.currentData())

    def set_mode(self, mode: str) -> None:
        self.mode_box.setCurrentIndex(self.mode_box.findData(mode))

    def _on_mode(self) -> None:
        mode = self.mode()
        for name, page in self._pages.items():  # the stack takes the height of the page shown
            ignored = QSizePolicy.Policy.Ignored
            page.setSizePolicy(QSizePolicy() if name == mode else QSizePolicy(ignored, ignored))
        self.options.setCurrentWidget(self._pages[mode])
        self.options.adjustSize()
        self.shape_editor.setVisible(mode != "default" and self.spec.shape != ())
        self.shape_editor.set_all_fixed(mode in ("array", "densify"))
        self.edited()

    # --- the sample ------------------------------------------------------------------------

    def recipe(self) -> Recipe:
        """How the mode makes the sample (random values are drawn in the background when
        many); FeedError says why it cannot be made."""
        mode = self.mode()
        if mode == "default":
            return Recipe(partial(given, None), 0)
        if mode in ("constant", "random"):
            shape = self.shape_editor.shape()
            size = math.prod(shape)
            if mode == "random":
                distribution = str(self.distribution.currentData())
                seed = self.seed.value()
                return Recipe(
                    partial(random_dense, shape, self.spec.dtype, distribution, seed), size
                )
            try:
                value = parse_value(self.constant.text(), self._dtype)
            except ValueError as exc:
                raise FeedError(
                    f"The constant for '{self.spec.name}' is not taken: {exc}."
                ) from None
            return Recipe(partial(constant_dense, shape, self.spec.dtype, value), size)
        if mode == "array":
            size = 0 if self._array is None else int(self._array.size)
            return Recipe(partial(given, self._array), size)
        return self._densified()

    def missing_text(self) -> str:
        if self.mode() == "array":
            return f"Choose an array file for '{self.spec.name}'."
        return f"Choose the sparse sample to densify for '{self.spec.name}'."

    def _densified(self) -> Recipe:
        source = self.source_box.currentData()
        if source is None:
            return Recipe(partial(given, None), 0)  # nothing chosen yet
        sample = self._sparse_file if source == FROM_FILE else self._sources().get(source)
        if not isinstance(sample, SparseArray):
            raise FeedError(f"'{source}' has no valid sample to densify.")
        cells = math.prod(int(dim) for dim in sample.dense_shape)
        return Recipe(partial(densify, sample), cells)

    def show_checked(self, value: Value | None) -> None:
        array = value if isinstance(value, np.ndarray) else None
        if array is not None and self.mode() in ("array", "densify"):
            self.shape_editor.set_shape(array.shape)
        if array is None:
            self.preview.setText("")
            return
        flat = array.reshape(-1)[:PREVIEW_ITEMS]
        items = ", ".join(value_text(item, PREVIEW_CHARS) for item in flat)
        more = ", …" if array.size > PREVIEW_ITEMS else ""
        dtype = _dtype_word(array.dtype)
        self.preview.setText(f"{shape_text(array.shape)} {dtype}: [{items}{more}]")

    def set_value(self, value: Value) -> None:
        """Hold an array given from elsewhere (a file, or the feed of an earlier run)."""
        if isinstance(value, SparseArray):
            self.note(f"'{self.spec.name}' is dense: densify the sparse sample first.")
            return
        self._show_array(np.asarray(value), "the value given")

    def _show_array(self, array: np.ndarray, origin: str) -> None:
        self._array = array
        self.array_label.setText(f"From {origin}.")
        self.set_mode("array")
        self.edited()

    # --- arrays and sparse samples from elsewhere ------------------------------------------

    def _ask_array_file(self) -> None:
        path = self.choose_file(f"Array for '{self.spec.name}'", ARRAY_FILTER)
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Load an array; a sparse file is densified (the source then shows it)."""
        then = partial(self._on_file, path=str(path))
        self.start_job(f"reading {path}…", load_feed_file, str(path), then=then)

    def _on_file(self, value: Value, path: str) -> None:
        if isinstance(value, SparseArray):
            self._use_sparse_file(value, path)
        else:
            self._show_array(value, path)

    def load_sparse_file(self, path: str) -> None:
        """Densify the sparse sample of an .npz file."""
        then = partial(self._use_sparse_file, path=str(path))
        self.start_job(f"reading {path}…", load_sparse_file, str(path), then=then)

    def _use_sparse_file(self, value: SparseArray, path: str) -> None:
        self._sparse_file, self._sparse_file_name = value, path
        self.refresh_sources()
        self.source_box.setCurrentIndex(self.source_box.findData(FROM_FILE))
        self.set_mode("densify")
        self.edited()

    def refresh_sources(self) -> None:
        """List the sparse inputs to densify (call when their samples change)."""
        chosen = self.source_box.currentData()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        for name in self._sources():
            self.source_box.addItem(f"the sample of '{name}'", name)
        if self._sparse_file is not None:
            self.source_box.addItem(self._sparse_file_name, FROM_FILE)
        self.source_box.addItem("A sparse .npz file…", None)
        found = self.source_box.findData(chosen) if chosen is not None else -1
        self.source_box.setCurrentIndex(max(found, 0))
        self.source_box.blockSignals(False)
        if self.mode() == "densify":
            self.edited()

    def densify_source(self, name: str) -> None:
        """Densify the current sample of the sparse input `name`."""
        self.source_box.setCurrentIndex(self.source_box.findData(name))
        self.set_mode("densify")
        self.edited()

    def _on_source_chosen(self, index: int) -> None:
        if self.source_box.itemData(index) is None:  # "A sparse .npz file…"
            path = self.choose_file(f"Sparse sample to densify for '{self.spec.name}'", NPZ_FILTER)
            if path:
                self.load_sparse_file(path)
            return
        self.edited()


def _dtype_word(dtype: np.dtype) -> str:
    return "string" if dtype.kind == "O" else dtype.name


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.setStretch(0, 1)
    return row
