"""Binning a sparse tensor's entries into a density image of a view of its dense shape.

Bin (i, j) of a height x width image over rows [r0, r1) and columns [c0, c1) counts the
entries with floor((row - r0) * height / (r1 - r0)) == i and likewise for columns: exactly
numpy.histogram2d's bins, in integer arithmetic. When a view is no bigger than the image,
each bin is one cell and the image is the exact pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DensityImage:
    counts: np.ndarray  # [height, width] entries per bin
    rows: tuple[int, int]  # [start, stop) of the dense rows the image covers
    columns: tuple[int, int]

    @property
    def cells_per_bin(self) -> tuple[float, float]:
        height, width = self.counts.shape
        return (self.rows[1] - self.rows[0]) / height, (self.columns[1] - self.columns[0]) / width


def plane(
    indices: np.ndarray, axes: tuple[int, int], fixed: Mapping[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates of the entries on two axes of an N-D sparse tensor.

    Axes in `fixed` keep only the entries at that position; the others are summed over
    (every entry counts where it projects).
    """
    keep = None
    for axis, position in (fixed or {}).items():
        match = indices[:, axis] == position
        keep = match if keep is None else keep & match
    rows, columns = indices[:, axes[0]], indices[:, axes[1]]
    if keep is not None:
        rows, columns = rows[keep], columns[keep]
    return rows, columns


def density_image(
    rows: np.ndarray,
    columns: np.ndarray,
    row_range: tuple[int, int],
    column_range: tuple[int, int],
    height: int,
    width: int,
) -> DensityImage:
    """Entries per bin; the image shrinks to one bin per cell when the view is that small."""
    (r0, r1), (c0, c1) = row_range, column_range
    height, width = max(1, min(height, r1 - r0)), max(1, min(width, c1 - c0))
    if r1 <= r0 or c1 <= c0 or not rows.size:
        return DensityImage(np.zeros((height, width), dtype=np.int64), (r0, r1), (c0, c1))
    inside = (rows >= r0) & (rows < r1) & (columns >= c0) & (columns < c1)
    if not inside.all():
        rows, columns = rows[inside], columns[inside]
    bin_rows = (rows.astype(np.int64) - r0) * height // (r1 - r0)
    bin_columns = (columns.astype(np.int64) - c0) * width // (c1 - c0)
    flat = np.bincount(bin_rows * width + bin_columns, minlength=height * width)
    return DensityImage(flat.reshape(height, width), (r0, r1), (c0, c1))
