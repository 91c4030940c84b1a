"""The "Copy as Python" script: restores the model and runs the same feed with plain
TensorFlow, printing each output (and saving them to an .npz named on its command line).

No TensorFlow here: the window imports this module. The feeds are checked and converted with
explorer.core.feeds first, so the script carries exactly the values TensorFlow is given, as
np.array literals with their dtype (each float in the shortest form that reads back the same).
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

_LINE = 96  # width the array literals are wrapped at
# Names the script uses itself; an input called so gets a feed_ prefix.
_TAKEN = {"np", "tf", "sys", "graph", "session", "saver", "loaded", "meta_graph", "signature"}
_TAKEN |= {"feed_dict", "fetches", "outputs", "result", "name", "value", "arrays", "part"}
_TAKEN |= {"tensor", "outputs_by_name", "META", "PREFIX", "EXPORT_DIR"}

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
    """The function's results named as Checkpoint Explorer names them."""
    if isinstance(result, dict):
        return dict(result)
    if isinstance(result, (tuple, list)):
        return {f"output_{i}": item for i, item in enumerate(result)}
    return {"output_0": result}

'''

# The tag set the engine loads too (it falls back to the first only when none is "serve").
_LOAD_SAVED_MODEL = (
    '    meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], EXPORT_DIR)'
)
_TENSOR_FROM_INFO = [
    "",
    "    def tensor(info):  # a tensor, or the SparseTensor of a coo_sparse TensorInfo",
    "        return tf.compat.v1.saved_model.utils.get_tensor_from_tensor_info(info, graph)",
    "",
]


def python_script(
    info: ModelInfo, entry: str, feeds: Mapping[str, Value], outputs: Sequence[str] | None
) -> str:
    """The script for running `entry` of the model `info` describes on `feeds`.

    `outputs` as for LoadedModel.run. FeedError if a feed does not fit its input, KeyError
    for an entry `info` does not have.
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
    lines += ["", "Usage: python THIS_SCRIPT.py [OUTPUTS.npz]", '"""', "", "import sys", ""]
    lines += ["import numpy as np", "import tensorflow as tf", ""]
    if tf2 and entry_point.kind == "function":
        lines += _OUTPUTS_BY_NAME.strip("\n").splitlines() + ["", ""]
    # Session.run takes a SparseTensorValue; a TF2 function takes a SparseTensor.
    sparse_type = "tf.sparse.SparseTensor" if tf2 else "tf.compat.v1.SparseTensorValue"
    for spec in fed:
        lines += _feed_lines(variables[spec.name], checked[spec.name], sparse_type)
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


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"  # nan, inf and -inf have no literal
    return repr(value)


def _items(array: np.ndarray) -> list[str]:
    """Each element as Python source that converts back to exactly it under array's dtype."""
    flat = array.ravel()
    if array.dtype.kind == "c":
        return [f"complex({_float_text(v.real)}, {_float_text(v.imag)})" for v in flat.tolist()]
    if array.dtype.kind != "f" and not _ml_dtype(array.dtype):
        return [repr(item) for item in flat.tolist()]
    wide = flat.astype(np.float64).tolist()
    if array.dtype == np.float64:
        return [_float_text(value) for value in wide]
    # float32 and narrower: numpy's str is the shortest text reading back as the same value;
    # it goes through a Python float first, so check it does and fall back to the exact double.
    texts = [str(value) for value in flat]
    back = np.array([float(text) for text in texts], np.float64).astype(array.dtype)
    same = (back == flat) | (np.isnan(back.astype(np.float64)) & np.isnan(wide))
    return [
        text if ok and np.isfinite(value) else _float_text(value)
        for text, ok, value in zip(texts, same.tolist(), wide, strict=True)
    ]


def _ml_dtype(dtype: np.dtype) -> bool:
    """bfloat16 and kin, from ml_dtypes: not in numpy itself, spelled through TensorFlow."""
    return dtype.kind not in "OSUb" and not hasattr(np, dtype.name)


def _dtype_text(dtype: np.dtype) -> str:
    if dtype.kind in "OSU":  # strings: TensorFlow takes an object array of bytes or str
        return "object"
    if _ml_dtype(dtype):
        return f"tf.dtypes.as_dtype({dtype.name!r}).as_numpy_dtype"
    return f"np.{dtype.name}"


def _wrap(items: Sequence[str], indent: str) -> str:
    """Items joined by commas; on lines of at most _LINE characters when they do not fit one."""
    one_line = ", ".join(items)
    if len(indent) + len(one_line) <= _LINE - 40:
        return one_line
    inner = indent + "    "
    rows, row = [], ""
    for item in items:
        if row and len(inner) + len(row) + len(item) + 1 > _LINE:
            rows.append(row.rstrip())
            row = ""
        row += f"{item}, "
    rows.append(row.rstrip())
    return "\n" + "\n".join(inner + r for r in rows) + "\n" + indent


def array_literal(array: np.ndarray, indent: str = "") -> str:
    """Python source giving back exactly `array`: values, dtype and shape."""
    dtype = _dtype_text(array.dtype)
    items = _items(array)
    if array.ndim == 0:
        return f"np.array({items[0]}, dtype={dtype})"
    if array.ndim == 2 and array.shape[0] and array.shape[1]:  # rows, as indices are read
        width = array.shape[1]
        rows = [f"[{', '.join(items[i : i + width])}]" for i in range(0, len(items), width)]
        return f"np.array([{_wrap(rows, indent)}], dtype={dtype})"
    literal = f"np.array([{_wrap(items, indent)}], dtype={dtype})"
    return literal if array.ndim == 1 else f"{literal}.reshape({tuple(array.shape)!r})"


def _feed_lines(variable: str, value: Value, sparse_type: str) -> list[str]:
    if not isinstance(value, SparseArray):
        return [f"{variable} = {array_literal(value)}"]
    parts = {"indices": value.indices, "values": value.values, "dense_shape": value.dense_shape}
    lines = [f"{variable} = {sparse_type}("]
    lines += [f"    {part}={array_literal(array, '    ')}," for part, array in parts.items()]
    return [*lines, ")"]


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
        lines.append(_LOAD_SAVED_MODEL)
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


def _nested(arguments: Mapping[str, str]) -> dict[str, object]:
    """{"features/ids": source} -> {"features": {"ids": source}}: nested arguments rebuilt."""
    tree: dict[str, object] = {}
    for path, source in arguments.items():
        node = tree
        *parents, leaf = path.split("/")
        for parent in parents:
            node = node.setdefault(parent, {})  # type: ignore[assignment]
        node[leaf] = source
    return tree


def _source(node: object) -> str:
    if isinstance(node, str):
        return node
    assert isinstance(node, dict)
    if all(key.isdigit() for key in node):  # positions of a tuple or list
        return f"[{', '.join(_source(node[key]) for key in sorted(node, key=int))}]"
    return "{" + ", ".join(f"{key!r}: {_source(value)}" for key, value in node.items()) + "}"


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
    if entry.kind == "signature":
        call, named = f"loaded.signatures[{entry.name!r}]", "result"
    else:  # of several concrete functions, TensorFlow picks the one the arguments fit
        call, named = f"loaded.{entry.name.split('(')[0]}", "outputs_by_name(result)"
    lines = [f"EXPORT_DIR = {info.source!r}", "", "loaded = tf.saved_model.load(EXPORT_DIR)"]
    lines.append(f"result = {call}(")
    lines += [f"    {name}={_source(node)}," for name, node in _nested(arguments).items()]
    lines.append(")")
    return [*lines, f"outputs = {{name: {named}[name] for name in {list(names)!r}}}"]
