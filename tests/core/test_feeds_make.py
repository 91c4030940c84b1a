"""Making sample values: random and constant ones, densified, pasted, read from files and
from a checkpoint's sparse tensors."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse

from explorer.core.bundle import BundleReader
from explorer.core.errors import FeedError
from explorer.core.feed_files import load_feed_file, save_feed_file
from explorer.core.feeds import check_feed, sparse_from_checkpoint
from explorer.core.model_spec import InputSpec, SparseArray
from explorer.core.pasted_rows import parse_row_arrays, parse_rows
from explorer.core.random_feeds import (
    constant_dense,
    densify,
    distributions_for,
    random_dense,
    random_sparse,
)
from explorer.core.sparse import find_sparse_tensors


def is_canonical(value: SparseArray) -> bool:
    """Strictly increasing in row-major order: sorted and without repeats."""
    rows = value.indices.tolist()
    return all(a < b for a, b in zip(rows, rows[1:], strict=False))


# --- random samples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "density", "count"),
    [([4, 5], 0.5, 10), ([4, 5], 0.9, 18), ([4, 5], 1.0, 20), ([10], 0.01, 1), ([7], 0.0, 0),
     ([64, 1000], 0.001, 64), ([3, 4, 5], 0.25, 15)],
)  # fmt: skip
def test_random_sparse_has_the_exact_count_of_distinct_sorted_entries(shape, density, count):
    value = random_sparse(shape, density, "float32", "uniform", seed=3)
    assert value.nnz == count
    assert value.indices.shape == (count, len(shape)) and value.indices.dtype == np.int64
    assert value.dense_shape.tolist() == shape and value.dense_shape.dtype == np.int64
    assert is_canonical(value)
    assert ((value.indices >= 0) & (value.indices < shape)).all()
    assert value.values.dtype == np.float32 and ((value.values >= 0) & (value.values < 1)).all()


def test_random_sparse_is_deterministic_per_seed():
    first = random_sparse([8, 100], 0.05, "float64", "normal", seed=11)
    assert first == random_sparse([8, 100], 0.05, "float64", "normal", seed=11)
    other = random_sparse([8, 100], 0.05, "float64", "normal", seed=12)
    assert not np.array_equal(first.indices, other.indices)


def test_random_sparse_is_quick_on_a_wide_batch():
    start = time.perf_counter()
    value = random_sparse([64, 1_000_000], 1e-3, "float32", "normal", seed=0)
    assert time.perf_counter() - start < 2.0
    assert value.nnz == 64_000 and is_canonical(value)
    spec = InputSpec("features", True, "float32", (None, 1_000_000), ())
    assert check_feed(spec, value) == value


def test_random_sparse_in_a_shape_int64_cannot_count():
    value = random_sparse([2**40, 2**40], 1e-21, "int64", "integers", seed=1)
    assert value.nnz == round(1e-21 * 2**80) and is_canonical(value)
    assert (value.values >= 0).all() and (value.values < 10).all()


def test_random_distributions():
    assert random_sparse([100], 0.5, "int32", "ones", 0).values.tolist() == [1] * 50
    ids = random_sparse([1000], 0.5, "int64", "integers", 0).values
    assert ids.dtype == np.int64 and set(ids.tolist()) == set(range(10))
    words = random_sparse([50], 0.2, "object", "integers", 0).values
    assert all(isinstance(w, bytes) and w.decode().isdigit() for w in words)
    flags = random_dense([200], "bool", "integers", 0)
    assert flags.dtype == bool and flags.any() and not flags.all()
    assert distributions_for("int64") == ("integers", "ones")
    assert distributions_for("float16") == ("uniform", "normal", "ones", "integers")


@pytest.mark.parametrize(
    ("call", "sentence"),
    [
        (lambda: random_sparse([4], 1.5, "float32", "uniform", 0),
         "The density 1.5 is not between 0 and 1."),
        (lambda: random_sparse([4], 0.5, "int64", "normal", 0),
         "Normal values do not fit int64; choose integers or ones."),
        (lambda: random_sparse([100_000, 1000], 0.2, "float32", "uniform", 0),
         "A density of 0.2 in the dense shape [100000, 1000] makes 20,000,000 entries, more than "
         "the 10,000,000 the explorer makes up; lower it."),
        (lambda: random_dense([100_000, 1000], "float32", "uniform", 0),
         "A dense [100000, 1000] float32 array would have 100,000,000 elements, more than the "
         "10,000,000 the explorer builds; choose a smaller shape."),
        (lambda: constant_dense([2], "int32", 1.5),
         "1.5 is not a whole number, so it cannot fill a int32 array."),
        (lambda: constant_dense([2], "uint8", -1), "-1 is outside the uint8 range."),
        (lambda: constant_dense([2], "float16", 1e6), "1000000.0 is too large for float16."),
        (lambda: constant_dense([2], "float32", "a"),
         "A float32 constant must be a number, not the text 'a'."),
        (lambda: constant_dense([2], "bool", 2),
         "A bool constant is 0 or 1 (false or true), not 2."),
    ],
)  # fmt: skip
def test_refusals(call, sentence):
    with pytest.raises(FeedError) as caught:
        call()
    assert str(caught.value) == sentence


def test_random_dense_is_deterministic_and_shaped():
    value = random_dense([3, 4], "float32", "uniform", seed=5)
    assert value.shape == (3, 4) and value.dtype == np.float32
    assert np.array_equal(value, random_dense([3, 4], "float32", "uniform", seed=5))
    assert not np.array_equal(value, random_dense([3, 4], "float32", "uniform", seed=6))


def test_constant_dense():
    assert constant_dense([2, 1], "float32", 0.5).tolist() == [[0.5], [0.5]]
    assert constant_dense([2], "float32", 0.5).dtype == np.float32
    assert constant_dense([3], "int64", 4.0).tolist() == [4, 4, 4]
    assert constant_dense([1], "bool", True).tolist() == [True]
    assert constant_dense([2], "object", "cat").tolist() == [b"cat", b"cat"]


def test_densify_equals_tf_sparse_to_dense(tf):
    value = random_sparse([5, 7], 0.3, "float32", "normal", seed=2)
    theirs = tf.sparse.to_dense(
        tf.sparse.SparseTensor(value.indices, value.values, value.dense_shape)
    )
    dense = densify(value)
    assert dense.dtype == np.float32 and np.array_equal(dense, theirs.numpy())


def test_densify_strings_and_limits():
    words = SparseArray(np.array([[1]]), np.array([b"a"], dtype=object), np.array([3]))
    assert densify(words).tolist() == [b"", b"a", b""]
    with pytest.raises(FeedError) as caught:
        densify(random_sparse([64, 1_000_000], 1e-6, "float32", "ones", 0))
    assert str(caught.value) == (
        "A dense [64, 1000000] float32 array would have 64,000,000 elements, more than the "
        "10,000,000 the explorer builds; choose a smaller shape."
    )
    outside = SparseArray(np.array([[0], [3]]), np.array([1.0, 2.0]), np.array([3]))
    with pytest.raises(FeedError, match=r"^Entry 1 of the sparse sample has index \[3\], outside"):
        densify(outside)


# --- pasted rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line", ["0 5 1.5", "0,5,1.5", "0\t5\t1.5", "[0, 5] 1.5", "(0, 5): 1.5", " 0 ; 5 ; 1.5 "]
)
def test_pasted_line_formats(line):
    assert parse_rows(line, 2) == [((0, 5), "1.5")]


def test_pasted_text_skips_blanks_and_comments_and_keeps_quoted_values():
    text = "# index value\n\n[3] 'a b, c'\n4 -1e-3\r\n"
    assert parse_rows(text, 1) == [((3,), "'a b, c'"), ((4,), "-1e-3")]
    indices, values = parse_row_arrays("1 2 3\n0 1 2.5\n", 2, np.dtype("float32"))
    assert indices.dtype == np.int64 and indices.tolist() == [[1, 2], [0, 1]]
    assert values.dtype == np.float32 and values.tolist() == [3.0, 2.5]
    indices, values = parse_row_arrays("", 3, np.dtype("int64"))
    assert indices.shape == (0, 3) and values.shape == (0,)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("0 1 2\n0 1", "Line 2 has 2 fields, but a row needs 3: 2 indices and a value."),
        ("0 1 2 3", "Line 1 has 4 fields, but a row needs 3: 2 indices and a value."),
        ("\n\n0 x 2", "Line 3 has the index 'x', which is not a whole number."),
        ("0 1.5 2", "Line 1 has the index '1.5', which is not a whole number."),
        ("0 1 2\n# ok\n1 1 abc", "Line 3 has a bad value: 'abc' is not a number."),
    ],
)
def test_pasted_text_problems_name_the_line(text, sentence):
    with pytest.raises(FeedError) as caught:
        parse_row_arrays(text, 2, np.dtype("float32"))
    assert str(caught.value) == sentence


def test_pasted_rank_one_wording():
    with pytest.raises(FeedError, match=r"^Line 1 has 1 field, but a row needs 2: 1 index and"):
        parse_rows("5", 1)


# --- feed files ----------------------------------------------------------------------------


def test_sparse_and_dense_files_round_trip(tmp_path):
    value = SparseArray(
        np.array([[0, 1], [2, 3]]), np.array([1.5, 2.5], np.float32), np.array([3, 4])
    )
    save_feed_file(tmp_path / "s.npz", value)
    assert load_feed_file(tmp_path / "s.npz") == value
    dense = np.arange(6, dtype=np.int16).reshape(2, 3)
    for name in ("d.npz", "d.npy"):
        save_feed_file(tmp_path / name, dense)
        loaded = load_feed_file(tmp_path / name)
        assert loaded.dtype == np.int16 and np.array_equal(loaded, dense)
    with np.load(tmp_path / "d.npz") as archive:
        assert list(archive.keys()) == ["value"]


def test_string_values_are_saved_without_pickle(tmp_path):
    words = SparseArray(np.array([[0]]), np.array([b"cat"], dtype=object), np.array([2]))
    save_feed_file(tmp_path / "w.npz", words)
    spec = InputSpec("w", True, "object", (None,), ())
    assert check_feed(spec, load_feed_file(tmp_path / "w.npz")).values.tolist() == [b"cat"]


@pytest.mark.parametrize("form", ["csr", "csc", "coo", "bsr", "dia", "lil"])
def test_scipy_sparse_files(tmp_path, form):
    matrix = scipy.sparse.random(6, 9, density=0.3, format="csr", random_state=4, dtype=np.float32)
    path = tmp_path / "m.npz"
    scipy.sparse.save_npz(path, matrix.asformat(form) if form != "lil" else matrix.tocsc())
    value = load_feed_file(path)
    assert is_canonical(value) and value.dense_shape.tolist() == [6, 9]
    assert value.values.dtype == np.float32
    assert np.array_equal(densify(value), matrix.toarray())


def test_scipy_file_with_repeated_entries_adds_them_like_scipy(tmp_path):
    matrix = scipy.sparse.coo_array(([1.0, 2.0, 4.0], ([1, 0, 1], [2, 0, 2])), shape=(2, 3))
    scipy.sparse.save_npz(tmp_path / "r.npz", matrix)
    value = load_feed_file(tmp_path / "r.npz")
    assert value.indices.tolist() == [[0, 0], [1, 2]] and value.values.tolist() == [2.0, 5.0]


def test_feed_file_problems(tmp_path):
    np.savez(tmp_path / "other.npz", a=1, b=2)
    np.savez(tmp_path / "empty.npz")
    np.save(tmp_path / "objects.npy", np.array([{}], dtype=object), allow_pickle=True)
    (tmp_path / "text.npz").write_text("garbage")
    (tmp_path / "notes.txt").write_text("0 1 2")
    expected = {
        "other.npz": "holds neither indices, values and dense_shape nor value (it holds: a, b).",
        "empty.npz": "holds neither indices, values and dense_shape nor value (it holds: nothing).",
        "objects.npy": "holds Python objects, which the explorer does not unpickle.",
        "text.npz": "is not an .npz file (it is not a zip archive).",
        "notes.txt": "is neither an .npz nor an .npy file.",
        "missing.npy": "does not exist.",
    }
    for name, tail in expected.items():
        with pytest.raises(FeedError) as caught:
            load_feed_file(tmp_path / name)
        assert str(caught.value) == f"{tmp_path / name} {tail}"
    with pytest.raises(FeedError) as caught:
        save_feed_file(
            tmp_path / "s.npy", SparseArray(np.zeros((0, 1)), np.zeros(0), np.array([1]))
        )
    assert str(caught.value) == (
        f"{tmp_path / 's.npy'} is an .npy file, which holds a dense value; "
        "save sparse ones as .npz."
    )


# --- from a checkpoint ---------------------------------------------------------------------


def test_sparse_from_checkpoint_equals_tensorflow(tf, samples_dir):
    prefix = samples_dir / "custom_sparse_triplet" / "model.ckpt-100"
    reader = BundleReader(prefix)
    (found,) = find_sparse_tensors(reader)
    value = sparse_from_checkpoint(reader, found)
    theirs = tf.train.load_checkpoint(str(prefix))
    for part, key in zip(
        (value.indices, value.values, value.dense_shape),
        (found.indices, found.values, found.dense_shape),
        strict=True,
    ):
        expected = theirs.get_tensor(key)
        assert part.dtype == expected.dtype and np.array_equal(part, expected)
    assert value.nnz == 40 and value.dense_shape.tolist() == [50, 30]
    spec = InputSpec("m", True, value.values.dtype.name, (None, 30), ())
    assert check_feed(spec, value).nnz == 40
