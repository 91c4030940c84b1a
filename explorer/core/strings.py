"""String tensors in a data shard: varint64 lengths, a masked crc32c of them, then the bytes.

The lengths are decoded in one vectorized pass into an offsets array (8 bytes a string), so
any element can be read from the memory-mapped shard without decoding the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import google_crc32c
import numpy as np

from explorer.core.errors import CheckpointError

SCAN_CHUNK = 1 << 24  # bytes of the length area looked at per numpy pass
CRC_CHUNK = 1 << 24
MAX_VARINT_BYTES = 10


def _varint_ends(region: np.ndarray, count: int) -> np.ndarray:
    """Positions of the last byte of each of the first `count` varints (bytes below 0x80)."""
    limit = min(region.size, count * MAX_VARINT_BYTES)
    found: list[np.ndarray] = []
    wanted = count
    for start in range(0, limit, SCAN_CHUNK):
        ends = np.flatnonzero(region[start : min(limit, start + SCAN_CHUNK)] < 0x80)[:wanted]
        found.append(ends + start)
        wanted -= ends.size
        if not wanted:
            break
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _lengths(region: np.ndarray, count: int, what: str) -> tuple[np.ndarray, int]:
    """The `count` string lengths and where the length area ends (its checksum starts)."""
    ends = _varint_ends(region, count)
    if ends.size < count:
        raise CheckpointError(f"The string lengths of {what} run past their region.")
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    widths = ends - starts + 1
    if int(widths.max()) > MAX_VARINT_BYTES:
        raise CheckpointError(f"The string lengths of {what} are not valid varints.")
    lengths = np.zeros(count, dtype=np.uint64)
    for k in range(int(widths.max())):
        has = widths > k
        lengths[has] |= (region[starts[has] + k].astype(np.uint64) & 0x7F) << np.uint64(7 * k)
    return lengths, int(ends[-1]) + 1


class StringArray:
    """A string tensor read in place: basic slicing returns an object array of bytes."""

    dtype = np.dtype(object)

    def __init__(self, region: np.ndarray, shape: Sequence[int], what: str):
        self.shape = tuple(shape)
        self._region = region
        count = math.prod(self.shape)
        self._offsets = np.zeros(count + 1, dtype=np.int64)
        self._lengths_end = 0
        if count == 0:
            # Even no strings are saved with the 4-byte checksum of their (no) lengths.
            self._offsets[0] = min(4, region.size)
            return
        lengths, self._lengths_end = _lengths(region, count, what)
        self._offsets[0] = self._lengths_end + 4  # after the lengths' checksum
        np.cumsum(lengths, out=self._offsets[1:])
        self._offsets[1:] += self._offsets[0]
        if self._offsets[-1] > region.size:
            raise CheckpointError(f"The strings of {what} run past their region.")

    def __getitem__(self, key: tuple[slice, ...]) -> np.ndarray:
        ranges = [np.arange(dim)[item] for dim, item in zip(self.shape, key, strict=True)]
        flat = np.ravel_multi_index(np.ix_(*ranges), self.shape) if ranges else np.array(0)
        starts = self._offsets[flat.ravel()]
        stops = self._offsets[flat.ravel() + 1]
        out = np.empty(flat.shape, dtype=object)
        if not starts.size:
            return out
        low, high = int(starts.min()), int(stops.max())
        if high - low <= max(4 * int((stops - starts).sum()), 1 << 20):
            blob = self._region[low:high].tobytes()  # one copy, then cheap slices of it
            out.flat[:] = [blob[a - low : b - low] for a, b in zip(starts, stops, strict=True)]
        else:  # a sparse pick from a big tensor: copy only the strings asked for
            out.flat[:] = [self._region[a:b].tobytes() for a, b in zip(starts, stops, strict=True)]
        return out

    def crc32c(self) -> int:
        """The checksum TensorFlow stores: lengths as uint32 (uint64 if huge), then the rest."""
        lengths = np.diff(self._offsets).astype(np.uint64)
        crc = 0
        for start in range(0, lengths.size, CRC_CHUNK // 8):
            part = lengths[start : start + CRC_CHUNK // 8]
            if part.size and int(part.max()) <= 0xFFFFFFFF:
                packed = part.astype("<u4").tobytes()
            else:
                packed = b"".join(
                    int(n).to_bytes(4 if n <= 0xFFFFFFFF else 8, "little") for n in part
                )
            crc = google_crc32c.extend(crc, packed)
        for start in range(self._lengths_end, int(self._offsets[-1]), CRC_CHUNK):
            stop = min(start + CRC_CHUNK, int(self._offsets[-1]))
            crc = google_crc32c.extend(crc, self._region[start:stop].tobytes())
        return crc
