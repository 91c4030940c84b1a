"""Binning a sparse tensor's entries into a density image of a view of its dense shape.

Bin (i, j) of a height x width image over rows [r0, r1) and columns [c0, c1) counts the
entries with floor((row - r0) * height / (r1 - r0)) == i and likewise for columns: exactly
numpy.histogram2d's bins, in integer arithmetic. When a view is no bigger than the image,
each bin is one cell and the image is the exact pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    columns: Sequence[np.ndarray], axes: tuple[int, int], fixed: Mapping[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates of the entries on two axes of an N-D sparse tensor.

    `columns` are the index columns (sparse_check.index_columns). Axes in `fixed` keep only
    the entries at that position; the others are summed over (every entry counts where it
    projects).
    """
    rows, cols = columns[axes[0]], columns[axes[1]]
    if not fixed:
        return rows, cols
    keep = np.logical_and.reduce([columns[axis] == position for axis, position in fixed.items()])
    return rows[keep], cols[keep]


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
    rows, columns = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    # Four reductions decide whether the (costlier) mask of entries in view is needed at all.
    if rows.min() < r0 or rows.max() >= r1 or columns.min() < c0 or columns.max() >= c1:
        inside = (rows >= r0) & (rows < r1) & (columns >= c0) & (columns < c1)
        rows, columns = rows[inside], columns[inside]
    if max(r1 - r0, c1 - c0) * max(height, width) >= 2**62:
        # (index * bins) would overflow int64 (hashed ids near 2**62): float bins, which may
        # put an entry lying exactly on a bin edge into its neighbour.
        # (Rounding can also carry the last index to the image's far edge: clamp it back.)
        flat = np.minimum(((rows - r0) / (r1 - r0) * height).astype(np.int64), height - 1)
        flat *= width
        flat += np.minimum(((columns - c0) / (c1 - c0) * width).astype(np.int64), width - 1)
    else:
        # In place: each fresh 40 MB temporary of a 5,000,000-entry tensor costs page faults.
        flat = rows - r0
        flat *= height
        flat //= r1 - r0
        flat *= width
        bin_columns = columns - c0
        bin_columns *= width
        bin_columns //= c1 - c0
        flat += bin_columns
        del bin_columns
    flat = np.bincount(flat, minlength=height * width)
    return DensityImage(flat.reshape(height, width), (r0, r1), (c0, c1))
