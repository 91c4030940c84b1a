"""check_feed: every problem named in one exact sentence, good values put in the form fed
(their order kept; see test_feeds_order.py for order and limits)."""

from __future__ import annotations

import pickle

import ml_dtypes
import numpy as np
import pytest

from explorer.core.errors import FeedError
from explorer.core.feed_dtypes import parse_value
from explorer.core.feeds import FeedEntryError, check_feed
from explorer.core.model_spec import InputSpec, SparseArray

FEATURES = InputSpec(
    "features", True, "float32", (None, 1000), ("f/indices", "f/values", "f/shape")
)
LABELS = InputSpec("labels", False, "float32", (None, 1), ("labels:0",))


def sparse(indices, values, shape) -> SparseArray:
    return SparseArray(np.asarray(indices), np.asarray(values), np.asarray(shape))


def spec(**changes) -> InputSpec:
    fields = {"name": "x", "sparse": False, "dtype": "float32", "shape": None, "members": ("x:0",)}
    return InputSpec(**(fields | changes))


def problem(input_spec: InputSpec, value) -> str:
    with pytest.raises(FeedError) as caught:
        check_feed(input_spec, value)
    return str(caught.value)


# --- sparse values -------------------------------------------------------------------------


def test_good_sparse_keeps_its_order_and_is_converted():
    fed = check_feed(FEATURES, sparse([[1, 2], [0, 999], [0, 3]], [1, 2, 3], [4, 1000]))
    expected = SparseArray(
        np.array([[1, 2], [0, 999], [0, 3]], dtype=np.int64),
        np.array([1, 2, 3], dtype=np.float32),
        np.array([4, 1000], dtype=np.int64),
    )
    assert fed == expected


def test_already_sorted_sample_keeps_its_arrays_order():
    fed = check_feed(FEATURES, sparse([[0, 1], [3, 0]], np.array([5, 6], np.float32), [4, 1000]))
    assert fed.values.tolist() == [5.0, 6.0]


def test_empty_sparse_sample_is_fine():
    fed = check_feed(FEATURES, sparse(np.zeros((0, 2), np.int64), np.zeros(0), [2, 1000]))
    assert fed.nnz == 0 and fed.values.dtype == np.float32


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        (np.ones((2, 1000)), "'features' is sparse: give indices, values and dense_shape."),
        (
            sparse([[0, 1200]], [1.0], [4, 1000]),
            "Entry 0 of 'features' has index [0, 1200], outside the dense shape [4, 1000].",
        ),
        (
            sparse([[0, 1], [1, 2], [3, 3], [0, 1200], [4, 0]], [1.0] * 5, [4, 1000]),
            "Entry 3 of 'features' has index [0, 1200], outside the dense shape [4, 1000].",
        ),
        (
            sparse([[0, 1], [1, -2]], [1.0, 2.0], [4, 1000]),
            "Entry 1 of 'features' has a negative index [1, -2].",
        ),
        (
            sparse([[1, 2], [0, 3], [0, 7], [0, 3], [1, 2]], [1.0] * 5, [4, 1000]),
            "Entries 1 and 3 of 'features' have the same index [0, 3].",
        ),
        (
            sparse([[0, 1, 2]], [1.0], [4, 1000, 3]),
            "'features' has rank 2 [?, 1000], but the sample's dense shape [4, 1000, 3] has 3 "
            "dimensions.",
        ),
        (
            sparse([[0, 1]], [1.0], [4, 999]),
            "Dimension 1 of 'features' is 1000 [?, 1000], but the sample's dense shape is "
            "[4, 999].",
        ),
        (
            sparse([[0, 1, 1]], [1.0], [4, 1000]),
            "The indices of 'features' have 3 columns, but the dense shape [4, 1000] has 2 "
            "dimensions.",
        ),
        (
            sparse([0, 1], [1.0], [4, 1000]),
            "The indices of 'features' must be a 2-D [N, R] array of integers, but they are int64 "
            "of shape [2].",
        ),
        (
            sparse([[0.0, 1.0]], [1.0], [4, 1000]),
            "The indices of 'features' must be a 2-D [N, R] array of integers, but they are "
            "float64 of shape [1, 2].",
        ),
        (
            sparse([[0, 1], [0, 2]], [1.0], [4, 1000]),
            "The values of 'features' must be a 1-D array of 2 (one per index row), but they "
            "have shape [1].",
        ),
        (
            sparse([[0, 1]], [1.0], [[4, 1000]]),
            "The dense_shape of 'features' must be a 1-D vector of integers, but it is int64 of "
            "shape [1, 2].",
        ),
        (
            sparse([[0, 1]], [1.0], [-4, 1000]),
            "The dense shape [-4, 1000] of 'features' has a negative size.",
        ),
        (
            sparse([[0, 1]], ["a"], [4, 1000]),
            "'features' takes float32 values, but the sample holds strings.",
        ),
    ],
)
def test_sparse_problems(value, sentence):
    assert problem(FEATURES, value) == sentence


def test_entry_errors_point_at_the_entry_and_survive_pickling():
    with pytest.raises(FeedEntryError) as caught:
        check_feed(FEATURES, sparse([[0, 1], [1, 2], [0, 1]], [1.0] * 3, [4, 1000]))
    assert (caught.value.entry, caught.value.part) == (2, "index")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy), copy.entry, copy.part) == (str(caught.value), 2, "index")
    ids = InputSpec("ids", True, "int32", (None, 5), ())
    with pytest.raises(FeedEntryError) as caught:
        check_feed(ids, sparse([[0, 1], [0, 2]], np.array([1, 2**40]), [1, 5]))
    assert str(caught.value) == "The value 1 of 'ids' is 1099511627776, outside the int32 range."
    assert (caught.value.entry, caught.value.part) == (1, "value")


def test_fixed_dense_shape_must_match_exactly():
    fixed = InputSpec("f", True, "float32", (4, 10), ("i", "v"), shape_fixed=True)
    assert check_feed(fixed, sparse([[3, 9]], [1.0], [4, 10])).dense_shape.tolist() == [4, 10]
    assert problem(fixed, sparse([[0, 0]], [1.0], [5, 10])) == (
        "'f' has the fixed dense shape [4, 10] written in the graph, but the sample's is [5, 10]."
    )


def test_unknown_rank_takes_any_rank():
    anything = InputSpec("any", True, "int64", None, ())
    fed = check_feed(anything, sparse(np.array([[2, 1, 0]], np.uint8), [7], [3, 3, 3]))
    assert fed.indices.dtype == np.int64 and fed.values.dtype == np.int64


def test_unsigned_indices_beyond_int64_are_out_of_bounds():
    huge = np.array([[0, 2**64 - 1]], dtype=np.uint64)
    assert problem(FEATURES, sparse(huge, [1.0], [1, 1000])) == (
        f"Entry 0 of 'features' has index [0, {2**64 - 1}], outside the dense shape [1, 1000]."
    )


def test_duplicates_are_found_in_huge_shapes():
    wide = InputSpec("wide", True, "float32", (None, None, None), ())
    shape = [2**20, 2**21, 2**21]  # 2**62 cells
    assert problem(wide, sparse([[5, 1, 1], [1, 2, 3], [5, 1, 1]], [1.0] * 3, shape)) == (
        "Entries 0 and 2 of 'wide' have the same index [5, 1, 1]."
    )
    fed = check_feed(wide, sparse([[5, 1, 1], [1, 2, 3], [1, 2, 2]], [1.0, 2.0, 3.0], shape))
    assert fed.indices.tolist() == [[5, 1, 1], [1, 2, 3], [1, 2, 2]]
    assert fed.values.tolist() == [1.0, 2.0, 3.0]


# --- dense values --------------------------------------------------------------------------


def test_good_dense_is_converted():
    fed = check_feed(LABELS, np.array([[1], [0]], dtype=np.int32))
    assert fed.dtype == np.float32 and fed.tolist() == [[1.0], [0.0]]


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        (sparse([[0, 0]], [1.0], [2, 1]), "'labels' is dense; densify the sparse sample first."),
        (np.ones((3, 2)), "'labels' takes shape [?, 1], but the sample has shape [3, 2]."),
        (np.ones(3), "'labels' takes shape [?, 1], but the sample has shape [3]."),
        ([[1.0]], "'labels' is dense: give an array, not a list."),
        (np.array([[1e40]]), "The element [0, 0] of 'labels' is 1e+40, too large for float32."),
        (np.array([["a"]]), "'labels' takes float32 values, but the sample holds strings."),
        (np.array([[1j]]), "'labels' takes float32 values, but the sample holds complex numbers."),
        (
            np.array([[{}]], dtype=object),
            "'labels' takes float32 values, but the sample holds Python objects.",
        ),
    ],
)
def test_dense_problems(value, sentence):
    assert problem(LABELS, value) == sentence


# --- dtypes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "value", "expected"),
    [
        ("float64", np.array([1, 2], np.int64), np.array([1.0, 2.0])),
        ("float32", np.array([True, False]), np.array([1.0, 0.0], np.float32)),
        ("int32", np.array([3, -4], np.int64), np.array([3, -4], np.int32)),
        ("uint8", np.array([0, 255], np.int64), np.array([0, 255], np.uint8)),
        ("int64", np.array([2**63 - 1], np.uint64), np.array([2**63 - 1], np.int64)),
        ("bool", np.array([0, 1, 1]), np.array([False, True, True])),
        ("bool", np.array([True]), np.array([True])),
        ("complex64", np.array([1.5]), np.array([1.5 + 0j], np.complex64)),
        ("bfloat16", np.array([1.5, 2.0]), np.array([1.5, 2.0], ml_dtypes.bfloat16)),
        ("qint8", np.array([-3]), np.array([-3], np.int8)),
        ("object", np.array(["a", "bc"]), np.array(["a", "bc"], dtype=object)),
        ("object", np.array([b"a"]), np.array([b"a"], dtype=object)),
        ("object", np.zeros(0, dtype=object), np.zeros(0, dtype=object)),
        ("int8", np.zeros(0, dtype=object), np.zeros(0, dtype=np.int8)),
    ],
)
def test_safe_conversions(dtype, value, expected):
    fed = check_feed(spec(dtype=dtype), value)
    assert fed.dtype == expected.dtype
    assert fed.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("dtype", "value", "sentence"),
    [
        (
            "int64",
            np.array([1.0, 2.0]),
            "'x' takes int64 values, but the sample holds float64 ones; floats are not turned "
            "into integers silently.",
        ),
        (
            "bool",
            np.array([0.0]),
            "'x' takes bool values, but the sample holds float64 ones; "
            "floats are not turned into integers silently.",
        ),  # fmt: skip
        (
            "bool",
            np.array([0, 2]),
            "The value 1 of 'x' is 2, but a bool sample holds only 0 and 1.",
        ),
        ("uint8", np.array([-1]), "The value 0 of 'x' is -1, outside the uint8 range."),
        (
            "int64",
            np.array([2**64 - 1], np.uint64),
            f"The value 0 of 'x' is {2**64 - 1}, outside the int64 range.",
        ),  # fmt: skip
        (
            "float16",
            np.array([1.0, 70000.0]),
            "The value 1 of 'x' is 70000.0, too large for float16.",
        ),
        (
            "object",
            np.array([1, 2]),
            "'x' takes string values, but the sample holds int64 numbers.",
        ),
        ("int32", np.array([b"1"]), "'x' takes int32 values, but the sample holds strings."),
        ("resource", np.array([1]), "'x' takes resource values, which the explorer cannot feed."),
    ],
)
def test_unsafe_conversions(dtype, value, sentence):
    assert problem(spec(dtype=dtype), value) == sentence


def test_infinity_and_nan_pass_through_a_narrower_float():
    fed = check_feed(spec(dtype="float16"), np.array([np.inf, -np.inf, np.nan]))
    assert fed.dtype == np.float16 and np.isinf(fed[:2]).all() and np.isnan(fed[2])


@pytest.mark.parametrize(
    ("text", "dtype", "expected"),
    [
        ("1.5", "float32", np.float32(1.5)),
        (" -2 ", "int64", np.int64(-2)),
        ("TRUE", "bool", np.True_),
        ("0", "bool", np.False_),
        ("'a b'", "object", b"a b"),
        ("plain", "object", b"plain"),
        ("1+2j", "complex64", np.complex64(1 + 2j)),
        ("nan", "float64", np.float64("nan")),
    ],
)
def test_parse_value(text, dtype, expected):
    parsed = parse_value(text, np.dtype(dtype))
    assert type(parsed) is type(expected)
    assert parsed == expected or (parsed != parsed and expected != expected)


@pytest.mark.parametrize(
    ("text", "dtype", "reason"),
    [
        ("1.5", "int64", "'1.5' is not a whole number"),
        ("300", "uint8", "300 is outside the uint8 range"),
        ("yes", "bool", "'yes' is not true or false"),
        ("abc", "float32", "'abc' is not a number"),
        ("1e40", "float32", "1e40 is too large for float32"),
    ],
)
def test_parse_value_refusals(text, dtype, reason):
    with pytest.raises(ValueError) as caught:
        parse_value(text, np.dtype(dtype))
    assert str(caught.value) == reason
