"""Partitioned variables: the keys their slices are stored under, and reading across slices.

A partitioned variable has one full entry listing its slices; each slice is stored as its own
tensor under a key built with TensorFlow's OrderedCode (saved_tensor_slice_util.cc):
num 0, the name, the rank, then start and length of every dimension as signed numbers.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from explorer.core.entries import FULL_EXTENT, Extent

_HEADER_BITS = [
    (0, 0), (0x80, 0), (0xC0, 0), (0xE0, 0), (0xF0, 0), (0xF8, 0),
    (0xFC, 0), (0xFE, 0), (0xFF, 0), (0xFF, 0x80), (0xFF, 0xC0),
]  # fmt: skip


def _num_increasing(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(body)]) + body


def _string(value: bytes) -> bytes:
    return value.replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def _signed_num_increasing(value: int) -> bytes:
    magnitude = ~value if value < 0 else value
    if magnitude < 64:
        return bytes([(0x80 ^ value) & 0xFF])
    bits = magnitude.bit_length()
    length = 10 if bits == 63 else bits // 7 + 1
    encoded = bytearray((value & ((1 << 80) - 1)).to_bytes(10, "big")[10 - length :])
    encoded[0] ^= _HEADER_BITS[length][0]
    encoded[1] ^= _HEADER_BITS[length][1]
    return bytes(encoded)


def slice_key(name: str, extents: Sequence[Extent]) -> bytes:
    """The index key TensorFlow stores one slice of variable `name` under."""
    key = bytearray(_num_increasing(0))
    key += _string(name.encode("utf-8", "surrogateescape"))  # names are decoded likewise
    key += _num_increasing(len(extents))
    for extent in extents:
        start = 0 if extent.length == FULL_EXTENT else extent.start
        key += _signed_num_increasing(start)
        key += _signed_num_increasing(extent.length)
    return bytes(key)


def extent_bounds(extent: Extent, dim: int) -> tuple[int, int]:
    """(start, stop) of an extent within a dimension of size `dim`."""
    if extent.length == FULL_EXTENT:
        return 0, dim
    return extent.start, extent.start + extent.length


def slice_shape(extents: Sequence[Extent], full_shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(stop - start for (start, stop) in map(extent_bounds, extents, full_shape))


def normalize_key(key: object, shape: Sequence[int]) -> tuple[list[slice], list[int]]:
    """Turn a basic numpy index into one slice per dimension plus the axes to drop.

    Only basic indexing (ints, slices, Ellipsis) is accepted: that is what lets a read
    touch only the bytes it needs.
    """
    items = list(key) if isinstance(key, tuple) else [key]
    if any(item is Ellipsis for item in items):
        at = items.index(Ellipsis)
        fill = len(shape) - (len(items) - 1)
        items[at : at + 1] = [slice(None)] * fill
    if len(items) > len(shape):
        raise IndexError(f"too many indices: {len(items)} for a tensor of rank {len(shape)}")
    items += [slice(None)] * (len(shape) - len(items))
    slices: list[slice] = []
    dropped: list[int] = []
    for axis, (item, dim) in enumerate(zip(items, shape, strict=True)):
        if isinstance(item, slice):
            start, stop, step = item.indices(dim)
            if not range(start, stop, step):
                start, stop, step = 0, 0, 1  # indices() may give a start of -1, which numpy wraps
            # A stop of -1 from indices() means "past index 0"; numpy would read it as the end.
            slices.append(slice(start, None if stop < 0 else stop, step))
            continue
        try:
            index = operator.index(item)  # rejects floats and strings, as numpy does
        except TypeError:
            raise IndexError(f"index {item!r} is not an int, slice or Ellipsis") from None
        if not -dim <= index < dim:
            raise IndexError(f"index {index} is out of bounds for axis {axis} with size {dim}")
        index %= dim
        slices.append(slice(index, index + 1, 1))
        dropped.append(axis)
    return slices, dropped


def overlap(request: slice, start: int, stop: int) -> tuple[slice, slice] | None:
    """Where a normalized request slice meets [start, stop).

    Returns (positions in the result, indices local to the part), or None when they miss.
    """
    positions = range(request.start, -1 if request.stop is None else request.stop, request.step)
    if not positions:
        return None
    low, high = (start, stop - 1) if request.step > 0 else (stop - 1, start)
    first_pos = max(0, -(-(low - request.start) // request.step))
    last_pos = min(len(positions) - 1, (high - request.start) // request.step)
    if first_pos > last_pos:
        return None
    first, last = positions[first_pos], positions[last_pos]
    local_stop = last - start + (1 if request.step > 0 else -1)
    local = slice(first - start, None if local_stop < 0 else local_stop, request.step)
    return slice(first_pos, last_pos + 1), local
