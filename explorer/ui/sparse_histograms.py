"""Histograms of a sparse tensor: entries per row, entries per column, and the values."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.stats import Statistics, is_numeric, iter_statistics
from explorer.core.tensor import LazyTensor
from explorer.ui.formatting import kind_of_values
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR
from explorer.ui.plot_style import style_plot
from explorer.ui.sparse_data import AxisProfile

_BAR_BRUSH = (70, 130, 200, 170)


def _histogram_plot(title: str, x_label: str) -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    widget = pg.PlotWidget()
    plot = widget.getPlotItem()
    style_plot(plot, widget)
    plot.setTitle(title)
    plot.setLabel("bottom", x_label)
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    # No label on the counts axis: beside counts in the millions it would overlap the ticks.
    plot.setMouseEnabled(y=False)
    return widget, plot.plot(stepMode="center", fillLevel=0, brush=_BAR_BRUSH)


class SparseHistograms(QWidget):
    """The values' histogram comes from a background job over the values tensor, run only
    while this widget is visible: unseen, it is not worth reading millions of values for."""

    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._statistics: Statistics | None = None
        self._values: LazyTensor | None = None
        self._histogrammed: LazyTensor | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_statistics)
        self._jobs.sig_failed.connect(self._on_failed)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = JobProgress(self._jobs)
        self.progress.sig_cancel_clicked.connect(self._on_cancelled)
        self.rows_plot, self._rows_bars = _histogram_plot("Entries per row", "entries")
        self.columns_plot, self._columns_bars = _histogram_plot("Entries per column", "entries")
        self.values_plot, self._values_bars = _histogram_plot("Values", "value")
        plots = QHBoxLayout()
        for widget in (self.rows_plot, self.columns_plot, self.values_plot):
            plots.addWidget(widget, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(plots, 1)

    def show_profiles(
        self, rows: AxisProfile | None, columns: AxisProfile | None, whole_tensor: bool = False
    ) -> None:
        """Positions by entries along the axes shown as rows and columns (None clears).

        `whole_tensor`: the pattern shows a slice (some axes fixed) but the counts are over
        every entry, and the titles say so.
        """
        for widget, bars, profile, what in (
            (self.rows_plot, self._rows_bars, rows, "row"),
            (self.columns_plot, self._columns_bars, columns, "column"),
        ):
            if profile is None:
                bars.clear()
                continue
            named = (
                what if profile.axis == ("row", "column").index(what) else f"axis {profile.axis}"
            )
            scope = " (whole tensor)" if whole_tensor else ""
            widget.getPlotItem().setTitle(f"Entries per {named}{scope}")
            bars.setData(profile.hist_edges, profile.hist_counts)

    def show_values(self, values: LazyTensor | None) -> None:
        """Histogram the values in a background job; non-numeric values get none."""
        self._jobs.cancel()
        self._statistics = None
        self._values = self._histogrammed = None
        self._values_bars.clear()
        if values is None:
            self.status.setText("")
        elif not is_numeric(values.dtype):
            self.status.setText(f"{kind_of_values(values.dtype)} values have no histogram.")
        else:
            self._values = values
            self.status.setText("")
            if self.isVisible():
                self._histogram_values()

    def value_statistics(self) -> Statistics | None:
        """The statistics of the values on display, once their job has finished."""
        return self._statistics

    def profile_bars(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Counts drawn in the entries-per-row and entries-per-column histograms."""
        return self._rows_bars.yData, self._columns_bars.yData

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._values is not None and self._histogrammed is not self._values:
            self._histogram_values()

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._jobs.cancel()

    def _histogram_values(self) -> None:
        assert self._values is not None
        self._histogrammed = self._values
        self.status.setText(f"Reading {self._values.size:,} values…")
        self._jobs.start(iter_statistics, self._values)

    def _on_statistics(self, statistics: Statistics) -> None:
        self._statistics = statistics
        low, high = statistics.min, statistics.max
        span = "" if low is None else f", from {low:.6g} to {high:.6g}"
        self.status.setText(f"{statistics.count:,} values{span}.")
        if len(statistics.hist_counts):
            self._values_bars.setData(statistics.hist_edges, statistics.hist_counts)

    def _on_cancelled(self) -> None:
        self._histogrammed = None  # read them when shown next
        self.status.setText("Cancelled.")

    def _on_failed(self, failure: JobFailure) -> None:
        self.status.setText(f"The values could not be read: {failure.error}")
        self.sig_log.emit(ERROR, f"Histogram of sparse values failed.\n{failure.traceback}")
