"""What TensorFlow said when it rebuilt a sparse tensor: plain data, free of TensorFlow.

The window imports this (through rebuild_client) while the rebuild itself runs in a child
process, so it must never pull in TensorFlow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class RebuildReport:
    """The outcome of one rebuild; every message is one readable sentence."""

    ok: bool  # TensorFlow built the SparseTensor and its index check passed
    messages: list[str]
    dense_shape: list[int] | None  # None when TensorFlow could not build it
    nnz: int | None
    reordered: bool  # tf.sparse.reorder was applied
    values_dtype: str | None = None  # numpy dtype name ("object" for strings)
    preview: str | None = None  # the dense tensor as numpy prints it, when tiny and valid

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RebuildReport:
        """The report `as_json` gave; KeyError or TypeError if `data` is not one."""
        return cls(**{field.name: data[field.name] for field in fields(cls)})
