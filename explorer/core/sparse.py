"""The sparse tensors of a checkpoint: found by sparse_detect, checked by sparse_check."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.bundle import BundleReader
from explorer.core.errors import CheckpointError
from explorer.core.formatting import shape_text
from explorer.core.sparse_check import check_sparse
from explorer.core.sparse_detect import SparseTriplet, find_triplets

MAX_RANK = 64  # a "dense shape" longer than this is not one


@dataclass
class SparseTensor:
    """One sparse tensor of a checkpoint; members are raw variable keys."""

    name: str
    indices: str
    values: str
    dense_shape: str
    nnz: int | None
    shape: list[int] | None
    problems: list[str] = field(default_factory=list)
    canonical: bool = False

    @classmethod
    def from_triplet(
        cls, triplet: SparseTriplet, nnz: int | None = None, shape: list[int] | None = None
    ) -> SparseTensor:
        """What the metadata tells of a triplet, before its indices are read."""
        return cls(triplet.name, *triplet.members, nnz=nnz, shape=shape,
                   problems=list(triplet.structure_problems))  # fmt: skip

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        """The `sparse_tensors` item of `explorer inspect --json` (DESIGN.md)."""
        keys = ("name", "indices", "values", "dense_shape", "nnz", "shape", "problems")
        return {key: getattr(self, key) for key in keys}


def _dense_shape(reader: BundleReader, key: str) -> list[int] | None:
    info = reader.info(key)
    if len(info.shape) != 1 or info.shape[0] > MAX_RANK or info.dtype_name == "object":
        return None
    return [int(dim) for dim in reader.read(key)]


def _nnz(reader: BundleReader, triplet: SparseTriplet) -> int | None:
    shape = reader.info(triplet.indices).shape
    return int(shape[0]) if len(shape) == 2 else None


def examine(reader: BundleReader, triplet: SparseTriplet) -> SparseTensor:
    """Read the triplet and check it; structure problems stop before the values are read."""
    found = SparseTensor.from_triplet(
        triplet, _nnz(reader, triplet), _dense_shape(reader, triplet.dense_shape)
    )
    if found.shape is None and not found.problems:
        rank = reader.info(triplet.dense_shape).shape
        found.problems.append(
            f"The dense shape {shape_text(rank)} is not a short vector of integers (the explorer "
            f"checks ranks up to {MAX_RANK})."
        )
    if found.problems or found.shape is None:
        return found
    try:
        tensor = reader.tensor(triplet.indices)
        mapped = tensor.mapped()  # checked in place: no copy of the indices is needed
        indices = mapped if mapped is not None else tensor[...]
    except CheckpointError as exc:
        found.problems.append(str(exc))
        return found
    check = check_sparse(indices, reader.info(triplet.values).shape[0], np.asarray(found.shape))
    found.problems = check.problems
    found.canonical = check.canonical
    return found


def find_sparse_tensors(reader: BundleReader) -> list[SparseTensor]:
    """Every sparse tensor among the reader's variables, checked."""
    return [examine(reader, triplet) for triplet in find_triplets(reader.variables)]
