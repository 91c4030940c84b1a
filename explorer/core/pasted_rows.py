"""Rows of a sparse sample pasted as text: an index and a value per line.

Accepted lines: "0 5 1.5", "0,5,1.5", "0\t5\t1.5", "[0, 5] 1.5", "(0, 5): 1.5", and the same
with a string value in quotes ("0 5 'cat'"). Blank lines and lines starting with # are skipped.
"""

from __future__ import annotations

import re

import numpy as np

from explorer.core.errors import FeedError
from explorer.core.feed_dtypes import parse_value

Row = tuple[tuple[int, ...], str]
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# A quoted value (kept whole, spaces and commas included) or a run of non-separators.
_FIELD = re.compile(r"""'[^']*'|"[^"]*"|[^\s,;:\[\]()]+""")


def _fields(line: str) -> list[str]:
    return _FIELD.findall(line)


def _numbered_rows(text: str, rank: int) -> list[tuple[int, tuple[int, ...], str]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _fields(line)
        if len(fields) != rank + 1:
            raise FeedError(
                f"Line {number} has {len(fields)} field{'s' if len(fields) != 1 else ''}, but a "
                f"row needs {rank + 1}: {rank} ind{'ex' if rank == 1 else 'ices'} and a value."
            )
        try:
            index = tuple(int(field) for field in fields[:rank])
        except ValueError:
            bad = next(f for f in fields[:rank] if not f.lstrip("+-").isdigit())
            raise FeedError(
                f"Line {number} has the index '{bad}', which is not a whole number."
            ) from None
        beyond = [i for i in index if not INT64_MIN <= i <= INT64_MAX]
        if beyond:
            raise FeedError(f"Line {number} has the index {beyond[0]}, beyond int64.")
        rows.append((number, index, fields[rank]))
    return rows


def parse_rows(text: str, rank: int) -> list[Row]:
    """(index, value text) per pasted line; FeedError naming the first line that is not one."""
    return [(index, value) for _, index, value in _numbered_rows(text, rank)]


def parse_row_arrays(text: str, rank: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Pasted rows as indices int64 [N, rank] and values of `dtype`; FeedError naming the
    first line whose index or value is not one."""
    rows = _numbered_rows(text, rank)
    indices = np.array([index for _, index, _ in rows], dtype=np.int64).reshape(len(rows), rank)
    values = np.empty(len(rows), dtype=dtype)
    for row, (number, _, value) in enumerate(rows):
        try:
            values[row] = parse_value(value, dtype)
        except ValueError as exc:
            raise FeedError(f"Line {number} has a bad value: {exc}.") from None
    return indices, values
