"""Exports (.npy, .csv, .npz, scipy.sparse) read back equal TensorFlow's own values."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse

from explorer.core import export
from explorer.core.bundle import BundleReader
from explorer.core.checkpoint import OBJECT_GRAPH_KEY, display_name
from explorer.core.export import (
    ExportError,
    ExportResult,
    export_sparse,
    export_tensor,
    partial_files,
)
from explorer.core.sparse import find_sparse_tensors

from .tf_oracle import tf_value

SPARSE_SAMPLE = "sample_custom_sparse_triplet"


def run(job) -> ExportResult:
    """Drive an export generator to its end, checking its progress as it goes."""
    ticks = []
    while True:
        try:
            ticks.append(next(job))
        except StopIteration as stop:
            assert ticks == sorted(ticks) and all(0 <= tick <= 1 for tick in ticks), ticks
            return stop.value


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7 elements, so every tensor of a few rows takes several chunks."""
    monkeypatch.setattr(export, "CHUNK_ELEMENTS", 7)


@pytest.fixture(scope="module")
def every_dtype(checkpoints):
    """(our reader, TensorFlow's reader, the variable keys) of the every-dtype checkpoint."""
    reader = BundleReader(checkpoints.prefix("tf2_every_dtype"))
    keys = [info.name for info in reader.variables if info.name != OBJECT_GRAPH_KEY]
    yield reader, checkpoints.tf_reader("tf2_every_dtype"), keys
    reader.close()


def as_written(value: np.ndarray) -> np.ndarray:
    """TensorFlow's value as the export writes it: ml_dtypes floats become float32."""
    return value.astype(np.float32) if value.dtype.kind == "V" else value


def assert_same_bits(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    assert ours.shape == theirs.shape, what
    assert ours.dtype == theirs.dtype, what
    assert ours.tobytes() == theirs.tobytes(), what


@pytest.mark.parametrize("file_format", ["npy", "npz"])
def test_binary_exports_equal_tensorflow(every_dtype, tmp_path, small_chunks, file_format):
    reader, tf_reader, keys = every_dtype
    written = 0
    for key in keys:
        tensor = reader.tensor(key)
        theirs = tf_value(tf_reader, key)
        target = tmp_path / f"{written}.{file_format}"
        if theirs.dtype == object:
            with pytest.raises(ExportError, match="only with pickle"):
                run(export_tensor(tensor, target, file_format))
            assert not target.exists() and not partial_files(target)
            continue
        result = run(export_tensor(tensor, target, file_format))
        assert result.path == target and result.elements == theirs.size
        assert bool(result.note) == (theirs.dtype.kind == "V"), key
        if file_format == "npy":
            ours = np.load(target)
        else:
            with np.load(target) as archive:
                assert archive.files == [display_name(key)]
                ours = archive[display_name(key)]
        assert_same_bits(ours, as_written(theirs), key)
        written += 1
    assert written >= 20
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{n}.{file_format}" for n in range(written)
    )  # no partial file left behind


def parse_csv(path: Path, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if dtype.kind == "O":
        cells = np.array([cell.encode("utf-8") for row in rows for cell in row] or [], object)
    elif dtype.kind == "b":
        assert {cell for row in rows for cell in row} <= {"True", "False"}
        cells = np.array([cell == "True" for row in rows for cell in row], dtype=bool)
    elif dtype.kind == "c":
        cells = np.array([complex(cell) for row in rows for cell in row], dtype=dtype)
    else:
        cells = np.array([cell for row in rows for cell in row], dtype=str).astype(dtype)
    if len(shape) == 2:
        assert len(rows) == shape[0] and all(len(row) == shape[1] for row in rows)
    else:
        assert all(len(row) == 1 for row in rows)
    return cells.reshape(shape)


def test_csv_exports_read_back_as_tensorflow_values(every_dtype, tmp_path, small_chunks):
    reader, tf_reader, keys = every_dtype
    compared = []
    for key in keys:
        tensor = reader.tensor(key)
        theirs = as_written(tf_value(tf_reader, key))
        target = tmp_path / "values.csv"
        if theirs.ndim > 2:
            with pytest.raises(ExportError) as refused:
                run(export_tensor(tensor, target, "csv"))
            message = str(refused.value)
            assert message.count(". ") == 0 and message.endswith(".")  # one sentence
            assert f"rank {theirs.ndim}" in message and ".npy" in message
            continue
        run(export_tensor(tensor, target, "csv"))
        ours = parse_csv(target, theirs.dtype, theirs.shape)
        if theirs.dtype.kind in "fc":  # NaN text carries no payload; the rest is exact
            assert np.array_equal(ours, theirs, equal_nan=True), key
            finite = np.isfinite(theirs)
            assert ours[finite].tobytes() == theirs[finite].tobytes(), key
        elif theirs.dtype == object:
            utf8 = [v for v in theirs.reshape(-1) if v.decode("utf-8", "replace").encode() == v]
            kept = [v for v in ours.reshape(-1) if v in utf8]
            assert kept == utf8, key  # valid UTF-8 reads back as the same bytes
        else:
            assert_same_bits(ours, theirs, key)
        compared.append(display_name(key))
    assert {"model/float32", "model/bfloat16", "model/uint64", "model/strings_2d"} <= set(compared)


def test_undecodable_bytes_become_backslash_escapes(tmp_path):
    cells = export.csv_cells(np.array([b"ok", b"\xff\x00x"], dtype=object))
    assert cells.tolist() == ["ok", "\\xff\x00x"]


def test_partitioned_variables_export_whole(checkpoints, tmp_path, small_chunks):
    name = "tf1_partitioned"
    reader = BundleReader(checkpoints.prefix(name))
    for info in reader.variables:
        theirs = tf_value(checkpoints.tf_reader(name), info.name)
        if info.num_slices:
            target = tmp_path / f"{info.name}.npy"
            run(export_tensor(reader.tensor(info.name), target, "npy"))
            assert_same_bits(np.load(target), theirs, info.name)
    reader.close()


def test_a_cancelled_export_leaves_no_file(every_dtype, tmp_path, small_chunks):
    reader, _, _ = every_dtype
    target = tmp_path / "big.npy"
    job = export_tensor(reader.tensor("model/big/.ATTRIBUTES/VARIABLE_VALUE"), target, "npy")
    for _ in range(5):
        next(job)
    assert len(partial_files(target)) == 1  # written beside the target, under another name
    job.close()  # what abandoning a cancelled job's generator does
    assert list(tmp_path.iterdir()) == []


def test_a_failed_read_removes_the_partial_file(every_dtype, tmp_path, monkeypatch):
    reader, _, _ = every_dtype
    tensor = reader.tensor("model/big/.ATTRIBUTES/VARIABLE_VALUE")

    def chunks_then_fail(max_elements):
        yield np.zeros(max_elements, np.float32)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(tensor, "chunks", chunks_then_fail)
    with pytest.raises(ExportError, match=r"big.npy cannot be written: Input/output error\.$"):
        run(export_tensor(tensor, tmp_path / "big.npy", "npy"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("file_format", ["npy", "csv", "npz"])
def test_an_unwritable_path_is_one_sentence(every_dtype, tmp_path, file_format):
    reader, _, _ = every_dtype
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    target = blocker / f"x.{file_format}"  # a directory that is a file
    with pytest.raises(ExportError) as failed:
        run(
            export_tensor(
                reader.tensor("model/float32/.ATTRIBUTES/VARIABLE_VALUE"), target, file_format
            )
        )
    assert str(failed.value) == f"{target} cannot be written: Not a directory."


@pytest.fixture(scope="module")
def sparse_sample(checkpoints):
    reader = BundleReader(checkpoints.prefix(SPARSE_SAMPLE))
    (sparse,) = find_sparse_tensors(reader)
    members = [reader.tensor(key) for key in (sparse.indices, sparse.values, sparse.dense_shape)]
    yield sparse, members, checkpoints.tf_reader(SPARSE_SAMPLE)
    reader.close()


def test_sparse_npz_holds_the_three_arrays(sparse_sample, tmp_path, small_chunks):
    sparse, members, tf_reader = sparse_sample
    target = tmp_path / "sparse.npz"
    result = run(export_sparse(sparse, members, target, "npz"))
    assert result.elements == sum(member.size for member in members)
    with np.load(target) as archive:
        assert archive.files == ["indices", "values", "dense_shape"]
        for field in archive.files:
            key = getattr(sparse, field)
            assert_same_bits(archive[field], tf_value(tf_reader, key), field)


def test_scipy_export_equals_the_tensorflow_matrix(sparse_sample, tmp_path):
    sparse, members, tf_reader = sparse_sample
    target = tmp_path / "sparse.npz"
    run(export_sparse(sparse, members, target, "scipy"))
    matrix = scipy.sparse.load_npz(target)
    indices = tf_reader.get_tensor(sparse.indices)
    expected = np.zeros(tf_reader.get_tensor(sparse.dense_shape), dtype=np.float32)
    expected[indices[:, 0], indices[:, 1]] = tf_reader.get_tensor(sparse.values)
    assert matrix.dtype == np.float32
    assert np.array_equal(matrix.toarray(), expected)


def test_scipy_export_refuses_invalid_or_other_ranks(sparse_sample, tmp_path):
    sparse, members, _ = sparse_sample
    broken = type(sparse)(**{**vars(sparse), "problems": ["Index [9, 1] is out of bounds."]})
    cube = type(sparse)(**{**vars(sparse), "shape": [2, 3, 4]})
    for odd, reason in ((broken, "out of bounds"), (cube, "rank 2")):
        with pytest.raises(ExportError, match=reason):
            run(export_sparse(odd, members, tmp_path / "x.npz", "scipy"))
    assert list(tmp_path.iterdir()) == []


def test_suffix_is_added_when_missing():
    assert export.with_suffix(Path("a/b"), "npy") == Path("a/b.npy")
    assert export.with_suffix(Path("a/b.NPY"), "npy") == Path("a/b.NPY")
    assert export.with_suffix(Path("a/b.csv"), "scipy") == Path("a/b.csv.npz")
