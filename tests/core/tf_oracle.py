"""Comparisons of what the core reads with what TensorFlow's CheckpointReader returns."""

from __future__ import annotations

import numpy as np


def tf_dtype_name(tf_dtype) -> str:
    """The numpy dtype name TensorFlow hands back for a variable ("object" for strings)."""
    return np.dtype(tf_dtype.as_numpy_dtype).name


def tf_value(reader, name: str) -> np.ndarray:
    """TensorFlow's value as an array (it returns a bare `bytes` for a scalar string)."""
    value = reader.get_tensor(name)
    if isinstance(value, bytes):
        return np.array(value, dtype=object)
    return np.asarray(value)


def assert_identical(ours: np.ndarray, theirs: np.ndarray, what: str = "") -> None:
    """Same shape and dtype, and the same bits (NaN payloads and -0.0 included)."""
    assert isinstance(ours, np.ndarray), what
    assert ours.shape == theirs.shape, what
    if theirs.dtype == object:
        assert ours.dtype == object, what
        assert list(ours.reshape(-1)) == list(theirs.reshape(-1)), what
        assert all(type(v) is bytes for v in ours.reshape(-1)), what
    else:
        assert ours.dtype.name == theirs.dtype.name, what
        assert ours.tobytes() == theirs.tobytes(), what
