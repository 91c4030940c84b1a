"""LazyTensor: basic numpy indexing and chunked reads agree with TensorFlow's full values."""

from __future__ import annotations

import mmap
import tracemalloc

import numpy as np
import pytest

from explorer.core.bundle import BundleReader

from .tf_oracle import assert_identical

TF2 = "/.ATTRIBUTES/VARIABLE_VALUE"

# (checkpoint, variable): whole tensors stored in one piece ...
UNPARTITIONED = [
    ("tf2_every_dtype", f"model/big{TF2}"),
    ("tf2_every_dtype", f"model/rank4{TF2}"),
    ("tf2_every_dtype", f"model/bfloat16{TF2}"),
    ("tf2_every_dtype", f"model/complex128{TF2}"),
    ("tf2_every_dtype", f"model/strings_2d{TF2}"),
    ("tf2_every_dtype", f"model/empty_0x4{TF2}"),
    ("tf1_saver", "dense/kernel"),
]
# ... and tensors stored as slices, partitioned along either axis or cut by a shard-size policy.
PARTITIONED = [
    ("tf1_partitioned", "emb_axis0"),
    ("tf1_partitioned", "emb_axis1"),
    ("tf1_partitioned", "ids_axis0"),
    ("tf1_partitioned", "tall"),
    ("tf1_sharded", "second/parted"),
    ("tf2_max_shard_size", f"module/sliced{TF2}"),
    ("tf2_max_shard_size", f"module/sliced_ints{TF2}"),
]
SCALARS = [
    ("tf2_every_dtype", f"model/float_scalar{TF2}"),
    ("tf2_every_dtype", f"model/string_scalar{TF2}"),
    ("tf1_saver", "global_step"),
]
ALL = UNPARTITIONED + PARTITIONED
IDS = [f"{ckpt}:{name.removesuffix(TF2)}" for ckpt, name in ALL]


def backed_by_file(array: np.ndarray) -> bool:
    """Whether the array is (a view of) a memory map rather than memory of its own."""
    base = array
    while base is not None:
        if isinstance(base, np.memmap | mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def test_backed_by_file_sees_memmap_views(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(bytes(64))
    view = np.memmap(path, dtype=np.uint8, mode="r")[8:24].view(np.float32).reshape(2, 2)[1]
    assert backed_by_file(view)
    assert not backed_by_file(np.array(view))


def expected_at(full: np.ndarray, key) -> np.ndarray:
    value = full[key]
    return np.array(value, dtype=object) if full.dtype == object else np.asarray(value)


def _random_bound(rng: np.random.Generator, dim: int) -> int | None:
    return None if rng.random() < 0.25 else int(rng.integers(-dim - 3, dim + 4))


def random_key(rng: np.random.Generator, shape: tuple[int, ...]):
    """A random basic index: ints (maybe negative), slices (any step sign), maybe an Ellipsis."""
    items: list[object] = []
    for dim in shape:
        kind = rng.integers(5)
        if kind == 0 and dim > 0:
            items.append(int(rng.integers(-dim, dim)))
        elif kind == 1:
            items.append(slice(None))
        else:
            step = int(rng.choice([-7, -3, -2, -1, 1, 1, 2, 3, 5]))
            if step == 1 and rng.random() < 0.5:
                step = None
            items.append(slice(_random_bound(rng, dim), _random_bound(rng, dim), step))
    if items and rng.random() < 0.3:
        at = int(rng.integers(len(items)))
        width = int(rng.integers(0, len(items) - at + 1))
        items[at : at + width] = [Ellipsis]
    if items and rng.random() < 0.3:
        items = items[: int(rng.integers(len(items) + 1))]
    if len(items) == 1 and rng.random() < 0.5:
        return items[0]
    return tuple(items)


FIXED_KEYS = [
    0,
    -1,
    (slice(None), 0),
    (slice(None), -1),
    slice(None, None, -1),
    slice(None, None, -3),
    slice(1, None, 4),
    slice(-2, 0, -1),
    slice(5, 2),
    slice(-10, -8, -1),  # empty: starts before the first element going backwards
    slice(-1000, None, -1),
    slice(1000, None, -1),
    slice(1000, None),
    Ellipsis,
    (Ellipsis, 1),
    (Ellipsis, slice(None, None, -2)),
    (1, Ellipsis),
    (),
]


@pytest.mark.parametrize("lazy_and_full", ALL, ids=IDS, indirect=True)
@pytest.mark.parametrize("key", FIXED_KEYS, ids=repr)
def test_fixed_keys_match_numpy(lazy_and_full, key):
    lazy, full = lazy_and_full
    try:
        expected = expected_at(full, key)
    except IndexError:
        with pytest.raises(IndexError):
            lazy[key]
        return
    assert_identical(lazy[key], expected, repr(key))


@pytest.mark.parametrize("lazy_and_full", ALL, ids=IDS, indirect=True)
def test_random_keys_match_numpy(lazy_and_full):
    lazy, full = lazy_and_full
    rng = np.random.default_rng(2024)
    for _ in range(300):
        key = random_key(rng, lazy.shape)
        assert_identical(lazy[key], expected_at(full, key), repr(key))


@pytest.mark.parametrize("lazy_and_full", SCALARS, indirect=True)
@pytest.mark.parametrize("key", [(), Ellipsis])
def test_scalars(lazy_and_full, key):
    lazy, full = lazy_and_full
    assert lazy.shape == () and lazy.ndim == 0 and lazy.size == 1
    assert_identical(lazy[key], full)


@pytest.mark.parametrize("lazy_and_full", ALL, ids=IDS, indirect=True)
def test_out_of_range_and_non_basic_keys_raise_index_error(lazy_and_full):
    lazy, _ = lazy_and_full
    dim = lazy.shape[0]
    for key in (dim, -dim - 1, (0,) * (lazy.ndim + 1), (Ellipsis, Ellipsis), "a", 1.5):
        with pytest.raises(IndexError):
            lazy[key]


@pytest.mark.parametrize("lazy_and_full", ALL + SCALARS, indirect=True)
@pytest.mark.parametrize("max_elements", [1, 7, 64, 1 << 22])
def test_chunks_concatenate_to_the_flat_value(lazy_and_full, max_elements):
    lazy, full = lazy_and_full
    chunks = list(lazy.chunks(max_elements))
    row = int(np.prod(lazy.shape[1:]))
    for chunk in chunks:
        assert chunk.ndim == 1
        assert 0 < chunk.size <= max(max_elements, row)
        assert chunk.dtype == full.dtype
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=full.dtype)
    assert_identical(flat, full.reshape(-1))


@pytest.mark.parametrize(
    "lazy_and_full",
    [("tf2_every_dtype", f"model/big{TF2}"), ("tf2_max_shard_size", f"module/sliced{TF2}")],
    indirect=True,
)
def test_result_is_a_private_copy(lazy_and_full):
    lazy, full = lazy_and_full
    row = lazy[3]
    assert type(row) is np.ndarray and row.flags.writeable
    assert not backed_by_file(row)
    row[:] = 0
    assert_identical(lazy[3], full[3])


@pytest.mark.parametrize(
    "lazy_and_full",
    [
        ("tf2_every_dtype", f"model/big{TF2}"),
        ("tf1_partitioned", "tall"),
        ("tf2_max_shard_size", f"module/sliced{TF2}"),
    ],
    indirect=True,
)
def test_reading_one_row_does_not_copy_the_whole_tensor(lazy_and_full):
    lazy, full = lazy_and_full
    whole = lazy.size * lazy.dtype.itemsize
    assert whole >= 150_000
    tracemalloc.start()
    try:
        row = lazy[-7]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_identical(row, full[-7])
    assert peak < whole // 10


@pytest.fixture(scope="module")
def many_strings(tf, tmp_path_factory):
    """A 300,000-string tensor (lengths of 1 and 2 varint bytes) and TensorFlow's value of it."""
    values = np.array([b"s%d" % i * (1 + i % 50) for i in range(300_000)], dtype=object)
    prefix = tmp_path_factory.mktemp("strings") / "ckpt"
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=["vocab"], shape_and_slices=[""],
                      tensors=[tf.constant(values.reshape(600, 500))])  # fmt: skip
    return prefix, tf.train.load_checkpoint(str(prefix)).get_tensor("vocab")


def test_string_pages_decode_only_their_strings(many_strings):
    prefix, full = many_strings
    lazy = BundleReader(prefix).tensor("vocab")
    lazy.prepare()  # the one-off offsets index: 8 bytes a string
    tracemalloc.start()
    try:
        page = lazy[250:506, 7:53:2]  # what a table page shows: 256 rows, 23 columns
        corner = lazy[-1, -1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert page.tolist() == full[250:506, 7:53:2].tolist()
    assert corner.item() == full[-1, -1]
    whole = sum(len(value) for value in full.reshape(-1))  # what decoding them all would copy
    assert peak < whole // 10, (peak, whole)
    assert np.concatenate(list(lazy.chunks(70_001))).tolist() == full.reshape(-1).tolist()
