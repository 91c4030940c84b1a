"""TF2 SavedModels: signatures and the restored tf.functions of the root object, called eagerly.

A signature takes its arguments flattened: a SparseTensorSpec argument x arrives as the dense
inputs x (indices), x_1 (values) and x_2 (dense shape), which are offered as one sparse input.
The flattening keeps only the rank of the dense shape; the rest is taken from the restored
function the signature calls with those three tensors, when it has a SparseTensorSpec there.
A restored function takes a tf.sparse.SparseTensor where its signature has a SparseTensorSpec;
a function traced several times offers one entry point per concrete function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.locate import saved_model_prefix
from explorer.core.model_spec import (
    EntryPoint,
    InputSpec,
    ModelInfo,
    OutputSpec,
    Shape,
    SparseArray,
    Value,
)
from explorer.engine.graph_outputs import numpy_name, pick_outputs, shape_of, to_value
from explorer.engine.sparse_inputs import flattened_sparse_arguments
from explorer.engine.tensorflow_import import import_tensorflow
from explorer.engine.tf_errors import model_error

# Takes the checked feeds by input name, returns every output by name.
Call = Callable[[Mapping[str, Value]], dict[str, Any]]
_FUNCTION_KINDS = ("function", "bare_concrete_function")
_CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")


def load_tf2_saved_model(directory: Path, meta_graph: Any) -> tuple[ModelInfo, FunctionRunner]:
    tf = import_tensorflow()
    tags = tuple(meta_graph.meta_info_def.tags)
    try:
        loaded = tf.saved_model.load(str(directory), tags=list(tags))
    except Exception as exc:  # OpError, ValueError, KeyError... whatever restoring raises
        raise model_error(exc, f"load the SavedModel {directory}") from None
    notes: list[str] = []
    functions = {}
    for name in _function_names(meta_graph.object_graph_def):
        functions[name] = getattr(loaded, name, None)
        if functions[name] is None:  # a function the loader could not restore as an attribute
            notes.append(f"Function '{name}' is in the SavedModel but could not be restored.")
    restored = {
        _function_name(concrete): concrete
        for function in functions.values()
        if function is not None
        for concrete in _concrete_functions(function)
    }
    entries: list[EntryPoint] = []
    calls: dict[str, Call] = {}
    for key in sorted(loaded.signatures):
        signature = loaded.signatures[key]
        entry = _signature_entry(key, signature, meta_graph.signature_def[key], restored)
        entries.append(entry)
        calls[entry.key] = _signature_call(signature, entry)
    for name, function in functions.items():
        for entry, call in _function_entries(name, function, notes) if function else ():
            entries.append(entry)
            calls[entry.key] = call
    info = ModelInfo(
        kind="tf2_saved_model",
        source=str(directory),
        prefix=str(saved_model_prefix(directory)),
        entries=tuple(entries),
        notes=tuple(notes),
        tags=tags,
    )
    return info, FunctionRunner(loaded, calls)


class FunctionRunner:
    """Calls signatures and restored functions of a loaded TF2 SavedModel."""

    def __init__(self, loaded: Any, calls: Mapping[str, Call]):
        self._loaded = loaded  # keeps the variables the functions capture alive
        self._calls = calls

    def run(
        self, entry: EntryPoint, feeds: Mapping[str, Value], outputs: Sequence[str] | None
    ) -> dict[str, Value]:
        names = pick_outputs(entry, (o.name for o in entry.outputs), outputs)
        try:
            results = self._calls[entry.key](feeds)
        except Exception as exc:  # the boundary with TensorFlow: whatever it raises, one sentence
            raise model_error(exc, f"run {entry.kind} '{entry.name}'") from None
        return {name: to_value(results[name]) for name in names}

    def close(self) -> None:
        self._loaded = None
        self._calls = {}


def _tensor(value: np.ndarray) -> Any:
    return import_tensorflow().constant(value)


def _sparse_tensor(value: SparseArray) -> Any:
    tf = import_tensorflow()
    return tf.sparse.SparseTensor(
        _tensor(value.indices), _tensor(value.values), _tensor(value.dense_shape)
    )


# --- signatures ---------------------------------------------------------------------------


def _signature_entry(
    key: str, signature: Any, signature_def: Any, restored: Mapping[str, Any]
) -> EntryPoint:
    specs = signature.structured_input_signature[1]  # signatures take keyword arguments only
    triples = {names[0]: names for names in flattened_sparse_arguments(signature_def.inputs)}
    members = {name for names in triples.values() for name in names}
    called_shapes = _called_sparse_shapes(signature, triples, restored)
    inputs = []
    for name in sorted(specs):
        if name in triples:
            indices, values, dense_shape = (specs[member] for member in triples[name])
            rank = indices.shape[1] if indices.shape[1] is not None else dense_shape.shape[0]
            shape = None if rank is None else (None,) * rank  # the flattening kept only the rank
            if rank is not None and len(called_shapes.get(name, ())) == rank:
                shape = called_shapes[name]
            inputs.append(InputSpec(name, True, numpy_name(values.dtype), shape, triples[name]))
        elif name not in members:
            spec = specs[name]
            inputs.append(
                InputSpec(name, False, numpy_name(spec.dtype), shape_of(spec.shape), (name,))
            )
    outputs = tuple(
        OutputSpec(name, numpy_name(spec.dtype), shape_of(spec.shape))
        for name, spec in signature.structured_outputs.items()
    )
    return EntryPoint("signature", key, tuple(inputs), outputs)


def _signature_call(signature: Any, entry: EntryPoint) -> Call:
    def call(feeds: Mapping[str, Value]) -> dict[str, Any]:
        arguments = {}
        for spec in entry.inputs:
            value = feeds[spec.name]
            if spec.sparse:
                for member, part in zip(
                    spec.members, (value.indices, value.values, value.dense_shape), strict=True
                ):
                    arguments[member] = _tensor(part)
            else:
                arguments[spec.members[0]] = _tensor(value)
        return signature(**arguments)

    return call


def _called_sparse_shapes(
    signature: Any, triples: Mapping[str, Sequence[str]], restored: Mapping[str, Any]
) -> dict[str, Shape]:
    """The dense shape of each flattened sparse input (by its first member), where every
    restored function the signature calls with those three tensors takes them, in that order,
    as one SparseTensorSpec argument of the same rank and dtype, and all agree on its shape."""
    kwargs = signature.structured_input_signature[1]
    # A concrete function's inputs are its flattened arguments (keys sorted), then captures.
    tensors = dict(zip(sorted(kwargs), (tensor.name for tensor in signature.inputs), strict=False))
    found: dict[str, set[Shape]] = {name: set() for name in triples}
    unmatched: set[str] = set()
    for op in signature.graph.get_operations():
        callee = restored.get(op.get_attr("f").name) if op.type in _CALL_OPS else None
        fed = [tensor.name for tensor in op.inputs]
        for name, members in triples.items():
            wanted = [tensors.get(member) for member in members]
            if not any(tensor in fed for tensor in wanted):
                continue
            shape = _sparse_argument_shape(callee, fed, wanted, kwargs[members[1]].dtype)
            if shape is None:
                unmatched.add(name)  # used in another way too: nothing to say for sure
            else:
                found[name].add(shape)
    return {
        name: shapes.pop()
        for name, shapes in found.items()
        if len(shapes) == 1 and name not in unmatched
    }


def _sparse_argument_shape(
    callee: Any, fed: list[str], wanted: list[str | None], dtype: Any
) -> Shape | None:
    """The shape of the SparseTensorSpec argument of `callee` that the tensors `wanted` are, in
    order, when the call passes `fed`; None when they are not exactly one such argument."""
    tf = import_tensorflow()
    if callee is None or fed.count(wanted[0]) != 1:
        return None
    start = fed.index(wanted[0])
    if fed[start : start + 3] != wanted or any(fed.count(tensor) != 1 for tensor in wanted):
        return None
    # Each position of the callee's inputs: (argument leaf, component of it).
    positions = []
    for leaf in tf.nest.flatten(callee.structured_input_signature):
        if isinstance(leaf, tf.TypeSpec):  # Python constants are not inputs
            parts = len(tf.nest.flatten(leaf, expand_composites=True))
            positions += [(leaf, part) for part in range(parts)]
    if len(positions) < start + 3:
        return None
    leaves = {id(positions[start + part][0]) for part in range(3)}
    leaf, first_part = positions[start]
    if len(leaves) != 1 or first_part != 0 or not isinstance(leaf, tf.SparseTensorSpec):
        return None
    if leaf.dtype != dtype or leaf.shape.rank is None:
        return None
    return shape_of(leaf.shape)


# --- restored functions -------------------------------------------------------------------


def _function_names(object_graph: Any) -> list[str]:
    """Attributes of the root object that are restored functions, as the object graph has them."""
    nodes = object_graph.nodes
    return [
        child.local_name
        for child in nodes[0].children
        if nodes[child.node_id].WhichOneof("kind") in _FUNCTION_KINDS
    ]


def _concrete_functions(function: Any) -> list[Any]:
    return list(getattr(function, "concrete_functions", None) or [function])


def _function_name(concrete_function: Any) -> str:
    """The name a call op's `f` attribute gives the concrete function by."""
    name = concrete_function.name
    return name.decode() if isinstance(name, bytes) else name


def _function_entries(name: str, function: Any, notes: list[str]) -> list[tuple[EntryPoint, Call]]:
    found = []
    for concrete_function in _concrete_functions(function):
        try:
            found.append(_concrete_entry(name, concrete_function))
        except _Unsupported as exc:
            notes.append(f"Function '{name}' is not offered: {exc}.")
    if len(found) > 1:  # one entry per concrete function, named by what it takes
        found = [
            (_renamed(entry, f"{name}({_arguments_text(entry)})"), call) for entry, call in found
        ]
        seen: dict[str, int] = {}
        for position, (entry, call) in enumerate(found):
            seen[entry.name] = seen.get(entry.name, 0) + 1
            if seen[entry.name] > 1:
                found[position] = (_renamed(entry, f"{entry.name} #{seen[entry.name]}"), call)
    return found


class _Unsupported(Exception):
    """An argument or result the explorer cannot feed or show; the message says which."""


def _renamed(entry: EntryPoint, name: str) -> EntryPoint:
    return dataclasses.replace(entry, name=name)


def _arguments_text(entry: EntryPoint) -> str:
    """The inputs, then the constants traced with: x: sparse float32 [?, 1000], training=True."""

    def text(spec: InputSpec) -> str:
        shape = (
            "?"
            if spec.shape is None
            else ", ".join("?" if d is None else str(d) for d in spec.shape)
        )
        return f"{spec.name}: {'sparse ' if spec.sparse else ''}{spec.dtype} [{shape}]"

    constants = [f"{path}={source}" for path, source in entry.constants]
    return ", ".join([*(text(spec) for spec in entry.inputs), *constants])


def _named_leaves(structure: Any) -> list[tuple[str, Any]]:
    from tensorflow.python.util import nest  # paths of nested leaves; no public equivalent

    return nest.flatten_with_joined_string_paths(structure)


def _input_spec(name: str, spec: Any) -> InputSpec | None:
    """The input a TensorSpec or SparseTensorSpec leaf is fed as; None for a Python constant."""
    tf = import_tensorflow()
    if isinstance(spec, tf.TensorSpec | tf.SparseTensorSpec):
        sparse = isinstance(spec, tf.SparseTensorSpec)
        return InputSpec(name, sparse, numpy_name(spec.dtype), shape_of(spec.shape), (name,))
    if isinstance(spec, tf.TypeSpec):
        raise _Unsupported(f"argument '{name}' is a {type(spec).__name__}")
    return None  # traced with a Python value, passed again as it was


def _constant_source(value: Any) -> str:
    """Python source for a constant a function was traced with (what a SavedModel can hold:
    None, bool, int, float, str, a DType or a TensorShape)."""
    tf = import_tensorflow()
    if isinstance(value, float) and not np.isfinite(value):
        return f"float({str(value)!r})"  # nan, inf and -inf have no literal
    if isinstance(value, tf.DType):
        return f"tf.{value.name}"
    if isinstance(value, tf.TensorShape):
        return f"tf.TensorShape({None if value.rank is None else value.as_list()!r})"
    return repr(value)


def _concrete_entry(name: str, function: Any) -> tuple[EntryPoint, Call]:
    args, kwargs = function.structured_input_signature
    positional = list(function.function_type.parameters)[: len(args)]
    arguments = dict(zip(positional, args, strict=True)) | dict(kwargs)
    # Each argument's leaves in order, named ARGUMENT or ARGUMENT/KEY when nested.
    leaves = {
        argument: [(_joined(argument, path), leaf) for path, leaf in _named_leaves(spec)]
        for argument, spec in arguments.items()
    }
    inputs, constants = {}, []
    for named in leaves.values():
        for leaf_name, spec in named:
            input_spec = _input_spec(leaf_name, spec)
            if input_spec is not None:
                inputs[leaf_name] = input_spec
            else:
                constants.append((leaf_name, _constant_source(spec)))
    output_names, outputs = _outputs(function.structured_outputs)

    def call(feeds: Mapping[str, Value]) -> dict[str, Any]:
        tf = import_tensorflow()
        values = {}
        for argument, named in leaves.items():
            fed = [_fed(inputs[n], feeds[n]) if n in inputs else leaf for n, leaf in named]
            values[argument] = tf.nest.pack_sequence_as(arguments[argument], fed)
        result = function(*(values[p] for p in positional), **{k: values[k] for k in kwargs})
        found = dict(_named_leaves(result))
        return {output: found[path] for path, output in output_names.items()}

    containers = [found for item in arguments.items() for found in _containers(*item)]
    entry = EntryPoint(
        "function", name, tuple(inputs.values()), outputs, tuple(constants), tuple(containers)
    )
    return entry, call


def _containers(path: str, structure: Any) -> list[tuple[str, str]]:
    """Each tuple, list, dict and namedtuple in an argument, by path as its leaves are named."""
    if isinstance(structure, Mapping):
        kind, children = "dict", [(str(key), item) for key, item in structure.items()]
    elif isinstance(structure, tuple) and hasattr(structure, "_fields"):
        kind = " ".join(["namedtuple", type(structure).__name__, *structure._fields])
        children = list(zip(structure._fields, structure, strict=True))
    elif isinstance(structure, tuple | list):
        kind = "tuple" if isinstance(structure, tuple) else "list"
        children = [(str(position), item) for position, item in enumerate(structure)]
    else:
        return []
    found = [(path, kind)]
    for key, child in children:
        found += _containers(f"{path}/{key}", child)
    return found


def _joined(argument: str, path: str) -> str:
    return f"{argument}/{path}" if path else argument


def _fed(spec: InputSpec, value: Value) -> Any:
    return _sparse_tensor(value) if spec.sparse else _tensor(value)


def _outputs(structure: Any) -> tuple[dict[str, str], tuple[OutputSpec, ...]]:
    """Path of each result -> its output name (a dict's keys, else output_0, output_1...),
    and the outputs' specs."""
    tf = import_tensorflow()
    names, specs = {}, []
    for path, spec in _named_leaves(structure):
        if not isinstance(spec, tf.TensorSpec | tf.SparseTensorSpec):
            raise _Unsupported(f"it returns {type(spec).__name__}, which cannot be shown")
        # A single result has the empty path; a tuple's paths start with positions.
        name = path if isinstance(structure, Mapping) else f"output_{path or 0}"
        names[path] = name
        sparse = isinstance(spec, tf.SparseTensorSpec)
        specs.append(OutputSpec(name, numpy_name(spec.dtype), shape_of(spec.shape), sparse))
    return names, tuple(specs)
