"""Heat map of a 2-D tensor, subsampled with a stride in a background job when it is big."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.core.checkpoint import display_name
from explorer.core.formatting import shape_text
from explorer.core.stats import is_numeric
from explorer.core.tensor import LazyTensor
from explorer.ui.formatting import kind_of_values
from explorer.ui.job_progress import JobProgress
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO
from explorer.ui.plot_style import style_plot

MAX_SIDE = 1000
"""At most this many rows and columns are drawn; bigger tensors are read with a stride."""
ROWS_PER_STEP = 64


@dataclass(frozen=True)
class Heatmap:
    image: np.ndarray
    """float64, rows x columns, NaN where the value is not finite."""
    row_stride: int
    column_stride: int
    levels: tuple[float, float]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def stride_note(row_stride: int, column_stride: int) -> str:
    """Say which rows and columns a subsampled image shows; "" when it shows all of them."""
    parts = [
        f"every {_ordinal(stride)} {what}"
        for stride, what in ((row_stride, "row"), (column_stride, "column"))
        if stride > 1
    ]
    return " and ".join(parts).capitalize() + " shown." if parts else ""


def iter_heatmap(tensor: LazyTensor, max_side: int = MAX_SIDE) -> Generator[float, None, Heatmap]:
    """Read a strided subsample of a 2-D tensor a few rows at a time; yields progress."""
    rows, columns = tensor.shape
    row_stride, column_stride = math.ceil(rows / max_side), math.ceil(columns / max_side)
    out_rows = math.ceil(rows / row_stride)
    image = np.empty((out_rows, math.ceil(columns / column_stride)))
    for start in range(0, out_rows, ROWS_PER_STEP):
        stop = min(out_rows, start + ROWS_PER_STEP)
        block = tensor[start * row_stride : stop * row_stride : row_stride, ::column_stride]
        image[start:stop] = np.abs(block) if block.dtype.kind == "c" else block
        yield stop / out_rows
    image[~np.isfinite(image)] = np.nan
    finite = image[np.isfinite(image)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return Heatmap(image, row_stride, column_stride, (low, high))


class HeatmapImage:
    """A heat map's image in a plot, with its colour bar; row 0 at the top, as in the tables."""

    def __init__(self, plot: pg.PlotItem):
        plot.invertY(True)
        self.item = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.item)
        self._colour_bar = pg.ColorBarItem(
            colorMap=pg.colormap.get("viridis"), interactive=False, colorMapMenu=False
        )
        self._colour_bar.setImageItem(self.item, insert_in=plot)

    def draw(self, heatmap: Heatmap) -> None:
        """Show `heatmap`, on axes in the array's own indices: a pixel centred on each row and
        column it samples."""
        rows, columns = heatmap.image.shape
        self.item.setImage(heatmap.image, levels=heatmap.levels)
        row_step, column_step = heatmap.row_stride, heatmap.column_stride
        self.item.setRect(
            QRectF(-column_step / 2, -row_step / 2, columns * column_step, rows * row_step)
        )
        self._colour_bar.setLevels(heatmap.levels)


class HeatmapPanel(QWidget):
    """Draws only while visible: an unseen heat map is not worth reading a tensor for."""

    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._tensor: LazyTensor | None = None
        self._drawn: LazyTensor | None = None
        self._heatmap: Heatmap | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_done)
        self._jobs.sig_failed.connect(self._on_failed)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = JobProgress(self._jobs)
        self.progress.sig_cancel_clicked.connect(self._on_cancelled)
        self.view = pg.GraphicsLayoutWidget()
        self._plot = self.view.addPlot()
        style_plot(self._plot, self.view)
        self._plot.setLabel("left", "row")
        self._plot.setLabel("bottom", "column")
        self._image = HeatmapImage(self._plot)

        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.view, 1)

    def show_tensor(self, tensor: LazyTensor | None, message: str = "") -> None:
        """Draw `tensor` when this panel is visible; otherwise show why there is no heat map."""
        self._jobs.cancel()
        self._tensor = self._drawn = None
        self._clear()
        if tensor is None:
            self.status.setText(message)
        elif tensor.ndim != 2:
            self.status.setText(f"Heat maps are drawn for 2-D tensors, not {tensor.ndim}-D ones.")
        elif not is_numeric(tensor.dtype):
            self.status.setText(f"{kind_of_values(tensor.dtype)} values have no heat map.")
        elif tensor.size == 0:
            self.status.setText(f"The tensor is empty (shape {shape_text(tensor.shape)}).")
        else:
            self._tensor = tensor
            self.status.setText("")
            if self.isVisible():
                self._draw()

    def heatmap(self) -> Heatmap | None:
        """The heat map on display, once its job has finished."""
        return self._heatmap

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._jobs.cancel()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._tensor is not None and self._drawn is not self._tensor:
            self._draw()

    def _draw(self) -> None:
        assert self._tensor is not None
        self._drawn = self._tensor
        self.status.setText(f"Reading {display_name(self._tensor.name)} for the heat map…")
        self._jobs.start(iter_heatmap, self._tensor)

    def _clear(self) -> None:
        self._heatmap = None
        self._image.item.clear()

    def _on_cancelled(self) -> None:
        self._drawn = None  # draw again when the panel is next shown
        self.status.setText("Cancelled.")
        self.sig_log.emit(INFO, "Heat map cancelled.")

    def _on_done(self, heatmap: Heatmap) -> None:
        assert self._tensor is not None
        self._heatmap = heatmap
        self._image.draw(heatmap)
        self._plot.autoRange()
        note = stride_note(heatmap.row_stride, heatmap.column_stride)
        name = display_name(self._tensor.name)
        self.status.setText(f"{name} {shape_text(self._tensor.shape)}. {note}".strip())

    def _on_failed(self, failure: JobFailure) -> None:
        self.status.setText(f"The heat map could not be drawn: {failure.error}")
        self.sig_log.emit(ERROR, f"Heat map failed.\n{failure.traceback}")
