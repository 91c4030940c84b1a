"""What the sparse pane reads and derives from a sparse tensor, in a background job.

Reading all indices of a big tensor (5,000,000 entries of rank 2 are 80 MB) happens here,
never on the GUI thread; the plots and the summary then work on the array in memory.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from explorer.core.bundle import BundleReader
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_detect import index_problems

DENSE_PREVIEW_LIMIT = 100_000
"""Rank-2 tensors of at most this many cells get a dense preview."""
BINCOUNT_LIMIT = 1 << 24
"""Axes longer than this (hashed feature ids) are counted by their occupied positions only."""
HISTOGRAM_BINS = 100
ROWS_PER_READ = 1 << 20


@dataclass(frozen=True)
class AxisProfile:
    """How many entries the positions along one axis hold."""

    axis: int
    summary: tuple[int, float, int]
    """(min, mean, max) entries per position, empty positions included."""
    hist_edges: np.ndarray
    hist_counts: np.ndarray
    """Positions by how many entries they hold."""


@dataclass(frozen=True)
class SparseData:
    columns: list[np.ndarray]
    """The index columns, one contiguous int64 array of N entries per axis (as
    sparse_check.index_columns makes them, the form sparse_density.plane takes)."""
    shape: tuple[int, ...]
    profiles: list[AxisProfile]
    """One per axis."""
    dense: np.ndarray | None
    """The densified tensor (duplicates added up) when small enough to preview."""


def unusable_reason(reader: BundleReader, sparse: SparseTensor) -> str:
    """Why the indices cannot be drawn, from metadata alone; "" when they can."""
    problems = index_problems(reader.info(sparse.indices), reader.info(sparse.dense_shape))
    return " ".join(problems)


def axis_profile(column: np.ndarray, size: int, axis: int) -> AxisProfile:
    """Entries per position of one axis of `size` positions; indices outside it are skipped."""
    size = max(size, 0)  # a broken dense shape has no positions
    inside = column[(column >= 0) & (column < size)]
    if size <= BINCOUNT_LIMIT:
        occupied, empty = np.bincount(inside, minlength=size), 0
    else:
        occupied = np.unique(inside, return_counts=True)[1]
        empty = size - occupied.size
    if size:
        low = 0 if empty or not occupied.size else int(occupied.min())
        summary = (low, inside.size / size, int(occupied.max()) if occupied.size else 0)
    else:
        summary = (0, 0.0, 0)
    top = summary[2]
    if top < HISTOGRAM_BINS:
        edges = np.arange(-0.5, top + 1.5)  # one bin per count
    else:
        edges = np.linspace(0, top, HISTOGRAM_BINS + 1)
    hist = np.histogram(occupied, bins=edges)[0]
    hist[0] += empty
    return AxisProfile(axis, summary, edges, hist)


def densify(columns: list[np.ndarray], values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The dense tensor: entries outside the shape are left out, duplicates add up."""
    dtype = values.dtype if values.dtype.kind in "biufc" else np.dtype(np.float64)
    dense = np.zeros(shape, dtype=dtype)
    inside = np.logical_and.reduce(
        [(c >= 0) & (c < dim) for c, dim in zip(columns, shape, strict=True)]
    )
    np.add.at(dense, tuple(c[inside] for c in columns), values[inside].astype(dtype))
    return dense


def _previewable(reader: BundleReader, sparse: SparseTensor, shape: tuple[int, ...]) -> bool:
    values = reader.info(sparse.values)
    numeric = values.dtype_name not in ("object", "string")
    return (
        len(shape) == 2
        and all(dim > 0 for dim in shape)
        and math.prod(shape) <= DENSE_PREVIEW_LIMIT
        and numeric
        and values.shape[:1] == reader.info(sparse.indices).shape[:1]
        and len(values.shape) == 1
    )


def load_sparse(reader: BundleReader, sparse: SparseTensor) -> Generator[float, None, SparseData]:
    """Read the dense shape and the indices, then count entries per position; yields progress."""
    shape = tuple(int(dim) for dim in reader.read(sparse.dense_shape))
    tensor = reader.tensor(sparse.indices)
    entries, rank = tensor.shape
    columns = [np.empty(entries, dtype=np.int64) for _ in range(rank)]
    for start in range(0, entries, ROWS_PER_READ):
        stop = min(entries, start + ROWS_PER_READ)
        block = tensor[start:stop]
        for axis, column in enumerate(columns):
            column[start:stop] = block[:, axis]
        yield 0.8 * stop / entries
    profiles = [axis_profile(columns[axis], shape[axis], axis) for axis in range(rank)]
    yield 0.9
    dense = None
    if _previewable(reader, sparse, shape):
        dense = densify(columns, reader.read(sparse.values), shape)
    return SparseData(columns, shape, profiles, dense)
