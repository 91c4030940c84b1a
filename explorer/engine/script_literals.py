"""Python source for numpy arrays, exact to the bit: the feeds of a "Copy as Python" script.

No TensorFlow here (the window imports it). Each float is written in the shortest form that
reads back the same; bfloat16 and the other ml_dtypes are spelled through TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_LINE = 96  # width the array literals are wrapped at


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"  # nan, inf and -inf have no literal
    return repr(value)


def _items(array: np.ndarray) -> list[str]:
    """Each element as Python source that converts back to exactly it under array's dtype."""
    flat = array.ravel()
    if array.dtype.kind == "c":
        return [f"complex({_float_text(v.real)}, {_float_text(v.imag)})" for v in flat.tolist()]
    if array.dtype.kind != "f" and not is_ml_dtype(array.dtype):
        return [repr(item) for item in flat.tolist()]
    wide = flat.astype(np.float64).tolist()
    if array.dtype == np.float64:
        return [_float_text(value) for value in wide]
    # float32 and narrower: numpy's str is the shortest text reading back as the same value;
    # it goes through a Python float first, so check it does and fall back to the exact double.
    texts = [str(value) for value in flat]
    back = np.array([float(text) for text in texts], np.float64).astype(array.dtype)
    same = (back == flat) | (np.isnan(back.astype(np.float64)) & np.isnan(wide))
    return [
        text if ok and np.isfinite(value) else _float_text(value)
        for text, ok, value in zip(texts, same.tolist(), wide, strict=True)
    ]


def is_ml_dtype(dtype: np.dtype) -> bool:
    """bfloat16 and kin, from ml_dtypes: not in numpy itself, spelled through TensorFlow."""
    return dtype.kind not in "OSUb" and not hasattr(np, dtype.name)


def dtype_text(dtype: np.dtype) -> str:
    """How a script names `dtype` (numpy and tf are imported there)."""
    if dtype.kind in "OSU":  # strings: TensorFlow takes an object array of bytes or str
        return "object"
    if is_ml_dtype(dtype):
        return f"tf.dtypes.as_dtype({dtype.name!r}).as_numpy_dtype"
    return f"np.{dtype.name}"


def _wrap(items: Sequence[str], indent: str) -> str:
    """Items joined by commas; on lines of at most _LINE characters when they do not fit one."""
    one_line = ", ".join(items)
    if len(indent) + len(one_line) <= _LINE - 40:
        return one_line
    inner = indent + "    "
    rows, row = [], ""
    for item in items:
        if row and len(inner) + len(row) + len(item) + 1 > _LINE:
            rows.append(row.rstrip())
            row = ""
        row += f"{item}, "
    rows.append(row.rstrip())
    return "\n" + "\n".join(inner + r for r in rows) + "\n" + indent


def array_literal(array: np.ndarray, indent: str = "") -> str:
    """Python source giving back exactly `array`: values, dtype and shape."""
    dtype = dtype_text(array.dtype)
    items = _items(array)
    if array.ndim == 0:
        return f"np.array({items[0]}, dtype={dtype})"
    if array.ndim == 2 and array.shape[0] and array.shape[1]:  # rows, as indices are read
        width = array.shape[1]
        rows = [f"[{', '.join(items[i : i + width])}]" for i in range(0, len(items), width)]
        return f"np.array([{_wrap(rows, indent)}], dtype={dtype})"
    literal = f"np.array([{_wrap(items, indent)}], dtype={dtype})"
    return literal if array.ndim == 1 else f"{literal}.reshape({tuple(array.shape)!r})"
