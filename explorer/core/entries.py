"""Decoded tensor-bundle metadata: the header and one entry per tensor (tensor_bundle.proto)."""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.core.wire import FIXED32, as_int64, iter_fields

FULL_EXTENT = -1  # TensorSlice's marker for "the whole dimension"


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
    for number, _, value in iter_fields(buf):
        if number == 1:
            num_shards = int(value)
        elif number == 2:
            big_endian = value == 1
        elif number == 3:
            for sub, _, sub_value in iter_fields(value):  # type: ignore[arg-type]
                if sub == 1:
                    producer = int(sub_value)
    return BundleHeader(num_shards, big_endian, producer)


def _parse_shape(buf: bytes) -> tuple[tuple[int, ...], bool]:
    dims: list[int] = []
    unknown_rank = False
    for number, _, value in iter_fields(buf):
        if number == 2:
            size = 0
            for sub, _, sub_value in iter_fields(value):  # type: ignore[arg-type]
                if sub == 1:
                    size = as_int64(int(sub_value))
            dims.append(size)
        elif number == 3:
            unknown_rank = bool(value)
    return tuple(dims), unknown_rank


def _parse_slice(buf: bytes) -> tuple[Extent, ...]:
    extents = []
    for number, _, value in iter_fields(buf):
        if number == 1:
            start, length = 0, FULL_EXTENT
            for sub, _, sub_value in iter_fields(value):  # type: ignore[arg-type]
                if sub == 1:
                    start = as_int64(int(sub_value))
                elif sub == 2:
                    length = as_int64(int(sub_value))
            extents.append(Extent(start, length))
    return tuple(extents)


def parse_entry(buf: bytes) -> BundleEntry:
    values: dict[str, object] = {}
    slices = []
    for number, wire_type, value in iter_fields(buf):
        if number == 1:
            values["dtype"] = int(value)
        elif number == 2:
            values["shape"], values["unknown_rank"] = _parse_shape(value)  # type: ignore[arg-type]
        elif number == 3:
            values["shard_id"] = as_int64(int(value))
        elif number == 4:
            values["offset"] = as_int64(int(value))
        elif number == 5:
            values["size"] = as_int64(int(value))
        elif number == 6 and wire_type == FIXED32:
            values["crc32c"] = int(value)
        elif number == 7:
            slices.append(_parse_slice(value))  # type: ignore[arg-type]
    return BundleEntry(slices=tuple(slices), **values)  # type: ignore[arg-type]
