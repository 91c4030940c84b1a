"""Text for people in the window: single tensor values and statistics.

Byte counts and shapes are written by explorer.core.formatting, shared with the CLI.
"""

from __future__ import annotations

import numpy as np

MAX_CELL_CHARS = 200
_WHITESPACE = str.maketrans("", "", "\t\n\r")


def _elide(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bytes_text(value: bytes, limit: int = MAX_CELL_CHARS) -> str:
    """A string tensor element: quoted text if it is readable UTF-8, else a bytes literal.

    Serialized protos (like the object graph) often decode as UTF-8 but are binary.
    """
    try:
        decoded = value.decode("utf-8")
    except UnicodeDecodeError:
        decoded = None
    readable = decoded is not None and decoded.translate(_WHITESPACE).isprintable()
    return _elide(repr(decoded) if readable else repr(value), limit)


def kind_of_values(dtype: np.dtype) -> str:
    """How a dtype is named to people: strings are "string", not numpy's "object"."""
    return "string" if dtype.kind == "O" else str(dtype)


def count_text(count: int, noun: str) -> str:
    """1 -> "1 element", 1234 -> "1,234 elements"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def value_text(value: object, limit: int = MAX_CELL_CHARS) -> str:
    """One tensor element; numpy's str() is the shortest text that reads back the same value."""
    if isinstance(value, bytes):
        return bytes_text(value, limit)
    return _elide(str(value), limit)


def number_text(value: float | None) -> str:
    """A statistic: full float precision, or an em dash when there is none."""
    return "—" if value is None else repr(float(np.float64(value)))
