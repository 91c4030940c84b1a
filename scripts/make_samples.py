"""Make the small, deterministic sample checkpoints bundled in resources/samples/.

Run with the project venv:  .venv/bin/python scripts/make_samples.py
Each sample directory is deleted and recreated. Everything is seeded and tiny, and no file
may contain an absolute path (the samples are shipped and copied around).
"""

from __future__ import annotations

import os

# Both must precede the TensorFlow import. oneDNN off: same numerics on every CPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import fingerprint_pb2  # noqa: E402

tf.get_logger().setLevel("ERROR")
v1 = tf.compat.v1

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
SEED = 1234
VOCAB = 1000

README = {
    "tf1_sparse_placeholder": (
        "TF1 graph fed by sparse.placeholder 'features' [None, 1000]; linear weights, "
        "embedding [1000, 8] partitioned in 3, bias, global_step, Adagrad slots; "
        "Saver steps model.ckpt-1..3 with .meta and state file; output ops logits, predictions."
    ),
    "custom_sparse_triplet": (
        "TF1 Saver checkpoint model.ckpt-100 holding a custom sparse matrix as three variables "
        "sparse_weights/{indices,values,dense_shape} (40 entries of [50, 30]) plus dense/kernel, "
        "dense/bias and global_step."
    ),
    "tf2_object_checkpoint": (
        "TF2 tf.train.Checkpoint ckpt-1, ckpt-2 of Model(layer=SparseLayer) with indices, values, "
        "dense_shape and kernel (keys model/layer/.../.ATTRIBUTES/VARIABLE_VALUE)."
    ),
    "savedmodel_sparse": (
        "SavedModel of a tf.Module (w [1000, 4], b [4]) whose serving_default signature takes "
        "a tf.SparseTensorSpec([None, 1000]) input, flattened in the SignatureDef to dense "
        "inputs x (indices), x_1 (values), x_2 (dense_shape)."
    ),
}


def fresh_dir(name: str) -> Path:
    path = SAMPLES / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def random_sparse_batch(rng: np.random.RandomState, batch: int, width: int):
    """Canonical (row-major sorted, unique) COO indices; every row gets >= 1 entry so
    embedding_lookup_sparse returns one row per example."""
    rows = []
    for r in range(batch):
        cols = np.sort(rng.choice(width, size=rng.randint(2, 6), replace=False))
        rows.extend((r, c) for c in cols)
    indices = np.array(rows, dtype=np.int64)
    values = rng.uniform(0.5, 1.5, size=len(rows)).astype(np.float32)
    return indices, values, np.array([batch, width], dtype=np.int64)


def canonical_triplet(rng: np.random.RandomState, n: int, shape: tuple[int, int]):
    flat = np.sort(rng.choice(shape[0] * shape[1], size=n, replace=False))
    indices = np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)
    values = rng.normal(size=n).astype(np.float32)
    return indices, values, np.array(shape, dtype=np.int64)


def make_tf1_sparse_placeholder() -> None:
    out = fresh_dir("tf1_sparse_placeholder")
    rng = np.random.RandomState(SEED)
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(SEED)
        # Unknown batch size, so features/shape becomes a PlaceholderWithDefault, not a Const.
        x = v1.sparse.placeholder(tf.float32, shape=[None, VOCAB], name="features")
        labels = v1.placeholder(tf.float32, shape=[None, 1], name="labels")
        global_step = v1.train.get_or_create_global_step()

        linear_w = v1.get_variable("linear/weights", shape=[VOCAB, 1])
        embedding = v1.get_variable(
            "embedding", shape=[VOCAB, 8], partitioner=v1.fixed_size_partitioner(3)
        )
        proj = v1.get_variable("embedding_proj/kernel", shape=[8, 1])
        bias = v1.get_variable("bias", shape=[1], initializer=v1.zeros_initializer())

        # Feature ids are the column indices; the feature values act as weights.
        sp_ids = tf.SparseTensor(x.indices, x.indices[:, 1], x.dense_shape)
        emb = tf.nn.embedding_lookup_sparse(embedding, sp_ids, x, combiner="sqrtn")
        logits = tf.sparse.sparse_dense_matmul(x, linear_w) + tf.matmul(emb, proj) + bias
        logits = tf.identity(logits, name="logits")
        tf.sigmoid(logits, name="predictions")
        loss = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), name="loss"
        )
        train_op = v1.train.AdagradOptimizer(0.1).minimize(loss, global_step=global_step)

        saver = v1.train.Saver(save_relative_paths=True, max_to_keep=5)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(3):
                feed_x = v1.SparseTensorValue(*random_sparse_batch(rng, 4, VOCAB))
                feed_y = rng.randint(0, 2, size=(4, 1)).astype(np.float32)
                sess.run(train_op, {x: feed_x, labels: feed_y})
                saver.save(sess, str(out / "model.ckpt"), global_step=global_step)


def make_custom_sparse_triplet() -> None:
    out = fresh_dir("custom_sparse_triplet")
    rng = np.random.RandomState(SEED + 1)
    indices, values, dense_shape = canonical_triplet(rng, 40, (50, 30))
    with tf.Graph().as_default() as graph:
        v1.set_random_seed(SEED + 1)
        with v1.variable_scope("sparse_weights"):
            sp_i = v1.get_variable("indices", initializer=indices, trainable=False)
            sp_v = v1.get_variable("values", initializer=values)
            sp_s = v1.get_variable("dense_shape", initializer=dense_shape, trainable=False)
        with v1.variable_scope("dense"):
            kernel = v1.get_variable("kernel", shape=[50, 4])
            bias = v1.get_variable("bias", shape=[4], initializer=v1.zeros_initializer())
        global_step = v1.train.get_or_create_global_step()

        # How a user rebuilds the SparseTensor after restore: inputs [B, 30] -> [B, 4].
        inputs = v1.placeholder(tf.float32, shape=[None, 30], name="inputs")
        sp = tf.SparseTensor(sp_i, sp_v, sp_s)
        hidden = tf.transpose(tf.sparse.sparse_dense_matmul(sp, inputs, adjoint_b=True))
        tf.add(tf.matmul(hidden, kernel), bias, name="outputs")

        saver = v1.train.Saver(save_relative_paths=True)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(global_step.assign(100))
            saver.save(sess, str(out / "model.ckpt"), global_step=100)


class SparseLayer(tf.Module):
    """A layer keeping its weights as a COO triplet plus a dense kernel."""

    def __init__(self, rng: np.random.RandomState, name: str | None = None):
        super().__init__(name=name)
        indices, values, dense_shape = canonical_triplet(rng, 24, (20, 10))
        self.indices = tf.Variable(indices, trainable=False, name="indices")
        self.values = tf.Variable(values, name="values")
        self.dense_shape = tf.Variable(dense_shape, trainable=False, name="dense_shape")
        self.kernel = tf.Variable(rng.normal(size=(10, 3)).astype(np.float32), name="kernel")


class Model(tf.Module):
    def __init__(self, layer: tf.Module, name: str | None = None):
        super().__init__(name=name)
        self.layer = layer


def make_tf2_object_checkpoint() -> None:
    out = fresh_dir("tf2_object_checkpoint")
    rng = np.random.RandomState(SEED + 2)
    model = Model(layer=SparseLayer(rng))
    checkpoint = tf.train.Checkpoint(model=model)
    checkpoint.save(str(out / "ckpt"))
    # A visible change between the two steps, so a diff of ckpt-1 and ckpt-2 shows something.
    model.layer.values.assign(model.layer.values * 0.5)
    checkpoint.save(str(out / "ckpt"))


class SparseLinear(tf.Module):
    def __init__(self, rng: np.random.RandomState, name: str | None = None):
        super().__init__(name=name)
        self.w = tf.Variable(rng.normal(scale=0.1, size=(VOCAB, 4)).astype(np.float32), name="w")
        self.b = tf.Variable(np.zeros(4, dtype=np.float32), name="b")

    @tf.function(input_signature=[tf.SparseTensorSpec(shape=[None, VOCAB], dtype=tf.float32)])
    def __call__(self, x):
        return {"predictions": tf.sparse.sparse_dense_matmul(x, self.w) + self.b}


def make_savedmodel_sparse() -> None:
    out = fresh_dir("savedmodel_sparse")
    module = SparseLinear(np.random.RandomState(SEED + 3))
    tf.saved_model.save(module, str(out), signatures={"serving_default": module.__call__})
    # fingerprint.pb carries a random uuid per save; pin it so reruns are byte-identical.
    fingerprint = out / "fingerprint.pb"
    proto = fingerprint_pb2.FingerprintDef.FromString(fingerprint.read_bytes())
    proto.uuid = str(SEED)
    fingerprint.write_bytes(proto.SerializeToString(deterministic=True))


def check_no_absolute_paths() -> None:
    """Fail loudly if TF wrote the build machine's path into any sample file."""
    needle = str(SAMPLES.parent.parent).encode()
    for path in SAMPLES.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            raise SystemExit(f"absolute path found in {path.relative_to(SAMPLES)}")


def main() -> None:
    tf.random.set_seed(SEED)
    make_tf1_sparse_placeholder()
    make_custom_sparse_triplet()
    make_tf2_object_checkpoint()
    make_savedmodel_sparse()
    lines = ["# Sample checkpoints", "", "Made by `scripts/make_samples.py`; do not edit.", ""]
    lines += [f"- `{name}/`: {text}" for name, text in README.items()]
    (SAMPLES / "README.md").write_text("\n".join(lines) + "\n")
    check_no_absolute_paths()
    print(f"wrote {len(README)} samples to {SAMPLES}")


if __name__ == "__main__":
    main()
