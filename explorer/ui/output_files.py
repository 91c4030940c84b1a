"""Saving a model output: a dense one as .npy, a sparse one as an .npz of its three parts.

The .npz holds `indices`, `values` and `dense_shape`, the layout `explorer run --feed` reads,
so a saved output can be fed straight back into a model. Strings are stored as fixed-width
numpy strings (feed_files.savable), never pickled, so load_feed_file reads them back.
"""

from __future__ import annotations

import re
from pathlib import Path

from explorer.core.feed_files import write_feed
from explorer.core.model_spec import SparseArray, Value


def file_suffix(value: Value) -> str:
    return ".npz" if isinstance(value, SparseArray) else ".npy"


def default_file_name(name: str, value: Value) -> str:
    """ "dense/BiasAdd:0" -> "dense_BiasAdd_0.npy": a name any file system takes."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "output"
    return stem + file_suffix(value)


def save_value(value: Value, path: Path) -> None:
    """Write `value` to exactly `path` (numpy would add a suffix to a name lacking one)."""
    write_feed(path, value, npz=isinstance(value, SparseArray))
