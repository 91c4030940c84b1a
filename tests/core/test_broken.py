"""Wrong paths and damaged files: each is refused with one CheckpointError sentence naming it.

Damaged index entries (crafted with bundle_writer) are in test_broken_entries.py.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from explorer.core.bundle import BundleReader
from explorer.core.errors import CheckpointError, UnsupportedDtypeError
from explorer.core.table import Table, TableError

from .bundle_writer import read_items, rewrite_index, table_bytes
from .damage import DATA, assert_one_sentence, copy_of, flip, refuse, region
from .tf_oracle import assert_identical, tf_value

# Wrong paths


def test_path_does_not_exist(tmp_path):
    assert "does not exist" in refuse(tmp_path / "no" / "such" / "model.ckpt-3")


def test_empty_directory(tmp_path):
    assert "no TensorFlow checkpoint" in refuse(tmp_path)


def test_directory_of_unrelated_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "model.ckpt-1.bak").write_bytes(b"\0" * 64)
    (tmp_path / "sub.index").mkdir()  # a directory, not an index file
    assert "no TensorFlow checkpoint" in refuse(tmp_path)


def test_file_that_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    assert "not a TensorFlow checkpoint" in refuse(path)


def test_data_shard_without_index(saver_copy):
    Path(f"{saver_copy}.index").unlink()
    message = refuse(Path(f"{saver_copy}{DATA}"), f"{saver_copy.name}.index")
    assert "missing" in message


def test_index_without_data_shard(saver_copy):
    Path(f"{saver_copy}{DATA}").unlink()
    message = refuse(Path(f"{saver_copy}.index"), f"{saver_copy.name}{DATA}")
    assert f"{saver_copy.name}{DATA} is missing" in message


def test_missing_second_shard(checkpoints, tmp_path):
    prefix = copy_of(checkpoints.prefix("tf1_sharded"), tmp_path)
    Path(f"{prefix}.data-00001-of-00002").unlink()
    assert "missing" in refuse(prefix, f"{prefix.name}.data-00001-of-00002")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_index(saver_copy):
    index = Path(f"{saver_copy}.index")
    index.chmod(0)
    try:
        assert "permission denied" in refuse(index)
    finally:
        index.chmod(0o644)


def test_unreadable_index_even_as_root(saver_copy, monkeypatch):
    """The same refusal as above, with the permission error raised by the OS call itself."""
    index = Path(f"{saver_copy}.index")
    real_read_bytes = Path.read_bytes

    def denied(path: Path) -> bytes:
        if path == index:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert "cannot be read: permission denied" in refuse(index)


def test_unreadable_data_shard_even_as_root(saver_copy, monkeypatch):
    reader = BundleReader(saver_copy)
    name = next(v.name for v in reader.variables if v.size)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(np, "memmap", denied)
    with pytest.raises(CheckpointError, match=f"{saver_copy.name}{DATA} cannot be read"):
        reader.read(name)


def test_shard_cut_short_after_opening_is_an_error_not_a_crash(checkpoints, tmp_path):
    """Mapped bytes past a file's new end raise SIGBUS; the reader must refuse first."""
    prefix = copy_of(checkpoints.prefix("tf1_partitioned"), tmp_path)
    reader = BundleReader(prefix)
    name = max(reader.variables, key=lambda v: v.nbytes).name
    reader.read(name, 0)  # the shard is now mapped
    shard = Path(f"{prefix}{DATA}")
    os.truncate(shard, 64)
    with pytest.raises(CheckpointError, match="has shrunk to 64 bytes since it was opened"):
        reader.read(name, -1)


# Damaged indexes


def test_zero_byte_index(saver_copy):
    index = Path(f"{saver_copy}.index")
    index.write_bytes(b"")
    assert "empty" in refuse(index)


@pytest.mark.parametrize("size", [1, 47, 48, 1000])
def test_random_bytes_index(saver_copy, size):
    index = Path(f"{saver_copy}.index")
    index.write_bytes(np.random.default_rng(size).bytes(size))
    assert "not a TensorFlow checkpoint index" in refuse(index)


def test_valid_magic_with_garbage_handles(saver_copy):
    index = Path(f"{saver_copy}.index")
    magic = Path(f"{saver_copy}.index").read_bytes()[-8:]
    rng = np.random.default_rng(5)
    for _ in range(200):
        index.write_bytes(rng.bytes(int(rng.integers(40, 400))) + magic)
        refuse(index)


def test_truncated_index(saver_copy):
    index = Path(f"{saver_copy}.index")
    whole = index.read_bytes()
    for length in [*range(1, len(whole), 7), len(whole) - 1]:
        index.write_bytes(whole[:length])
        refuse(index)


@pytest.mark.parametrize("checkpoint", ["tf1_saver", "tf1_partitioned", "tf2_max_shard_size"])
def test_fuzzed_index_never_escapes_as_another_exception(checkpoints, tmp_path, checkpoint):
    """Flipped bytes anywhere in the index: either it still reads, or one CheckpointError."""
    prefix = copy_of(checkpoints.prefix(checkpoint), tmp_path)
    index = Path(f"{prefix}.index")
    whole = bytearray(index.read_bytes())
    rng = np.random.default_rng(17)
    for _ in range(300):
        damaged = bytearray(whole)
        for at in rng.integers(0, len(whole), size=int(rng.integers(1, 4))):
            damaged[at] = int(rng.integers(256))
        index.write_bytes(bytes(damaged))
        try:
            reader = BundleReader(prefix)
            for info in reader.variables:
                reader.read(info.name)
                reader.verify(info.name)
        except CheckpointError as error:
            message = str(error)
            assert "\n" not in message and message.endswith("."), message


def test_index_without_header(saver_copy):
    index = Path(f"{saver_copy}.index")
    rewrite_index(index, lambda items: [(k, v) for k, v in items if k])
    assert "header" in refuse(index)


def test_compressed_blocks_are_refused(saver_copy):
    index = Path(f"{saver_copy}.index")
    items = read_items(index)
    data = table_bytes(items, compression=1)  # 1 is snappy
    with pytest.raises(TableError, match="compressed"):
        list(Table(data).items())
    index.write_bytes(data)
    assert "compressed" in refuse(index)


# Damaged data shards


@pytest.mark.parametrize("keep", [0.5, -1])
def test_truncated_data_shard_is_refused_at_open(saver_copy, keep):
    shard = Path(f"{saver_copy}{DATA}")
    whole = shard.read_bytes()
    shard.write_bytes(whole[: int(len(whole) * keep) if keep > 0 else keep])
    with pytest.raises(CheckpointError) as error:
        BundleReader(saver_copy)
    assert "truncated" in assert_one_sentence(error, str(shard))


@pytest.mark.parametrize("name", ["dense/kernel", "vocab", "global_step"])
def test_flipped_bytes_fail_verify_but_still_read(checkpoints, saver_copy, name):
    offset, size = region(checkpoints.prefix("tf1_saver"), name)
    shard = Path(f"{saver_copy}{DATA}")
    flip(shard, offset + size - 1)  # the last byte: data, not a string length
    reader = BundleReader(saver_copy)
    with pytest.raises(CheckpointError) as error:
        reader.verify(name)
    assert "checksum" in assert_one_sentence(error, str(shard))
    original = tf_value(checkpoints.tf_reader("tf1_saver"), name)
    damaged = reader.read(name)
    assert damaged.shape == original.shape
    if original.dtype == object:
        assert list(damaged.reshape(-1)) != list(original.reshape(-1))
    else:
        assert damaged.tobytes() != original.tobytes()
    for info in reader.variables:  # the others are untouched
        if info.name != name:
            reader.verify(info.name)
            assert_identical(
                reader.read(info.name), tf_value(checkpoints.tf_reader("tf1_saver"), info.name)
            )


def test_string_lengths_past_their_region(checkpoints, saver_copy):
    offset, _ = region(checkpoints.prefix("tf1_saver"), "vocab")
    shard = Path(f"{saver_copy}{DATA}")
    data = bytearray(shard.read_bytes())
    data[offset] = 0x7F  # the first string now claims 127 bytes, more than the region holds
    shard.write_bytes(bytes(data))
    reader = BundleReader(saver_copy)
    with pytest.raises(CheckpointError) as error:
        reader.read("vocab")
    assert_one_sentence(error, str(shard))
    with pytest.raises(CheckpointError):
        reader.verify("vocab")


def test_errors_survive_pickling():
    """The engine runs in a child process; its errors come back pickled, still on one line."""
    error = UnsupportedDtypeError("/a/b.index holds 'x\ny'.")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is UnsupportedDtypeError
    assert str(copy) == str(error) == "/a/b.index holds 'x\\ny'."


@pytest.mark.parametrize(
    ("checkpoint", "name"),
    [
        ("tf1_partitioned", "emb_axis1"),
        ("tf2_max_shard_size", "module/sliced/.ATTRIBUTES/VARIABLE_VALUE"),
    ],
)
def test_flipped_byte_in_one_slice_fails_verify(checkpoints, tmp_path, checkpoint, name):
    from tensorflow.core.protobuf import tensor_bundle_pb2

    prefix = copy_of(checkpoints.prefix(checkpoint), tmp_path)
    reader = BundleReader(prefix)
    num_shards = reader.header.num_shards
    reader.close()
    slice_values = [
        v for k, v in read_items(Path(f"{prefix}.index")) if k[:1] == b"\0" and name.encode() in k
    ]
    entry = tensor_bundle_pb2.BundleEntryProto.FromString(slice_values[-1])
    shard = Path(f"{prefix}.data-{entry.shard_id:05d}-of-{num_shards:05d}")
    flip(shard, entry.offset + entry.size // 2)
    reader = BundleReader(prefix)
    with pytest.raises(CheckpointError) as error:
        reader.verify(name)
    assert "checksum" in assert_one_sentence(error, str(shard))
    for info in reader.variables:
        if info.name != name:
            reader.verify(info.name)
