"""The sparsity pattern: a density image binned to the plot's pixels, recomputed on zoom and pan.

Each view change (debounced) starts a background job binning the entries inside the visible
cells into an image the size of the plot in device pixels; the newest request wins. When the
view shows no more cells than pixels, every bin is one cell and the image is the exact pattern.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.core.sparse_density import DensityImage, density_image, plane
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR
from explorer.ui.plot_style import is_dark, style_plot

DEBOUNCE_MS = 60
"""A burst of range changes (dragging, wheel zoom) becomes one request per pause."""
EDGE_TOLERANCE = 1e-6
"""View edges this close to a cell boundary count as on it (the view box rounds a little)."""
# Empty cells stay transparent; occupied ones go from light to dark blue as they fill up (on a
# dark background from dim to bright blue: dark blue would vanish there).
COLOUR_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(140, 190, 230), (33, 113, 181), (8, 40, 95)])
DARK_COLOUR_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(45, 100, 170), (100, 165, 230), (225, 240, 255)])

Range = tuple[int, int]


def pattern_image(
    index_columns: Sequence[np.ndarray],
    axes: tuple[int, int],
    fixed: Mapping[int, int],
    rows: Range,
    columns: Range,
    height: int,
    width: int,
) -> DensityImage:
    """The density image of one view; runs in a background job."""
    row_coords, column_coords = plane(index_columns, axes, fixed)
    return density_image(row_coords, column_coords, rows, columns, height, width)


def visible_cells(low: float, high: float, count: int) -> Range:
    """The cells [start, stop) of an axis whose extent (cell i spans i +- 0.5) meets the view."""
    start = max(0, math.floor(low + 0.5 + EDGE_TOLERANCE))
    stop = min(count, math.ceil(high + 0.5 - EDGE_TOLERANCE))
    return start, max(start, stop)


class IndexAxis(pg.AxisItem):
    """Ticks at whole indices only: between two cells there is nothing to label."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        return [
            (max(1.0, spacing), offset)
            for spacing, offset in super().tickSpacing(minVal, maxVal, size)
        ]


class SparsePatternPlot(QWidget):
    """Computes only while visible: an unseen plot is not worth binning millions of entries."""

    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._columns: Sequence[np.ndarray] | None = None
        self._axes = (0, 1)
        self._fixed: dict[int, int] = {}
        self._extent = (0, 0)
        self._density: DensityImage | None = None
        self._requested: tuple | None = None  # the arguments of the image shown or coming
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_done)
        self._jobs.sig_failed.connect(self._on_failed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setObjectName("sparsityView")
        self.plot = self.view.addPlot(
            axisItems={"left": IndexAxis("left"), "bottom": IndexAxis("bottom")}
        )
        self.plot.invertY(True)  # row 0 at the top, as in the tables
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self._colour_bar = pg.ColorBarItem(
            colorMap=COLOUR_MAP, label="entries per pixel", interactive=False, colorMapMenu=False
        )
        self._colour_bar.setImageItem(self.image, insert_in=self.plot)
        style_plot(self.plot, self.view, self._set_colour_map, home=self.show_all)
        view_box = self.plot.getViewBox()
        view_box.sigRangeChanged.connect(self._schedule)
        view_box.sigResized.connect(self._schedule)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)  # stays up when alone
        layout.addWidget(self.view, 1)

    def set_plane(
        self,
        columns: Sequence[np.ndarray] | None,
        axes: tuple[int, int] = (0, 1),
        fixed: Mapping[int, int] | None = None,
        extent: tuple[int, int] = (0, 0),
        message: str = "",
    ) -> None:
        """Draw axes `axes` of the index `columns` (cells `extent`; the other axes summed over
        or `fixed`), all of it; None shows `message` instead."""
        self._jobs.cancel()
        self._debounce.stop()
        self._columns, self._axes, self._fixed = columns, axes, dict(fixed or {})
        self._extent = extent
        self._requested = None
        self._show(None)
        self.view.setVisible(columns is not None)
        if columns is None:
            self.status.setText(message)
            return
        self.plot.setLabel("left", "row" if axes == (0, 1) else f"axis {axes[0]}")
        self.plot.setLabel("bottom", "column" if axes == (0, 1) else f"axis {axes[1]}")
        self.show_all()

    def show_all(self) -> None:
        """Zoom out to the whole plane (the image itself covers only the cells last in view)."""
        height, width = self._extent
        self.plot.getViewBox().setRange(
            xRange=(-0.5, width - 0.5), yRange=(-0.5, height - 0.5), padding=0
        )
        self._schedule()

    def density(self) -> DensityImage | None:
        """The image on display, once its job has finished."""
        return self._density

    def visible_range(self) -> tuple[Range, Range]:
        """The rows and columns whose cells the view shows, clipped to the plane."""
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return visible_cells(y0, y1, self._extent[0]), visible_cells(x0, x1, self._extent[1])

    def pixel_size(self) -> tuple[int, int]:
        """Height and width of the plot area in device pixels: the most bins worth drawing."""
        view_box = self.plot.getViewBox()
        ratio = self.view.devicePixelRatioF()
        return max(1, round(view_box.height() * ratio)), max(1, round(view_box.width() * ratio))

    def has_pending(self) -> bool:
        return self._debounce.isActive() or self._jobs.has_pending()

    def shutdown(self) -> None:
        self._debounce.stop()
        self._jobs.cancel()

    def colour_map(self) -> pg.ColorMap:
        """The colour map in use: it follows the palette, light or dark."""
        return self._colour_bar.colorMap()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._schedule()

    def _set_colour_map(self, palette: QPalette) -> None:
        wanted = DARK_COLOUR_MAP if is_dark(palette) else COLOUR_MAP
        if self._colour_bar.colorMap() is not wanted:
            self._colour_bar.setColorMap(wanted)

    def _schedule(self) -> None:
        if self._columns is not None:
            self._debounce.start()

    def _request(self) -> None:
        if self._columns is None or not self.isVisible():
            return
        rows, columns = self.visible_range()
        if rows[0] >= rows[1] or columns[0] >= columns[1]:
            self._jobs.cancel()
            self._requested = None
            self._show(None)
            self.status.setText("The view is outside the tensor.")
            return
        request = (rows, columns, *self.pixel_size())
        if request == self._requested:  # e.g. shown again, or resized to the same pixels
            return
        self._requested = request
        self._jobs.start(pattern_image, self._columns, self._axes, self._fixed, *request)

    def _show(self, image: DensityImage | None) -> None:
        self._density = image
        if image is None:
            self.image.clear()
            return
        counts = image.counts.astype(np.float64)
        top = max(1.0, float(counts.max()))
        counts[counts == 0] = np.nan  # transparent: empty cells show the background
        self.image.setImage(counts, levels=(0.0, top))
        (r0, r1), (c0, c1) = image.rows, image.columns
        # Axes in dense indices, each cell centred on its index as in the heat map.
        self.image.setRect(QRectF(c0 - 0.5, r0 - 0.5, c1 - c0, r1 - r0))
        self._colour_bar.setLevels((0.0, top))

    def _on_done(self, image: DensityImage) -> None:
        self._show(image)
        (r0, r1), (c0, c1) = image.rows, image.columns
        shown = f"rows {r0:,}–{r1 - 1:,}, columns {c0:,}–{c1 - 1:,}"
        per_row, per_column = image.cells_per_bin
        if per_row == per_column == 1:
            self.status.setText(f"Exact pattern, every cell drawn: {shown}.")
        else:
            self.status.setText(
                f"Density: each pixel counts {per_row:.3g} × {per_column:.3g} cells; {shown}."
            )

    def _on_failed(self, failure: JobFailure) -> None:
        self._requested = None  # the same view may be asked for again
        self.status.setText(f"The pattern could not be drawn: {failure.error}")
        self.sig_log.emit(ERROR, f"Sparsity pattern failed.\n{failure.traceback}")
