"""Helpers of the damaged-checkpoint tests: copies to damage, and the one-sentence check."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from explorer.core.checkpoint import open_checkpoint
from explorer.core.errors import CheckpointError

from .bundle_writer import read_items

DATA = ".data-00000-of-00001"


def assert_one_sentence(error: pytest.ExceptionInfo, *names: str) -> str:
    """The message is a single sentence that names the file (path or file name)."""
    message = str(error.value)
    assert isinstance(error.value, CheckpointError)
    assert "\n" not in message
    assert message.endswith(".")
    assert any(name in message for name in names), message
    prose = message
    for name in sorted(names, key=len, reverse=True):
        prose = prose.replace(name, "PATH")
    assert not re.search(r"[.!?]\s+[A-Z]", prose), f"more than one sentence: {message}"
    return message


def copy_of(prefix: Path, directory: Path) -> Path:
    """Copy every file of a checkpoint prefix into `directory`; return the new prefix."""
    for path in prefix.parent.glob(f"{prefix.name}.*"):
        shutil.copyfile(path, directory / path.name)
    return directory / prefix.name


def refuse(path: Path, *names: str) -> str:
    """Open `path` as the application does; it must fail with one clear sentence."""
    with pytest.raises(CheckpointError) as error:
        open_checkpoint(path)
    return assert_one_sentence(error, str(path), path.name, *names)


def flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def partitioned_copy(checkpoints, tmp_path) -> tuple[Path, Path, list[bytes]]:
    prefix = copy_of(checkpoints.prefix("tf1_partitioned"), tmp_path)
    index = Path(f"{prefix}.index")
    slice_keys = [k for k, _ in read_items(index) if k[:1] == b"\0" and b"emb_axis0" in k]
    return prefix, index, slice_keys


def region(prefix: Path, name: str) -> tuple[int, int]:
    """(offset, size) of a variable in its data shard, as TensorFlow wrote it."""
    from tensorflow.core.protobuf import tensor_bundle_pb2

    value = dict(read_items(Path(f"{prefix}.index")))[name.encode()]
    entry = tensor_bundle_pb2.BundleEntryProto.FromString(value)
    return entry.offset, entry.size
