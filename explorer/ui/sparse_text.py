"""How a sparse tensor is written and drawn in the tree and its pane: labels, tooltips, icon."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from explorer.core.checkpoint import display_name
from explorer.core.formatting import shape_text
from explorer.core.sparse import SparseTensor

VALID_TEXT = "Valid: canonical row-major order, no duplicates, all indices in bounds."
CHECKING_TEXT = "Checking the indices…"
WARNING_MARK = "⚠"
_ICON_CELLS = ((0, 0), (0, 3), (1, 1), (2, 3), (3, 0), (3, 2))  # a few filled cells of a 4x4 grid
# A white sheet with blue cells, like the file icons beside it: seen on any row, selected or not.
ICON_PAPER_COLOUR = QColor(255, 255, 255)
ICON_CELL_COLOUR = QColor(50, 110, 200)
ICON_PIXEL_RATIOS = (1, 2, 3)


def density(nnz: int | None, shape: Sequence[int] | None) -> float | None:
    """Entries over dense cells, once the dense shape is known (duplicates count each time)."""
    if nnz is None or not shape:
        return None
    cells = math.prod(shape)
    return nnz / cells if cells > 0 else None


def percent_text(fraction: float) -> str:
    """0.0266667 -> "2.67%", 5e-07 -> "0.00005%", 1.65e-24 -> "1.65e-22%".

    Three significant digits, positional down to a millionth of a percent; below that (hashed
    ids over shapes like 2**40 x 2**40) an exponent stays readable where zeros would not.
    """
    percent = fraction * 100
    if 0 < percent < 1e-6:
        return f"{percent:.3g}%"
    return np.format_float_positional(percent, precision=3, fractional=False, trim="-") + "%"


def density_text(sparse: SparseTensor) -> str:
    """ "2.67% dense", or "" until the dense shape is known."""
    fraction = density(sparse.nnz, sparse.shape)
    return "" if fraction is None else f"{percent_text(fraction)} dense"


def sparse_label(name: str, sparse: SparseTensor) -> str:
    """The tree's name column: "weights  (40 nnz, 2.67% dense)"."""
    if sparse.nnz is None:
        return name
    dense = density_text(sparse)
    return f"{name}  ({sparse.nnz:,} nnz{', ' + dense if dense else ''})"


def problems_lines(sparse: SparseTensor, checked: bool) -> list[str]:
    """The problems, one sentence each; or that the tensor is valid, or still being checked."""
    if sparse.problems:
        return [f"{WARNING_MARK} {problem}" for problem in sparse.problems]
    return [VALID_TEXT if checked else CHECKING_TEXT]


def sparse_tooltip(sparse: SparseTensor, checked: bool) -> str:
    lines = [f"Sparse tensor {sparse.name}"]
    if sparse.nnz is not None:
        shape = f" of {shape_text(sparse.shape)}" if sparse.shape is not None else ""
        dense = density_text(sparse)
        dense = f" ({dense})" if dense else ""
        lines.append(f"{sparse.nnz:,} entries{shape}{dense}")
    for role, key in (("indices", sparse.indices), ("values", sparse.values),
                      ("dense shape", sparse.dense_shape)):  # fmt: skip
        lines.append(f"{role}: {display_name(key)}")
    return "\n".join(lines + problems_lines(sparse, checked))


def sparse_icon(size: int = 16) -> QIcon:
    """A small grid with a few filled cells: the tree's mark for a sparse tensor, drawn for
    screens of 1, 2 and 3 device pixels per pixel so that it stays sharp when scaled."""
    icon = QIcon()
    for ratio in ICON_PIXEL_RATIOS:
        pixmap = QPixmap(size * ratio, size * ratio)
        pixmap.setDevicePixelRatio(ratio)  # the painter below draws in logical pixels
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        cell = size / 4
        painter.setPen(QColor(150, 150, 150))
        painter.setBrush(ICON_PAPER_COLOUR)
        painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
        for row, column in _ICON_CELLS:
            painter.fillRect(QRectF(column * cell + 1, row * cell + 1, cell - 1, cell - 1),
                             ICON_CELL_COLOUR)  # fmt: skip
        painter.end()
        icon.addPixmap(pixmap)
    return icon
