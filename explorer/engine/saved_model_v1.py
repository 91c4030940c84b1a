"""TF1 SavedModels (no object graph): loaded into a Session, run through their SignatureDefs.

A `coo_sparse` TensorInfo names the three tensors of a sparse input or output; inputs become
one sparse InputSpec, outputs are fetched as a SparseTensor (a SparseTensorValue comes back).
The graph is offered too, for picking any tensor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from explorer.core.locate import saved_model_prefix
from explorer.core.model_spec import EntryPoint, InputSpec, ModelInfo, OutputSpec, Shape
from explorer.engine.graph_model import SessionRunner, graph_inputs, session_config
from explorer.engine.graph_outputs import graph_sinks, graph_tensors, numpy_name
from explorer.engine.tensorflow_import import import_tensorflow
from explorer.engine.tf_errors import model_error


def load_tf1_saved_model(directory: Path, meta_graph: Any) -> tuple[ModelInfo, SessionRunner]:
    tf = import_tensorflow()
    from tensorflow.python.util import deprecation

    v1 = tf.compat.v1
    tags = list(meta_graph.meta_info_def.tags)
    graph = tf.Graph()
    session = v1.Session(graph=graph, config=session_config())
    try:
        # The TF1 loader is deprecated, and says so on stderr: not news to this model's owner.
        with graph.as_default(), deprecation.silence():
            v1.saved_model.loader.load(session, tags, str(directory), clear_devices=True)
    except Exception as exc:  # OpError, RuntimeError, ValueError... whatever loading raises
        session.close()
        raise model_error(exc, f"load the SavedModel {directory}") from None
    entries, fetches, notes = [], {}, []
    for key in sorted(meta_graph.signature_def):
        if key.startswith("__"):  # "__saved_model_init_op" and such are not for running
            continue
        signature = meta_graph.signature_def[key]
        infos = [*signature.inputs.values(), *signature.outputs.values()]
        if any(info.WhichOneof("encoding") == "composite_tensor" for info in infos):
            reason = "it has ragged or other composite tensors"
            notes.append(f"Signature '{key}' is not offered: {reason}.")
            continue
        entries.append(_signature_entry(graph, key, signature))
        with graph.as_default():  # sorted, in the order of the entry's outputs
            outputs = sorted(signature.outputs.items())
            fetches[key] = {name: _fetch(graph, info) for name, info in outputs}
    entries.append(EntryPoint("graph", "graph", graph_inputs(graph), graph_sinks(graph)))
    info = ModelInfo(
        kind="tf1_saved_model",
        source=str(directory),
        prefix=str(saved_model_prefix(directory)),
        entries=tuple(entries),
        tensors=graph_tensors(graph),
        notes=tuple(notes),
        tags=tuple(tags),
    )
    return info, SessionRunner(graph, session, fetches)


def _shape(info: Any) -> Shape | None:
    shape = import_tensorflow().TensorShape(info.tensor_shape)
    return None if shape.rank is None else tuple(shape.as_list())


def _signature_entry(graph: Any, key: str, signature: Any) -> EntryPoint:
    tf = import_tensorflow()
    inputs = []
    for name, info in sorted(signature.inputs.items()):
        dtype = numpy_name(tf.dtypes.as_dtype(info.dtype))
        shape = _shape(info)
        if info.WhichOneof("encoding") == "coo_sparse":
            coo = info.coo_sparse
            members = (coo.indices_tensor_name, coo.values_tensor_name, coo.dense_shape_tensor_name)
            dense_shape = graph.get_tensor_by_name(coo.dense_shape_tensor_name)
            fixed = dense_shape.op.type == "Const"  # written in the graph: shown, not fed
            if fixed:
                shape = tuple(int(dim) for dim in tf.make_ndarray(dense_shape.op.get_attr("value")))
            inputs.append(InputSpec(name, True, dtype, shape, members, shape_fixed=fixed))
        else:
            optional = graph.get_tensor_by_name(info.name).op.type == "PlaceholderWithDefault"
            inputs.append(InputSpec(name, False, dtype, shape, (info.name,), optional=optional))
    outputs = tuple(
        OutputSpec(
            name,
            numpy_name(tf.dtypes.as_dtype(info.dtype)),
            _shape(info),
            sparse=info.WhichOneof("encoding") == "coo_sparse",
        )
        for name, info in sorted(signature.outputs.items())
    )
    return EntryPoint("signature", key, tuple(inputs), outputs)


def _fetch(graph: Any, info: Any) -> Any:
    """What Session.run fetches for a TensorInfo: its tensor, or a SparseTensor of the three."""
    if info.WhichOneof("encoding") != "coo_sparse":
        return graph.get_tensor_by_name(info.name)
    coo = info.coo_sparse
    names = (coo.indices_tensor_name, coo.values_tensor_name, coo.dense_shape_tensor_name)
    return import_tensorflow().sparse.SparseTensor(*map(graph.get_tensor_by_name, names))
