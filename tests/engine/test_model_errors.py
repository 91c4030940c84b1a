"""Bad feeds and broken models: one clear sentence each, TensorFlow's full text in `details`."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.errors import FeedError, ModelError
from explorer.core.model_spec import SparseArray
from explorer.engine.model_loader import LoadedModel, load_model

from . import models
from .models import DETACHED_WIDTH, VOCAB
from .oracle import tf


def _sparse(indices: list[list[int]], values: list[object], dense_shape: list[int]) -> SparseArray:
    return SparseArray(np.array(indices, np.int64), np.array(values), np.array(dense_shape))


GOOD = _sparse([[0, 5]], [1.0], [2, VOCAB])


def _one_sentence(error: Exception) -> str:
    message = str(error)
    assert "\n" not in message and message.endswith("."), message
    return message


@pytest.fixture(scope="module")
def sample(samples_dir: Path) -> Iterator[LoadedModel]:
    model = load_model(samples_dir / "tf1_sparse_placeholder")
    yield model
    model.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            _sparse([[0, 1200]], [1.0], [2, VOCAB]),
            "Entry 0 of 'features' has index [0, 1200], outside the dense shape [2, 1000].",
        ),
        (
            _sparse([[0, 1, 0]], [1.0], [2, VOCAB, 1]),
            "'features' has rank 2 [?, 1000], but the sample's dense shape [2, 1000, 1] has 3 "
            "dimensions.",
        ),
        (
            _sparse([[0, 5]], [1.0], [2, 2000]),
            "Dimension 1 of 'features' is 1000 [?, 1000], but the sample's dense shape is "
            "[2, 2000].",
        ),
    ],
)
def test_feed_checked_before_running(sample: LoadedModel, value, expected: str) -> None:
    with pytest.raises(FeedError) as caught:
        sample.run("graph", {"features": value}, ["predictions"])
    assert _one_sentence(caught.value) == expected


def test_wrong_dtype(sample: LoadedModel) -> None:
    strings = _sparse([[0, 5]], ["high"], [2, VOCAB])
    with pytest.raises(FeedError) as caught:
        sample.run("graph", {"features": strings}, ["predictions"])
    message = _one_sentence(caught.value)
    assert "'features'" in message and "float32" in message


def test_dense_value_for_sparse_input(sample: LoadedModel) -> None:
    with pytest.raises(FeedError) as caught:
        sample.run("graph", {"features": np.zeros((2, VOCAB), np.float32)}, ["predictions"])
    assert "'features' is sparse" in _one_sentence(caught.value)


def test_unknown_input(sample: LoadedModel) -> None:
    with pytest.raises(FeedError) as caught:
        sample.run("graph", {"feature": GOOD}, ["predictions"])
    assert _one_sentence(caught.value) == (
        "The graph has no input 'feature'; its inputs are features, labels."
    )


def test_unfed_placeholder_named_by_tensorflow(sample: LoadedModel) -> None:
    with pytest.raises(ModelError) as caught:
        sample.run("graph", {"features": GOOD}, ["loss:0"])
    assert _one_sentence(caught.value) == (
        "TensorFlow could not run the graph: You must feed a value for placeholder tensor "
        "'labels' with dtype float and shape [?,1] (op labels)."
    )
    assert "[[{{node labels}}]]" in caught.value.details
    copy = pickle.loads(pickle.dumps(caught.value))  # as it crosses the engine pipe
    assert (str(copy), copy.details) == (str(caught.value), caught.value.details)


def test_unknown_tensor_and_entry(sample: LoadedModel) -> None:
    with pytest.raises(ModelError) as caught:
        sample.run("graph", {"features": GOOD}, ["logit"])
    assert _one_sentence(caught.value) == "The graph has no tensor 'logit:0'."
    with pytest.raises(ModelError) as caught:
        sample.run("signature:serving_default", {})
    assert _one_sentence(caught.value) == (
        "The model has no entry point 'signature:serving_default'; it has graph."
    )


def test_out_of_bounds_found_by_tensorflow_in_a_session(model_paths) -> None:
    """No shape in the graph: only TensorFlow knows the weights have 1000 rows."""
    model = load_model(model_paths["tf1_unknown_shape"])
    try:
        [spec] = model.info.entries[0].inputs
        assert (spec.name, spec.sparse, spec.shape) == ("x", True, None)
        with pytest.raises(ModelError) as caught:
            model.run("graph", {"x": _sparse([[0, 1500]], [1.0], [2, 2000])}, ["y"])
    finally:
        model.close()
    assert _one_sentence(caught.value) == (
        "TensorFlow could not run the graph: Cannot multiply A and B because inner dimension "
        "does not match: 2000 vs. 1000 (op SparseTensorDenseMatMul/SparseTensorDenseMatMul)."
    )
    assert "Did you forget a transpose?" in caught.value.details


def test_too_wide_for_a_signature_refused_before_running(samples_dir: Path) -> None:
    """The flattened signature keeps only the rank; the function it calls gives the width."""
    model = load_model(samples_dir / "savedmodel_sparse")
    try:
        with pytest.raises(FeedError) as caught:
            model.run("signature:serving_default", {"x": _sparse([[0, 1]], [1.0], [1, 2000])})
    finally:
        model.close()
    assert _one_sentence(caught.value) == (
        "Dimension 1 of 'x' is 1000 [?, 1000], but the sample's dense shape is [1, 2000]."
    )


def test_too_wide_found_by_tensorflow_in_a_function(tmp_path_factory) -> None:
    """A signature whose function the module does not hold keeps only the rank, so the width
    is TensorFlow's to check."""
    model = load_model(models.build_once(models.tf2_nested, tmp_path_factory))
    try:
        with pytest.raises(ModelError) as caught:
            feed = {"x": _sparse([[0, DETACHED_WIDTH + 1]], [np.float32(1)], [1, 9])}
            model.run("signature:detached", feed)
    finally:
        model.close()
    assert _one_sentence(caught.value) == (
        "TensorFlow could not run signature 'detached': Cannot multiply A and B because "
        f"inner dimension does not match: 9 vs. {DETACHED_WIDTH} "
        "(op SparseTensorDenseMatMul/SparseTensorDenseMatMul)."
    )
    assert "Graph execution error" in caught.value.details


def test_no_model_beside_the_checkpoint(tmp_path: Path) -> None:
    prefix = tmp_path / "plain"
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=["w"], shape_and_slices=[""], tensors=[tf.ones([2])]
    )
    with pytest.raises(ModelError) as caught:
        load_model(tmp_path)
    assert str(caught.value) == (
        f"No model found for {prefix}: neither {prefix}.meta nor a SavedModel."
    )


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        load_model(tmp_path / "nowhere")
    assert _one_sentence(caught.value) == f"{tmp_path / 'nowhere'} does not exist."


def _copy_checkpoint(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in source.glob("model.ckpt-1.*"):
        shutil.copy(path, target / path.name)
    return target / "model.ckpt-1"


def test_damaged_meta(model_paths, tmp_path: Path) -> None:
    prefix = _copy_checkpoint(model_paths["tf1_unknown_shape"], tmp_path / "damaged")
    meta = Path(f"{prefix}.meta")
    meta.write_bytes(meta.read_bytes()[:200])
    with pytest.raises(ModelError) as caught:
        load_model(prefix)
    assert _one_sentence(caught.value) == (
        f"{meta} is not a MetaGraphDef: the file is damaged or not a graph TensorFlow saved."
    )
    assert caught.value.details


def test_variables_missing_from_the_checkpoint(model_paths, tmp_path: Path) -> None:
    prefix = _copy_checkpoint(model_paths["tf1_unknown_shape"], tmp_path / "other")
    for path in prefix.parent.glob("model.ckpt-1.[id]*"):  # keep only the .meta
        path.unlink()
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=["v"], shape_and_slices=[""], tensors=[tf.ones([2])]
    )
    with pytest.raises(ModelError) as caught:
        load_model(prefix)
    assert _one_sentence(caught.value) == (
        f"TensorFlow could not restore model.ckpt-1.meta from {prefix}: Key w not found in "
        "checkpoint (op save/RestoreV2)."
    )
    assert "Original error" in caught.value.details


def test_damaged_saved_model(samples_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "savedmodel"
    shutil.copytree(samples_dir / "savedmodel_sparse", copy)
    data = copy / "variables" / "variables.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(ModelError) as caught:
        load_model(copy)
    assert _one_sentence(caught.value).startswith(
        f"TensorFlow could not load the SavedModel {copy}: "
    )
    (copy / "saved_model.pb").write_bytes(b"not a protobuf")
    with pytest.raises(ModelError) as caught:
        load_model(copy)
    assert _one_sentence(caught.value).startswith(
        f"TensorFlow could not read the SavedModel {copy}: "
    )


def test_an_unsorted_feed_gets_tensorflows_own_reason(tmp_path: Path) -> None:
    """The feed reaches TensorFlow as given, and its complaint comes back as the sentence."""
    v1 = tf.compat.v1
    with tf.Graph().as_default() as graph:
        words = v1.sparse.placeholder(tf.float32, [None, 5], name="words")
        tf.sparse.to_dense(words, validate_indices=True, name="dense")
        v1.Variable(1.0, name="unused")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            v1.train.Saver().save(session, str(tmp_path / "model.ckpt"))
    model = load_model(tmp_path)
    try:
        with pytest.raises(ModelError) as caught:
            model.run("graph", {"words": _sparse([[1, 4], [0, 0]], [1.0, 2.0], [2, 5])}, ["dense"])
    finally:
        model.close()
    sentence = _one_sentence(caught.value)
    assert sentence.startswith(
        "TensorFlow could not run the graph: indices[1] = [0,0] is out of"
    ), sentence
    assert "(op dense" in sentence
