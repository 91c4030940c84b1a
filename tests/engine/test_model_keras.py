"""Keras models with a sparse Input, exported as SavedModels.

Keras 3 (3.15 here, TensorFlow backend) writes `keras.Input(shape=(1000,), sparse=True)` as a
dense TensorSpec(shape=(None, 1000)) in every SavedModel it exports: model.export and
keras.export.ExportArchive turn each input into a tf.TensorSpec (export_utils.
make_tf_tensor_spec), and tf.saved_model.save(model) traces the dense spec too; a
tf.SparseTensorSpec in `input_signature` is refused outright. A sparse SavedModel input needs
a tf.function of one's own around the model, as keras_sparse_module does.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.model_spec import InputSpec, SparseArray
from explorer.engine.model_loader import load_model

from .models import VOCAB
from .oracle import assert_same, sparse_tensor, tf

keras = pytest.importorskip("keras")

SAMPLE = SparseArray(
    np.array([[0, 0], [0, 999], [1, 10]], np.int64),
    np.array([1.0, 2.5, -0.5], np.float32),
    np.array([2, VOCAB], np.int64),
)


def test_model_export(model_paths) -> None:
    path = model_paths["keras_export"]
    model = load_model(path)
    try:
        entry = model.info.entry("signature:serving_default")
        [spec] = entry.inputs
        loaded = tf.saved_model.load(str(path))  # kept: its functions need its variables
        signature = loaded.signatures["serving_default"]
        if spec.sparse:  # a Keras that keeps the sparse input: fed as one
            assert spec.members == ("features", "features_1", "features_2")
            ours = model.run(entry.key, {"features": SAMPLE})
            parts = (SAMPLE.indices, SAMPLE.values, SAMPLE.dense_shape)
            expected = signature(**dict(zip(spec.members, map(tf.constant, parts), strict=True)))
        else:  # what Keras 3.15 writes (see above): the densified sample is what it takes
            assert spec == InputSpec("features", False, "float32", (None, VOCAB), ("features",))
            dense = tf.sparse.to_dense(sparse_tensor(SAMPLE)).numpy()
            ours = model.run(entry.key, {"features": dense})
            expected = signature(features=tf.constant(dense))
        assert list(ours) == ["output_0"]
        assert_same(ours["output_0"], expected["output_0"])
    finally:
        model.close()


def test_keras_model_behind_a_sparse_signature(model_paths) -> None:
    path = model_paths["keras_sparse_module"]
    model = load_model(path)
    try:
        signature = model.info.entry("signature:serving_default")
        function = model.info.entry("function:serve")
        assert [(s.name, s.sparse, s.members) for s in signature.inputs] == [
            ("features", True, ("features", "features_1", "features_2"))
        ]
        assert function.inputs == (
            InputSpec("features", True, "float32", (None, VOCAB), ("features",)),
        )
        loaded = tf.saved_model.load(str(path))
        theirs = loaded.serve(sparse_tensor(SAMPLE))["scores"]
        for entry in (signature, function):
            assert_same(model.run(entry.key, {"features": SAMPLE})["scores"], theirs)
    finally:
        model.close()
