"""Checking a sparse tensor's indices against its dense shape, vectorized.

Tens of millions of entries take well under a second: every check is a handful of numpy
passes over the indices, and order and duplicates come from one linearized key per entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explorer.core.formatting import shape_text

EXAMPLES = 3  # offending entries quoted in a problem sentence


@dataclass(frozen=True)
class SparseCheck:
    """What validation found; `problems` holds one sentence per kind of problem."""

    nnz: int
    shape: tuple[int, ...]
    problems: list[str]
    canonical: bool  # row-major sorted with no duplicates (what tf.sparse ops expect)


def _examples(indices: np.ndarray, rows: np.ndarray) -> str:
    quoted = ", ".join(f"entry {r} at {shape_text(indices[r].tolist())}" for r in rows[:EXAMPLES])
    return f" (first: {quoted})"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def index_columns(indices: np.ndarray) -> list[np.ndarray]:
    """The index columns as contiguous int64 arrays: numpy reduces and compares these many
    times faster than the columns of an [N, R] array."""
    return [
        np.ascontiguousarray(indices[:, axis], dtype=np.int64) for axis in range(indices.shape[1])
    ]


def linear_keys(indices: np.ndarray, columns: list[np.ndarray] | None = None) -> np.ndarray | None:
    """One int64 per entry ordered like the rows lexicographically, or None if it overflows.

    Offsets from each column's minimum keep negative and out-of-bounds indices ordered, so
    order and duplicates can be judged before bounds are. Rank-0 indices (no columns) are all
    the same empty index.
    """
    if indices.shape[0] == 0 or indices.shape[1] == 0:
        return np.zeros(indices.shape[0], dtype=np.int64)  # rank 0: every index is the same
    columns = index_columns(indices) if columns is None else columns
    lows = [int(column.min()) for column in columns]
    spans = [int(column.max()) - low + 1 for column, low in zip(columns, lows, strict=True)]
    if float(np.prod(np.asarray(spans, dtype=np.float64))) >= 2.0**63:
        return None
    keys = columns[0] - lows[0]
    for column, low, span in zip(columns[1:], lows[1:], spans[1:], strict=True):
        keys *= span
        keys += column
        keys -= low
    return keys


def _order_problems(indices: np.ndarray, columns: list[np.ndarray]) -> tuple[list[str], bool]:
    keys = linear_keys(indices, columns)
    if keys is None:  # astronomically large spans: compare rows lexicographically instead
        order = np.lexsort(indices.T[::-1])
        keys = np.empty(indices.shape[0], dtype=np.int64)
        keys[order] = np.arange(indices.shape[0])
        same = np.all(indices[order][1:] == indices[order][:-1], axis=1)
        keys[order[1:][same]] = keys[order[:-1][same]]
    if bool(np.all(keys[1:] > keys[:-1])):  # the usual case: one pass, no 8-byte temporaries
        return [], True
    steps = np.diff(keys)
    problems = []
    backwards = np.flatnonzero(steps < 0)
    if backwards.size:
        out_of_order = _plural(backwards.size, "entry is", "entries are")
        problems.append(
            f"{out_of_order} out of row-major order{_examples(indices, backwards + 1)}; "
            "tf.sparse.reorder fixes this."
        )
    if backwards.size:  # unsorted: find repeats the slow way, O(n log n)
        _, firsts = np.unique(keys, return_index=True)
        later = np.ones(keys.size, dtype=bool)
        later[firsts] = False
        duplicates = np.flatnonzero(later)
    else:
        duplicates = np.flatnonzero(steps == 0) + 1
    count = duplicates.size
    if count:
        problems.append(
            f"{_plural(count, 'entry repeats', 'entries repeat')} an earlier index"
            f"{_examples(indices, duplicates)}."
        )
    return problems, not backwards.size and not count


def check_sparse(
    indices: np.ndarray,
    values_length: int,
    dense_shape: np.ndarray,
    columns: list[np.ndarray] | None = None,
) -> SparseCheck:
    """Validate a triplet whose structure already fits (see sparse_detect.structure_problems).

    `columns` (index_columns of the indices) may be passed to share them with plotting.
    """
    shape = tuple(int(dim) for dim in dense_shape)
    problems = []
    if indices.dtype == np.uint64 and indices.size and int(indices.max()) > np.iinfo(np.int64).max:
        # Beyond int64 every index is out of any dense shape TensorFlow accepts; casting would
        # wrap it negative and misreport it.
        beyond = np.flatnonzero((indices > np.iinfo(np.int64).max).any(axis=1))
        problems.append(
            f"{_plural(beyond.size, 'entry has an index', 'entries have indices')} above 2**63 "
            f"that no dense shape can hold{_examples(indices, beyond)}."
        )
        return SparseCheck(int(indices.shape[0]), shape, problems, False)
    if shape and all(dim > 0 for dim in shape) and math.prod(shape) >= 2**63:
        problems.append(
            f"The dense shape {shape_text(shape)} has {math.prod(shape):.3g} cells, more than "
            "int64 can count: TensorFlow ops that need the number of elements refuse it."
        )
    if values_length != indices.shape[0]:
        problems.append(f"There are {indices.shape[0]:,} index rows but {values_length:,} values.")
    bad_dims = [axis for axis, dim in enumerate(shape) if dim <= 0]
    if bad_dims:
        problems.append(
            f"The dense shape {shape_text(shape)} has non-positive dimensions "
            f"(axis {', '.join(map(str, bad_dims))})."
        )
    columns = index_columns(indices) if columns is None else columns
    if indices.shape[0] and columns:  # a rank-0 tensor has no index columns to check
        # Column minima and maxima first: the per-entry passes run only when they find trouble.
        if min(int(column.min()) for column in columns) < 0:
            negative = np.flatnonzero(np.logical_or.reduce([column < 0 for column in columns]))
            has = _plural(negative.size, "entry has", "entries have")
            problems.append(f"{has} a negative index{_examples(indices, negative)}.")
        if any(int(col.max()) >= dim for col, dim in zip(columns, shape, strict=True)):
            outside = [col >= dim for col, dim in zip(columns, shape, strict=True)]
            beyond = np.flatnonzero(np.logical_or.reduce(outside))
            problems.append(
                f"{_plural(beyond.size, 'entry lies', 'entries lie')} outside the dense shape "
                f"{shape_text(shape)}{_examples(indices, beyond)}."
            )
    order_problems, canonical = _order_problems(indices, columns)
    problems += order_problems
    return SparseCheck(int(indices.shape[0]), shape, problems, canonical)
