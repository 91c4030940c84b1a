"""The detail pane of a sparse tensor: summary, problems, actions, pattern, entries, histograms.

The indices are read once, in a background job, when the tensor is selected; the pattern plot,
the histograms and the summary then work on that array. The entries table and the values
histogram read from the checkpoint themselves.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.checkpoint import Checkpoint, display_name
from explorer.core.dtypes import display_name as dtype_display_name
from explorer.core.errors import CheckpointError
from explorer.core.formatting import shape_text
from explorer.core.sparse import SparseTensor
from explorer.ui.array_table_model import ArrayTableModel
from explorer.ui.axis_chooser import AxisChooser
from explorer.ui.coo_table_model import CooTableModel
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR
from explorer.ui.plot_style import follow_palette, mix
from explorer.ui.sparse_actions import SparseActions
from explorer.ui.sparse_data import DENSE_PREVIEW_LIMIT, SparseData, load_sparse, unusable_reason
from explorer.ui.sparse_histograms import SparseHistograms
from explorer.ui.sparse_pattern_plot import SparsePatternPlot
from explorer.ui.sparse_text import density, percent_text, problems_lines

PROBLEM_TINT = QColor(224, 176, 64)
VALID_TINT = QColor(139, 195, 74)
TINT_AMOUNT = 0.25
DENSE_NOTE = (
    "The dense tensor: duplicate entries add up; entries outside the dense shape are left out."
)


def summary_html(fields: dict[str, str], members: Iterable[str]) -> str:
    """The fields two to a line (the pane is wide, the plots want its height), then members."""
    cells = [
        f"<td>{html.escape(caption)}:</td><td style='padding-right: 24px'>{html.escape(value)}</td>"
        for caption, value in fields.items()
    ]
    rows = ["".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
    rows.append(f"<td>Variables:</td><td colspan='3'>{html.escape(', '.join(members))}</td>")
    return "<table cellspacing='2'>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def tinted_box_style(tint: QColor, palette: QPalette) -> str:
    """A label boxed in `tint`, on the palette's base colour tinted with it: light on a light
    desktop, dark on a dark one, its text in the palette's text colour."""
    background = mix(palette.color(QPalette.ColorRole.Base), tint, TINT_AMOUNT)
    text = palette.color(QPalette.ColorRole.Text)
    return (
        f"QLabel {{ background: {background.name()}; color: {text.name()}; "
        f"border: 1px solid {tint.name()}; padding: 6px; }}"
    )


class SparseDetailPane(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._checkpoint: Checkpoint | None = None
        self._sparse: SparseTensor | None = None
        self._checked = False
        self._data: SparseData | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_loaded)
        self._jobs.sig_failed.connect(self._on_failed)

        self.title = QLabel()
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QLabel()
        self.problems.setObjectName("sparseProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._problems_tint = VALID_TINT
        # The pane, not the label: a widget with a style sheet hears of no palette change.
        follow_palette(self, lambda _palette: self._style_problems())
        self.actions = SparseActions()
        self.progress = JobProgress(self._jobs)

        self.axes_bar = AxisChooser(can_sum=True)
        self.axes_bar.sig_changed.connect(self._show_plane)
        self.pattern = SparsePatternPlot()
        pattern_page = QWidget()
        pattern_layout = QVBoxLayout(pattern_page)
        pattern_layout.addWidget(self.axes_bar)
        pattern_layout.addWidget(self.pattern, 1)
        self.entries = CooTableModel(self)
        self.entries.sig_read_failed.connect(lambda text: self.sig_log.emit(ERROR, text))
        self.entries_table = QTableView()
        self.entries_table.setObjectName("sparseEntries")
        self.entries_table.setModel(self.entries)
        self.entries_table.setTabKeyNavigation(False)  # Tab moves on; arrows move in the table
        self.histograms = SparseHistograms()
        self.dense_note = QLabel()
        self.dense_note.setWordWrap(True)
        self.dense = ArrayTableModel(self)
        self.dense_table = QTableView()
        self.dense_table.setModel(self.dense)
        self.dense_table.setTabKeyNavigation(False)
        dense_page = QWidget()
        dense_layout = QVBoxLayout(dense_page)
        dense_layout.addWidget(self.dense_note)
        dense_layout.addWidget(self.dense_table, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(pattern_page, "Pattern")
        self.tabs.addTab(self.entries_table, "Entries")
        self.tabs.addTab(self.histograms, "Histograms")
        self.tabs.addTab(dense_page, "Dense preview")
        for part in (self.actions, self.pattern, self.histograms):
            part.sig_log.connect(self.sig_log)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.summary, self.problems, self.actions, self.progress):
            layout.addWidget(widget)
        for label in (self.summary, self.problems):  # the plots give way, never these
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.tabs, 1)

    def show_sparse(
        self, checkpoint: Checkpoint | None, sparse: SparseTensor | None, checked: bool = False
    ) -> None:
        """Describe `sparse`; `checked` says whether its indices have been validated yet.

        The same tensor again (now validated) only updates the summary and the problems.
        """
        same = (
            checkpoint is not None
            and checkpoint is self._checkpoint
            and sparse is not None
            and self._sparse is not None
            and sparse.indices == self._sparse.indices
        )
        self._checkpoint, self._sparse, self._checked = checkpoint, sparse, checked
        prefix = str(checkpoint.prefix) if checkpoint is not None else ""
        self.actions.set_target(prefix, sparse)
        if not same:
            self._load()
        self._describe()

    def data(self) -> SparseData | None:
        """What the background job read, once it has finished."""
        return self._data

    def summary_fields(self) -> dict[str, str]:
        """The summary on display, caption by caption."""
        sparse, data = self._sparse, self._data
        if sparse is None:
            return {}
        fields = {"Entries (nnz)": f"{sparse.nnz:,}" if sparse.nnz is not None else "—"}
        shape = data.shape if data is not None else sparse.shape
        if shape is not None:
            fields["Dense shape"] = shape_text(shape)
            fraction = density(sparse.nnz, shape)
            if fraction is not None:
                fields["Density"] = percent_text(fraction)
        if self._checkpoint is not None:
            values = self._checkpoint.reader.info(sparse.values)
            fields["Values"] = dtype_display_name(values.tf_dtype)
        for profile in data.profiles if data is not None else []:
            low, mean, high = profile.summary
            what = (
                ("row", "column")[profile.axis]
                if len(data.shape) == 2
                else f"axis {profile.axis} position"
            )
            fields[f"Entries per {what}"] = f"min {low:,}, mean {mean:.4g}, max {high:,}"
        return fields

    def problem_lines(self) -> list[str]:
        text = self.problems.text()
        return text.splitlines() if text else []

    def has_pending(self) -> bool:
        parts = (self.actions, self.pattern, self.histograms)
        return self._jobs.has_pending() or any(part.has_pending() for part in parts)

    def shutdown(self) -> None:
        self._jobs.cancel()
        for part in (self.actions, self.pattern, self.histograms):
            part.shutdown()

    def _describe(self) -> None:
        sparse = self._sparse
        self.title.setText(sparse.name if sparse is not None else "")
        if sparse is None:
            self.summary.clear()
            self.problems.setVisible(False)
            return
        members = (sparse.indices, sparse.values, sparse.dense_shape)
        self.summary.setText(summary_html(self.summary_fields(), map(display_name, members)))
        self.problems.setText("\n".join(problems_lines(sparse, self._checked)))
        self._problems_tint = PROBLEM_TINT if sparse.problems else VALID_TINT
        self._style_problems()
        self.problems.setVisible(True)

    def _style_problems(self) -> None:
        sheet = tinted_box_style(self._problems_tint, self.palette())
        if sheet != self.problems.styleSheet():  # a new style sheet is itself a palette change
            self.problems.setStyleSheet(sheet)

    def _load(self) -> None:
        self._jobs.cancel()
        self._data = None
        self.axes_bar.set_shape(())
        self.histograms.show_profiles(None, None)
        self.dense.set_array(None)
        self.entries.set_entries(None, None)
        self.histograms.show_values(None)
        checkpoint, sparse = self._checkpoint, self._sparse
        if checkpoint is None or sparse is None:
            self._show_message("")
            return
        reader = checkpoint.reader
        try:
            indices, values = reader.tensor(sparse.indices), reader.tensor(sparse.values)
            reason = unusable_reason(reader, sparse)
        except CheckpointError as exc:
            self.sig_log.emit(ERROR, str(exc))
            self._show_message(str(exc))
            return
        if indices.ndim == 2 and values.ndim == 1:
            self.entries.set_entries(indices, values)
        self.histograms.show_values(values if values.ndim == 1 else None)
        if reason:
            self._show_message(f"Nothing to draw: {reason[0].lower()}{reason[1:]}")
            return
        self._show_message(f"Reading {sparse.nnz:,} indices…")
        self._jobs.start(load_sparse, reader, sparse)

    def _show_message(self, text: str) -> None:
        """Say why (or that not yet) there is no pattern and no dense preview."""
        self.pattern.set_plane(None, message=text)
        self.dense_note.setText(text)

    def _on_loaded(self, data: SparseData) -> None:
        self._data = data
        self.entries.set_shape(data.shape)
        self.axes_bar.set_shape(data.shape)
        self._show_plane()
        if data.dense is not None:
            self.dense.set_array(data.dense)
            self.dense_note.setText(DENSE_NOTE)
        else:
            self.dense_note.setText(
                f"A dense preview is shown for rank-2 tensors of at most {DENSE_PREVIEW_LIMIT:,} "
                "cells with numeric values."
            )
        self._describe()

    def _show_plane(self) -> None:
        data = self._data
        if data is None:
            return
        if len(data.shape) < 2:
            self.pattern.set_plane(
                None, message="Patterns are drawn for tensors of rank 2 or more."
            )
            self.histograms.show_profiles(data.profiles[0] if data.profiles else None, None)
            return
        rows, columns = self.axes_bar.axes()
        extent = (data.shape[rows], data.shape[columns])
        if min(extent) <= 0:
            self.pattern.set_plane(None, message="The dense shape has no cells to draw.")
            return
        fixed = self.axes_bar.fixed()
        self.pattern.set_plane(data.columns, (rows, columns), fixed, extent)
        self.histograms.show_profiles(
            data.profiles[rows], data.profiles[columns], whole_tensor=bool(fixed)
        )

    def _on_failed(self, failure: JobFailure) -> None:
        self._show_message(f"The indices could not be read: {failure.error}")
        self.sig_log.emit(ERROR, f"Reading sparse indices failed.\n{failure.traceback}")
