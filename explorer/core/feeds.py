"""Checking a sample value against the input it is fed to, and putting it in the form fed.

`check_feed` is the one check the window, the command line and the engine share: it either
returns the value exactly as TensorFlow should receive it (the input's dtype, int64 indices and
dense shape, entries in row-major order) or raises a FeedError with one sentence naming the
input and the first thing wrong.
"""

from __future__ import annotations

import numpy as np

from explorer.core.bundle import BundleReader
from explorer.core.errors import CheckpointError, FeedError
from explorer.core.feed_dtypes import convert_values, feed_dtype
from explorer.core.formatting import shape_text
from explorer.core.model_spec import InputSpec, Shape, SparseArray, Value
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_check import linear_keys

INT64_MAX = np.iinfo(np.int64).max


class FeedEntryError(FeedError):
    """A problem at one entry of a sparse sample, so an editor can point at the cell.

    `entry` is the entry's position in the sample as given; `part` is "index" or "value".
    """

    def __init__(self, message: str, details: str = "", entry: int = 0, part: str = "index"):
        super().__init__(message, details)
        self.entry = entry
        self.part = part

    def __reduce__(self):  # keeps the location when pickled across the engine pipe
        return (type(self), (str(self), self.details, self.entry, self.part))


def spec_shape_text(shape: Shape) -> str:
    """[None, 1000] -> "[?, 1000]": unknown dimensions as people write them."""
    return shape_text(["?" if dim is None else dim for dim in shape])


def _index_text(row: np.ndarray) -> str:
    return shape_text([int(i) for i in row])


def _integer_array(array: np.ndarray) -> bool:
    return array.dtype.kind in "iu" or (array.size == 0 and array.dtype.kind in "iuf")


def _check_dense_shape(spec: InputSpec, dense_shape: np.ndarray) -> tuple[int, ...]:
    name = spec.name
    if dense_shape.ndim != 1 or not _integer_array(dense_shape):
        raise FeedError(
            f"The dense_shape of '{name}' must be a 1-D vector of integers, but it is "
            f"{dense_shape.dtype.name} of shape {shape_text(dense_shape.shape)}."
        )
    shape = tuple(int(dim) for dim in dense_shape)
    if any(dim < 0 for dim in shape):
        raise FeedError(f"The dense shape {shape_text(shape)} of '{name}' has a negative size.")
    if spec.shape is None:
        return shape
    wanted = spec_shape_text(spec.shape)
    if len(shape) != len(spec.shape):
        raise FeedError(
            f"'{name}' has rank {len(spec.shape)} {wanted}, but the sample's dense shape "
            f"{shape_text(shape)} has {len(shape)} dimensions."
        )
    if spec.shape_fixed and shape != tuple(spec.shape):
        raise FeedError(
            f"'{name}' has the fixed dense shape {wanted} written in the graph, but the sample's "
            f"is {shape_text(shape)}."
        )
    for axis, (dim, known) in enumerate(zip(shape, spec.shape, strict=True)):
        if known is not None and dim != known:
            raise FeedError(
                f"Dimension {axis} of '{name}' is {known} {wanted}, but the sample's dense shape "
                f"is {shape_text(shape)}."
            )
    return shape


def _check_bounds(name: str, indices: np.ndarray, shape: tuple[int, ...]) -> None:
    """Name the first entry with a negative index or one outside the dense shape."""
    if not indices.shape[0]:
        return
    bad = np.zeros(indices.shape[0], dtype=bool)
    for axis, dim in enumerate(shape):
        column = indices[:, axis]
        if column.dtype.kind == "i":
            bad |= column < 0
        bad |= column >= dim
    if not bad.any():
        return
    entry = int(np.argmax(bad))
    row = indices[entry]
    if row.dtype.kind == "i" and bool((row < 0).any()):
        message = f"Entry {entry} of '{name}' has a negative index {_index_text(row)}."
    else:
        message = (
            f"Entry {entry} of '{name}' has index {_index_text(row)}, outside the dense shape "
            f"{shape_text(shape)}."
        )
    raise FeedEntryError(message, entry=entry)


def canonical_order(indices: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The stable permutation putting entries in row-major order, and their sorted keys.

    Keys are equal exactly where indices are; indices must already lie inside `shape`.
    """
    keys = linear_keys(indices)
    if keys is None:  # spans beyond int64: rank the rows lexicographically instead
        order = np.lexsort(indices.T[::-1])
        ranks = np.zeros(indices.shape[0], dtype=np.int64)
        if indices.shape[0] > 1:
            new = np.any(indices[order][1:] != indices[order][:-1], axis=1)
            ranks[1:] = np.cumsum(new)
        return order, ranks
    if keys.size < 2 or bool(np.all(keys[1:] > keys[:-1])):  # already canonical: no sort
        return np.arange(keys.size), keys
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def _check_sparse(spec: InputSpec, value: Value) -> SparseArray:
    name = spec.name
    if not isinstance(value, SparseArray):
        raise FeedError(f"'{name}' is sparse: give indices, values and dense_shape.")
    indices = np.asarray(value.indices)
    values = np.asarray(value.values)
    shape = _check_dense_shape(spec, np.asarray(value.dense_shape))
    if indices.ndim != 2 or not _integer_array(indices):
        raise FeedError(
            f"The indices of '{name}' must be a 2-D [N, R] array of integers, but they are "
            f"{indices.dtype.name} of shape {shape_text(indices.shape)}."
        )
    if indices.shape[1] != len(shape):
        raise FeedError(
            f"The indices of '{name}' have {indices.shape[1]} columns, but the dense shape "
            f"{shape_text(shape)} has {len(shape)} dimensions."
        )
    if values.ndim != 1 or values.shape[0] != indices.shape[0]:
        raise FeedError(
            f"The values of '{name}' must be a 1-D array of {indices.shape[0]:,} (one per index "
            f"row), but they have shape {shape_text(values.shape)}."
        )
    _check_bounds(name, indices, shape)
    indices = indices.astype(np.int64, copy=False)  # every index now lies in [0, dim)
    values = convert_values(spec, values, entry_error=FeedEntryError)
    order, keys = canonical_order(indices, shape)
    repeats = np.flatnonzero(keys[1:] == keys[:-1])
    if repeats.size:
        later = order[repeats + 1]  # stable sort: each pair is (earlier entry, later entry)
        pick = int(np.argmin(later))
        first, second = int(order[repeats[pick]]), int(later[pick])
        raise FeedEntryError(
            f"Entries {first} and {second} of '{name}' have the same index "
            f"{_index_text(indices[second])}.",
            entry=second,
        )
    if not np.array_equal(order, np.arange(order.size)):
        indices, values = indices[order], values[order]
    return SparseArray(
        np.ascontiguousarray(indices), np.ascontiguousarray(values), np.asarray(shape, np.int64)
    )


def _check_dense(spec: InputSpec, value: Value) -> np.ndarray:
    name = spec.name
    if isinstance(value, SparseArray):
        raise FeedError(f"'{name}' is dense; densify the sparse sample first.")
    if not isinstance(value, np.ndarray | np.generic):
        raise FeedError(f"'{name}' is dense: give an array, not a {type(value).__name__}.")
    array = np.asarray(value)
    if spec.shape is not None:
        wanted = spec_shape_text(spec.shape)
        fits = array.ndim == len(spec.shape) and all(
            known is None or dim == known
            for dim, known in zip(array.shape, spec.shape, strict=True)
        )
        if not fits:
            raise FeedError(
                f"'{name}' takes shape {wanted}, but the sample has shape "
                f"{shape_text(array.shape)}."
            )
    return convert_values(spec, array)


def check_feed(spec: InputSpec, value: Value) -> Value:
    """The value to feed to `spec`, or a FeedError naming the input and what is wrong."""
    feed_dtype(spec)  # an input the explorer cannot feed at all is refused first
    return _check_sparse(spec, value) if spec.sparse else _check_dense(spec, value)


def sparse_from_checkpoint(reader: BundleReader, sparse: SparseTensor) -> SparseArray:
    """A checkpoint's sparse tensor as a sample value, read whole into memory."""
    keys = (sparse.indices, sparse.values, sparse.dense_shape)
    try:
        parts = [np.array(reader.read(key)) for key in keys]
    except CheckpointError as exc:
        raise FeedError(f"The sparse tensor '{sparse.name}' cannot be read: {exc}") from None
    indices, values, dense_shape = (
        part.astype(part.dtype.newbyteorder("=")) if part.dtype.kind != "O" else part
        for part in parts
    )
    return SparseArray(indices, values, dense_shape)
