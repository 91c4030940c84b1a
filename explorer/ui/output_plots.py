"""The line plot and the heat map of a dense output, both drawn from arrays in memory.

Long lines are subsampled with a stride (declared, so the plot says what it shows) and then
drawn with pyqtgraph's peak downsampling; NaN and ±Inf are left out of lines (and counted in
the note above the plot); heat maps read a strided subsample of at most
heatmap_panel.MAX_SIDE rows and columns, as the tensor heat map does.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.ui.heatmap_panel import Heatmap, HeatmapImage, iter_heatmap, stride_note
from explorer.ui.plot_style import style_plot
from explorer.ui.sparse_pattern_plot import IndexAxis

MAX_LINE_POINTS = 200_000
"""Longer lines are drawn every n-th point."""
# Distinct, readable on white (matplotlib's "tab10").
LINE_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

Result = TypeVar("Result")


def run_to_end(job: Generator[float, None, Result]) -> Result:
    """The return value of a progress-yielding generator, run here and now."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value


@dataclass(frozen=True)
class Line:
    label: str
    values: np.ndarray  # float64, the whole line


def _index_axes(*names: str) -> dict[str, pg.AxisItem]:
    """Axes counting indices: ticks at whole numbers, no SI prefix ("(x0.001)" reads as a unit)."""
    axes = {name: IndexAxis(name) for name in names}
    for axis in axes.values():
        axis.enableAutoSIPrefix(False)
    return axes


class LinePlot(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.stride = 1
        self.curves: list[pg.PlotDataItem] = []
        self.note = QLabel()
        self.note.setVisible(False)
        self.view = pg.PlotWidget(axisItems=_index_axes("bottom"))
        self.plot = self.view.getPlotItem()
        style_plot(self.plot, self.view)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setDownsampling(auto=True, mode="peak")
        palette = self.view.palette()
        background = QColor(palette.color(QPalette.ColorRole.Base))
        background.setAlpha(220)  # lines stay visible through the legend
        self._legend = self.plot.addLegend(
            offset=(-10, 10),
            brush=background,
            pen=palette.color(QPalette.ColorRole.Mid),
            labelTextColor=palette.color(QPalette.ColorRole.Text),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)

    def set_lines(self, lines: Sequence[Line], x_label: str, y_label: str = "value") -> None:
        """Draw `lines` over the index along `x_label`; a legend when there are several."""
        self.plot.clear()
        self._legend.clear()
        self.curves = []
        longest = max((len(line.values) for line in lines), default=0)
        self.stride = max(1, math.ceil(longest / MAX_LINE_POINTS))
        hidden = 0
        for number, line in enumerate(lines):
            x = np.arange(0, len(line.values), self.stride)
            y = line.values[:: self.stride]
            # NaN and ±Inf are left out (pyqtgraph warns on them); the line breaks where they were.
            finite = np.isfinite(y)
            hidden += int(np.count_nonzero(~np.isfinite(line.values)))  # the whole line's
            connect: str | np.ndarray = "all"
            if not finite.all():
                x, y = x[finite], y[finite]
                connect = np.append(np.diff(x) == self.stride, False)[: x.size]
            pen = pg.mkPen(LINE_COLOURS[number % len(LINE_COLOURS)], width=2)
            # Symbols mark the samples of short lines; a line of one point is a symbol only.
            symbol = "o" if len(finite) <= 50 else None
            curve = self.plot.plot(
                x,
                y,
                pen=pen,
                connect=connect,
                symbol=symbol,
                symbolSize=6,
                symbolBrush=pen.color(),
                symbolPen=pen,
                name=line.label if len(lines) > 1 else None,
            )
            self.curves.append(curve)
        self._legend.setVisible(len(lines) > 1)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.autoRange()
        notes = [f"One point in {self.stride:,} drawn." if self.stride > 1 else ""]
        if hidden:
            notes.append(f"{hidden:,} non-finite value{'s' if hidden != 1 else ''} not drawn.")
        note = " ".join(filter(None, notes))
        self.note.setText(note)
        self.note.setVisible(bool(note))


class HeatMap(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._heatmap: Heatmap | None = None
        self.note = QLabel()
        self.note.setVisible(False)
        self.view = pg.GraphicsLayoutWidget()
        self.plot = self.view.addPlot(axisItems=_index_axes("left", "bottom"))
        style_plot(self.plot, self.view)
        self.image = HeatmapImage(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)

    def set_plane(self, plane: np.ndarray, row_label: str, column_label: str) -> None:
        """Draw a 2-D array (complex ones as magnitudes), subsampled when large."""
        heatmap = run_to_end(iter_heatmap(plane))  # type: ignore[arg-type]  # sliceable
        self._heatmap = heatmap
        self.image.draw(heatmap)
        self.plot.setLabel("left", row_label)
        self.plot.setLabel("bottom", column_label)
        self.plot.autoRange()
        note = stride_note(heatmap.row_stride, heatmap.column_stride)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def heatmap(self) -> Heatmap | None:
        """The image on display, with the strides it was sampled at."""
        return self._heatmap
