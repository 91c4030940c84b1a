"""How sizes, shapes and slices are written for people, the same in the window and the CLI."""

from __future__ import annotations

from collections.abc import Sequence

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(nbytes: int) -> str:
    """1536 -> "1.5 KiB": powers of 1024, named as such; whole bytes below 1 KiB."""
    value = float(nbytes)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            break
        value /= 1024
    if unit == "B":
        return f"{nbytes} B"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def shape_text(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(dim) for dim in shape) + "]"


def parse_slice(text: str) -> tuple[object, ...]:
    """Parse a numpy-style index such as "0, :5", "::2, -1" or "..., 3" into a key.

    Raises ValueError with a short reason when the text is not one.
    """
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    if not body.strip():
        raise ValueError("it is empty")
    key: list[object] = []
    for item in body.split(","):
        item = item.strip()
        if item == "...":
            key.append(Ellipsis)
            continue
        parts = item.split(":")
        if len(parts) > 3:
            raise ValueError(f"'{item}' has more than two colons")
        try:
            numbers = [int(p) if p.strip() else None for p in parts]
        except ValueError:
            raise ValueError(f"'{item}' is not an integer or a start:stop:step slice") from None
        if len(numbers) == 1:
            if numbers[0] is None:
                raise ValueError("an index between commas is empty")
            key.append(numbers[0])
        else:
            if len(numbers) == 3 and numbers[2] == 0:
                raise ValueError(f"'{item}' has a step of zero")
            key.append(slice(*numbers))
    return tuple(key)
