"""Reads a tensor bundle (a `.index` table plus `.data-*` shards) with numpy only.

Numeric tensors are memory-mapped from the shards, never copied whole. Every claim the index
makes (shard, offset, size) is checked against the real files when the bundle is opened, so a
damaged index is refused before anything is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import google_crc32c
import numpy as np

from explorer.core import dtypes
from explorer.core.entries import BundleEntry, BundleHeader, parse_entry, parse_header
from explorer.core.errors import CheckpointError, UnsupportedDtypeError
from explorer.core.slices import extent_bounds, slice_key, slice_shape
from explorer.core.strings import StringArray
from explorer.core.table import Table, TableError
from explorer.core.tensor import LazyTensor, Part
from explorer.core.wire import WireError

CRC_CHUNK = 1 << 24


def unmask_crc(masked: int) -> int:
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


@dataclass(frozen=True)
class VariableInfo:
    """What the index says about one variable, as `tf.train.list_variables` would show it."""

    name: str
    tf_dtype: int
    dtype_name: str
    shape: tuple[int, ...]
    nbytes: int
    num_slices: int = 0

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _slice_fits(extents, stored_shape: tuple[int, ...], full_shape: tuple[int, ...]) -> bool:
    """Whether a stored slice lies inside the full shape and has the extents' shape."""
    if len(extents) != len(full_shape):
        return False
    bounds = map(extent_bounds, extents, full_shape)
    inside = all(
        0 <= start <= stop <= dim for (start, stop), dim in zip(bounds, full_shape, strict=True)
    )
    return inside and stored_shape == slice_shape(extents, full_shape)


def data_shard_path(prefix: Path, shard: int, num_shards: int) -> Path:
    return Path(f"{prefix}.data-{shard:05d}-of-{num_shards:05d}")


def _read_index(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist.") from None
    except PermissionError:
        raise CheckpointError(f"{path} cannot be read: permission denied.") from None
    except OSError as exc:
        raise CheckpointError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    if not data:
        raise CheckpointError(f"{path} is empty, so it is not a checkpoint index.")
    return data


class BundleReader:
    """An opened checkpoint prefix: its variables, and lazy access to their values."""

    def __init__(self, prefix: str | Path):
        self.prefix = Path(prefix)
        self.index_path = Path(f"{self.prefix}.index")
        self.header, self._entries, self._slice_entries = self._parse(self.index_path)
        self._maps: dict[int, np.ndarray] = {}
        self._shard_sizes = self._check_shards()
        self.variables = [self._info(name, entry) for name, entry in self._entries.items()]
        self._by_name = {info.name: info for info in self.variables}

    @staticmethod
    def _parse(path: Path) -> tuple[BundleHeader, dict[str, BundleEntry], dict[bytes, bytes]]:
        header = None
        entries: dict[str, BundleEntry] = {}
        slice_entries: dict[bytes, bytes] = {}
        try:
            for key, value in Table(_read_index(path)).items():
                if not key:
                    header = parse_header(value)
                elif key[0] == 0:
                    slice_entries[key] = value  # parsed when that variable is read
                else:
                    entries[key.decode("utf-8", "surrogateescape")] = parse_entry(value)
        except (TableError, WireError) as exc:
            raise CheckpointError(f"{path} is not a TensorFlow checkpoint index ({exc}).") from None
        if header is None:
            raise CheckpointError(
                f"{path} has no tensor-bundle header, so it is not a TensorFlow checkpoint index."
            )
        return header, entries, slice_entries

    def _stored_regions(self) -> Iterator[tuple[str, BundleEntry]]:
        """Every (variable name, entry) that owns bytes in a data shard."""
        for name, entry in self._entries.items():
            if not entry.slices:
                yield name, entry
                continue
            for extents in entry.slices:
                stored = self._slice_entry(name, extents)
                if not _slice_fits(extents, stored.shape, entry.shape):
                    raise CheckpointError(
                        f"{self.index_path} gives '{name}' a slice that does not fit its shape "
                        f"{list(entry.shape)}; the index is damaged."
                    )
                if stored.dtype != entry.dtype:
                    raise CheckpointError(
                        f"{self.index_path} stores a slice of '{name}' with another dtype than "
                        "the variable's; the index is damaged."
                    )
                yield name, stored

    def _slice_entry(self, name: str, extents) -> BundleEntry:
        raw = self._slice_entries.get(slice_key(name, extents))
        if raw is None:
            raise CheckpointError(
                f"{self.index_path} lists a slice of '{name}' that it does not contain."
            )
        try:
            return parse_entry(raw)
        except WireError as exc:
            raise CheckpointError(
                f"{self.index_path} has a damaged entry for a slice of '{name}' ({exc})."
            ) from None

    def _check_shards(self) -> dict[int, int]:
        num_shards = self.header.num_shards
        sizes: dict[int, int] = {}
        for name, entry in self._stored_regions():
            if not 0 <= entry.shard_id < num_shards:
                raise CheckpointError(
                    f"{self.index_path} puts '{name}' in shard {entry.shard_id}, "
                    f"but the checkpoint has {num_shards} shard(s)."
                )
            if entry.shard_id not in sizes:
                path = data_shard_path(self.prefix, entry.shard_id, num_shards)
                try:
                    sizes[entry.shard_id] = path.stat().st_size
                except FileNotFoundError:
                    raise CheckpointError(
                        f"{self.index_path} has no data shard beside it: {path.name} is missing."
                    ) from None
            self._check_claim(name, entry, sizes[entry.shard_id])
        return sizes

    def _check_claim(self, name: str, entry: BundleEntry, shard_size: int) -> None:
        if entry.offset < 0 or entry.size < 0:
            raise CheckpointError(
                f"{self.index_path} gives '{name}' a negative offset or size; the index is damaged."
            )
        if any(dim < 0 for dim in entry.shape):
            raise CheckpointError(f"{self.index_path} gives '{name}' a negative dimension.")
        dtype = dtypes.numpy_dtype(entry.dtype)
        if dtype is not None and entry.size != math.prod(entry.shape) * dtype.itemsize:
            raise CheckpointError(
                f"{self.index_path} claims {entry.size} bytes for '{name}', but a "
                f"{dtypes.display_name(entry.dtype)} tensor of shape {list(entry.shape)} takes "
                f"{math.prod(entry.shape) * dtype.itemsize}; the index is damaged."
            )
        count = math.prod(entry.shape)
        if dtype is None and count and entry.size < count + 4:
            # Each string needs at least a one-byte length, plus the 4-byte length checksum.
            raise CheckpointError(
                f"{self.index_path} claims {count} strings for '{name}' in only {entry.size} "
                "bytes; the index is damaged."
            )
        if entry.offset + entry.size > shard_size:
            shard = data_shard_path(self.prefix, entry.shard_id, self.header.num_shards)
            raise CheckpointError(
                f"{shard} is truncated: '{name}' needs bytes up to {entry.offset + entry.size} "
                f"but the file has {shard_size}."
            )

    def _info(self, name: str, entry: BundleEntry) -> VariableInfo:
        dtype = dtypes.numpy_dtype(entry.dtype)
        if dtype is not None:
            nbytes = math.prod(entry.shape) * dtype.itemsize
        elif entry.slices:
            nbytes = sum(self._slice_entry(name, e).size for e in entry.slices)
        else:
            nbytes = entry.size
        return VariableInfo(
            name=name,
            tf_dtype=entry.dtype,
            dtype_name=dtypes.dtype_name(entry.dtype),
            shape=entry.shape,
            nbytes=nbytes,
            num_slices=len(entry.slices),
        )

    def info(self, name: str) -> VariableInfo:
        try:
            return self._by_name[name]
        except KeyError:
            raise CheckpointError(f"{self.prefix} has no variable named '{name}'.") from None

    def tensor(self, name: str) -> LazyTensor:
        """The variable as a LazyTensor; raises UnsupportedDtypeError for what numpy can't map."""
        info = self.info(name)
        entry = self._entries[name]
        if dtypes.numpy_dtype(entry.dtype) is None and entry.dtype != dtypes.DT_STRING:
            raise UnsupportedDtypeError(
                f"'{name}' in {self.prefix} holds {dtypes.display_name(entry.dtype)} values, "
                "which only TensorFlow can read."
            )
        dtype = dtypes.numpy_dtype(entry.dtype) or np.dtype(object)
        if not entry.slices:
            whole = tuple((0, dim) for dim in entry.shape)
            return LazyTensor(name, info.shape, dtype, [Part(whole, self._loader(name, entry))])
        parts = []
        for extents in entry.slices:
            bounds = tuple(map(extent_bounds, extents, entry.shape))
            stored = self._slice_entry(name, extents)
            load = self._loader(name, stored, slice_shape(extents, entry.shape))
            parts.append(Part(bounds, load))
        return LazyTensor(name, info.shape, dtype, parts)

    def data_files(self, name: str) -> list[Path]:
        """The data shard files holding the variable's bytes (several for some slices)."""
        entry = self._entries[self.info(name).name]
        stored = [self._slice_entry(name, e) for e in entry.slices] if entry.slices else [entry]
        shards = sorted({part.shard_id for part in stored})
        return [data_shard_path(self.prefix, shard, self.header.num_shards) for shard in shards]

    def read(self, name: str, key: object = ...) -> np.ndarray:
        return self.tensor(name)[key]

    def _shard_map(self, shard_id: int) -> np.ndarray:
        if shard_id not in self._maps:
            path = data_shard_path(self.prefix, shard_id, self.header.num_shards)
            if self._shard_sizes[shard_id] == 0:
                self._maps[shard_id] = np.zeros(0, dtype=np.uint8)
            else:
                try:
                    self._maps[shard_id] = np.memmap(path, dtype=np.uint8, mode="r")
                except OSError as exc:
                    reason = exc.strerror or exc
                    raise CheckpointError(f"{path} cannot be read: {reason}.") from None
        return self._maps[shard_id]

    def _raw(self, entry: BundleEntry) -> np.ndarray:
        self._check_unchanged(entry)
        return self._shard_map(entry.shard_id)[entry.offset : entry.offset + entry.size]

    def _check_unchanged(self, entry: BundleEntry) -> None:
        """Refuse to touch mapped bytes a file no longer has: that would be a SIGBUS, not an error.

        One stat per read; it narrows, not closes, the window for a file cut while we read.
        """
        path = data_shard_path(self.prefix, entry.shard_id, self.header.num_shards)
        try:
            size = path.stat().st_size
        except OSError as exc:
            reason = exc.strerror or exc
            raise CheckpointError(f"{path} cannot be read any more: {reason}.") from None
        if size < entry.offset + entry.size:
            raise CheckpointError(
                f"{path} has shrunk to {size} bytes since it was opened (it is being rewritten "
                "or was cut short); open the checkpoint again."
            )

    def _loader(self, name: str, entry: BundleEntry, shape: tuple[int, ...] | None = None):
        shape = entry.shape if shape is None else shape
        dtype = dtypes.numpy_dtype(entry.dtype)
        strings: list[StringArray] = []  # indexed once, on first use

        def load() -> np.ndarray | StringArray:
            raw = self._raw(entry)
            if dtype is not None:
                stored = dtype.newbyteorder(">") if self.header.big_endian else dtype
                return raw.view(stored).reshape(shape)
            if not strings:
                shard = data_shard_path(self.prefix, entry.shard_id, self.header.num_shards)
                strings.append(StringArray(raw, shape, f"'{name}' in {shard}"))
            return strings[0]

        return load

    def iter_verify(self, name: str) -> Iterator[float]:
        """Check the variable's crc32c checksums, yielding progress in [0, 1].

        Raises CheckpointError on a mismatch.
        """
        entry = self._entries[name]
        stored = [self._slice_entry(name, e) for e in entry.slices] if entry.slices else [entry]
        total = sum(part.size for part in stored)
        done = 0
        for part in stored:
            raw = self._raw(part)
            if part.dtype == dtypes.DT_STRING:
                crc = StringArray(raw, part.shape, f"'{name}'").crc32c()
            else:
                crc = 0
                for start in range(0, raw.size, CRC_CHUNK):
                    crc = google_crc32c.extend(crc, raw[start : start + CRC_CHUNK].tobytes())
                    yield (done + min(raw.size, start + CRC_CHUNK)) / total
            done += part.size
            if part.crc32c is not None and crc != unmask_crc(part.crc32c):
                shard = data_shard_path(self.prefix, part.shard_id, self.header.num_shards)
                raise CheckpointError(
                    f"{shard}: the checksum of '{name}' does not match its index entry "
                    "(the data is damaged)."
                )
            yield done / total if total else 1.0

    def verify(self, name: str) -> None:
        for _ in self.iter_verify(name):
            pass

    def close(self) -> None:
        self._maps.clear()
