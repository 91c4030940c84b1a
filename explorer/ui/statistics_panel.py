"""Statistics and histogram of the selected tensor, computed in a cancellable background job."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.checkpoint import display_name
from explorer.core.stats import Statistics, is_numeric, iter_statistics
from explorer.core.tensor import LazyTensor
from explorer.ui.formatting import count_text, kind_of_values, number_text
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO
from explorer.ui.plot_style import style_plot

AUTO_LIMIT = 50_000_000
"""Tensors up to this many elements get statistics as soon as they are selected."""

FIELDS = ("count", "finite", "min", "max", "mean", "std", "zeros", "nans", "infs")
LABELS = {"nans": "NaN", "infs": "Inf", "std": "Std"}
_BAR_BRUSH = (70, 130, 200, 170)


class StatisticsPanel(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._tensor: LazyTensor | None = None
        self._statistics: Statistics | None = None
        self._started = 0.0
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_done)
        self._jobs.sig_failed.connect(self._on_failed)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.compute_button = QPushButton("Compute")
        self.compute_button.setVisible(False)
        self.compute_button.clicked.connect(self.compute)
        self.progress = JobProgress(self._jobs)
        self.progress.sig_cancel_clicked.connect(self._on_cancelled)

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for field in FIELDS:
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(LABELS.get(field, field.capitalize()), label)
            self.values[field] = label

        self.histogram = pg.PlotWidget()
        plot = self.histogram.getPlotItem()
        style_plot(plot, self.histogram)
        plot.setLabel("bottom", "value")
        plot.getAxis("bottom").enableAutoSIPrefix(False)  # "(x0.001)" reads as a unit
        plot.setLabel("left", "count")
        plot.setMouseEnabled(y=False)
        self._bars = plot.plot(stepMode="center", fillLevel=0, brush=_BAR_BRUSH)

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.compute_button)
        body = QHBoxLayout()
        body.addLayout(form)
        body.addWidget(self.histogram, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addLayout(body, 1)

    def show_tensor(self, tensor: LazyTensor | None, message: str = "") -> None:
        """Statistics of `tensor` (started now if small enough), or `message` when None."""
        if self._jobs.cancel():
            self.sig_log.emit(INFO, f"Statistics of '{self._name()}' cancelled by a new selection.")
        self._tensor = tensor
        self._show(None)
        self.compute_button.setVisible(False)
        if tensor is None:
            self.status.setText(message)
        elif not is_numeric(tensor.dtype):
            self._tensor = None
            self.status.setText(f"{kind_of_values(tensor.dtype)} values have no statistics.")
        elif tensor.size > AUTO_LIMIT:
            self.status.setText(f"{tensor.size:,} elements: press Compute to read them all.")
            self.compute_button.setVisible(True)
        else:
            self.compute()

    def compute(self) -> None:
        if self._tensor is None:
            return
        self.compute_button.setVisible(False)
        self.status.setText(f"Computing statistics of {self._tensor.size:,} elements…")
        self._started = time.perf_counter()
        self._jobs.start(iter_statistics, self._tensor)

    def statistics(self) -> Statistics | None:
        """The statistics on display, once their job has finished."""
        return self._statistics

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._jobs.cancel()

    def _name(self) -> str:
        return display_name(self._tensor.name) if self._tensor is not None else "?"

    def _on_cancelled(self) -> None:
        self.sig_log.emit(INFO, f"Statistics of '{self._name()}' cancelled.")
        self.status.setText("Cancelled.")
        self.compute_button.setVisible(True)

    def _on_done(self, statistics: Statistics) -> None:
        seconds = time.perf_counter() - self._started
        self.sig_log.emit(INFO, f"Statistics of '{self._name()}' computed in {seconds:.2f} s.")
        magnitude = " (min, max, mean and std of magnitudes)" if statistics.of_magnitude else ""
        self.status.setText(f"{count_text(statistics.count, 'element')}{magnitude}.")
        self._show(statistics)

    def _on_failed(self, failure: JobFailure) -> None:
        name = self._name()
        self.status.setText(f"Statistics of '{name}' failed: {failure.error}")
        self.sig_log.emit(ERROR, f"Statistics of '{name}' failed.\n{failure.traceback}")

    def _show(self, statistics: Statistics | None) -> None:
        self._statistics = statistics
        integral = self._tensor is not None and self._tensor.dtype.kind in "biu"
        for field, label in self.values.items():
            value = None if statistics is None else getattr(statistics, field)
            if value is None:
                label.setText("—")
            elif isinstance(value, int):
                label.setText(f"{value:,}")
            elif integral and field in ("min", "max"):
                label.setText(str(int(value)))
            else:
                label.setText(number_text(value))
        if statistics is None or not len(statistics.hist_counts):
            self._bars.clear()
        else:
            self._bars.setData(statistics.hist_edges, statistics.hist_counts)
