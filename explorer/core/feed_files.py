"""Sample values read from and written to files.

Feed files (DESIGN.md, `explorer run --feed NAME=FILE.npz`): an .npz holding `indices`,
`values` and `dense_shape` is a sparse value, one holding `value` a dense one; a file written
by scipy.sparse.save_npz is a sparse value too, and an .npy a dense one. Nothing is ever
unpickled: a file needing pickle is refused. Strings are written as fixed-width numpy strings,
or as (length, bytes) records when one ends with a NUL byte (see `savable`).
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from explorer.core.errors import FeedError
from explorer.core.model_spec import SparseArray, Value

SPARSE_KEYS = ("indices", "values", "dense_shape")
MAGIC = {".npz": b"PK", ".npy": b"\x93NUMPY"}  # a zip archive; numpy's array header
# Every scipy.sparse.save_npz file has these; its own "indices" must not be taken for ours.
SCIPY_KEYS = ("format", "shape")
STRING_FIELDS = ("length", "bytes")  # byte strings stored as records (see savable)


def _unreadable(path: Path, exc: Exception) -> FeedError:
    if isinstance(exc, FileNotFoundError):
        return FeedError(f"{path} does not exist.")
    if isinstance(exc, IsADirectoryError):
        return FeedError(f"{path} is a directory, not a feed file.")
    if isinstance(exc, PermissionError):
        return FeedError(f"{path} cannot be read: permission denied.")
    if isinstance(exc, ValueError) and "pickle" in str(exc):
        return FeedError(f"{path} holds Python objects, which the explorer does not unpickle.")
    return FeedError(f"{path} cannot be read as a numpy file ({exc}).")


def _claimed_bytes(handle: BinaryIO) -> int | None:
    """The bytes of data an .npy header (read from `handle`, left just past it) announces;
    None for object arrays, whose size the header does not tell."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    return None if dtype.hasobject else math.prod(shape) * dtype.itemsize


def _check_size(path: Path, handle: BinaryIO, available: int, what: str) -> None:
    """Refuse an array whose header claims more data than the file holds, before numpy
    allocates memory for all of it."""
    start = handle.tell()
    claimed = _claimed_bytes(handle)
    held = available - (handle.tell() - start)
    if claimed is not None and claimed > held:
        raise FeedError(
            f"{path} is damaged: {what} announces {claimed:,} bytes of data but holds {held:,}."
        )


def _check_member_sizes(path: Path, archive) -> None:
    """_check_size for every array of an .npz (an NpzFile)."""
    for info in archive.zip.infolist():
        if info.filename.endswith(".npy"):
            with archive.zip.open(info) as member:
                what = f"its array '{info.filename[:-4]}'"
                _check_size(path, member, info.file_size, what)


def _scipy_sparse(path: Path) -> SparseArray:
    import scipy.sparse  # only files written by scipy need it

    try:
        matrix = scipy.sparse.load_npz(path)
    except (ValueError, OSError, KeyError) as exc:
        raise FeedError(
            f"{path} looks like a scipy.sparse file but cannot be read ({exc})."
        ) from None
    coo = scipy.sparse.coo_array(matrix)
    coo.sum_duplicates()  # scipy adds up repeated entries too; also sorts them row-major
    indices = np.stack([np.asarray(axis, dtype=np.int64) for axis in coo.coords], axis=1)
    order = np.lexsort(indices.T[::-1])
    return SparseArray(
        np.ascontiguousarray(indices[order]),
        np.asarray(coo.data)[order],
        np.asarray(coo.shape, dtype=np.int64),
    )


def load_feed_file(path: str | Path) -> Value:
    """The value a feed file holds; FeedError naming the path if it holds none."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".npy"):
        raise FeedError(f"{path} is neither an .npz nor an .npy file.")
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC[suffix])) != MAGIC[suffix]:
                kind = "a zip archive" if suffix == ".npz" else "in numpy's format"
                raise FeedError(f"{path} is not an {suffix} file (it is not {kind}).")
            handle.seek(0)
            if suffix == ".npy":
                _check_size(path, handle, path.stat().st_size, "its array")
                handle.seek(0)
                return _restored(np.load(handle, allow_pickle=False))
            with np.load(handle, allow_pickle=False) as archive:
                _check_member_sizes(path, archive)
                keys = list(archive.keys())
                if all(key in keys for key in SCIPY_KEYS):
                    return _scipy_sparse(path)
                if all(key in keys for key in SPARSE_KEYS):
                    return SparseArray(*(_restored(archive[key]) for key in SPARSE_KEYS))
                if "value" in keys:
                    return _restored(archive["value"])
    except FeedError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, exc) from None
    except MemoryError:
        raise FeedError(f"{path} holds more data than fits in memory.") from None
    held = ", ".join(keys) if keys else "nothing"
    raise FeedError(
        f"{path} holds neither indices, values and dense_shape nor value (it holds: {held})."
    )


def _string_records(items: list[bytes], shape: tuple[int, ...]) -> np.ndarray:
    """Byte strings as (length, bytes) records: fixed-width bytes alone drop trailing NULs."""
    width = max((len(item) for item in items), default=0) or 1
    records = np.zeros(len(items), dtype=[("length", "<i8"), ("bytes", f"V{width}")])
    records["length"] = [len(item) for item in items]
    # Numpy pads fixed-width bytes with NULs, so the buffer holds every byte of every item.
    records["bytes"] = np.array(items, dtype=f"S{width}").view(f"V{width}")
    return records.reshape(shape)


def _from_string_records(array: np.ndarray) -> np.ndarray:
    """An object array of the byte strings `_string_records` stored."""
    width = array.dtype["bytes"].itemsize
    buffer = np.ascontiguousarray(array["bytes"]).reshape(-1).tobytes()
    lengths = array["length"].reshape(-1).tolist()
    strings = np.empty(len(lengths), dtype=object)
    strings[:] = [buffer[i * width : i * width + n] for i, n in enumerate(lengths)]
    return strings.reshape(array.shape)


def _restored(array: np.ndarray) -> np.ndarray:
    names = array.dtype.names
    if names == STRING_FIELDS and array.dtype["length"].kind == "i":
        return _from_string_records(array)
    return array


def savable(array: np.ndarray) -> np.ndarray:
    """An array numpy stores without pickle, which load_feed_file reads back exactly.

    Strings (object arrays) become fixed-width numpy strings, or (length, bytes) records when
    a byte string ends with NUL, which fixed-width bytes would drop. FeedError for object
    arrays holding anything but strings.
    """
    if array.dtype.kind != "O":
        return array
    items = array.reshape(-1).tolist()
    if all(isinstance(item, bytes) for item in items):
        if any(item.endswith(b"\0") for item in items):
            return _string_records(items, array.shape)
        return np.array(items, dtype=bytes).reshape(array.shape)
    if all(isinstance(item, str) for item in items):
        return np.array(items, dtype=str).reshape(array.shape)
    raise FeedError("Only numbers and strings can be saved in a feed file.")


def save_feed_file(path: str | Path, value: Value) -> None:
    """Write `value` in the layout load_feed_file reads (an .npy holds a dense value only)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".npy"):
        raise FeedError(f"{path} must end in .npz or .npy to be a feed file.")
    if suffix == ".npy" and isinstance(value, SparseArray):
        raise FeedError(
            f"{path} is an .npy file, which holds a dense value; save sparse ones as .npz."
        )
    try:
        write_feed(path, value, npz=suffix == ".npz")
    except OSError as exc:
        raise FeedError(f"{path} cannot be written: {exc.strerror or exc}.") from None


def write_feed(path: Path, value: Value, npz: bool) -> None:
    """Write `value` to exactly `path`, whatever its suffix: an .npz of `indices`, `values`
    and `dense_shape` (or of `value`), or with `npz` False a dense value's .npy. Strings are
    stored unpickled (savable). Raises OSError."""
    if isinstance(value, SparseArray):
        arrays = {key: savable(np.asarray(getattr(value, key))) for key in SPARSE_KEYS}
    else:
        arrays = {"value": savable(np.asarray(value))}
    with open(path, "wb") as handle:  # a handle keeps numpy from appending a suffix
        if npz:
            np.savez(handle, allow_pickle=False, **arrays)
        else:
            np.save(handle, arrays["value"], allow_pickle=False)
