"""Sparse tensors kept as three variables: detection, validation, density binning."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.bundle import BundleReader
from explorer.core.sparse import find_sparse_tensors
from explorer.core.sparse_check import (
    check_sparse,
    index_columns,
    linear_keys,
)
from explorer.core.sparse_density import density_image, plane
from explorer.core.sparse_detect import split_role

TF2 = "/.ATTRIBUTES/VARIABLE_VALUE"
GOOD = np.array([[0, 1], [0, 4], [2, 2], [3, 0]])


def _triplet(base: str, sep: str, indices, values, shape, shape_role: str = "dense_shape"):
    return {
        f"{base}{sep}indices": np.asarray(indices),
        f"{base}{sep}values": np.asarray(values),
        f"{base}{sep}{shape_role}": np.asarray(shape),
    }


@pytest.fixture(scope="module")
def side_by_side(tf, tmp_path_factory):
    """Many sparse tensors, naming variants, problems and decoys in one save."""
    tensors = {}
    tensors |= _triplet("feat/sp", "/", GOOD, [1.0, 2.0, 3.0, 4.0], [4, 5])
    tensors |= _triplet("sparse", "_", GOOD, np.arange(4, dtype=np.int32), [4, 5])
    tensors |= _triplet("ids", "_", GOOD.astype(np.int32), [b"a", b"b", b"c", b"d"], [4, 5],
                        "shape")  # fmt: skip
    tensors |= _triplet("bad/bounds", "/", [[0, 0], [9, 1], [1, -1]], [1.0, 2.0, 3.0], [4, 5])
    tensors |= _triplet("bad/order", "/", [[2, 0], [0, 1], [0, 1]], [1.0, 2.0, 3.0], [4, 5])
    tensors |= _triplet("bad/shape", "/", GOOD, [1.0] * 4, [4, 0])
    tensors |= _triplet("decoy/float", "/", GOOD.astype(np.float32), [1.0] * 4, [4, 5])
    tensors |= _triplet("decoy/lengths", "/", GOOD, [1.0] * 3, [4, 5])
    tensors |= _triplet("cube", "/", [[0, 0, 1], [1, 2, 0]], [5.0, 6.0], [2, 3, 4])
    tensors["lonely/indices"] = GOOD  # roles without a full triplet stay plain variables
    tensors["lonely/values"] = np.ones(4)
    tensors["x/dense_shape/Adagrad"] = np.ones(2)  # an optimizer slot is not a role name
    prefix = tmp_path_factory.mktemp("sparse") / "model.ckpt-1"
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=list(tensors), shape_and_slices=[""] * len(tensors),
        tensors=[tf.constant(v) for v in tensors.values()],
    )  # fmt: skip
    return prefix


@pytest.fixture(scope="module")
def found(side_by_side):
    return {sparse.name: sparse for sparse in find_sparse_tensors(BundleReader(side_by_side))}


def test_naming_variants_side_by_side_are_found(found):
    assert set(found) == {"feat/sp", "sparse", "ids", "bad/bounds", "bad/order", "bad/shape",
                          "decoy/float", "decoy/lengths", "cube"}  # fmt: skip
    assert found["sparse"].indices == "sparse_indices"
    assert found["ids"].dense_shape == "ids_shape"
    for name in ("feat/sp", "sparse", "ids", "cube"):
        assert found[name].problems == [] and found[name].canonical, name
    assert (found["feat/sp"].nnz, found["feat/sp"].shape) == (4, [4, 5])
    assert found["cube"].shape == [2, 3, 4]


def test_structure_decoys_are_never_valid(found):
    assert found["decoy/float"].problems == ["The indices are float32, not integers."]
    assert found["decoy/lengths"].problems == ["There are 4 index rows but 3 values."]


def test_each_problem_kind_is_one_sentence(found):
    bounds = found["bad/bounds"].problems
    assert bounds[0] == "1 entry has a negative index (first: entry 2 at [1, -1])."
    assert bounds[1] == "1 entry lies outside the dense shape [4, 5] (first: entry 1 at [9, 1])."
    order = found["bad/order"].problems
    assert order[0].startswith("1 entry is out of row-major order (first: entry 1 at [0, 1])")
    assert order[1] == "1 entry repeats an earlier index (first: entry 2 at [0, 1])."
    assert found["bad/shape"].problems[0].startswith("The dense shape [4, 0] has non-positive")
    assert not found["bad/order"].canonical


def test_tf2_object_keys(samples_dir):
    reader = BundleReader(samples_dir / "tf2_object_checkpoint" / "ckpt-2")
    (sparse,) = find_sparse_tensors(reader)
    assert sparse.name == "model/layer"
    assert sparse.indices == f"model/layer/indices{TF2}"
    assert sparse.valid and sparse.shape == [20, 10] and sparse.nnz == 24


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a/indices", ("a", "/", "indices")),
        ("a_dense_shape", ("a", "_", "dense_shape")),
        ("a/shape", ("a", "/", "dense_shape")),
        ("indices", ("", "", "indices")),
        ("a/indices/Adagrad", None),
        ("shapes", None),
    ],
)
def test_role_names(name, expected):
    assert split_role(name) == expected


def test_validation_agrees_with_tensorflow(tf):
    rng = np.random.default_rng(5)
    for _ in range(30):
        shape = rng.integers(1, 6, size=int(rng.integers(1, 4)))
        indices = rng.integers(-1, shape.max() + 1, size=(int(rng.integers(0, 12)), shape.size))
        check = check_sparse(indices, len(indices), shape)
        in_bounds = bool(np.all((indices >= 0) & (indices < shape)))
        if in_bounds and len(indices):
            st = tf.sparse.SparseTensor(indices, np.ones(len(indices)), shape)
            reordered = tf.sparse.reorder(st).indices.numpy()
            unique = len({tuple(row) for row in indices.tolist()}) == len(indices)
            assert check.canonical == (np.array_equal(reordered, indices) and unique)
        assert (check.problems == []) == (in_bounds and check.canonical)


def test_linear_keys_order_like_rows():
    indices = np.array([[3, -2], [0, 7], [0, 7], [-5, 100]])
    keys = linear_keys(indices)
    rows = [tuple(r) for r in indices.tolist()]
    pairs = zip(keys[:-1], keys[1:], rows[:-1], rows[1:], strict=True)
    assert all((a < b) == (x < y) for a, b, x, y in pairs)
    assert keys[1] == keys[2]


def test_density_image_equals_histogram2d():
    rng = np.random.default_rng(7)
    for _ in range(50):
        rows_n, cols_n = int(rng.integers(1, 10**6)), int(rng.integers(1, 10**5))
        rows, cols = rng.integers(0, rows_n, 5000), rng.integers(0, cols_n, 5000)
        r0 = int(rng.integers(0, rows_n))
        r1 = int(rng.integers(r0 + 1, rows_n + 1))
        c0 = int(rng.integers(0, cols_n))
        c1 = int(rng.integers(c0 + 1, cols_n + 1))
        image = density_image(rows, cols, (r0, r1), (c0, c1), int(rng.integers(1, 900)), 700)
        inside = (rows >= r0) & (rows < r1) & (cols >= c0) & (cols < c1)  # half-open view
        bins = list(image.counts.shape)
        ranges = [[r0, r1], [c0, c1]]
        expected, _, _ = np.histogram2d(rows[inside], cols[inside], bins=bins, range=ranges)
        np.testing.assert_array_equal(image.counts, expected)


def test_small_views_are_exact_cells():
    image = density_image(GOOD[:, 0], GOOD[:, 1], (0, 4), (0, 5), 400, 500)
    dense = np.zeros((4, 5), dtype=np.int64)
    dense[GOOD[:, 0], GOOD[:, 1]] = 1
    np.testing.assert_array_equal(image.counts, dense)


def test_rank_three_planes_sum_or_fix_other_axes():
    indices = np.array([[0, 0, 1], [1, 2, 0], [1, 2, 3], [0, 1, 1]])
    columns = index_columns(indices)

    def cells(rows, cols):
        return sorted(zip(rows.tolist(), cols.tolist(), strict=True))

    assert cells(*plane(columns, (1, 2))) == [(0, 1), (1, 1), (2, 0), (2, 3)]  # axis 0 summed
    assert cells(*plane(columns, (1, 2), fixed={0: 1})) == [(2, 0), (2, 3)]


def test_huge_dense_shapes_do_not_overflow():
    rows = np.array([0, 2**61, 2**62 - 1], dtype=np.int64)
    cols = np.array([0, 5, 9], dtype=np.int64)
    image = density_image(rows, cols, (0, 2**62), (0, 10), 4, 10)
    assert image.counts.sum() == 3
    assert [tuple(cell) for cell in np.argwhere(image.counts)] == [(0, 0), (2, 5), (3, 9)]


def test_partitioned_triplet_is_found_and_checked(tf, tmp_path):
    """Indices saved as slices (a partitioned variable) are assembled, then checked."""
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 60 * 70, size=500))
    indices = np.stack([keys // 70, keys % 70], axis=1)
    graph = tf.Graph()
    with graph.as_default():
        tf1 = tf.compat.v1
        parted = tf1.get_variable("feat/indices", shape=indices.shape, dtype=tf.int64,
                                  partitioner=tf1.fixed_size_partitioner(3))  # fmt: skip
        tf1.get_variable("feat/values", initializer=np.ones(len(keys), np.float32))
        tf1.get_variable("feat/dense_shape", initializer=np.array([60, 70]))
        assigns = []
        for part in parted:
            start = part._save_slice_info.var_offset[0]
            assigns.append(part.assign(indices[start : start + part.shape[0]]))
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run(assigns)
            prefix = tf1.train.Saver().save(session, str(tmp_path / "model.ckpt"))
    reader = BundleReader(prefix)
    assert reader.info("feat/indices").num_slices == 3
    (sparse,) = find_sparse_tensors(reader)
    assert (sparse.name, sparse.nnz, sparse.shape) == ("feat", len(keys), [60, 70])
    assert sparse.problems == [] and sparse.canonical


@pytest.fixture(scope="module")
def odd(tf, tmp_path_factory):
    tensors = {}
    empty = np.zeros(0, np.int64)
    tensors |= _triplet("r0", "/", np.zeros((3, 0), np.int64), [1.0, 2.0, 3.0], empty)
    tensors |= _triplet("r65", "/", np.zeros((2, 65), np.int64), [1.0, 2.0], np.ones(65, np.int64))
    tensors |= _triplet("u64", "/", np.array([[1], [2**63 + 5]], np.uint64), [1.0, 2.0],
                        np.array([2**64 - 1], np.uint64))  # fmt: skip
    tensors |= _triplet("huge", "/", [[0, 0], [5, 7]], [1.0, 2.0], [2**40, 2**40])
    tensors |= _triplet("twin", "/", GOOD, [1.0] * 4, [4, 5])
    tensors |= _triplet("twin", "_", GOOD, [1.0] * 4, [4, 5])
    prefix = tmp_path_factory.mktemp("odd") / "ckpt"
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=list(tensors), shape_and_slices=[""] * len(tensors),
        tensors=[tf.constant(v) for v in tensors.values()],
    )  # fmt: skip
    return {sparse.name: sparse for sparse in find_sparse_tensors(BundleReader(prefix))}


def test_odd_triplets_get_a_sentence_not_a_crash(odd):
    assert odd["r0"].problems == [
        "The dense shape is empty (rank 0): a sparse tensor needs rank 1 or more."
    ]
    assert odd["r65"].problems == [
        "The dense shape [65] is not a short vector of integers (the explorer checks ranks up "
        "to 64)."
    ]
    assert odd["u64"].problems[0].startswith("1 entry has an index above 2**63")
    assert "more than int64 can count" in odd["huge"].problems[0]
    assert {"twin", "twin (2)"} <= set(odd)  # two triplets with one base get distinct names
    assert {odd["twin"].indices, odd["twin (2)"].indices} == {"twin/indices", "twin_indices"}


def test_a_rank_0_triplet_is_checked_without_index_columns() -> None:
    from explorer.core.sparse_check import check_sparse

    scalar = np.zeros((0,), np.int64)
    assert check_sparse(np.zeros((1, 0), np.int64), 1, scalar).problems == []
    assert check_sparse(np.zeros((2, 0), np.int64), 2, scalar).problems == [
        "1 entry repeats an earlier index (first: entry 1 at [])."
    ]
