"""Sparse inputs a model can be fed, found in a `.meta` graph or a SavedModel's SignatureDefs.

Everything is read from the protobufs on disk: no graph is imported, no variable restored and
no SavedModel function loaded, so a listing stays quick and runs none of the model's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.locate import Location
from explorer.engine.tensorflow_import import import_tensorflow

_SHAPE_OPS = ("Placeholder", "PlaceholderWithDefault", "Const")
_UNKNOWN = -1  # how TensorShapeProto writes an unknown dimension


@dataclass(frozen=True)
class SparseInput:
    """One sparse input: the graph tensors to feed its indices, values and dense shape."""

    name: str
    indices: str
    values: str
    dense_shape: str
    dtype: str  # numpy name of the values' dtype
    rank: int | None
    # The dense shape written in the graph (None for unknown dimensions): a Const's value, or a
    # PlaceholderWithDefault's default. `shape_fixed` says it cannot be fed (a Const).
    default_shape: tuple[int | None, ...] | None = None
    shape_fixed: bool = False

    def as_json(self) -> dict[str, object]:
        """The `sparse_inputs` entry of `explorer inspect --json` (DESIGN.md)."""
        return {
            "name": self.name,
            "indices": self.indices,
            "values": self.values,
            "dense_shape": self.dense_shape,
            "dtype": self.dtype,
            "rank": self.rank,
        }

    @property
    def members(self) -> tuple[str, str, str]:
        return (self.indices, self.values, self.dense_shape)


def find_sparse_inputs(location: Location) -> list[SparseInput]:
    """Sparse inputs of the `.meta` graph beside the checkpoint, or of its SavedModel.

    Raises whatever reading or parsing the protobuf raises; callers decide how to report it.
    """
    found: list[SparseInput] = []
    if location.saved_model is not None:
        for meta_graph in _saved_model(location.saved_model).meta_graphs:
            found += _from_signatures(meta_graph.signature_def)
            found += graph_sparse_inputs(meta_graph.graph_def)
    elif location.meta_path is not None:
        meta_graph = _meta_graph(location.meta_path)
        found += graph_sparse_inputs(meta_graph.graph_def)
        found += _from_signatures(meta_graph.signature_def)
    return _unique(found)


def _meta_graph(path: Path) -> Any:
    import_tensorflow()  # the protobuf modules live inside the tensorflow package
    from tensorflow.core.protobuf import meta_graph_pb2

    meta_graph = meta_graph_pb2.MetaGraphDef()
    meta_graph.ParseFromString(path.read_bytes())
    return meta_graph


def _saved_model(directory: Path) -> Any:
    import_tensorflow()
    from tensorflow.python.saved_model import loader_impl

    return loader_impl.parse_saved_model(str(directory))  # reads .pb or .pbtxt


def _unique(found: Iterable[SparseInput]) -> list[SparseInput]:
    """First of each set of members: a TF1 SavedModel lists its placeholders in the graph
    and again in a signature, and several tag sets may share signatures."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for sparse in found:
        if sparse.members not in seen:
            seen.add(sparse.members)
            unique.append(sparse)
    return unique


def _dims(shape: Any) -> list[int] | None:
    """A TensorShapeProto's dimensions (-1 when unknown), or None for an unknown rank."""
    return None if shape.unknown_rank else [dim.size for dim in shape.dim]


def _numpy_name(dtype_enum: int) -> str:
    tf = import_tensorflow()
    return np.dtype(tf.dtypes.as_dtype(dtype_enum).as_numpy_dtype).name


def _known(dim: int | None) -> int | None:
    return None if dim is None or dim == _UNKNOWN else dim


# --- TF1 graphs: the ops tf.compat.v1.sparse.placeholder(name=NAME) makes -------------------


def graph_sparse_inputs(graph_def: Any) -> list[SparseInput]:
    """The groups of three ops tf.compat.v1.sparse.placeholder made in a GraphDef."""
    nodes = {node.name: node for node in graph_def.node}
    found = []
    for name, node in nodes.items():
        if not name.endswith("/indices"):
            continue
        base = name[: -len("/indices")]
        values = nodes.get(f"{base}/values")
        shape = nodes.get(f"{base}/shape")
        if values is None or shape is None:
            continue
        sparse = _placeholder_group(base, node, values, shape, nodes)
        if sparse is not None:
            found.append(sparse)
    return found


def _placeholder_group(
    base: str, indices: Any, values: Any, shape: Any, nodes: Mapping[str, Any]
) -> SparseInput | None:
    if indices.op != "Placeholder" or values.op != "Placeholder" or shape.op not in _SHAPE_OPS:
        return None
    if indices.attr["dtype"].type != _int64() or shape.attr["dtype"].type != _int64():
        return None
    index_dims = _dims(indices.attr["shape"].shape)
    if index_dims is not None and len(index_dims) != 2:
        return None
    default = None
    if shape.op == "Const":
        default = _const_shape(shape)
    elif shape.op == "PlaceholderWithDefault" and shape.input:
        feeder = nodes.get(shape.input[0].split(":")[0].lstrip("^"))
        default = _const_shape(feeder) if feeder is not None and feeder.op == "Const" else None
    rank = _known(index_dims[1]) if index_dims is not None else None
    if rank is None and default is not None:
        rank = len(default)
    if rank is None and shape.op != "Const":
        shape_dims = _dims(shape.attr["shape"].shape)
        rank = _known(shape_dims[0]) if shape_dims else None
    return SparseInput(
        name=base,
        indices=f"{indices.name}:0",
        values=f"{values.name}:0",
        dense_shape=f"{shape.name}:0",
        dtype=_numpy_name(values.attr["dtype"].type),
        rank=rank,
        default_shape=default,
        shape_fixed=shape.op == "Const",
    )


def _const_shape(node: Any) -> tuple[int | None, ...] | None:
    tf = import_tensorflow()
    value = tf.make_ndarray(node.attr["value"].tensor)
    if value.ndim != 1 or value.dtype.kind not in "iu":
        return None
    return tuple(_known(int(dim)) for dim in value)


def _int64() -> int:
    return import_tensorflow().int64.as_datatype_enum


# --- SignatureDefs: coo_sparse TensorInfos, and TF2's flattened BASE, BASE_1, BASE_2 ---------


def _from_signatures(signatures: Mapping[str, Any]) -> list[SparseInput]:
    found = []
    for key in sorted(signatures):
        inputs = signatures[key].inputs
        for name in sorted(inputs):
            info = inputs[name]
            if info.WhichOneof("encoding") == "coo_sparse":
                dims = _dims(info.tensor_shape)
                found.append(
                    SparseInput(
                        name=f"{key}/{name}",
                        indices=info.coo_sparse.indices_tensor_name,
                        values=info.coo_sparse.values_tensor_name,
                        dense_shape=info.coo_sparse.dense_shape_tensor_name,
                        dtype=_numpy_name(info.dtype),
                        rank=None if dims is None else len(dims),
                    )
                )
        found += _flattened(key, inputs)
    return found


def flattened_sparse_arguments(inputs: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Argument names (indices, values, dense shape) of the sparse inputs a tf.function
    signature flattened into three dense inputs.

    A SparseTensorSpec argument BASE becomes BASE (indices), BASE_1 (values), BASE_2 (dense
    shape); an argument holding several specs continues with BASE_3, BASE_4, ... The names
    only propose a chain of components; their dtypes and shapes decide what forms a triple.
    """
    dense = {name: info for name, info in inputs.items() if info.WhichOneof("encoding") == "name"}
    used: set[str] = set()
    found = []
    for base in sorted(dense, key=lambda name: (len(name), name)):  # shortest base first
        if base in used:
            continue
        chain = [base]
        while f"{base}_{len(chain)}" in dense:
            chain.append(f"{base}_{len(chain)}")
        position = 0
        while position + 3 <= len(chain):
            indices, values, dense_shape = chain[position : position + 3]
            if not _is_triple([dense[name] for name in (indices, values, dense_shape)]):
                position += 1
                continue
            found.append((indices, values, dense_shape))
            used.update((indices, values, dense_shape))
            position += 3
    return found


def _flattened(key: str, inputs: Mapping[str, Any]) -> list[SparseInput]:
    found = []
    for names in flattened_sparse_arguments(inputs):
        indices, values, dense_shape = (inputs[name] for name in names)
        # _is_triple made sure of both ranks: indices [N, R], dense shape [R]
        rank = _known(_dims(indices.tensor_shape)[1])
        shape_rank = _known(_dims(dense_shape.tensor_shape)[0])
        found.append(
            SparseInput(
                name=f"{key}/{names[0]}",
                indices=indices.name,
                values=values.name,
                dense_shape=dense_shape.name,
                dtype=_numpy_name(values.dtype),
                rank=rank if rank is not None else shape_rank,
            )
        )
    return found


def _is_triple(infos: list[Any]) -> bool:
    indices, values, dense_shape = infos
    index_dims, value_dims, shape_dims = (_dims(info.tensor_shape) for info in infos)
    int64 = _int64()
    if indices.dtype != int64 or dense_shape.dtype != int64:
        return False
    if index_dims is None or value_dims is None or shape_dims is None:
        return False
    if len(index_dims) != 2 or len(value_dims) != 1 or len(shape_dims) != 1:
        return False
    rank, shape_rank = _known(index_dims[1]), _known(shape_dims[0])
    if rank is not None and shape_rank is not None and rank != shape_rank:
        return False
    count, value_count = _known(index_dims[0]), _known(value_dims[0])
    return count is None or value_count is None or count == value_count
