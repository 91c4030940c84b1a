"""Rebuilding a checkpoint's sparse tensor as a real `tf.sparse.SparseTensor`.

TensorFlow itself judges the result. Neither the SparseTensor constructor nor
tf.sparse.reorder looks at the index values (TF 2.21, CPU); the check that does is
SparseTensor::IndicesValid (bounds, then row-major order, then repeats, entry by entry),
which tf.sparse.to_dense(validate_indices=True) runs but only after allocating the dense
tensor. SparseToSparseSetOperation runs the same check and, intersected with an empty set,
allocates nothing dense, so it is the check used here, whatever the size.

Run as `python -m explorer.engine.sparse_rebuild PREFIX INDICES VALUES DENSE_SHAPE [--reorder]`
it prints the report as one JSON object; the window calls it so, in a child process.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from explorer.core.errors import CheckpointError
from explorer.core.sparse import SparseTensor
from explorer.engine.rebuild_report import RebuildReport
from explorer.engine.tensorflow_import import import_tensorflow
from explorer.engine.tf_errors import tf_complaint

if TYPE_CHECKING:  # annotations only: TensorFlow is imported through import_tensorflow()
    from tensorflow import SparseTensor as TFSparseTensor
    from tensorflow import Tensor

PREVIEW_LIMIT = 400  # dense elements: only tensors this small are densified for a preview
CHECK_OP = "SparseToSparseSetOperation"
PASSED = (
    f"TensorFlow's index check ({CHECK_OP}) finds every index inside the dense shape, "
    "in row-major order and unique."
)


def _read(tf: ModuleType, prefix: str, sparse: SparseTensor) -> list[np.ndarray]:
    try:
        reader = tf.train.load_checkpoint(prefix)
    except (tf.errors.OpError, ValueError) as exc:
        raise CheckpointError(f"TensorFlow cannot open {prefix}: {tf_complaint(exc)[1]}.") from None
    arrays = []
    for key in (sparse.indices, sparse.values, sparse.dense_shape):
        try:
            arrays.append(np.asarray(reader.get_tensor(key)))
        except (tf.errors.OpError, ValueError) as exc:
            message = tf_complaint(exc)[1]
            raise CheckpointError(
                f"TensorFlow cannot read '{key}' from {prefix}: {message}."
            ) from None
    return arrays


def _as_int64(tf: ModuleType, array: np.ndarray, what: str, notes: list[str]) -> Tensor:
    # A tensor first: handing numpy floats to SparseTensor would truncate them silently.
    tensor = tf.constant(array)
    if tensor.dtype.is_integer and tensor.dtype != tf.int64:
        notes.append(
            f"The {what} are {tensor.dtype.name} in the checkpoint; they were cast to int64, "
            "as SparseTensor requires."
        )
        return tf.cast(tensor, tf.int64)
    return tensor


def _build(tf: ModuleType, arrays: list[np.ndarray], notes: list[str]) -> TFSparseTensor:
    indices, values, dense_shape = arrays
    return tf.sparse.SparseTensor(
        indices=_as_int64(tf, indices, "indices", notes),
        values=tf.constant(values),
        dense_shape=_as_int64(tf, dense_shape, "dense shape entries", notes),
    )


def build_sparse_tensor(prefix: str, sparse: SparseTensor, reorder: bool = False) -> TFSparseTensor:
    """The tf.sparse.SparseTensor of the three raw keys, exactly as the checkpoint holds them.

    CheckpointError if TensorFlow cannot read them; TensorFlow's own ValueError, TypeError or
    OpError if it cannot build a SparseTensor of them.
    """
    tf = import_tensorflow()
    built = _build(tf, _read(tf, prefix, sparse), [])
    return tf.sparse.reorder(built) if reorder else built


def _reorder_sentence(before: np.ndarray, after: np.ndarray) -> str:
    moved = int(np.count_nonzero((before != after).any(axis=1)))
    if not moved:
        return "tf.sparse.reorder found the entries already in row-major order."
    return f"tf.sparse.reorder moved {moved:,} of {before.shape[0]:,} entries into row-major order."


def _index_check(tf: ModuleType, built: TFSparseTensor) -> str | None:
    """TensorFlow's complaint about the indices as one sentence, or None if it has none."""
    checked, rank = built, int(built.dense_shape.shape[0])
    while int(checked.dense_shape.shape[0]) < 2:  # set ops need rank 2; a trailing 1 keeps order
        checked = tf.sparse.expand_dims(checked, -1)
    # The values are stand-ins (set ops take integers); intersecting with an empty set keeps
    # the output empty, so only the validation of set1 costs anything.
    no_indices = tf.zeros([0, checked.indices.shape[1]], tf.int64)
    try:
        tf.raw_ops.SparseToSparseSetOperation(
            set1_indices=checked.indices, set1_values=tf.zeros_like(checked.indices[:, 0]),
            set1_shape=checked.dense_shape, set2_indices=no_indices,
            set2_values=tf.zeros([0], tf.int64), set2_shape=checked.dense_shape,
            set_operation="intersection", validate_indices=True,
        )  # fmt: skip
    except (tf.errors.OpError, ValueError) as exc:
        op, message = tf_complaint(exc)
        check = op or CHECK_OP
        if rank < 2:
            check += f", which needs rank 2 and so saw shape {checked.dense_shape.numpy().tolist()}"
        return f"TensorFlow's index check ({check}) fails: {message}."
    return None


def _preview(tf: ModuleType, built: TFSparseTensor, dense_shape: list[int]) -> str | None:
    if math.prod(dense_shape) > PREVIEW_LIMIT:
        return None
    return np.array2string(tf.sparse.to_dense(built, validate_indices=True).numpy())


def rebuild(prefix: str, sparse: SparseTensor, reorder: bool = False) -> RebuildReport:
    """Build the SparseTensor with TensorFlow (reordered on request) and report what it says.

    Raises CheckpointError only when TensorFlow cannot read the three variables.
    """
    tf = import_tensorflow()
    arrays = _read(tf, prefix, sparse)
    messages: list[str] = []
    try:
        built = _build(tf, arrays, messages)
    except (tf.errors.OpError, ValueError, TypeError) as exc:
        messages.append(f"TensorFlow cannot build a SparseTensor of them: {tf_complaint(exc)[1]}.")
        return RebuildReport(False, messages, None, None, reordered=False)
    dense_shape = built.dense_shape.numpy().tolist()
    nnz = int(built.indices.shape[0])
    values_dtype = np.dtype(built.values.dtype.as_numpy_dtype).name
    entries = f"{nnz:,} {built.values.dtype.name} {'entry' if nnz == 1 else 'entries'}"
    messages.append(f"TensorFlow built a SparseTensor of dense shape {dense_shape} with {entries}.")
    if reorder:
        before = built.indices.numpy()
        built = tf.sparse.reorder(built)
        messages.append(_reorder_sentence(before, built.indices.numpy()))
    if all(dim > 0 for dim in dense_shape) and math.prod(dense_shape) >= 2**63:
        # TensorFlow's index check counts the cells first and fails on the count, not on the
        # indices; say what is really wrong (explorer.core's validation says the same).
        complaint = (
            f"TensorFlow cannot check the indices: the dense shape {dense_shape} has "
            f"{math.prod(dense_shape):.3g} cells, more than int64 can count, which ops that need "
            "the number of elements (reduce_sum, slice, to_dense) refuse too."
        )
    else:
        complaint = _index_check(tf, built)
    messages.append(complaint or PASSED)
    preview = None if complaint else _preview(tf, built, dense_shape)
    return RebuildReport(not complaint, messages, dense_shape, nnz, reorder, values_dtype, preview)


def main(argv: list[str] | None = None) -> int:
    """Print the report as one JSON object (exit 0), or one sentence on stderr (exit 2)."""
    parser = argparse.ArgumentParser(
        prog="python -m explorer.engine.sparse_rebuild",
        description="Rebuild a sparse tensor of a checkpoint with TensorFlow; print a JSON report.",
    )
    parser.add_argument("prefix", help="checkpoint prefix")
    for role in ("indices", "values", "dense_shape"):
        parser.add_argument(role, help=f"variable key of the {role.replace('_', ' ')}")
    parser.add_argument("--reorder", action="store_true", help="apply tf.sparse.reorder")
    args = parser.parse_args(argv)
    sparse = SparseTensor(args.values, args.indices, args.values, args.dense_shape, None, None)
    try:
        report = rebuild(args.prefix, sparse, args.reorder)
    except CheckpointError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(json.dumps(report.as_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
