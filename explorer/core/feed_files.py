"""Sample values read from and written to files.

Feed files (DESIGN.md, `explorer run --feed NAME=FILE.npz`): an .npz holding `indices`,
`values` and `dense_shape` is a sparse value, one holding `value` a dense one; a file written
by scipy.sparse.save_npz is a sparse value too, and an .npy a dense one. Nothing is ever
unpickled: a file needing pickle is refused.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from explorer.core.errors import FeedError
from explorer.core.model_spec import SparseArray, Value

SPARSE_KEYS = ("indices", "values", "dense_shape")
MAGIC = {".npz": b"PK", ".npy": b"\x93NUMPY"}  # a zip archive; numpy's array header
# Every scipy.sparse.save_npz file has these; its own "indices" must not be taken for ours.
SCIPY_KEYS = ("format", "shape")


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
                return np.load(handle, allow_pickle=False)
            with np.load(handle, allow_pickle=False) as archive:
                keys = list(archive.keys())
                if all(key in keys for key in SCIPY_KEYS):
                    return _scipy_sparse(path)
                if all(key in keys for key in SPARSE_KEYS):
                    return SparseArray(*(archive[key] for key in SPARSE_KEYS))
                if "value" in keys:
                    return archive["value"]
    except FeedError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, exc) from None
    held = ", ".join(keys) if keys else "nothing"
    raise FeedError(
        f"{path} holds neither indices, values and dense_shape nor value (it holds: {held})."
    )


def _savable(array: np.ndarray) -> np.ndarray:
    """Strings (object arrays) as fixed-width numpy strings: storing objects needs pickle."""
    if array.dtype.kind != "O":
        return array
    items = array.reshape(-1).tolist()
    if all(isinstance(item, bytes) for item in items):
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
    if isinstance(value, SparseArray):
        arrays = {key: _savable(np.asarray(getattr(value, key))) for key in SPARSE_KEYS}
    else:
        arrays = {"value": _savable(np.asarray(value))}
    try:
        with open(path, "wb") as handle:  # a handle keeps numpy from appending ".npz"
            if suffix == ".npy":
                np.save(handle, arrays["value"], allow_pickle=False)
            else:
                np.savez(handle, allow_pickle=False, **arrays)
    except OSError as exc:
        raise FeedError(f"{path} cannot be written: {exc.strerror or exc}.") from None
