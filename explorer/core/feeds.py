"""Checking a sample value against the input it is fed to, and putting it in the form fed.

`check_feed` is the one check the window, the command line and the engine share: it either
returns the value exactly as TensorFlow should receive it (the input's dtype, int64 indices and
dense shape) or raises a FeedError with one sentence naming the input and the first thing wrong.
Sparse entries keep the order they were given in: a debugging tool must feed what the user
feeds, so an unsorted sample meets TensorFlow's own refusal (or its misreading). `order_note`
says when a sample is unsorted, and `sorted_entries` sorts one on request.
"""

from __future__ import annotations

import numpy as np

from explorer.core.bundle import BundleReader
from explorer.core.errors import CheckpointError, FeedError
from explorer.core.feed_dtypes import convert_values, feed_dtype
from explorer.core.formatting import shape_text
from explorer.core.model_spec import InputSpec, Shape, SparseArray, Value
from explorer.core.sparse import SparseTensor

INT64_MAX = int(np.iinfo(np.int64).max)


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
    if any(dim > INT64_MAX for dim in shape):
        raise FeedError(
            f"The dense shape {shape_text(shape)} of '{name}' has a size beyond int64 (2**63 - 1)."
        )
    _check_cell_count(name, shape)
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


def _check_cell_count(name: str, shape: tuple[int, ...]) -> None:
    """TensorFlow multiplies the sizes left to right and aborts when that overflows int64."""
    cells = 1
    for dim in shape:
        cells *= dim
        if cells > INT64_MAX:
            raise FeedError(
                f"The dense shape {shape_text(shape)} of '{name}' has more cells than int64 can "
                "count (2**63 - 1), which makes TensorFlow abort."
            )


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


def _row_major_keys(indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Each entry's offset in the dense shape, row-major; exact, as the check keeps the cell
    count within int64. Indices must lie inside `shape`."""
    keys = np.zeros(indices.shape[0], dtype=np.int64)
    for axis, dim in enumerate(shape):
        keys *= dim
        keys += indices[:, axis]
    return keys


def canonical_order(indices: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The stable permutation putting entries in row-major order, and their sorted keys
    (equal exactly where indices are). Indices must lie inside `shape`."""
    keys = _row_major_keys(indices, shape)
    if keys.size < 2 or bool(np.all(keys[1:] > keys[:-1])):  # already canonical: no sort
        return np.arange(keys.size), keys
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def order_note(value: SparseArray) -> str | None:
    """A sentence saying a sample that passed check_feed is not in row-major order, or None.

    Not a problem: TensorFlow takes such a feed, but some of its ops refuse or misread it.
    """
    indices = np.asarray(value.indices)
    keys = _row_major_keys(indices, tuple(int(dim) for dim in value.dense_shape))
    steps = np.flatnonzero(keys[1:] < keys[:-1])
    if not steps.size:
        return None
    entry = int(steps[0]) + 1
    return (
        f"Entries are not in row-major order (entry {entry}'s index "
        f"{_index_text(indices[entry])} comes before entry {entry - 1}'s "
        f"{_index_text(indices[entry - 1])}); some TensorFlow ops (e.g. "
        "embedding_lookup_sparse, sparse_to_dense with validate_indices) refuse or misread such "
        "input."
    )


def sorted_entries(value: SparseArray) -> SparseArray:
    """A sample that passed check_feed with its entries in row-major order, values moving
    with their indices."""
    indices = np.asarray(value.indices).astype(np.int64, copy=False)
    order, _ = canonical_order(indices, tuple(int(dim) for dim in value.dense_shape))
    return SparseArray(
        np.ascontiguousarray(indices[order]),
        np.ascontiguousarray(np.asarray(value.values)[order]),
        np.asarray(value.dense_shape).copy(),
    )


def _check_repeats(name: str, indices: np.ndarray, shape: tuple[int, ...]) -> None:
    """Name the first pair of entries with the same index (by the later entry's position)."""
    order, keys = canonical_order(indices, shape)
    repeats = np.flatnonzero(keys[1:] == keys[:-1])
    if not repeats.size:
        return
    later = order[repeats + 1]  # stable sort: each pair is (earlier entry, later entry)
    pick = int(np.argmin(later))
    first, second = int(order[repeats[pick]]), int(later[pick])
    raise FeedEntryError(
        f"Entries {first} and {second} of '{name}' have the same index "
        f"{_index_text(indices[second])}.",
        entry=second,
    )


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
    _check_repeats(name, indices, shape)
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
