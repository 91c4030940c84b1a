"""Decoded tensor-bundle metadata: the header and one entry per tensor (tensor_bundle.proto)."""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.core.wire import (
    FIXED32,
    FIXED64,
    LENGTH_DELIMITED,
    VARINT,
    WireError,
    as_int64,
    iter_fields,
    read_varint,
)

FULL_EXTENT = -1  # TensorSlice's marker for "the whole dimension"
_VARINT_FIELDS = {1: "dtype", 3: "shard_id", 4: "offset", 5: "size"}


def _nested(wire_type: int, value: int | bytes) -> bytes:
    """The bytes of a nested message field; another wire type means a damaged message."""
    if wire_type != LENGTH_DELIMITED:
        raise WireError(f"wire type {wire_type} where a nested message belongs")
    return value  # type: ignore[return-value]


def _number(wire_type: int, value: int | bytes) -> int:
    """The value of an integer field; another wire type means a damaged message."""
    if wire_type != VARINT:
        raise WireError(f"wire type {wire_type} where a varint belongs")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class BundleHeader:
    num_shards: int = 1
    big_endian: bool = False
    producer: int = 0


@dataclass(frozen=True)
class Extent:
    start: int
    length: int  # FULL_EXTENT when the slice covers the whole dimension


@dataclass(frozen=True)
class BundleEntry:
    dtype: int = 0
    shape: tuple[int, ...] = ()
    unknown_rank: bool = False
    shard_id: int = 0
    offset: int = 0
    size: int = 0
    crc32c: int | None = None
    slices: tuple[tuple[Extent, ...], ...] = field(default=())


def parse_header(buf: bytes) -> BundleHeader:
    num_shards, big_endian, producer = 1, False, 0
    for number, wire_type, value in iter_fields(buf):
        if number == 1:
            num_shards = _number(wire_type, value)
        elif number == 2:
            big_endian = value == 1
        elif number == 3:
            for sub, sub_type, sub_value in iter_fields(_nested(wire_type, value)):
                if sub == 1:
                    producer = _number(sub_type, sub_value)
    return BundleHeader(num_shards, big_endian, producer)


def _parse_shape(buf: bytes) -> tuple[tuple[int, ...], bool]:
    dims: list[int] = []
    unknown_rank = False
    for number, wire_type, value in iter_fields(buf):
        if number == 2:
            # A Dim message is almost always just field 1 (size) as one varint.
            dim = _nested(wire_type, value)
            if dim[:1] == b"\x08" and len(dim) > 1:
                size, used = read_varint(dim, 1)
                if used == len(dim):
                    dims.append(as_int64(size))
                    continue
            size = 0
            for sub, sub_type, sub_value in iter_fields(dim):
                if sub == 1:
                    size = as_int64(_number(sub_type, sub_value))
            dims.append(size)
        elif number == 3:
            unknown_rank = bool(value)
    return tuple(dims), unknown_rank


def _parse_slice(buf: bytes) -> tuple[Extent, ...]:
    extents = []
    for number, wire_type, value in iter_fields(buf):
        if number == 1:
            start, length = 0, FULL_EXTENT
            for sub, sub_type, sub_value in iter_fields(_nested(wire_type, value)):
                if sub == 1:
                    start = as_int64(_number(sub_type, sub_value))
                elif sub == 2:
                    length = as_int64(_number(sub_type, sub_value))
            extents.append(Extent(start, length))
    return tuple(extents)


def parse_entry(buf: bytes) -> BundleEntry:
    """Decode a BundleEntryProto.

    This runs once per variable when an index opens (tens of thousands of times), so the
    common fields are decoded inline; the rare nested messages go through iter_fields.
    """
    values: dict[str, object] = {}
    slices = []
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
            if number in _VARINT_FIELDS:
                values[_VARINT_FIELDS[number]] = as_int64(value)
        elif wire_type == FIXED32:
            if number == 6:
                values["crc32c"] = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(buf, pos)
            if pos + length > end:
                raise WireError("length-delimited field runs past the end of the buffer")
            if number == 2:
                values["shape"], values["unknown_rank"] = _parse_shape(buf[pos : pos + length])
            elif number == 7:
                slices.append(_parse_slice(buf[pos : pos + length]))
            pos += length
        elif wire_type == FIXED64:
            pos += 8
        else:
            raise WireError(f"unknown wire type {wire_type}")
    if pos > end:
        raise WireError("field runs past the end of the buffer")
    return BundleEntry(slices=tuple(slices), **values)  # type: ignore[arg-type]
