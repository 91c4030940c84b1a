"""What a loaded model offers: its entry points, their inputs and outputs, and fed values.

Shared by the engine (which fills these in with TensorFlow), the engine process (which pickles
them across the pipe), the window and the command line. numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Shape = tuple[int | None, ...]  # None for an unknown dimension
ModelKind = Literal["tf1_graph", "tf1_saved_model", "tf2_saved_model"]
EntryKind = Literal["graph", "signature", "function"]


@dataclass(frozen=True)
class SparseArray:
    """A sparse value in COO form: indices int64 [N, R], values [N], dense_shape int64 [R]."""

    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray

    @property
    def rank(self) -> int:
        return int(self.dense_shape.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.values.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SparseArray):
            return NotImplemented
        return all(
            a.dtype == b.dtype and np.array_equal(a, b)
            for a, b in zip(
                (self.indices, self.values, self.dense_shape),
                (other.indices, other.values, other.dense_shape),
                strict=True,
            )
        )

    __hash__ = None  # type: ignore[assignment]  # holds mutable arrays


Value = np.ndarray | SparseArray  # what is fed to an input or comes back from an output


@dataclass(frozen=True)
class InputSpec:
    """One input of an entry point, the key the user feeds by.

    `members` are what is fed in TensorFlow's terms: graph tensor names ("x:0") for TF1 graphs
    and SignatureDefs, argument names for functions. A dense input has one member; a sparse
    input three (indices, values, dense_shape). For a sparse input `dtype` is the values' dtype
    and `shape` the dense shape as far as known; `shape_fixed` marks a dense shape written in
    the graph as a Const, which is shown but not fed.
    """

    name: str
    sparse: bool
    dtype: str  # numpy dtype name ("float32", "int64", "object" for strings)
    shape: Shape | None  # None when even the rank is unknown
    members: tuple[str, ...]
    shape_fixed: bool = False
    optional: bool = False  # a PlaceholderWithDefault: may be left unfed

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)


@dataclass(frozen=True)
class OutputSpec:
    """One output an entry point returns: a signature output, a function result, a tensor."""

    name: str
    dtype: str
    shape: Shape | None
    sparse: bool = False


@dataclass(frozen=True)
class EntryPoint:
    """Something that can be run: a TF1 graph, a SignatureDef or a restored function.

    `key` is how requests name it: "graph", "signature:KEY" or "function:NAME". A graph's
    outputs are picked by the user from its tensors; `outputs` then holds the graph's sinks,
    the tensors suggested first.

    For a restored function, `constants` are the Python values it was traced with, by argument
    path as inputs are named ("training", "options/mode"), each as Python source ("True",
    "tf.float32"): they are passed again as they were, not fed. `containers` are the nested
    arguments' tuples, lists, dicts and namedtuples by path, each kind as "tuple", "list",
    "dict" or "namedtuple NAME FIELD...": what a call must rebuild around the leaves.
    """

    kind: EntryKind
    name: str
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    constants: tuple[tuple[str, str], ...] = field(default=())
    containers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def key(self) -> str:
        return "graph" if self.kind == "graph" else f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class ModelInfo:
    """A loaded model: where it came from and what can be run in it."""

    kind: ModelKind
    source: str  # the .meta file or the SavedModel directory
    prefix: str | None  # checkpoint prefix the variables were restored from
    entries: tuple[EntryPoint, ...]
    # Every tensor of a TF1 graph, for picking outputs (empty for TF2 SavedModels).
    tensors: tuple[OutputSpec, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    # The tag set of the SavedModel's MetaGraphDef that was loaded (empty for a .meta graph).
    tags: tuple[str, ...] = field(default=())

    def entry(self, key: str) -> EntryPoint:
        for entry in self.entries:
            if entry.key == key:
                return entry
        raise KeyError(key)
