"""Damaged index entries, crafted with bundle_writer: refused at open, never believed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from explorer.core.bundle import BundleReader
from explorer.core.errors import CheckpointError, UnsupportedDtypeError

from .bundle_writer import edit_entry, read_items, rewrite_index
from .damage import DATA, assert_one_sentence, copy_of, partitioned_copy, refuse
from .tf_oracle import assert_identical, tf_value

KERNEL = b"dense/kernel"
VOCAB = b"vocab"


def test_entry_size_larger_than_dtype_times_shape(saver_copy):
    index = Path(f"{saver_copy}.index")

    def grow(entry):
        entry.size += 4

    edit_entry(index, KERNEL, grow)
    message = refuse(index)
    assert "dense/kernel" in message and "damaged" in message


def test_entry_offset_past_the_end_of_the_shard(saver_copy):
    index = Path(f"{saver_copy}.index")
    shard_size = Path(f"{saver_copy}{DATA}").stat().st_size

    def move(entry):
        entry.offset = shard_size + 100

    edit_entry(index, KERNEL, move)
    assert "dense/kernel" in refuse(index, f"{saver_copy.name}{DATA}")


def test_entry_in_a_shard_that_does_not_exist(saver_copy):
    index = Path(f"{saver_copy}.index")

    def reshard(entry):
        entry.shard_id = 3

    edit_entry(index, KERNEL, reshard)
    assert "shard" in refuse(index)


def test_entry_with_negative_dimension(saver_copy):
    index = Path(f"{saver_copy}.index")

    def negative(entry):
        entry.shape.dim[0].size = -8

    edit_entry(index, KERNEL, negative)
    assert "negative" in refuse(index)


@pytest.mark.parametrize("consistent_size", [True, False])
def test_huge_shape_claim_is_refused_without_allocating(saver_copy, consistent_size):
    index = Path(f"{saver_copy}.index")

    def huge(entry):
        del entry.shape.dim[:]
        entry.shape.dim.add(size=10**12)
        entry.shape.dim.add(size=10**6)
        if consistent_size:
            entry.size = 10**18 * 4

    edit_entry(index, KERNEL, huge)
    tracemalloc.start()
    try:
        refuse(index, f"{saver_copy.name}{DATA}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_huge_string_count_is_refused_without_allocating(saver_copy):
    """A string tensor's shape is not checked by a byte count, yet it must not be believed."""
    index = Path(f"{saver_copy}.index")

    def huge(entry):
        entry.shape.dim[0].size = 10**12

    edit_entry(index, VOCAB, huge)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError) as error:
            reader = BundleReader(saver_copy)
            reader.read("vocab")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_one_sentence(error, str(index), index.name, f"{saver_copy.name}{DATA}")
    assert peak < 10_000_000


def test_missing_slice_of_a_partitioned_variable(checkpoints, tmp_path):
    prefix = copy_of(checkpoints.prefix("tf1_partitioned"), tmp_path)
    index = Path(f"{prefix}.index")
    items = read_items(index)
    slice_keys = [key for key, _ in items if key[:1] == b"\0" and b"emb_axis0" in key]
    assert len(slice_keys) == 3
    rewrite_index(index, lambda items: [(k, v) for k, v in items if k != slice_keys[1]])
    assert "emb_axis0" in refuse(index)


def test_slice_whose_stored_shape_disagrees_with_its_extent(checkpoints, tmp_path):
    prefix = copy_of(checkpoints.prefix("tf1_partitioned"), tmp_path)
    index = Path(f"{prefix}.index")
    slice_key = next(k for k, _ in read_items(index) if k[:1] == b"\0" and b"emb_axis0" in k)

    def reshape(entry):  # 4 rows of 4 become 2 rows of 8: same byte count, wrong shape
        entry.shape.dim[0].size = 2
        entry.shape.dim[1].size = 8

    edit_entry(index, slice_key, reshape)
    with pytest.raises(CheckpointError) as error:
        reader = BundleReader(prefix)
        reader.read("emb_axis0")
    assert_one_sentence(error, str(index), index.name)


def test_unsupported_dtype_is_listed_but_not_read(saver_copy):
    index = Path(f"{saver_copy}.index")

    def variant(entry):
        entry.dtype = 21  # DT_VARIANT

    edit_entry(index, KERNEL, variant)
    reader = BundleReader(saver_copy)
    assert reader.info("dense/kernel").dtype_name == "variant"
    with pytest.raises(UnsupportedDtypeError) as error:
        reader.read("dense/kernel")
    message = str(error.value)
    assert "dense/kernel" in message and "\n" not in message and message.endswith(".")


def test_unknown_variable_name(saver_copy):
    with pytest.raises(CheckpointError) as error:
        BundleReader(saver_copy).read("no/such/variable")
    assert "no/such/variable" in assert_one_sentence(error, str(saver_copy))


def test_writer_makes_tables_tensorflow_reads(checkpoints, tf, tmp_path):
    """bundle_writer itself: a rewritten index (many small blocks) reads the same in TF."""
    prefix = copy_of(checkpoints.prefix("tf1_partitioned"), tmp_path)
    index = Path(f"{prefix}.index")
    items = read_items(index)
    rewrite_index(index, lambda items: items, entries_per_block=2)
    assert index.read_bytes() != Path(f"{checkpoints.prefix('tf1_partitioned')}.index").read_bytes()
    assert read_items(index) == items
    theirs = tf.train.load_checkpoint(str(prefix))
    original = checkpoints.tf_reader("tf1_partitioned")
    assert theirs.get_variable_to_shape_map() == original.get_variable_to_shape_map()
    ours = BundleReader(prefix)
    for info in ours.variables:
        assert_identical(ours.read(info.name), tf_value(theirs, info.name))


# Entries whose fields carry the wrong protobuf wire type (seen when fuzzing indexes).
WRONG_WIRE_TYPES = {
    "shape dim as a varint": b"\x08\x01\x12\x02\x10\x05",
    "slice extent as a varint": b"\x08\x01\x3a\x02\x08\x05",
    "extent start as bytes": b"\x08\x01\x3a\x06\x0a\x04\x0a\x02" + b"12",
}


@pytest.mark.parametrize("value", WRONG_WIRE_TYPES.values(), ids=WRONG_WIRE_TYPES)
def test_entry_fields_with_wrong_wire_types(saver_copy, value):
    index = Path(f"{saver_copy}.index")
    rewrite_index(index, lambda items: [(k, value if k == KERNEL else v) for k, v in items])
    assert "not a TensorFlow checkpoint index" in refuse(index)


def test_header_version_with_wrong_wire_type(saver_copy):
    index = Path(f"{saver_copy}.index")
    header = b"\x08\x01\x18\x05"  # num_shards 1, then version (a message) as a varint
    rewrite_index(index, lambda items: [(k, v if k else header) for k, v in items])
    assert "not a TensorFlow checkpoint index" in refuse(index)


def test_slice_with_another_dtype(checkpoints, tmp_path):
    prefix, index, slice_keys = partitioned_copy(checkpoints, tmp_path)

    def to_string(entry):
        entry.dtype = 7  # DT_STRING, while the variable is float32

    edit_entry(index, slice_keys[0], to_string)
    assert "emb_axis0" in refuse(index)


def test_damaged_slice_entry(checkpoints, tmp_path):
    prefix, index, slice_keys = partitioned_copy(checkpoints, tmp_path)
    rewrite_index(
        index,
        lambda items: [(k, b"\x08\x01\x12\xff" if k == slice_keys[0] else v) for k, v in items],
    )
    assert "emb_axis0" in refuse(index)


def _ordered_code_string(name: bytes) -> bytes:
    return name.replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def test_partitioned_variable_whose_name_is_not_utf8(checkpoints, tmp_path):
    """Keys are bytes: a name that is not UTF-8 must still find its slices."""
    prefix, index, _ = partitioned_copy(checkpoints, tmp_path)
    old, new = b"emb_axis0", b"emb\xffaxis\x800"
    old_code, new_code = _ordered_code_string(old), _ordered_code_string(new)

    def rename(items):
        renamed = []
        for key, value in items:
            if key == old:
                key = new
            elif key.startswith(b"\x00" + old_code):
                key = b"\x00" + new_code + key[1 + len(old_code) :]
            renamed.append((key, value))
        return sorted(renamed)

    rewrite_index(index, rename)
    reader = BundleReader(prefix)
    name = new.decode("utf-8", "surrogateescape")
    assert reader.info(name).num_slices == 3
    expected = tf_value(checkpoints.tf_reader("tf1_partitioned"), "emb_axis0")
    assert_identical(reader.read(name), expected)
    reader.verify(name)


def test_line_breaks_in_names_stay_out_of_the_message(saver_copy):
    index = Path(f"{saver_copy}.index")
    bad_name = b"dense/ker\nnel"

    def rename(items):
        return sorted((bad_name if k == KERNEL else k, v) for k, v in items)

    rewrite_index(index, rename)
    edit_entry(index, bad_name, lambda entry: setattr(entry, "size", entry.size + 4))
    assert "ker\\nnel" in refuse(index)
