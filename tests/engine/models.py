"""Small models with sparse inputs, written by TensorFlow itself, for the engine's tests.

Each builder takes an empty directory and returns the path to open (a checkpoint directory or a
SavedModel directory). Weights are seeded, and every model is tiny, so building all of them
takes a few seconds. Other tests may reuse them: `from engine.models import tf1_dynamic`.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from explorer.engine.tensorflow_import import import_tensorflow

tf = import_tensorflow()
v1 = tf.compat.v1

VOCAB = 1000
CLASSES = 3
STATIC_BATCH = 4
TF1_SAVED_VOCAB = 50


def _weights(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=0.5, size=shape).astype(np.float32)


def tf1_dynamic(directory: Path) -> Path:
    """Saver steps model.ckpt-1 and -2 (different weights) with .meta: sparse.placeholder
    'features' [None, 1000] (its shape a PlaceholderWithDefault), a required 'labels', an
    optional 'temperature'; outputs logits, probabilities (a sink) and loss (a sink)."""
    graph = tf.Graph()
    with graph.as_default():
        features = v1.sparse.placeholder(tf.float32, [None, VOCAB], name="features")
        labels = v1.placeholder(tf.float32, [None, CLASSES], name="labels")
        temperature = v1.placeholder_with_default(1.0, [], name="temperature")
        weights = v1.get_variable("w", initializer=_weights(1, VOCAB, CLASSES))
        bias = v1.get_variable("b", initializer=_weights(2, CLASSES))
        logits = tf.identity(tf.sparse.sparse_dense_matmul(features, weights) + bias, "logits")
        tf.nn.softmax(logits / temperature, name="probabilities")
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="loss"
        )
        step = v1.train.get_or_create_global_step()
        train = v1.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=step)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            sample = v1.SparseTensorValue([[0, 5], [1, 999]], [1.0, 2.0], [2, VOCAB])
            for _ in range(2):  # step 2 differs from step 1 by one training step
                session.run(train, {features: sample, labels: np.eye(CLASSES)[:2]})
                saver.save(session, str(directory / "model.ckpt"), global_step=step)
    return directory


def tf1_static(directory: Path) -> Path:
    """Saver checkpoint model.ckpt-7 of a graph with two sparse inputs of static shape [4, 1000]:
    'ids', laid out as older TensorFlow wrote it (ids/shape a Const: fixed, not fed), and 'extra'
    from sparse.placeholder (TF 2 makes its shape a PlaceholderWithDefault of the static shape).
    Output: scores [4, 3]."""
    graph = tf.Graph()
    with graph.as_default():
        indices = v1.placeholder(tf.int64, [None, 2], name="ids/indices")
        values = v1.placeholder(tf.float32, [None], name="ids/values")
        shape = tf.constant([STATIC_BATCH, VOCAB], tf.int64, name="ids/shape")
        ids = tf.sparse.SparseTensor(indices, values, shape)
        extra = v1.sparse.placeholder(tf.float32, [STATIC_BATCH, VOCAB], name="extra")
        weights = v1.get_variable("w", initializer=_weights(3, VOCAB, CLASSES))
        scores = tf.sparse.sparse_dense_matmul(ids, weights)
        tf.add(scores, tf.sparse.sparse_dense_matmul(extra, weights * 2.0), name="scores")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            v1.train.Saver().save(session, str(directory / "model.ckpt"), global_step=7)
    return directory


class SparseScorer(tf.Module):
    """A TF2 module whose functions take tf.SparseTensorSpec arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.w = tf.Variable(_weights(4, VOCAB, CLASSES), name="w")
        self.b = tf.Variable(_weights(5, CLASSES), name="b")

    @tf.function(input_signature=[tf.SparseTensorSpec([None, VOCAB], tf.float32)])
    def __call__(self, x: tf.SparseTensor) -> dict[str, tf.Tensor]:
        return {
            "scores": tf.sparse.sparse_dense_matmul(x, self.w) + self.b,
            "total": tf.sparse.reduce_sum(x, axis=1),
        }

    @tf.function(
        input_signature=[tf.SparseTensorSpec([None, VOCAB], tf.float32), tf.TensorSpec([CLASSES])]
    )
    def with_bias(self, x: tf.SparseTensor, bias: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"scores": tf.sparse.sparse_dense_matmul(x, self.w) + bias}

    @tf.function(
        input_signature=[tf.SparseTensorSpec([None, VOCAB], tf.float32), tf.TensorSpec([])]
    )
    def scale(self, x: tf.SparseTensor, factor: tf.Tensor) -> tf.SparseTensor:
        return tf.sparse.map_values(tf.multiply, x, factor)

    @tf.function  # traced twice below: one concrete function per argument type
    def embed(self, x: tf.SparseTensor | tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        if isinstance(x, tf.SparseTensor):
            product = tf.sparse.sparse_dense_matmul(x, self.w)
        else:
            product = tf.matmul(x, self.w)
        return product, tf.reduce_sum(product)


def tf2_module(directory: Path) -> Path:
    """SavedModel of SparseScorer: signatures serving_default (x -> scores, total) and
    with_bias (x, bias -> scores); functions __call__, with_bias, scale (returns a
    SparseTensor) and embed (two concrete functions: sparse and dense x)."""
    module = SparseScorer()
    module.embed.get_concrete_function(tf.SparseTensorSpec([None, VOCAB], tf.float32))
    module.embed.get_concrete_function(tf.TensorSpec([None, VOCAB], tf.float32))
    signatures = {"serving_default": module.__call__, "with_bias": module.with_bias}
    tf.saved_model.save(module, str(directory), signatures=signatures)
    return directory


def tf1_saved_model(directory: Path) -> Path:
    """TF1 SavedModel (Builder, tag serve, no object graph). Signature 'predict': coo_sparse
    input 'ids' [None, 50] and dense 'scale' [] -> dense 'out' [None, 2] and coo_sparse
    'doubled'; signature 'serving_default': 'ids' -> 'out'."""
    export = directory / "export"
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        ids = v1.sparse.placeholder(tf.float32, [None, TF1_SAVED_VOCAB], name="ids")
        scale = v1.placeholder(tf.float32, [], name="scale")
        weights = v1.get_variable("w", initializer=_weights(6, TF1_SAVED_VOCAB, 2))
        out = tf.sparse.sparse_dense_matmul(ids, weights) * scale
        doubled = tf.sparse.map_values(tf.multiply, ids, 2.0)
        session.run(v1.global_variables_initializer())
        info = v1.saved_model.utils.build_tensor_info
        signature = v1.saved_model.signature_def_utils.build_signature_def
        predict = signature(
            inputs={"ids": info(ids), "scale": info(scale)},
            outputs={"out": info(out), "doubled": info(doubled)},
            method_name="tensorflow/serving/predict",
        )
        serving = signature(
            inputs={"ids": info(ids)},
            outputs={"out": info(tf.sparse.sparse_dense_matmul(ids, weights))},
            method_name="tensorflow/serving/predict",
        )
        builder = v1.saved_model.Builder(str(export))
        builder.add_meta_graph_and_variables(
            session, ["serve"], {"predict": predict, "serving_default": serving}
        )
        builder.save()
    return export


def _keras_model():  # keras imported here: only the Keras builders need it
    import keras

    keras.utils.set_random_seed(7)
    inputs = keras.Input(shape=(VOCAB,), sparse=True, name="features")
    return keras.Model(inputs, keras.layers.Dense(CLASSES, name="dense")(inputs))


def keras_export(directory: Path) -> Path:
    """A Keras model with keras.Input(sparse=True), written by model.export (tf_saved_model)."""
    _keras_model().export(str(directory), format="tf_saved_model", verbose=False)
    return directory


class KerasServing(tf.Module):
    """Serves a Keras model through a tf.function whose argument is a tf.SparseTensorSpec."""

    def __init__(self, model: object) -> None:
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.SparseTensorSpec([None, VOCAB], tf.float32)])
    def serve(self, features: tf.SparseTensor) -> dict[str, tf.Tensor]:
        return {"scores": self.model(features)}


def keras_sparse_module(directory: Path) -> Path:
    """The same Keras model saved by tf.saved_model.save behind a SparseTensorSpec signature."""
    serving = KerasServing(_keras_model())
    tf.saved_model.save(serving, str(directory), signatures={"serving_default": serving.serve})
    return directory


def tf1_unknown_shape(directory: Path) -> Path:
    """Saver checkpoint model.ckpt-1 of sparse.placeholder 'x' with no shape at all (rank and
    size unknown, so only TensorFlow can tell an index is out of bounds) times w [1000, 2]."""
    graph = tf.Graph()
    with graph.as_default():
        x = v1.sparse.placeholder(tf.float32, name="x")
        weights = v1.get_variable("w", initializer=_weights(7, VOCAB, 2))
        tf.identity(tf.sparse.sparse_dense_matmul(x, weights), name="y")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            v1.train.Saver().save(session, str(directory / "model.ckpt"), global_step=1)
    return directory


Pair = collections.namedtuple("Pair", ["low", "high"])
DETACHED_WIDTH = 7


class NestedCalls(tf.Module):
    """Functions with nested arguments and results, Python constants and strings."""

    def __init__(self) -> None:
        super().__init__()
        self.w = tf.Variable(_weights(8, 2), name="w")
        self.table = tf.Variable(_weights(9, 10, 2), name="table")

    @tf.function(input_signature=[tf.TensorSpec([2])])
    def pair(self, x: tf.Tensor) -> tuple:
        return x, (x * self.w, x * 3.0)

    @tf.function(input_signature=[tf.TensorSpec([2])])
    def tree(self, x: tf.Tensor) -> dict:
        return {"a": {"b": x + self.w}, "c": x}

    @tf.function  # traced with training=False and True below
    def mode(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        return x * (self.w if training else 1.0)

    @tf.function  # traced with a tuple (power 3) and a list (power 2) below
    def power(self, xs, power: int) -> tf.Tensor:
        return xs[0] ** power + xs[1]

    @tf.function(input_signature=[Pair(tf.TensorSpec([2]), tf.TensorSpec([2]))])
    def swap(self, pair: Pair) -> Pair:
        return Pair(pair.high * self.w, pair.low)

    @tf.function(
        input_signature=[
            {"ids": tf.SparseTensorSpec([None, 10], tf.int64), "scale": tf.TensorSpec([])}
        ]
    )
    def lookup(self, features: dict) -> tf.Tensor:
        found = tf.nn.embedding_lookup_sparse(self.table, features["ids"], None, combiner="sum")
        return found * features["scale"]

    @tf.function(
        input_signature=[
            tf.SparseTensorSpec([None, 4], tf.string),
            tf.TensorSpec([None], tf.string),
            tf.TensorSpec([None], tf.bfloat16),
        ]
    )
    def typed(self, tokens: tf.SparseTensor, words: tf.Tensor, small: tf.Tensor) -> dict:
        def fingerprint(strings: tf.Tensor) -> tf.Tensor:  # of the exact bytes fed
            return tf.strings.to_hash_bucket_fast(strings, 2**31 - 1)

        return {
            "tokens": fingerprint(tf.sparse.to_dense(tokens, default_value="-")),
            "words": fingerprint(words),
            "small": tf.cast(small * 3, tf.float32),
        }


def tf2_nested(directory: Path) -> Path:
    """SavedModel of NestedCalls: functions pair (results x, (x*w, 3x)), tree ({a: {b}, c}),
    mode (training=False / True), power (a tuple with power=3 / a list with power=2), swap
    (a Pair in and out), lookup (a dict of sparse ids and a scale), typed (strings, bfloat16).
    Signatures 'lookup' (the function's) and 'detached', whose function is no attribute of the
    module: its sparse input x [None, 7] cannot be traced back to a restored function."""
    module = NestedCalls()
    spec = tf.TensorSpec([None], tf.float32)
    module.mode.get_concrete_function(spec, training=False)
    module.mode.get_concrete_function(spec, training=True)
    module.power.get_concrete_function((spec, spec), power=3)
    module.power.get_concrete_function([spec, spec], power=2)
    weights = tf.constant(_weights(10, DETACHED_WIDTH, 2))
    detached = tf.function(
        lambda x: {"y": tf.sparse.sparse_dense_matmul(x, weights)},
        input_signature=[tf.SparseTensorSpec([None, DETACHED_WIDTH], tf.float32)],
    )
    signatures = {"lookup": module.lookup, "detached": detached.get_concrete_function()}
    tf.saved_model.save(module, str(directory), signatures=signatures)
    return directory


def tf1_train_tag(directory: Path) -> Path:
    """TF1 SavedModel whose only MetaGraphDef is tagged "train": signature 'serving_default'
    takes coo_sparse 'ids' [None, 50] -> 'out' [None, 2]."""
    export = directory / "export"
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        ids = v1.sparse.placeholder(tf.float32, [None, TF1_SAVED_VOCAB], name="ids")
        weights = v1.get_variable("w", initializer=_weights(11, TF1_SAVED_VOCAB, 2))
        out = tf.sparse.sparse_dense_matmul(ids, weights)
        session.run(v1.global_variables_initializer())
        info = v1.saved_model.utils.build_tensor_info
        signature = v1.saved_model.signature_def_utils.build_signature_def(
            inputs={"ids": info(ids)},
            outputs={"out": info(out)},
            method_name="tensorflow/serving/predict",
        )
        builder = v1.saved_model.Builder(str(export))
        builder.add_meta_graph_and_variables(session, ["train"], {"serving_default": signature})
        builder.save()
    return export


_BUILT: dict[str, Path] = {}


def build_once(builder: Callable[[Path], Path], factory: pytest.TempPathFactory) -> Path:
    """The model `builder` makes, built the first time a test of the session asks for it."""
    name = builder.__name__
    if name not in _BUILT:
        _BUILT[name] = builder(factory.mktemp(name))
    return _BUILT[name]
