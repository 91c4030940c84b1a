"""Reader for the LevelDB-format table that holds a tensor bundle's `.index`.

Layout (LevelDB's table_format.md): data blocks, a metaindex block, an index block and a
48-byte footer. Each block ends with a 5-byte trailer (compression type, masked crc32c).
Tensor bundles are written uncompressed, which is all this reader accepts.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from explorer.core.wire import WireError, read_varint

FOOTER_SIZE = 48
TABLE_MAGIC = 0xDB4775248B80FB57
BLOCK_TRAILER_SIZE = 5
NO_COMPRESSION = 0


class TableError(ValueError):
    """The bytes are not a well-formed uncompressed LevelDB table."""


def _block_handle(buf: bytes, pos: int) -> tuple[int, int, int]:
    offset, pos = read_varint(buf, pos)
    size, pos = read_varint(buf, pos)
    return offset, size, pos


def _block_entries(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield (key, value) of one block, undoing the prefix compression of keys."""
    if len(block) < 4:
        raise TableError("block too short")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    data_end = len(block) - 4 - 4 * num_restarts
    if data_end < 0:
        raise TableError("block restart array larger than the block")
    pos = 0
    key = b""
    view = memoryview(block)
    while pos < data_end:
        shared, pos = read_varint(view, pos)
        unshared, pos = read_varint(view, pos)
        value_len, pos = read_varint(view, pos)
        if shared > len(key) or pos + unshared + value_len > data_end:
            raise TableError("block entry runs past the end of its block")
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + value_len]
        pos += value_len


class Table:
    """An opened table; `items()` yields every (key, value) in key order."""

    def __init__(self, data: bytes):
        self._data = data
        if len(data) < FOOTER_SIZE:
            raise TableError(f"file of {len(data)} bytes is shorter than a table footer")
        footer = data[-FOOTER_SIZE:]
        (magic,) = struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)
        if magic != TABLE_MAGIC:
            raise TableError("no table magic number at the end of the file")
        try:
            _, _, pos = _block_handle(footer, 0)
            self._index_offset, self._index_size, _ = _block_handle(footer, pos)
        except WireError as exc:
            raise TableError(f"bad footer: {exc}") from exc

    def _block(self, offset: int, size: int) -> bytes:
        end = offset + size + BLOCK_TRAILER_SIZE
        if offset < 0 or end > len(self._data) - FOOTER_SIZE:
            raise TableError(f"block at offset {offset} of size {size} lies outside the file")
        compression = self._data[offset + size]
        if compression != NO_COMPRESSION:
            raise TableError(f"block compressed with method {compression}, which is not supported")
        return self._data[offset : offset + size]

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        try:
            index = self._block(self._index_offset, self._index_size)
            for _, handle in _block_entries(index):
                offset, size, _ = _block_handle(handle, 0)
                yield from _block_entries(self._block(offset, size))
        except WireError as exc:
            raise TableError(str(exc)) from exc
