"""TF1 graphs: a `.meta` graph imported and restored from a checkpoint, run in a Session.

The graph lives in its own tf.Graph and compat.v1 Session, so several models can be open at
once and TensorFlow's eager default elsewhere in the process is left alone. SessionRunner also
runs the SignatureDefs of a TF1 SavedModel (saved_model_v1.py), which loads into a Session too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from explorer.core.errors import ModelError
from explorer.core.model_spec import EntryPoint, InputSpec, ModelInfo, Value
from explorer.engine.graph_outputs import (
    fetchable,
    graph_sinks,
    graph_tensors,
    numpy_name,
    pick_outputs,
    saver_op,
    shape_of,
    to_value,
)
from explorer.engine.sparse_inputs import graph_sparse_inputs
from explorer.engine.tensorflow_import import import_tensorflow
from explorer.engine.tf_errors import model_error

_PLACEHOLDERS = ("Placeholder", "PlaceholderWithDefault")


def session_config() -> Any:
    # Soft placement: a graph saved on a GPU machine still runs here on the CPU.
    return import_tensorflow().compat.v1.ConfigProto(allow_soft_placement=True)


def graph_inputs(graph: Any) -> tuple[InputSpec, ...]:
    """Every placeholder, each sparse.placeholder's three ops grouped as one sparse input,
    in graph order (a group where its indices op is)."""
    order = {op.name: position for position, op in enumerate(graph.get_operations())}
    grouped: set[str] = set()
    found: list[tuple[int, InputSpec]] = []
    for sparse in graph_sparse_inputs(graph.as_graph_def()):
        grouped.update(member.split(":")[0] for member in sparse.members)
        shape = sparse.default_shape
        if shape is None and sparse.rank is not None:
            shape = (None,) * sparse.rank
        spec = InputSpec(
            name=sparse.name,
            sparse=True,
            dtype=sparse.dtype,
            shape=shape,
            members=sparse.members,
            shape_fixed=sparse.shape_fixed,
        )
        found.append((order[sparse.indices.split(":")[0]], spec))
    for op in graph.get_operations():
        if op.type not in _PLACEHOLDERS or op.name in grouped or saver_op(op):
            continue
        if not fetchable(op.outputs[0]):  # a resource or variant placeholder cannot be fed
            continue
        tensor = op.outputs[0]
        spec = InputSpec(
            name=op.name,
            sparse=False,
            dtype=numpy_name(tensor.dtype),
            shape=shape_of(tensor.shape),
            members=(tensor.name,),
            optional=op.type == "PlaceholderWithDefault",
        )
        found.append((order[op.name], spec))
    return tuple(spec for _, spec in sorted(found, key=lambda pair: pair[0]))


def feed_dict(entry: EntryPoint, feeds: Mapping[str, Value]) -> dict[str, Any]:
    """Session.run's feed_dict, keyed by tensor name; a fixed (Const) dense shape is not fed."""
    fed: dict[str, Any] = {}
    for spec in entry.inputs:
        if spec.name not in feeds:
            continue
        value = feeds[spec.name]
        if spec.sparse:
            indices, values, dense_shape = spec.members
            fed[indices], fed[values] = value.indices, value.values
            if not spec.shape_fixed:
                fed[dense_shape] = value.dense_shape
        else:
            fed[spec.members[0]] = value
    return fed


class SessionRunner:
    """Runs entries in a restored Session: the graph, with tensors picked by name, and
    SignatureDefs, whose outputs are fixed (`signature_fetches`: key -> output name -> fetch)."""

    def __init__(
        self,
        graph: Any,
        session: Any,
        signature_fetches: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self._graph = graph
        self._session = session
        self._signature_fetches = signature_fetches or {}

    def run(
        self, entry: EntryPoint, feeds: Mapping[str, Value], outputs: Sequence[str] | None
    ) -> dict[str, Value]:
        if entry.kind == "graph":
            names = list(outputs) if outputs is not None else [o.name for o in entry.outputs]
            fetches = {name: self._graph_tensor(name) for name in names}
            doing = "run the graph"
        else:
            available = self._signature_fetches[entry.name]
            fetches = {name: available[name] for name in pick_outputs(entry, available, outputs)}
            doing = f"run signature '{entry.name}'"
        if not fetches:
            raise ModelError("Pick at least one output to run.")
        try:
            results = self._session.run(fetches, feed_dict(entry, feeds))
        except Exception as exc:  # the boundary with TensorFlow: whatever it raises, one sentence
            raise model_error(exc, doing) from None
        return {name: to_value(result) for name, result in results.items()}

    def _graph_tensor(self, name: str) -> Any:
        tensor_name = name if ":" in name else f"{name}:0"
        try:
            return self._graph.get_tensor_by_name(tensor_name)
        except (KeyError, ValueError):
            raise ModelError(f"The graph has no tensor '{tensor_name}'.") from None

    def close(self) -> None:
        self._session.close()


def load_meta_graph(
    meta_path: Path, prefix: str, notes: Sequence[str] = ()
) -> tuple[ModelInfo, SessionRunner]:
    """Import `meta_path` into a graph of its own and restore its variables from `prefix`."""
    tf = import_tensorflow()
    v1 = tf.compat.v1
    meta_graph = _read_meta_graph(meta_path)
    graph = tf.Graph()
    try:
        with graph.as_default():
            saver = v1.train.import_meta_graph(meta_graph, clear_devices=True)
    except Exception as exc:  # unknown ops raise ValueError, missing functions KeyError...
        raise model_error(exc, f"import the graph {meta_path.name}") from None
    session = v1.Session(graph=graph, config=session_config())
    try:
        if saver is not None:  # None when the graph holds no variables
            with graph.as_default():  # outside it, Saver.restore takes the eager path
                saver.restore(session, prefix)
    except Exception as exc:
        session.close()
        raise model_error(exc, f"restore {meta_path.name} from {prefix}") from None
    entry = EntryPoint("graph", meta_path.name, graph_inputs(graph), graph_sinks(graph))
    info = ModelInfo(
        kind="tf1_graph",
        source=str(meta_path),
        prefix=prefix,
        entries=(entry,),
        tensors=graph_tensors(graph),
        notes=tuple(notes),
    )
    return info, SessionRunner(graph, session)


def _read_meta_graph(path: Path) -> Any:
    """The MetaGraphDef in `path`, binary or text as import_meta_graph takes it."""
    import_tensorflow()  # the protobuf modules live inside the tensorflow package
    from google.protobuf import message, text_format
    from tensorflow.core.protobuf import meta_graph_pb2

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    meta_graph = meta_graph_pb2.MetaGraphDef()
    try:
        meta_graph.ParseFromString(data)
        return meta_graph
    except message.DecodeError as exc:
        binary_error = exc
    try:
        return text_format.Parse(data.decode("utf-8"), meta_graph_pb2.MetaGraphDef())
    except (UnicodeDecodeError, text_format.ParseError):
        raise ModelError(
            f"{path} is not a MetaGraphDef: the file is damaged or not a graph TensorFlow saved.",
            details=f"Parsing it as a binary MetaGraphDef failed: {binary_error}",
        ) from None
