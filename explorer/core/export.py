"""Writing a checkpoint's tensors to files other tools load: .npy, .csv, .npz, scipy.sparse.

Writers are generators: every yield is a progress fraction in [0, 1] and a point where a
background job may stop, and they read the tensor a chunk at a time, so a tensor of many
gigabytes never sits in memory. Everything is written under a temporary name beside the
target and renamed only once complete: a cancelled or failed export leaves no partial file
under the chosen name, and removes its temporary one.

Choices, worded for the README too:
- bfloat16 and float8 values are written as float32: every such value is exactly a float32,
  and plain numpy cannot read ml_dtypes' types back from .npy. The same holds for float16 in
  scipy.sparse files, which do not take float16.
- String tensors are written as .csv only (bytes decoded as UTF-8, undecodable bytes as
  backslash escapes): numpy can read strings back from .npy or .npz only with pickle.
- CSV holds one line per row of a matrix, one per element of a vector. Numbers are the
  shortest text that reads back as the same value in their dtype (bfloat16 and float8 in
  float32, like their .npy), so parsing the file gives the tensor's values exactly.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import itertools
import math
import os
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from explorer.core.checkpoint import display_name
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_snippet import IMPORT
from explorer.core.tensor import LazyTensor

CHUNK_ELEMENTS = 1 << 20
"""Elements read and written per step: a few MB, so progress and Cancel stay prompt."""
FORMATS = ("npy", "csv", "npz")
"""The formats of a dense tensor, by file suffix."""
MAX_CSV_RANK = 2
WIDENED = np.dtype(np.float32)
_exports = itertools.count()

Progress = Generator[float, None, "ExportResult"]


class ExportError(Exception):
    """A tensor that cannot be written in the chosen format, or a file that cannot be
    written: one sentence."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    elements: int
    """Elements written (all members of a sparse tensor together)."""
    note: str = ""
    """One sentence about how the values were converted, or ""."""


def _partial_path(target: Path) -> Path:
    """Where the file is written before it is complete: hidden, beside the target, and named
    apart from any other export's (a cancelled one may still be closing its file)."""
    return target.with_name(f".{target.name}.{os.getpid()}-{next(_exports)}.partial")


def partial_files(target: Path) -> list[Path]:
    """Files of unfinished exports to `target`."""
    return sorted(target.parent.glob(f".{glob.escape(target.name)}.*.partial"))


def with_suffix(path: Path, file_format: str) -> Path:
    """`path` ending in the format's suffix, as the user most likely meant it."""
    suffix = ".npz" if file_format == "scipy" else f".{file_format}"
    return path if path.suffix.lower() == suffix else Path(f"{path}{suffix}")


def written_dtype(dtype: np.dtype, scipy_data: bool = False) -> np.dtype:
    """The dtype values are written as: ml_dtypes' floats (and float16 for scipy) widen to
    float32, exactly; every other dtype is kept."""
    if dtype.kind == "V" or (scipy_data and dtype == np.float16):
        return WIDENED
    return dtype


def _widening_note(dtype: np.dtype, written: np.dtype) -> str:
    if written == dtype:
        return ""
    return f"The {dtype} values were written as float32, which holds each of them exactly."


def dense_refusal(dtype: np.dtype, shape: Sequence[int], file_format: str) -> str | None:
    """Why a tensor cannot be written in `file_format` (one sentence), or None if it can."""
    if file_format == "csv" and len(shape) > MAX_CSV_RANK:
        return (
            f"A CSV file holds a matrix at most, and this tensor has rank {len(shape)}; "
            "export it as .npy or .npz."
        )
    if file_format in ("npy", "npz") and dtype.kind == "O":
        instead = "export it as .csv" if len(shape) <= MAX_CSV_RANK else "use Copy as Python"
        return (
            f"numpy reads strings back from .{file_format} files only with pickle, so string "
            f"tensors are not written as .{file_format}; {instead} instead."
        )
    return None


def sparse_refusal(sparse: SparseTensor, values_dtype: np.dtype, file_format: str) -> str | None:
    """Why a sparse tensor cannot be written in `file_format`, or None if it can.

    `sparse.problems` must already hold the check of its indices for the scipy format.
    """
    if values_dtype.kind == "O":
        return (
            "numpy reads strings back from .npz files only with pickle, so sparse tensors of "
            "strings are not exported; use Copy as Python instead."
        )
    if file_format == "scipy":
        if sparse.shape is None or len(sparse.shape) != 2:
            return "A scipy.sparse matrix has rank 2, and this sparse tensor does not."
        if not sparse.valid:
            return "A scipy.sparse matrix needs valid indices, and these have problems: " + (
                " ".join(sparse.problems)
            )
    return None


def _unwritable(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"{path} cannot be written: {exc.strerror or exc}.")


@contextlib.contextmanager
def _replacing(target: Path, text: bool = False) -> Iterator[IO]:
    """An open temporary file that becomes `target` once the block completes; removed if
    the block fails or is abandoned (a cancelled job's generator is closed)."""
    temp = _partial_path(target)
    try:
        handle = (
            open(temp, "x", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
            if text
            else open(temp, "xb")  # noqa: SIM115
        )
    except OSError as exc:
        raise _unwritable(target, exc) from None
    try:
        with handle:
            yield handle
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise _unwritable(target, exc) from None
        raise


def _npy_header(handle: IO[bytes], dtype: np.dtype, shape: Sequence[int]) -> None:
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": tuple(shape),
    }
    np.lib.format.write_array_header_1_0(handle, header)


def _npy_body(
    handle: IO[bytes], tensor: LazyTensor, dtype: np.dtype, done: int, total: int
) -> Iterator[float]:
    """Write the tensor's elements in C order; yields the fraction of `total` done."""
    for chunk in tensor.chunks(CHUNK_ELEMENTS):
        handle.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())
        done += chunk.size
        yield done / max(total, 1)


def _check(tensor: LazyTensor, file_format: str) -> None:
    refusal = dense_refusal(tensor.dtype, tensor.shape, file_format)
    if refusal is not None:
        raise ExportError(refusal)


def export_tensor(tensor: LazyTensor, target: Path, file_format: str) -> Progress:
    """Write `tensor` to `target` as .npy, .csv or .npz (one array named after the
    variable's display name)."""
    _check(tensor, file_format)
    dtype = written_dtype(tensor.dtype)
    yield 0.0
    if file_format == "npy":
        with _replacing(target) as handle:
            _npy_header(handle, dtype, tensor.shape)
            yield from _npy_body(handle, tensor, dtype, 0, tensor.size)
    elif file_format == "npz":
        yield from _write_npz(target, [(display_name(tensor.name), tensor)])
    else:
        yield from _write_csv(target, tensor)
    return ExportResult(target, tensor.size, _widening_note(tensor.dtype, dtype))


def _write_npz(target: Path, members: list[tuple[str, LazyTensor]]) -> Iterator[float]:
    """An uncompressed .npz, as np.savez writes it, each member streamed in chunks."""
    total = sum(tensor.size for _, tensor in members)
    done = 0
    with (
        _replacing(target) as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for name, tensor in members:
            dtype = written_dtype(tensor.dtype)
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                _npy_header(member, dtype, tensor.shape)
                yield from _npy_body(member, tensor, dtype, done, total)
            done += tensor.size


def csv_cells(block: np.ndarray) -> np.ndarray:
    """The CSV text of each element of `block` (same shape)."""
    if block.dtype.kind == "O":
        flat = [value.decode("utf-8", "backslashreplace") for value in block.reshape(-1)]
        return np.array(flat, dtype=object).reshape(block.shape)
    return block.astype(written_dtype(block.dtype)).astype(str)


def _write_csv(target: Path, tensor: LazyTensor) -> Iterator[float]:
    """A line per row of a matrix (per element of a vector), read a block of rows at a time."""
    columns = tensor.shape[1] if tensor.ndim == 2 else 1
    rows = tensor.shape[0] if tensor.ndim else 1
    step = max(1, CHUNK_ELEMENTS // max(columns, 1))
    with _replacing(target, text=True) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for start in range(0, rows, step):
            block = np.asarray(tensor[()] if tensor.ndim == 0 else tensor[start : start + step])
            cells = csv_cells(block).reshape(block.shape[0] if block.ndim else 1, columns)
            writer.writerows(cells.tolist())
            yield min(rows, start + step) / rows


def export_sparse(
    sparse: SparseTensor, members: Sequence[LazyTensor], target: Path, file_format: str
) -> Progress:
    """Write a sparse tensor whose indices, values and dense_shape are `members`: as an .npz
    of those three arrays (streamed), or as a scipy.sparse COO matrix file (read whole)."""
    values = members[1]
    refusal = sparse_refusal(sparse, values.dtype, file_format)
    if refusal is not None:
        raise ExportError(refusal)
    written = written_dtype(values.dtype, scipy_data=file_format == "scipy")
    yield 0.0
    if file_format == "npz":
        names = ("indices", "values", "dense_shape")
        yield from _write_npz(target, list(zip(names, members, strict=True)))
    else:
        arrays = []
        for done, member in enumerate(members, 1):
            arrays.append(member[...])
            yield 0.9 * done / 3  # the writing is one step at the end
        arrays[1] = arrays[1].astype(written)
        with _replacing(target) as handle:
            write_sparse(handle, "scipy", *arrays)
    total = sum(math.prod(member.shape) for member in members)
    return ExportResult(target, total, _widening_note(values.dtype, written))


def write_sparse(
    out: Path | BinaryIO,
    file_format: str,
    indices: np.ndarray,
    values: np.ndarray,
    dense_shape: np.ndarray,
) -> None:
    """An .npz of the three arrays, or a scipy.sparse COO matrix file (rank 2 only)."""
    if file_format == "scipy":
        import scipy.sparse  # only this export needs scipy

        shape = tuple(int(dim) for dim in dense_shape)
        matrix = scipy.sparse.coo_matrix((values, (indices[:, 0], indices[:, 1])), shape=shape)
        scipy.sparse.save_npz(out, matrix, compressed=False)
    else:
        np.savez(out, indices=indices, values=values, dense_shape=dense_shape)


def variable_snippet(prefix: str, key: str) -> str:
    """Python source that loads one variable with tf.train.load_checkpoint and prints it.

    Every string goes through repr(): paths and keys may hold quotes or any unicode.
    """
    return f"""\
# Loads the variable {display_name(key)!r} from its checkpoint (Checkpoint Explorer).
{IMPORT}
PREFIX = {str(prefix)!r}
KEY = {key!r}

value = tf.train.load_checkpoint(PREFIX).get_tensor(KEY)
print(value.dtype, list(value.shape))
print(value)
"""
