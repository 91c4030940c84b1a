"""Statistics and histograms of a tensor, computed chunk by chunk.

`iter_statistics` is a generator: each yield is a progress fraction and a point where a
background job may cancel; its return value is the result. Means and variances of chunks are
merged with Chan et al.'s pairwise formula, so a tensor of billions of values needs no more
memory than one chunk.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from explorer.core.tensor import LazyTensor

HISTOGRAM_BINS = 100
CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class Statistics:
    """min/max/mean/std are over finite values; for complex tensors, over magnitudes."""

    count: int
    finite: int
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    zeros: int
    nans: int
    infs: int
    of_magnitude: bool
    hist_counts: np.ndarray
    hist_edges: np.ndarray


def is_numeric(dtype: np.dtype) -> bool:
    return dtype.kind in "biufc" or dtype.name in {"bfloat16", "float8_e5m2", "float8_e4m3fn"}


def _as_float(chunk: np.ndarray) -> np.ndarray:
    if chunk.dtype.kind == "c":
        return np.abs(chunk).astype(np.float64)
    return chunk.astype(np.float64)


def _bins(lo: float, hi: float, integral: bool) -> np.ndarray:
    if integral and hi - lo < HISTOGRAM_BINS:
        return np.arange(lo - 0.5, hi + 1.5)  # one bin per integer value
    if lo == hi:
        return np.array([lo - 0.5, hi + 0.5])
    return np.linspace(lo, hi, HISTOGRAM_BINS + 1)


def iter_statistics(
    tensor: LazyTensor, chunk_elements: int = CHUNK_ELEMENTS
) -> Generator[float, None, Statistics]:
    """Two passes over the tensor (moments, then histogram); yields progress in [0, 1]."""
    if not is_numeric(tensor.dtype):
        raise TypeError(f"'{tensor.name}' holds {tensor.dtype} values, which have no statistics.")
    total = max(1, tensor.size)
    count = finite_count = zeros = nans = infs = 0
    lo, hi = np.inf, -np.inf
    mean = m2 = 0.0
    done = 0
    for chunk in tensor.chunks(chunk_elements):
        values = _as_float(chunk)
        count += values.size
        zeros += int(np.count_nonzero(chunk == 0))
        nan_mask = np.isnan(values)
        nans += int(nan_mask.sum())
        finite_mask = np.isfinite(values)
        infs += int(values.size - finite_mask.sum() - nan_mask.sum())
        finite = values if finite_mask.all() else values[finite_mask]
        if finite.size:
            lo, hi = min(lo, finite.min()), max(hi, finite.max())
            chunk_mean = finite.mean()
            chunk_m2 = float(np.square(finite - chunk_mean).sum())
            merged = finite_count + finite.size
            delta = chunk_mean - mean
            mean += delta * finite.size / merged
            m2 += chunk_m2 + delta * delta * finite_count * finite.size / merged
            finite_count = merged
        done += chunk.size
        yield 0.5 * done / total

    counts = np.zeros(0, dtype=np.int64)
    edges = np.zeros(0)
    if finite_count:
        edges = _bins(float(lo), float(hi), tensor.dtype.kind in "biu")
        counts = np.zeros(len(edges) - 1, dtype=np.int64)
        done = 0
        for chunk in tensor.chunks(chunk_elements):
            values = _as_float(chunk)
            counts += np.histogram(values[np.isfinite(values)], bins=edges)[0]
            done += chunk.size
            yield 0.5 + 0.5 * done / total
    else:
        yield 1.0  # no histogram pass (empty or nothing finite): report the job as done
    has = finite_count > 0
    return Statistics(
        count=count,
        finite=finite_count,
        min=float(lo) if has else None,
        max=float(hi) if has else None,
        mean=float(mean) if has else None,
        std=float(np.sqrt(m2 / finite_count)) if has else None,
        zeros=zeros,
        nans=nans,
        infs=infs,
        of_magnitude=tensor.dtype.kind == "c",
        hist_counts=counts,
        hist_edges=edges,
    )


def compute_statistics(tensor: LazyTensor, chunk_elements: int = CHUNK_ELEMENTS) -> Statistics:
    """Run iter_statistics to the end (for the command line and tests)."""
    gen = iter_statistics(tensor, chunk_elements)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
