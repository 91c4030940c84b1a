"""TensorFlow DataType enum values (types.proto) and the numpy dtypes they map to."""

from __future__ import annotations

import ml_dtypes
import numpy as np

DT_STRING = 7
DT_RESOURCE = 20
DT_VARIANT = 21

# Little-endian numpy dtypes whose bytes are stored as-is in the data shards.
_FIXED_WIDTH: dict[int, np.dtype] = {
    1: np.dtype("<f4"),
    2: np.dtype("<f8"),
    3: np.dtype("<i4"),
    4: np.dtype("u1"),
    5: np.dtype("<i2"),
    6: np.dtype("i1"),
    8: np.dtype("<c8"),
    9: np.dtype("<i8"),
    10: np.dtype("?"),
    14: np.dtype(ml_dtypes.bfloat16),
    17: np.dtype("<u2"),
    18: np.dtype("<c16"),
    19: np.dtype("<f2"),
    22: np.dtype("<u4"),
    23: np.dtype("<u8"),
    24: np.dtype(ml_dtypes.float8_e5m2),
    25: np.dtype(ml_dtypes.float8_e4m3fn),
}

# Quantized types are stored as their plain integer counterparts.
_QUANTIZED: dict[int, tuple[str, np.dtype]] = {
    11: ("qint8", np.dtype("i1")),
    12: ("quint8", np.dtype("u1")),
    13: ("qint32", np.dtype("<i4")),
    15: ("qint16", np.dtype("<i2")),
    16: ("quint16", np.dtype("<u2")),
}

_OTHER_NAMES = {DT_STRING: "string", DT_RESOURCE: "resource", DT_VARIANT: "variant"}


def numpy_dtype(tf_enum: int) -> np.dtype | None:
    """The numpy dtype of a fixed-width TensorFlow dtype, or None if it has none."""
    if tf_enum in _FIXED_WIDTH:
        return _FIXED_WIDTH[tf_enum]
    if tf_enum in _QUANTIZED:
        return _QUANTIZED[tf_enum][1]
    return None


# numpy computes dtype.name on every access; listings ask for it once per variable.
_NAMES = {tf_enum: dtype.name for tf_enum, dtype in _FIXED_WIDTH.items()}


def dtype_name(tf_enum: int) -> str:
    """The numpy name of the dtype TensorFlow hands back for this enum ("object" for strings)."""
    if tf_enum in _NAMES:
        return _NAMES[tf_enum]
    if tf_enum in _QUANTIZED:
        return _QUANTIZED[tf_enum][0]
    if tf_enum == DT_STRING:
        return "object"
    return _OTHER_NAMES.get(tf_enum, f"dtype{tf_enum}")


def display_name(tf_enum: int) -> str:
    """A name for people: like dtype_name, but "string" rather than numpy's "object"."""
    return "string" if tf_enum == DT_STRING else dtype_name(tf_enum)
