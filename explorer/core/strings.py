"""String tensors in a data shard: varint64 lengths, a masked crc32c of them, then the bytes."""

from __future__ import annotations

import struct

import google_crc32c
import numpy as np

from explorer.core.errors import CheckpointError
from explorer.core.wire import WireError, read_varint


def _lengths(raw: bytes, count: int, what: str) -> tuple[list[int], int]:
    lengths = []
    pos = 0
    try:
        for _ in range(count):
            length, pos = read_varint(raw, pos)
            lengths.append(length)
    except WireError:
        raise CheckpointError(f"The string lengths of {what} run past their region.") from None
    return lengths, pos


def decode_strings(region: np.ndarray, count: int, what: str) -> np.ndarray:
    """An object array of `count` bytes values, as TensorFlow's reader returns them."""
    out = np.empty(count, dtype=object)
    if count == 0 or region.size == 0:
        return out
    raw = region.tobytes()
    lengths, pos = _lengths(raw, count, what)
    pos += 4  # the masked checksum of the lengths
    if pos + sum(lengths) > len(raw):
        raise CheckpointError(f"The strings of {what} run past their region.")
    for i, length in enumerate(lengths):
        out[i] = raw[pos : pos + length]
        pos += length
    return out


def string_crc32c(region: np.ndarray, count: int) -> int:
    """The checksum TensorFlow stores for a string tensor (lengths as uint32, then the rest)."""
    raw = region.tobytes()
    lengths, pos = _lengths(raw, count, "a string tensor")
    packed = b"".join(
        struct.pack("<I", n) if n <= 0xFFFFFFFF else struct.pack("<Q", n) for n in lengths
    )
    crc = google_crc32c.extend(0, packed)
    return google_crc32c.extend(crc, raw[pos:])
