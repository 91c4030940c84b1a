"""Just enough of the protobuf wire format to decode tensor-bundle metadata.

Only the three small messages of tensor_bundle.proto are read here; pulling in generated
protobuf classes for them would cost more than these few lines.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


def read_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Return (value, next position) of the base-128 varint at buf[pos]."""
    if pos < len(buf) and buf[pos] < 0x80:  # most varints in an index are one byte
        return buf[pos], pos + 1
    result = 0
    shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise WireError("varint runs past the end of the buffer")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 64 bits")


def as_int64(value: int) -> int:
    """Reinterpret an unsigned 64-bit varint as the signed int64 it encodes."""
    return value - (1 << 64) if value >= 1 << 63 else value


def iter_fields(buf: bytes | memoryview) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) for each field of a serialized message."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        field, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(buf, pos)
            if pos + length > end:
                raise WireError("length-delimited field runs past the end of the buffer")
            value = bytes(buf[pos : pos + length])
            pos += length
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise WireError("fixed32 field runs past the end of the buffer")
            value = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise WireError("fixed64 field runs past the end of the buffer")
            value = int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        else:
            raise WireError(f"unknown wire type {wire_type}")
        yield field, wire_type, value
