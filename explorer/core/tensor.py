"""A tensor of a checkpoint that reads only the elements asked for."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.slices import normalize_key, overlap
from explorer.core.strings import StringArray

Bounds = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Part:
    """One stored region of a tensor: where it sits in the full tensor and how to map it."""

    bounds: Bounds
    load: Callable[[], np.ndarray | StringArray]


class LazyTensor:
    """Basic numpy indexing over a stored tensor, reading only the parts the index touches."""

    def __init__(self, name: str, shape: Sequence[int], dtype: np.dtype, parts: list[Part]):
        self.name = name
        self.shape = tuple(shape)
        self.dtype = dtype
        self._parts = parts

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __getitem__(self, key: object) -> np.ndarray:
        slices, dropped = normalize_key(key, self.shape)
        if len(self._parts) == 1 and self._covers_all(self._parts[0]):
            out = np.array(self._parts[0].load()[tuple(slices)], dtype=self.dtype)
        else:
            out = self._assemble(slices)
        return out.squeeze(axis=tuple(dropped)) if dropped else out

    def _covers_all(self, part: Part) -> bool:
        return all(b == (0, dim) for b, dim in zip(part.bounds, self.shape, strict=True))

    def _assemble(self, slices: list[slice]) -> np.ndarray:
        out_shape = [len(range(s.start, -1 if s.stop is None else s.stop, s.step)) for s in slices]
        out = np.zeros(out_shape, dtype=self.dtype)
        if out.size == 0:
            return out
        for part in self._parts:
            hits = [overlap(s, lo, hi) for s, (lo, hi) in zip(slices, part.bounds, strict=True)]
            if all(hits):
                target = tuple(hit[0] for hit in hits)  # type: ignore[index]
                source = tuple(hit[1] for hit in hits)  # type: ignore[index]
                out[target] = part.load()[source]
        return out

    def mapped(self) -> np.ndarray | None:
        """The whole tensor as a read-only view of its mapped shard, when it is stored in one
        numeric piece (else None): passes over it read the file without a copy."""
        if len(self._parts) != 1 or not self._covers_all(self._parts[0]):
            return None
        whole = self._parts[0].load()
        return whole if isinstance(whole, np.ndarray) and whole.dtype.isnative else None

    def prepare(self) -> None:
        """Do the one-off work before reads (indexing string offsets); slow for big strings."""
        for part in self._parts:
            part.load()

    def chunks(self, max_elements: int = 1 << 22) -> Iterator[np.ndarray]:
        """Yield the tensor flattened in C order, a bounded number of elements at a time."""
        if self.ndim == 0:
            yield self[()].reshape(-1)
            return
        whole = self.mapped()
        if whole is not None:
            flat = whole.reshape(-1)
            for start in range(0, flat.size, max_elements):
                yield np.asarray(flat[start : start + max_elements], dtype=self.dtype)
            return
        row = math.prod(self.shape[1:])
        step = max(1, max_elements // max(row, 1))
        for start in range(0, self.shape[0], step):
            yield self[start : start + step].reshape(-1)
