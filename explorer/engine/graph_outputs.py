"""What a TF1 graph offers to fetch: every tensor, the sinks suggested first, and results as Values.

A sink is an op whose outputs nothing consumes: predictions, a loss. The Saver's ops, the
gradients, the optimizer's updates, variable bookkeeping and initializers are never suggested,
and what only the gradients or the Saver read still counts as a sink (a loss, say).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from explorer.core.errors import ModelError
from explorer.core.model_spec import EntryPoint, OutputSpec, Shape, SparseArray, Value

_SCAFFOLD_SCOPES = ("save", "gradients", "init", "report_uninitialized_variables")
_SCAFFOLD_TYPES = frozenset(
    {
        "NoOp", "Assign", "AssignAdd", "AssignSub", "AssignVariableOp", "AssignAddVariableOp",
        "AssignSubVariableOp", "VarIsInitializedOp", "IsVariableInitialized", "VarHandleOp",
        "VariableV2", "Variable", "Placeholder", "PlaceholderWithDefault", "Const",
        "SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename", "StringJoin",
    }
)  # fmt: skip
_UNFETCHABLE = ("resource", "variant")


def numpy_name(dtype: Any) -> str:
    """The numpy name of a tf.DType: "float32", "object" for strings, "bfloat16"."""
    return np.dtype(dtype.as_numpy_dtype).name


def shape_of(shape: Any) -> Shape | None:
    """A tf.TensorShape as a tuple with None for unknown dimensions; None for unknown rank."""
    if shape.rank is None:
        return None
    return tuple(shape.as_list())


def fetchable(tensor: Any) -> bool:
    return tensor.dtype.name not in _UNFETCHABLE


def output_spec(tensor: Any) -> OutputSpec:
    return OutputSpec(tensor.name, numpy_name(tensor.dtype), shape_of(tensor.shape))


def _in_scopes(op: Any, scopes: tuple[str, ...]) -> bool:
    # "save_1/..." and "gradients_1/..." when a graph was built twice
    return re.sub(r"_\d+$", "", op.name.split("/")[0]) in scopes


def _scaffolding(op: Any) -> bool:
    if _in_scopes(op, _SCAFFOLD_SCOPES):
        return True
    kind = op.type
    if kind in _SCAFFOLD_TYPES or "Apply" in kind:  # ApplyAdagrad, ResourceSparseApplyAdam...
        return True
    return "/Initializer/" in f"{op.name}/" or op.name.endswith(("/Read/ReadVariableOp", "/Assign"))


def _numeric(tensor: Any) -> bool:
    dtype = tensor.dtype
    return dtype.is_floating or dtype.is_integer or dtype.is_complex or dtype.is_bool


def saver_op(op: Any) -> bool:
    """An op the Saver added (its filename placeholder, restore ops)."""
    return _in_scopes(op, ("save",))


def graph_tensors(graph: Any) -> tuple[OutputSpec, ...]:
    """Every tensor a user may fetch, in graph order, without the Saver's and gradients' ones."""
    return tuple(
        output_spec(tensor)
        for op in graph.get_operations()
        if not _in_scopes(op, ("save", "gradients"))
        for tensor in op.outputs
        if fetchable(tensor)
    )


def graph_sinks(graph: Any) -> tuple[OutputSpec, ...]:
    """Numeric outputs of the model's ops whose outputs no op consumes.

    Whole ops, not single tensors: the backprop output of a fused loss op that only the
    gradients read is not suggested when its loss output feeds the model's loss.
    """
    operations = graph.get_operations()
    # What only the gradients or the Saver read is a sink; what an optimizer update reads is not.
    consumers = [op for op in operations if not _in_scopes(op, ("save", "gradients"))]
    consumed = {tensor.name for op in consumers for tensor in op.inputs}
    sinks = [
        output_spec(tensor)
        for op in operations
        if not _scaffolding(op)
        if not any(tensor.name in consumed for tensor in op.outputs)
        for tensor in op.outputs
        if _numeric(tensor)
    ]
    # Named results ("predictions") before the leftovers deep inside scopes ("while/Identity").
    return tuple(sorted(sinks, key=lambda spec: spec.name.count("/")))


def to_value(result: Any) -> Value:
    """A fetched or returned result as a Value: SparseArray for sparse ones, else an ndarray.

    Takes what Session.run returns (ndarrays, numpy scalars, SparseTensorValue) and eager
    tensors (tf.Tensor, tf.SparseTensor).
    """
    if hasattr(result, "indices") and hasattr(result, "dense_shape"):
        return SparseArray(
            np.asarray(_numpy(result.indices), dtype=np.int64),
            np.asarray(_numpy(result.values)),
            np.asarray(_numpy(result.dense_shape), dtype=np.int64),
        )
    return np.asarray(_numpy(result))


def _numpy(result: Any) -> Any:
    return result.numpy() if hasattr(result, "numpy") else result


def pick_outputs(
    entry: EntryPoint, available: Iterable[str], outputs: Sequence[str] | None
) -> list[str]:
    """The outputs of a signature or function to return: all of them, or those named."""
    names = list(available)
    if outputs is None:
        return names
    for name in outputs:
        if name not in names:
            raise ModelError(
                f"{entry.kind.capitalize()} '{entry.name}' has no output '{name}'; "
                f"its outputs are {', '.join(names)}."
            )
    return list(outputs)
