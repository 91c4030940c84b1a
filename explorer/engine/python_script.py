"""The "Copy as Python" script: restores the model and runs the same feed with plain
TensorFlow, printing each output (and saving them to an .npz named on its command line).

No TensorFlow here: the window imports this module. The feeds are checked and converted with
explorer.core.feeds first, so the script carries exactly the values TensorFlow is given, as
np.array literals with their dtype (each float in the shortest form that reads back the same),
or, for big feeds, in a companion .npz that save_script_feeds writes and the script loads.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from explorer.core.errors import FeedError
from explorer.core.feeds import check_feed
from explorer.core.model_spec import EntryPoint, InputSpec, ModelInfo, SparseArray, Value
from explorer.engine.script_literals import array_literal, dtype_text, is_ml_dtype

# Names the script uses itself; an input called so gets a feed_ prefix.
_TAKEN = {"np", "tf", "sys", "collections", "graph", "session", "saver", "loaded", "signature"}
_TAKEN |= {"meta_graph", "feed_dict", "fetches", "outputs", "result", "name", "value", "arrays"}
_TAKEN |= {"part", "tensor", "outputs_by_name", "named", "feeds", "FEEDS", "META", "PREFIX"}
_TAKEN |= {"EXPORT_DIR"}
_SPARSE_PARTS = ("indices", "values", "dense_shape")

_PRINT_AND_SAVE = """
for name, value in outputs.items():
    print(name)
    if isinstance(value, (tf.SparseTensor, tf.compat.v1.SparseTensorValue)):
        print("  indices =", np.asarray(value.indices).tolist())
        print("  values =", np.asarray(value.values).tolist())
        print("  dense_shape =", np.asarray(value.dense_shape).tolist())
    else:
        print(np.asarray(value))

if len(sys.argv) > 1:  # save the outputs: NAME, or NAME.indices, NAME.values, NAME.dense_shape
    arrays = {}
    for name, value in outputs.items():
        if isinstance(value, (tf.SparseTensor, tf.compat.v1.SparseTensorValue)):
            for part in ("indices", "values", "dense_shape"):
                arrays[f"{name}.{part}"] = np.asarray(getattr(value, part))
        else:
            arrays[name] = np.asarray(value)
    np.savez(sys.argv[1], **arrays)
"""

_OUTPUTS_BY_NAME = '''

def outputs_by_name(result):
    """The function's results named as Checkpoint Explorer names them: a dict's keys, else
    output_0, output_1...; inside nested results, keys and positions joined by "/"."""
    named = {}

    def visit(value, path):
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, (tuple, list)):  # a namedtuple's items go by field name
            items = zip(getattr(value, "_fields", range(len(value))), value)
        else:
            named["/".join(path)] = value
            return
        for key, item in items:
            visit(item, [*path, str(key)])

    visit(result, [])
    if isinstance(result, dict):
        return named
    return {f"output_{path or 0}": value for path, value in named.items()}

'''
_TENSOR_FROM_INFO = [
    "",
    "    def tensor(info):  # a tensor, or the SparseTensor of a coo_sparse TensorInfo",
    "        return tf.compat.v1.saved_model.utils.get_tensor_from_tensor_info(info, graph)",
    "",
]


def python_script(
    info: ModelInfo,
    entry: str,
    feeds: Mapping[str, Value],
    outputs: Sequence[str] | None,
    feeds_file: str | None = None,
) -> str:
    """The script for running `entry` of the model `info` describes on `feeds`.

    `outputs` as for LoadedModel.run. With `feeds_file`, the script loads the feeds from that
    .npz, which save_script_feeds(feeds_file, feeds) writes, instead of holding them as
    literals. FeedError if a feed does not fit its input, KeyError for an entry `info` does not
    have.
    """
    entry_point = info.entry(entry)
    specs = {spec.name: spec for spec in entry_point.inputs}
    unknown = [name for name in feeds if name not in specs]
    if unknown:
        raise FeedError(f"There is no input '{unknown[0]}' to feed in {entry}.")
    checked = {name: check_feed(specs[name], value) for name, value in feeds.items()}
    fed = [spec for spec in entry_point.inputs if spec.name in checked]
    variables = _variable_names([spec.name for spec in fed])
    names = list(outputs) if outputs is not None else [out.name for out in entry_point.outputs]
    tf2 = info.kind == "tf2_saved_model"
    lines = [f'"""Run {_what(info, entry_point)}', "on the feed made in Checkpoint Explorer."]
    lines += ["", "Usage: python THIS_SCRIPT.py [OUTPUTS.npz]", '"""', ""]
    if any(kind.startswith("namedtuple ") for _, kind in entry_point.containers):
        lines.append("import collections")
    lines += ["import sys", ""]
    lines += ["import numpy as np", "import tensorflow as tf", ""]
    if tf2 and entry_point.kind == "function":
        lines += _OUTPUTS_BY_NAME.strip("\n").splitlines() + ["", ""]
    # Session.run takes a SparseTensorValue; a TF2 function takes a SparseTensor.
    sparse_type = "tf.sparse.SparseTensor" if tf2 else "tf.compat.v1.SparseTensorValue"
    in_file = [
        spec.name
        for spec in fed
        if feeds_file and _stored_parts(spec.name, checked[spec.name]) is not None
    ]
    for spec in fed:
        if spec.name not in in_file:
            lines += _feed_lines(variables[spec.name], checked[spec.name], sparse_type)
    if in_file:
        lines += [f"FEEDS = {feeds_file!r}  # NAME, or NAME.indices, NAME.values, NAME.dense_shape"]
        lines += ["with np.load(FEEDS) as feeds:"]
        for name in in_file:
            lines += _file_feed_lines(name, variables[name], checked[name], sparse_type)
    lines.append("")
    if tf2:
        lines += _tf2_lines(info, entry_point, fed, variables, names)
    else:
        lines += _tf1_lines(info, entry_point, fed, variables, names)
    return "\n".join(lines) + "\n" + _PRINT_AND_SAVE


def _what(info: ModelInfo, entry: EntryPoint) -> str:
    source = Path(info.source).name
    if entry.kind == "graph" and info.kind == "tf1_graph":
        return f"the graph {source} restored from {Path(info.prefix or '').name}"
    if entry.kind == "graph":
        return f"the graph of the SavedModel {source}"
    return f"{entry.kind} '{entry.name}' of the SavedModel {source}"


def _variable_names(names: Sequence[str]) -> dict[str, str]:
    """A distinct Python identifier for each input, close to its name."""
    chosen: dict[str, str] = {}
    for name in names:
        base = re.sub(r"\W", "_", name).strip("_") or "feed"
        if base[0].isdigit() or keyword.iskeyword(base) or base in _TAKEN:
            base = f"feed_{base}"
        variable, count = base, 1
        while variable in chosen.values():
            count += 1
            variable = f"{base}_{count}"
        chosen[name] = variable
    return chosen


# --- feeds as literals ----------------------------------------------------------------------


def _feed_lines(variable: str, value: Value, sparse_type: str) -> list[str]:
    if not isinstance(value, SparseArray):
        return [f"{variable} = {array_literal(value)}"]
    lines = [f"{variable} = {sparse_type}("]
    for part in _SPARSE_PARTS:
        lines.append(f"    {part}={array_literal(getattr(value, part), '    ')},")
    return [*lines, ")"]


# --- feeds in a companion .npz ----------------------------------------------------------------


def _stored(array: np.ndarray) -> np.ndarray | None:
    """`array` as the feed file holds it without pickle: strings as fixed-width bytes (str
    encoded as UTF-8, as TensorFlow does), ml_dtypes' floats as their bits; None when it cannot
    be held exactly (fixed-width strings drop a trailing NUL)."""
    if is_ml_dtype(array.dtype):
        return np.ascontiguousarray(array).view(f"u{array.dtype.itemsize}")
    if array.dtype.kind not in "OSU":
        return array
    items = array.reshape(-1).tolist()
    try:
        encoded = [item.encode() if isinstance(item, str) else item for item in items]
    except UnicodeEncodeError:  # a lone surrogate: only a literal spells it
        return None
    if not all(isinstance(item, bytes) and not item.endswith(b"\0") for item in encoded):
        return None
    return np.array(encoded, dtype=bytes).reshape(array.shape)


def _stored_parts(name: str, value: Value) -> dict[str, np.ndarray] | None:
    """The arrays the feed file holds for the feed `name`, by key; None when it cannot."""
    if isinstance(value, SparseArray):
        parts = {f"{name}.{part}": getattr(value, part) for part in _SPARSE_PARTS}
    else:
        parts = {name: value}
    stored = {}
    for key, array in parts.items():
        held = _stored(np.asarray(array))
        if held is None:
            return None
        stored[key] = held
    return stored


def save_script_feeds(path: str | Path, feeds: Mapping[str, Value]) -> None:
    """Write the feeds a script made with python_script(..., feeds_file=path) loads.

    `feeds` are the checked values python_script is given (check_feed's results). The .npz holds
    a dense feed NAME under the key "NAME" and a sparse one under "NAME.indices", "NAME.values"
    and "NAME.dense_shape"; strings as fixed-width bytes (str encoded as UTF-8), bfloat16 and
    the other ml_dtypes as unsigned integers of their bits; nothing pickled. A string feed
    fixed-width bytes cannot hold (one ending in NUL) is left out: the script spells it as a
    literal. FeedError if the file cannot be written.
    """
    arrays: dict[str, np.ndarray] = {}
    for name, value in feeds.items():
        arrays |= _stored_parts(name, value) or {}
    try:
        with open(path, "wb") as handle:  # a handle keeps numpy from appending ".npz"
            np.savez(handle, allow_pickle=False, **arrays)
    except OSError as exc:
        raise FeedError(f"{path} cannot be written: {exc.strerror or exc}.") from None


def _loaded(key: str, array: np.ndarray) -> str:
    """The expression giving back `array` from the script's loaded feed file."""
    if is_ml_dtype(array.dtype):
        return f"feeds[{key!r}].view({dtype_text(array.dtype)})"
    return f"feeds[{key!r}]"


def _file_feed_lines(name: str, variable: str, value: Value, sparse_type: str) -> list[str]:
    if not isinstance(value, SparseArray):
        return [f"    {variable} = {_loaded(name, value)}"]
    lines = [f"    {variable} = {sparse_type}("]
    for part in _SPARSE_PARTS:
        lines.append(f"        {part}={_loaded(f'{name}.{part}', getattr(value, part))},")
    return [*lines, "    )"]


# --- TF1: a Session ---------------------------------------------------------------------------


def _by_name(member: str) -> str:
    return f"graph.get_tensor_by_name({member!r})"


def _session_feed_lines(
    fed: Sequence[InputSpec], variables: Mapping[str, str], by_signature: bool
) -> list[str]:
    """The feed_dict: each input keyed by its tensor (a SparseTensor for a sparse one), taken
    from the signature's TensorInfo when `by_signature`, else from the graph by name."""
    lines = ["    feed_dict = {"]
    for spec in fed:
        variable = variables[spec.name]
        if spec.sparse and spec.shape_fixed:
            indices, values, dense_shape = spec.members
            lines.append(f"        # {dense_shape} is a Const: the dense shape is fixed, not fed.")
            lines.append(f"        {_by_name(indices)}: {variable}.indices,")
            lines.append(f"        {_by_name(values)}: {variable}.values,")
        elif by_signature:
            lines.append(f"        tensor(signature.inputs[{spec.name!r}]): {variable},")
        elif spec.sparse:
            lines.append("        tf.sparse.SparseTensor(")
            lines += [f"            {_by_name(member)}," for member in spec.members]
            lines.append(f"        ): {variable},")
        else:
            lines.append(f"        {_by_name(spec.members[0])}: {variable},")
    return [*lines, "    }"]


def _tf1_lines(
    info: ModelInfo,
    entry: EntryPoint,
    fed: Sequence[InputSpec],
    variables: Mapping[str, str],
    names: Sequence[str],
) -> list[str]:
    session = "with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:"
    if info.kind == "tf1_graph":
        lines = [f"META = {info.source!r}", f"PREFIX = {info.prefix!r}", ""]
        lines += [
            "graph = tf.Graph()",
            session,
            "    saver = tf.compat.v1.train.import_meta_graph(META, clear_devices=True)",
            "    if saver is not None:  # None when the graph holds no variables",
            "        saver.restore(session, PREFIX)",
        ]
    else:
        lines = [f"EXPORT_DIR = {info.source!r}", "", "graph = tf.Graph()", session]
        tags = list(info.tags or ("serve",))  # the MetaGraphDef the engine loaded
        loader = "tf.compat.v1.saved_model.loader.load"
        lines.append(f"    meta_graph = {loader}(session, {tags!r}, EXPORT_DIR)")
    by_signature = entry.kind == "signature"
    if by_signature:
        lines.append(f"    signature = meta_graph.signature_def[{entry.name!r}]")
        lines += _TENSOR_FROM_INFO
        fetched = [f"        {name!r}: tensor(signature.outputs[{name!r}])," for name in names]
    else:  # "logits" stands for "logits:0"
        fetched = [f"        {name!r}: {name if ':' in name else name + ':0'!r}," for name in names]
    lines += _session_feed_lines(fed, variables, by_signature)
    lines += ["    fetches = {", *fetched, "    }"]
    return [*lines, "    outputs = session.run(fetches, feed_dict)"]


# --- TF2: tf.saved_model.load, called eagerly ------------------------------------------------


def _argument_sources(leaves: Mapping[str, str], containers: Mapping[str, str]) -> dict[str, str]:
    """Each argument's source: the leaves' sources by path ("features/ids") put back into the
    containers they came from (EntryPoint.containers)."""
    tree: dict[str, object] = {}
    for path in [*containers, *leaves]:  # containers first: even an empty one is rebuilt
        node = tree
        *parents, last = path.split("/")
        for parent in parents:
            node = node.setdefault(parent, {})  # type: ignore[assignment]
        node[last] = leaves[path] if path in leaves else node.get(last, {})
    return {name: _source(node, name, containers) for name, node in tree.items()}


def _source(node: object, path: str, containers: Mapping[str, str]) -> str:
    if isinstance(node, str):
        return node
    assert isinstance(node, dict)
    items = {key: _source(child, f"{path}/{key}", containers) for key, child in node.items()}
    positions = bool(items) and all(key.isdigit() for key in items)
    kind = containers.get(path, "list" if positions else "dict")
    if kind in ("tuple", "list"):
        ordered = [items[key] for key in sorted(items, key=int)]
        if kind == "list":
            return f"[{', '.join(ordered)}]"
        return f"({', '.join(ordered)}{',' if len(ordered) == 1 else ''})"
    if kind.startswith("namedtuple "):  # a namedtuple alike is accepted for the restored one
        _, type_name, *fields = kind.split()
        values = ", ".join(f"{field}={items[field]}" for field in fields)
        return f"collections.namedtuple({type_name!r}, {fields!r})({values})"
    return "{" + ", ".join(f"{key!r}: {value}" for key, value in items.items()) + "}"


def _tf2_lines(
    info: ModelInfo,
    entry: EntryPoint,
    fed: Sequence[InputSpec],
    variables: Mapping[str, str],
    names: Sequence[str],
) -> list[str]:
    arguments: dict[str, str] = {}
    for spec in fed:
        variable = variables[spec.name]
        if entry.kind == "signature" and spec.sparse:  # flattened: indices, values, dense shape
            parts = ("indices", "values", "dense_shape")
            for member, part in zip(spec.members, parts, strict=True):
                arguments[member] = f"{variable}.{part}"
        else:
            arguments[spec.name] = variable if spec.sparse else f"tf.constant({variable})"
    # Python values the function was traced with: of several concrete functions, TensorFlow
    # picks the one the arguments (tensors and these) fit.
    arguments.update(entry.constants)
    if entry.kind == "signature":
        call, named = f"loaded.signatures[{entry.name!r}]", "result"
    else:
        call, named = f"loaded.{entry.name.split('(')[0]}", "outputs_by_name(result)"
    tags = list(info.tags or ("serve",))  # the MetaGraphDef the engine loaded
    lines = [f"EXPORT_DIR = {info.source!r}", ""]
    lines.append(f"loaded = tf.saved_model.load(EXPORT_DIR, tags={tags!r})")
    lines.append(f"result = {call}(")
    sources = _argument_sources(arguments, dict(entry.containers))
    lines += [f"    {name}={source}," for name, source in sources.items()]
    lines += [")", f"named = {named}"]
    return [*lines, f"outputs = {{name: named[name] for name in {list(names)!r}}}"]
