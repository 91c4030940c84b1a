"""Chunked statistics and histograms against numpy over TensorFlow's own values."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.bundle import BundleReader
from explorer.core.stats import compute_statistics, iter_statistics
from explorer.core.tensor import LazyTensor, Part

from .tf_oracle import tf_value

TF2 = "/.ATTRIBUTES/VARIABLE_VALUE"
EVERY = "tf2_every_dtype"

CASES = [
    (EVERY, f"model/{name}{TF2}")
    for name in (
        "float16",
        "float32",
        "float64",
        "bfloat16",
        "int8",
        "int32",
        "int64",
        "uint8",
        "uint64",
        "bool",
        "complex64",
        "complex128",
        "big",
        "rank4",
        "float_scalar",
        "int_scalar",
        "bool_scalar",
        "empty_0x4",
        "empty_0",
    )
] + [
    ("tf1_partitioned", "emb_axis1"),
    ("tf1_partitioned", "ids_axis0"),
    ("tf1_partitioned", "tall"),
    ("tf2_max_shard_size", f"module/sliced{TF2}"),
    ("sample_custom_sparse_triplet", "sparse_weights/indices"),
]
IDS = [f"{ckpt}:{name.removesuffix(TF2)}" for ckpt, name in CASES]


def run(tensor: LazyTensor, chunk_elements: int):
    """(progress values, Statistics) of one run of iter_statistics."""
    generator = iter_statistics(tensor, chunk_elements)
    progress = []
    while True:
        try:
            progress.append(next(generator))
        except StopIteration as stop:
            return progress, stop.value


def as_lazy(name: str, array: np.ndarray) -> LazyTensor:
    """A LazyTensor over an in-memory array, for values no checkpoint above holds."""
    bounds = tuple((0, dim) for dim in array.shape)
    return LazyTensor(name, array.shape, array.dtype, [Part(bounds, lambda: array)])


def check_against_numpy(stats, full: np.ndarray) -> None:
    values = np.abs(full) if full.dtype.kind == "c" else full
    values = values.astype(np.float64).reshape(-1)
    finite = values[np.isfinite(values)]
    assert stats.count == full.size
    assert stats.finite == finite.size
    assert stats.nans == int(np.isnan(values).sum())
    assert stats.infs == int(np.isinf(values).sum())
    assert stats.zeros == int(np.count_nonzero(full == 0))
    assert stats.of_magnitude == (full.dtype.kind == "c")
    if finite.size == 0:
        assert stats.min is stats.max is stats.mean is stats.std is None
        assert stats.hist_counts.size == 0
        return
    assert stats.min == finite.min() and stats.max == finite.max()
    scale = max(1.0, float(np.abs(finite).max()))
    assert stats.mean == pytest.approx(finite.mean(), rel=1e-9, abs=1e-12 * scale)
    assert stats.std == pytest.approx(finite.std(), rel=1e-6, abs=1e-12 * scale)
    edges = stats.hist_edges
    assert np.all(np.diff(edges) > 0)
    assert edges[0] <= stats.min and edges[-1] >= stats.max
    assert stats.hist_counts.sum() == finite.size
    np.testing.assert_array_equal(stats.hist_counts, np.histogram(finite, bins=edges)[0])


def check_progress(progress: list[float]) -> None:
    assert progress, "no progress was reported"
    assert all(0.0 <= p <= 1.0 for p in progress)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0


@pytest.mark.parametrize("lazy_and_full", CASES, ids=IDS, indirect=True)
@pytest.mark.parametrize("chunk_elements", [4, 1 << 16, 1 << 22])
def test_statistics_match_numpy(lazy_and_full, chunk_elements):
    lazy, full = lazy_and_full
    progress, stats = run(lazy, chunk_elements)
    check_against_numpy(stats, full)
    check_progress(progress)


@pytest.mark.parametrize(
    "lazy_and_full", [(EVERY, f"model/big{TF2}"), ("tf1_partitioned", "tall")], indirect=True
)
def test_chunk_size_changes_neither_counts_nor_histogram(lazy_and_full):
    lazy, _ = lazy_and_full
    whole = compute_statistics(lazy)
    progress, chunked = run(lazy, 999)
    assert len(progress) > 50  # many chunks, each a cancellation point
    for field in ("count", "finite", "zeros", "nans", "infs", "min", "max"):
        assert getattr(chunked, field) == getattr(whole, field), field
    np.testing.assert_array_equal(chunked.hist_edges, whole.hist_edges)
    np.testing.assert_array_equal(chunked.hist_counts, whole.hist_counts)
    assert chunked.mean == pytest.approx(whole.mean, rel=1e-9, abs=1e-12)
    assert chunked.std == pytest.approx(whole.std, rel=1e-9)


def test_compute_statistics_is_the_generator_result(checkpoints):
    reader = BundleReader(checkpoints.prefix(EVERY))
    lazy = reader.tensor(f"model/float32{TF2}")
    stats = compute_statistics(lazy, 4)
    _, expected = run(lazy, 4)
    assert stats.count == expected.count and stats.mean == expected.mean
    np.testing.assert_array_equal(stats.hist_counts, expected.hist_counts)


def test_special_values_are_counted(checkpoints):
    reader = BundleReader(checkpoints.prefix(EVERY))
    stats = compute_statistics(reader.tensor(f"model/float32{TF2}"), 4)
    assert (stats.nans, stats.infs, stats.zeros) == (1, 2, 2)  # +0.0 and -0.0 are both zero
    assert stats.finite == 15 - 3


def test_small_integer_ranges_get_one_bin_per_value(checkpoints):
    reader = BundleReader(checkpoints.prefix(EVERY))
    full = tf_value(checkpoints.tf_reader(EVERY), f"model/bool{TF2}")
    stats = compute_statistics(reader.tensor(f"model/bool{TF2}"))
    np.testing.assert_array_equal(stats.hist_edges, [-0.5, 0.5, 1.5])
    assert list(stats.hist_counts) == [int((~full).sum()), int(full.sum())]


@pytest.mark.parametrize(
    "array",
    [
        np.full((3, 4), np.nan, dtype=np.float32),
        np.array([np.inf, -np.inf, np.nan]),
        np.array([7.0, 7.0, 7.0]),
        np.array([[0j, 3 + 4j], [np.nan + 0j, -5j]]),
    ],
    ids=["all-nan", "no-finite", "constant", "complex"],
)
@pytest.mark.parametrize("chunk_elements", [1, 1 << 22])
def test_edge_value_sets(array, chunk_elements):
    progress, stats = run(as_lazy("edge", array), chunk_elements)
    check_against_numpy(stats, array)
    check_progress(progress)


def test_strings_have_no_statistics(checkpoints):
    reader = BundleReader(checkpoints.prefix(EVERY))
    with pytest.raises(TypeError, match="strings"):
        compute_statistics(reader.tensor(f"model/strings{TF2}"))
