"""Sparse samples keep their order (a note and a sort on request), and values beyond what
TensorFlow can hold are refused with a FeedError, never another exception."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from explorer.core.errors import FeedError
from explorer.core.feed_files import load_feed_file, save_feed_file
from explorer.core.feeds import check_feed, order_note, sorted_entries
from explorer.core.model_spec import InputSpec, SparseArray
from explorer.core.pasted_rows import parse_row_arrays
from explorer.core.random_feeds import random_values
from explorer.core.sparse_check import linear_keys

FEATURES = InputSpec("features", True, "float32", (None, 1000), ("i", "v", "s"))
ANY_RANK = InputSpec("x", True, "float32", None, ("i", "v", "s"))


def sparse(indices, values, shape, dtype=np.float32) -> SparseArray:
    return SparseArray(np.asarray(indices, np.int64), np.asarray(values, dtype), np.asarray(shape))


def problem(spec: InputSpec, value) -> str:
    with pytest.raises(FeedError) as caught:
        check_feed(spec, value)
    return str(caught.value)


# --- order ---------------------------------------------------------------------------------


def test_an_unsorted_feed_reaches_tensorflow_unchanged(tf):
    given = sparse([[1, 4], [0, 0], [0, 7]], [1, 2, 3], [2, 1000])
    fed = check_feed(FEATURES, given)
    assert fed == given  # not reordered: what the user gave is what TensorFlow gets
    tensor = tf.sparse.SparseTensor(fed.indices, fed.values, fed.dense_shape)
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of order"):
        tf.sparse.to_dense(tensor, validate_indices=True)  # TensorFlow's own refusal


def test_sorted_entries_equal_tf_sparse_reorder(tf):
    rng = np.random.default_rng(7)
    shape = [6, 5, 7]
    offsets = rng.choice(np.prod(shape), 60, replace=False)  # unsorted, unique
    indices = np.stack(np.unravel_index(offsets, shape), axis=1).astype(np.int32)
    values = rng.standard_normal(60)
    ours = sorted_entries(SparseArray(indices, values, np.asarray(shape)))
    theirs = tf.sparse.reorder(tf.sparse.SparseTensor(indices.astype(np.int64), values, shape))
    assert np.array_equal(ours.indices, theirs.indices.numpy())
    assert np.array_equal(ours.values, theirs.values.numpy())  # values move with their indices
    assert ours.indices.dtype == np.int64 and order_note(ours) is None


def test_order_note_names_the_first_entry_out_of_order():
    assert order_note(sparse([[0, 1], [0, 5], [2, 0]], [1, 2, 3], [4, 1000])) is None
    assert order_note(sparse(np.zeros((0, 2)), [], [4, 1000])) is None
    assert order_note(sparse([[3, 3]], [1], [4, 1000])) is None
    unsorted = sparse([[0, 1], [0, 5], [1, 0], [0, 9]], [1, 2, 3, 4], [4, 1000])
    assert order_note(unsorted) == (
        "Entries are not in row-major order (entry 3's index [0, 9] comes before entry 2's "
        "[1, 0]); some TensorFlow ops (e.g. embedding_lookup_sparse, sparse_to_dense with "
        "validate_indices) refuse or misread such input."
    )


def test_order_in_a_shape_of_2_to_the_62_cells():
    huge = InputSpec("huge", True, "float32", (None, None, None), ())
    value = sparse([[5, 1, 1], [1, 2, 3], [1, 2, 2]], [1, 2, 3], [2**20, 2**21, 2**21])
    assert check_feed(huge, value) == value
    assert "(entry 1's index [1, 2, 3] comes before entry 0's [5, 1, 1])" in order_note(value)
    ordered = sorted_entries(value)
    assert ordered.indices.tolist() == [[1, 2, 2], [1, 2, 3], [5, 1, 1]]
    assert ordered.values.tolist() == [3, 2, 1] and order_note(ordered) is None


def test_rank_0_samples():
    single = SparseArray(np.zeros((1, 0), np.int64), np.array([2.5]), np.zeros(0, np.int64))
    assert check_feed(ANY_RANK, single).values.tolist() == [2.5]
    assert order_note(single) is None
    double = SparseArray(np.zeros((2, 0), np.int64), np.array([1.0, 2.0]), np.zeros(0, np.int64))
    assert problem(ANY_RANK, double) == "Entries 0 and 1 of 'x' have the same index []."
    assert linear_keys(double.indices).tolist() == [0, 0]  # the same (empty) index


# --- limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "sentence"),
    [
        (
            np.array([2**64 - 1, 1000], np.uint64),
            f"The dense shape [{2**64 - 1}, 1000] of 'x' has a size beyond int64 (2**63 - 1).",
        ),
        (
            np.array([2**63, 1], np.uint64),
            f"The dense shape [{2**63}, 1] of 'x' has a size beyond int64 (2**63 - 1).",
        ),
        (
            [2**62, 1000],
            f"The dense shape [{2**62}, 1000] of 'x' has more cells than int64 can count "
            "(2**63 - 1), which makes TensorFlow abort.",
        ),
        (
            [2**62, 1000, 0],
            f"The dense shape [{2**62}, 1000, 0] of 'x' has more cells than int64 can count "
            "(2**63 - 1), which makes TensorFlow abort.",
        ),
    ],
)
def test_dense_shapes_tensorflow_cannot_hold_are_refused(shape, sentence):
    value = SparseArray(np.zeros((0, len(shape)), np.int64), np.zeros(0), np.asarray(shape))
    assert problem(ANY_RANK, value) == sentence


def test_cell_counts_overflow_as_tensorflow_multiplies(tf):
    """TensorFlow multiplies the sizes left to right: a leading 0 keeps the count at 0."""
    for shape in ([2**62, 1000], [2**62, 1000, 0], [0, 2**62, 1000], [2**31, 2**31, 2]):
        empty = tf.sparse.SparseTensor(tf.zeros([0, len(shape)], tf.int64), tf.zeros([0]), shape)
        try:
            tf.sparse.reduce_sum(empty, axis=1)
            tensorflow_takes = True
        except tf.errors.InvalidArgumentError:
            tensorflow_takes = False
        value = SparseArray(np.zeros((0, len(shape)), np.int64), np.zeros(0), np.array(shape))
        try:
            check_feed(ANY_RANK, value)
            we_take = True
        except FeedError:
            we_take = False
        assert we_take == tensorflow_takes, shape


def test_numbers_beyond_int64_are_feed_errors():
    huge = np.array([[0, 2**64 - 1]], dtype=np.uint64)
    assert problem(FEATURES, SparseArray(huge, np.ones(1), np.array([1, 1000]))) == (
        f"Entry 0 of 'features' has index [0, {2**64 - 1}], outside the dense shape [1, 1000]."
    )
    ids = InputSpec("ids", True, "int64", (None, 5), ())
    values = np.array([2**64 - 1], np.uint64)
    assert problem(ids, SparseArray(np.array([[0, 1]]), values, np.array([1, 5]))) == (
        f"The value 0 of 'ids' is {2**64 - 1}, outside the int64 range."
    )
    with pytest.raises(FeedError) as caught:
        parse_row_arrays("0 1 2\n0 99999999999999999999 1.5", 2, np.dtype(np.float32))
    assert str(caught.value) == "Line 2 has the index 99999999999999999999, beyond int64."
    with pytest.raises(FeedError, match=r"^Line 1 has the index -9223372036854775809, beyond"):
        parse_row_arrays(f"{-(2**63) - 1} 1.5", 1, np.dtype(np.float32))


# --- files ---------------------------------------------------------------------------------


def _npy_bytes(shape: tuple[int, ...], data: bytes) -> bytes:
    """An .npy file whose header claims `shape` float64, followed by `data`."""
    import io

    buffer = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def test_a_header_claiming_more_than_the_file_holds_is_refused(tmp_path):
    (tmp_path / "huge.npy").write_bytes(_npy_bytes((2 * 10**12,), bytes(64)))
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as archive:
        archive.writestr("value.npy", _npy_bytes((2 * 10**12,), bytes(64)))
    (tmp_path / "short.npy").write_bytes(_npy_bytes((8,), bytes(54)))
    expected = {
        "huge.npy": "its array announces 16,000,000,000,000 bytes of data but holds 64.",
        "huge.npz": "its array 'value' announces 16,000,000,000,000 bytes of data but holds 64.",
        "short.npy": "its array announces 64 bytes of data but holds 54.",
    }
    for name, tail in expected.items():
        with pytest.raises(FeedError) as caught:
            load_feed_file(tmp_path / name)
        assert str(caught.value) == f"{tmp_path / name} is damaged: {tail}"


def test_running_out_of_memory_is_a_feed_error(tmp_path, monkeypatch):
    np.save(tmp_path / "x.npy", np.zeros(3))

    def no_memory(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(np, "load", no_memory)
    with pytest.raises(FeedError) as caught:
        load_feed_file(tmp_path / "x.npy")
    assert str(caught.value) == f"{tmp_path / 'x.npy'} holds more data than fits in memory."


def test_strings_ending_in_nul_bytes_round_trip_without_pickle(tmp_path):
    words = np.array([[b"a", b"\xff\x00"], [b"", b"\x00\x00"]], dtype=object)
    save_feed_file(tmp_path / "w.npy", words)
    loaded = load_feed_file(tmp_path / "w.npy")
    assert loaded.dtype == object and loaded.tolist() == words.tolist()
    raw = np.load(tmp_path / "w.npy")  # no pickle: (length, bytes) records
    assert raw.dtype.names == ("length", "bytes") and raw["length"].tolist() == [[1, 2], [0, 2]]
    value = SparseArray(np.array([[0], [1]]), np.array([b"x\x00", b"y"], object), np.array([2]))
    save_feed_file(tmp_path / "s.npz", value)
    assert load_feed_file(tmp_path / "s.npz") == value
    plain = np.array([b"cat", b"dog"], dtype=object)  # no NUL: plain fixed-width bytes
    save_feed_file(tmp_path / "p.npy", plain)
    assert np.load(tmp_path / "p.npy").dtype == np.dtype("S3")


def test_random_strings_are_the_drawn_numbers_as_text():
    drawn = np.random.default_rng(5).integers(0, 10, 1000)
    words = random_values(np.random.default_rng(5), 1000, "object", "integers")
    assert words.dtype == object and words.tolist() == [str(n).encode() for n in drawn]
    assert random_values(np.random.default_rng(5), 0, "object", "ones").shape == (0,)
