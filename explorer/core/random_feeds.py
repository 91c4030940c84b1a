"""Sample values made up for an input: random sparse and dense arrays, constants, densified.

Random samples are deterministic per seed. A random sparse sample never materialises its dense
shape: positions are drawn as linear offsets (or per dimension when even those overflow), so a
[64, 1_000_000] sample of a few thousand entries takes milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from explorer.core.errors import FeedError
from explorer.core.feed_dtypes import family, numpy_dtype
from explorer.core.formatting import shape_text
from explorer.core.model_spec import SparseArray

DISTRIBUTIONS = ("uniform", "normal", "ones", "integers")
MAX_RANDOM_ENTRIES = 10_000_000  # values made up at once, sparse or dense
DENSE_DRAW_LIMIT = 1 << 22  # dense shapes up to this many cells are drawn without rejection
INTEGER_HIGH = 10  # "integers" are small ids in [0, INTEGER_HIGH): valid in most vocabularies


def distributions_for(dtype: str) -> tuple[str, ...]:
    """The distributions that make sense for values of this dtype name."""
    kind = family(_dtype(dtype))
    if kind in ("float", "complex"):
        return DISTRIBUTIONS
    return ("integers", "ones")  # bools, integers and strings have no uniform [0, 1)


def _dtype(name: str) -> np.dtype:
    dtype = numpy_dtype(name)
    if dtype is None:
        raise FeedError(f"The explorer cannot make {name} values.")
    return dtype


def _size(shape: Sequence[int]) -> int:
    if any(int(dim) < 0 for dim in shape):
        raise FeedError(f"The shape {shape_text(shape)} has a negative size.")
    return math.prod(int(dim) for dim in shape)


def random_values(
    rng: np.random.Generator, count: int, dtype: str, distribution: str
) -> np.ndarray:
    """`count` values of `dtype` drawn from `distribution` (one of DISTRIBUTIONS)."""
    target = _dtype(dtype)
    if distribution not in distributions_for(dtype):
        raise FeedError(
            f"{distribution.capitalize()} values do not fit {dtype}; choose "
            f"{' or '.join(distributions_for(dtype))}."
        )
    if distribution == "uniform":
        drawn = rng.random(count)
    elif distribution == "normal":
        drawn = rng.standard_normal(count)
    elif distribution == "ones":
        drawn = np.ones(count, dtype=np.int64)
    else:
        drawn = rng.integers(0, 2 if target.kind == "b" else INTEGER_HIGH, count)
    if target.kind == "O":  # strings: the numbers as text, like ids in a vocabulary file
        # Drawn numbers are small whole ones: look their texts up rather than format millions.
        numbers = drawn.astype(np.int64)
        texts = [str(n).encode() for n in range(int(numbers.max()) + 1 if count else 0)]
        table = np.empty(len(texts), dtype=object)
        table[:] = texts
        return table[numbers]
    return drawn.astype(target)


def _sorted_unique(array: np.ndarray) -> np.ndarray:
    """np.unique of int64 by sorting: many times faster than numpy's own on millions."""
    array = np.sort(array)
    return array[np.concatenate([[True], array[1:] != array[:-1]])] if array.size else array


def _distinct_offsets(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    """`count` distinct linear offsets in [0, size), sorted."""
    if size <= DENSE_DRAW_LIMIT or 2 * count >= size:
        # Memory follows `size`, which is small here or within twice the entries asked for.
        if 2 * count >= size:
            left_out = rng.choice(size, size - count, replace=False)
            keep = np.ones(size, dtype=bool)
            keep[left_out] = False
            return np.flatnonzero(keep)
        return np.sort(rng.choice(size, count, replace=False))
    found = np.zeros(0, dtype=np.int64)
    while found.size < count:  # fewer than half the cells: a round or two of redraws
        extra = count - found.size
        found = _sorted_unique(
            np.concatenate([found, rng.integers(0, size, extra + extra // 8 + 16)])
        )
    drop = rng.choice(found.size, found.size - count, replace=False)
    return np.delete(found, drop)


def _distinct_rows(rng: np.random.Generator, shape: tuple[int, ...], count: int) -> np.ndarray:
    """`count` distinct index rows, sorted, for shapes whose cells int64 cannot count."""
    found = np.zeros((0, len(shape)), dtype=np.int64)
    while found.shape[0] < count:
        extra = count - found.shape[0] + 16
        drawn = np.stack([rng.integers(0, dim, extra) for dim in shape], axis=1)
        found = np.unique(np.concatenate([found, drawn]), axis=0)
    drop = rng.choice(found.shape[0], found.shape[0] - count, replace=False)
    return np.delete(found, drop, axis=0)


def random_sparse(
    dense_shape: Sequence[int], density: float, dtype: str, distribution: str, seed: int
) -> SparseArray:
    """A canonical sparse sample: round(density * cells) distinct entries (at least one if
    density > 0), positions uniform over the dense shape, values from `distribution`."""
    shape = tuple(int(dim) for dim in dense_shape)
    size = _size(shape)
    if not 0.0 <= density <= 1.0:
        raise FeedError(f"The density {density:g} is not between 0 and 1.")
    count = round(density * size)
    if density > 0 and size:
        count = max(count, 1)
    if count > MAX_RANDOM_ENTRIES:
        raise FeedError(
            f"A density of {density:g} in the dense shape {shape_text(shape)} makes {count:,} "
            f"entries, more than the {MAX_RANDOM_ENTRIES:,} the explorer makes up; lower it."
        )
    rng = np.random.default_rng(seed)
    if size < 2**62:
        offsets = _distinct_offsets(rng, size, count)
        indices = (
            np.stack(np.unravel_index(offsets, shape), axis=1)
            if shape
            else np.zeros((count, 0), dtype=np.int64)
        )
    else:
        indices = _distinct_rows(rng, shape, count)
    values = random_values(rng, count, dtype, distribution)
    return SparseArray(
        np.ascontiguousarray(indices, dtype=np.int64), values, np.asarray(shape, dtype=np.int64)
    )


def _dense_size(shape: Sequence[int], dtype: str, limit: int) -> tuple[int, ...]:
    shape = tuple(int(dim) for dim in shape)
    size = _size(shape)
    if size > limit:
        raise FeedError(
            f"A dense {shape_text(shape)} {dtype} array would have {size:,} elements, more than "
            f"the {limit:,} the explorer builds; choose a smaller shape."
        )
    return shape


def random_dense(shape: Sequence[int], dtype: str, distribution: str, seed: int) -> np.ndarray:
    """A dense sample of `shape` with values from `distribution`, deterministic per seed."""
    shape = _dense_size(shape, dtype, MAX_RANDOM_ENTRIES)
    rng = np.random.default_rng(seed)
    return random_values(rng, math.prod(shape), dtype, distribution).reshape(shape)


def constant_dense(shape: Sequence[int], dtype: str, value: object) -> np.ndarray:
    """A dense sample of `shape` holding `value` everywhere, converted to `dtype` safely."""
    shape = _dense_size(shape, dtype, MAX_RANDOM_ENTRIES)
    target = _dtype(dtype)
    if target.kind == "O":
        item = value.encode() if isinstance(value, str) else value
        if not isinstance(item, bytes):
            raise FeedError(f"A {dtype} constant must be text, not {value!r}.")
        array = np.empty(shape, dtype=object)
        array.fill(item)
        return array
    if isinstance(value, str | bytes):
        raise FeedError(f"A {dtype} constant must be a number, not the text {value!r}.")
    number = np.asarray(value)
    kind = family(target)
    if family(number.dtype) == "float" and kind in ("int", "bool") and float(value) != int(value):
        raise FeedError(f"{value!r} is not a whole number, so it cannot fill a {dtype} array.")
    if kind in ("int", "bool") and family(number.dtype) == "float":
        number = np.asarray(int(value))
    if kind == "int" and not np.iinfo(target).min <= int(number) <= np.iinfo(target).max:
        raise FeedError(f"{value!r} is outside the {dtype} range.")
    if kind == "bool" and int(number) not in (0, 1):
        raise FeedError(f"A bool constant is 0 or 1 (false or true), not {value!r}.")
    with np.errstate(over="ignore"):
        filled = np.full(shape, number, dtype=target)
    if filled.size and np.isfinite(number) and not np.isfinite(filled.astype(np.complex128)).all():
        raise FeedError(f"{value!r} is too large for {dtype}.")
    return filled


def densify(value: SparseArray, max_elements: int = 10_000_000) -> np.ndarray:
    """The dense array a sparse sample stands for (zeros, or b"" for strings, elsewhere)."""
    dtype = value.values.dtype.name
    shape = _dense_size(value.dense_shape.tolist(), dtype, max_elements)
    indices = np.asarray(value.indices, dtype=np.int64)
    if (
        indices.ndim != 2
        or indices.shape[1] != len(shape)
        or value.values.shape != indices.shape[:1]
    ):
        raise FeedError(
            f"The sparse sample cannot be densified: its indices {shape_text(indices.shape)} and "
            f"values {shape_text(value.values.shape)} do not fit the dense shape "
            f"{shape_text(shape)}."
        )
    outside = (indices < 0) | (indices >= np.asarray(shape, dtype=np.int64))
    if outside.any():
        entry = int(np.argmax(outside.any(axis=1)))
        raise FeedError(
            f"Entry {entry} of the sparse sample has index {shape_text(indices[entry].tolist())}, "
            f"outside the dense shape {shape_text(shape)}, so it cannot be densified."
        )
    dense = np.zeros(shape, dtype=value.values.dtype)
    if dense.dtype.kind == "O":
        dense.fill(b"")
    dense[tuple(indices.T)] = value.values
    return dense
