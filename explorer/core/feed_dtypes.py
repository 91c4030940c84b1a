"""Safe conversion of sample values to an input's dtype, and parsing values typed as text.

Safe means no value changes silently: integers become floats, booleans become numbers, but
floats never become integers, numbers never become strings, integers only fit a narrower type
when every one of them fits, and a float that overflows to infinity is refused.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from explorer.core.errors import FeedError
from explorer.core.model_spec import InputSpec

# TensorFlow's quantized types are fed as their plain integer counterparts.
_QUANTIZED = {
    "qint8": "int8",
    "quint8": "uint8",
    "qint16": "int16",
    "quint16": "uint16",
    "qint32": "int32",
}
_ML_FLOATS = {"bfloat16", "float8_e5m2", "float8_e4m3fn"}


def numpy_dtype(name: str) -> np.dtype | None:
    """The numpy dtype an input of this dtype name is fed with, or None if it cannot be fed."""
    name = _QUANTIZED.get(name, name)
    if name in _ML_FLOATS:
        return np.dtype(getattr(ml_dtypes, name))
    try:
        dtype = np.dtype(name)
    except TypeError:
        return None
    return dtype if dtype.kind in "biufcO" else None


def feed_dtype(spec: InputSpec) -> np.dtype:
    """The dtype values fed to `spec` have; FeedError if the explorer cannot feed it."""
    dtype = numpy_dtype(spec.dtype)
    if dtype is None:
        raise FeedError(f"'{spec.name}' takes {spec.dtype} values, which the explorer cannot feed.")
    return dtype


def family(dtype: np.dtype) -> str:
    """One of "bool", "int", "float", "complex", "string", "object" (anything else)."""
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iu":
        return "int"
    if dtype.kind == "f" or dtype.name in _ML_FLOATS:
        return "float"
    if dtype.kind == "c":
        return "complex"
    if dtype.kind in "US":
        return "string"
    return "object"


def _type_word(dtype: np.dtype) -> str:
    return "string" if dtype.kind == "O" else dtype.name


def _holds_strings(array: np.ndarray, chunk: int = 1 << 16) -> bool:
    # In chunks: one tolist() of millions would hold the GIL (and a waiting window) long.
    flat = array.reshape(-1)
    return all(
        isinstance(item, str | bytes)
        for start in range(0, flat.size, chunk)
        for item in flat[start : start + chunk].tolist()
    )


def _where(array: np.ndarray, flat: int) -> tuple[str, int]:
    """How one element is named in a sentence ("value 3", "element [1, 0]") and its entry."""
    if array.ndim == 1:
        return f"value {flat}", flat
    position = ", ".join(str(int(i)) for i in np.unravel_index(flat, array.shape))
    return f"element [{position}]", flat


def _refuse(spec: InputSpec, array: np.ndarray, bad: np.ndarray, why: str, entry_error) -> None:
    """Raise for the first element where `bad` holds; `why` follows the element's text."""
    flat = int(np.argmax(bad.reshape(-1)))
    where, entry = _where(array, flat)
    item = array.reshape(-1)[flat].tolist()  # a plain Python number reads best
    message = f"The {where} of '{spec.name}' is {item!r}, {why}."
    if entry_error is not None and array.ndim == 1:
        raise entry_error(message, entry=entry, part="value")
    raise FeedError(message)


def _held(array: np.ndarray, wanted: str) -> str:
    """The family of what `array` holds, looking into object arrays."""
    held = family(array.dtype)
    if held == "object" and not array.size:
        return wanted  # an empty object array converts to anything
    if held == "object" and _holds_strings(array):
        return "string"
    return held


def _kind_refusal(name: str, target: np.dtype, array: np.ndarray, held: str, wanted: str):
    """The sentence refusing every value of `array` at once, or None."""
    takes = f"'{name}' takes {_type_word(target)} values, but the sample holds"
    if held == "object":
        return f"{takes} Python objects."
    if (held == "string") != (wanted == "string"):
        return f"{takes} {'strings' if held == 'string' else array.dtype.name + ' numbers'}."
    if held == "complex" and wanted != "complex":
        return f"{takes} complex numbers."
    if held == "float" and wanted in ("int", "bool"):
        return f"{takes} {array.dtype.name} ones; floats are not turned into integers silently."
    return None


def convert_values(spec: InputSpec, array: np.ndarray, entry_error=None) -> np.ndarray:
    """`array` in the input's dtype, or a FeedError naming the first value that does not fit.

    `entry_error` (a FeedError subclass taking `entry` and `part`) is raised instead for
    values of a 1-D array, so an editor can point at the row.
    """
    target = feed_dtype(spec)
    wanted = "string" if target.kind == "O" else family(target)
    held = _held(array, wanted)
    refusal = _kind_refusal(spec.name, target, array, held, wanted)
    if refusal:
        raise FeedError(refusal)
    if wanted == "string":
        return array.astype(object)  # str and bytes items are fed alike
    if wanted == "bool" and held == "int":
        _refuse_outside(spec, array, 0, 1, "but a bool sample holds only 0 and 1", entry_error)
    if wanted == "int" and held == "int":
        info = np.iinfo(target)
        why = f"outside the {target.name} range"
        _refuse_outside(spec, array, info.min, info.max, why, entry_error)
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(target)
    if wanted in ("float", "complex") and array.size:
        # Only values that were finite can overflow; inf and nan stay what they were.
        finite = np.isfinite(array) if held != "int" else np.ones(array.shape, dtype=bool)
        overflow = finite & ~np.isfinite(converted.astype(np.complex128))
        if overflow.any():
            _refuse(spec, array, overflow, f"too large for {target.name}", entry_error)
    return converted


def _refuse_outside(spec, array: np.ndarray, low: int, high: int, why: str, entry_error) -> None:
    if not array.size:
        return
    # Compare in the source's own type so uint64 against negative bounds cannot wrap.
    bad = np.zeros(array.shape, dtype=bool)
    if array.dtype.kind == "i" or low >= 0:
        bad |= array < low
    bad |= array > high
    if bad.any():
        _refuse(spec, array, bad, why, entry_error)


def parse_value(text: str, dtype: np.dtype) -> object:
    """A value of `dtype` typed as text; ValueError with a short reason if it is not one.

    Integers accept only whole numbers ("3", not "3.0"), booleans "true"/"false"/"1"/"0",
    strings anything (surrounding quotes removed).
    """
    body = text.strip()
    kind = family(dtype)
    if dtype.kind == "O":
        if len(body) >= 2 and body[0] == body[-1] and body[0] in "'\"":
            body = body[1:-1]
        return body.encode()
    if kind == "bool":
        words = {"true": True, "1": True, "false": False, "0": False}
        if body.lower() not in words:
            raise ValueError(f"'{text}' is not true or false")
        return np.bool_(words[body.lower()])
    if kind == "int":
        try:
            number = int(body)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number") from None
        info = np.iinfo(dtype)
        if not info.min <= number <= info.max:
            raise ValueError(f"{number} is outside the {dtype.name} range")
        return dtype.type(number)
    try:
        number = complex(body.replace(" ", "")) if kind == "complex" else float(body)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    with np.errstate(over="ignore"):
        parsed = np.asarray(number).astype(dtype)
    if np.isfinite(number) and not np.isfinite(parsed.astype(np.complex128)):
        raise ValueError(f"{body} is too large for {dtype.name}")
    return parsed[()]
