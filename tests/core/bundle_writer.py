"""A test-only writer of tensor-bundle indexes, to craft damaged ones on purpose.

`table_bytes` writes a LevelDB table the way TensorFlow's table builder does (prefix-compressed
keys with a restart every 16 entries, a 5-byte block trailer with a masked crc32c, the 48-byte
footer). Entries are TensorFlow's own `BundleEntryProto` messages, so only the table layout is
ours; a test checks that TensorFlow reads what this writes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import google_crc32c

from explorer.core.table import TABLE_MAGIC, Table

RESTART_INTERVAL = 16


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def masked_crc32c(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _block(items: list[tuple[bytes, bytes]]) -> bytes:
    out = bytearray()
    restarts = []
    previous = b""
    for i, (key, value) in enumerate(items):
        shared = 0
        if i % RESTART_INTERVAL == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        out += key[shared:] + value
        previous = key
    restarts = restarts or [0]
    out += b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))
    return bytes(out)


def _handle(offset: int, size: int) -> bytes:
    return _varint(offset) + _varint(size)


def table_bytes(
    items: list[tuple[bytes, bytes]], entries_per_block: int = 1000, compression: int = 0
) -> bytes:
    """A whole table file holding `items` (which must be sorted by key)."""
    keys = [key for key, _ in items]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "keys must be sorted and unique"
    out = bytearray()

    def append_block(contents: bytes) -> bytes:
        handle = _handle(len(out), len(contents))
        trailer_type = bytes([compression])
        crc = masked_crc32c(contents + trailer_type)
        out.extend(contents + trailer_type + struct.pack("<I", crc))
        return handle

    index_items = []
    for start in range(0, len(items), entries_per_block):
        chunk = items[start : start + entries_per_block]
        index_items.append((chunk[-1][0], append_block(_block(chunk))))
    metaindex = append_block(_block([]))
    index = append_block(_block(index_items))
    footer = (metaindex + index).ljust(40, b"\0") + struct.pack("<Q", TABLE_MAGIC)
    return bytes(out + footer)


def read_items(index_path: Path) -> list[tuple[bytes, bytes]]:
    return list(Table(index_path.read_bytes()).items())


def rewrite_index(
    index_path: Path,
    edit: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]],
    **table_options,
) -> None:
    """Replace an index with the table of `edit(its items)`."""
    index_path.write_bytes(table_bytes(edit(read_items(index_path)), **table_options))


def edit_entry(index_path: Path, key: bytes, change: Callable[[object], None]) -> None:
    """Apply `change` to the BundleEntryProto stored under `key` and write the index back."""
    from tensorflow.core.protobuf import tensor_bundle_pb2

    def edit(items):
        out = []
        for item_key, value in items:
            if item_key == key:
                entry = tensor_bundle_pb2.BundleEntryProto.FromString(value)
                change(entry)
                value = entry.SerializeToString()
            out.append((item_key, value))
        assert key in dict(items), f"{key!r} is not in {index_path}"
        return out

    rewrite_index(index_path, edit)
