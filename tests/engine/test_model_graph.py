"""TF1 `.meta` graphs restored from a Saver checkpoint and run on sparse input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.model_spec import InputSpec, OutputSpec, SparseArray
from explorer.engine.graph_outputs import graph_sinks
from explorer.engine.model_loader import LoadedModel, load_model

from .models import CLASSES, STATIC_BATCH, VOCAB
from .oracle import assert_same, meta_graph_run, tf, v1

FEATURES = SparseArray(
    np.array([[0, 5], [1, 999], [0, 2], [2, 0]], np.int64),
    np.array([1.5, -2.0, 0.25, 3.0], np.float32),
    np.array([3, VOCAB], np.int64),
)
LABELS = np.eye(CLASSES, dtype=np.float32)


@pytest.fixture
def sample(samples_dir: Path) -> Iterator[LoadedModel]:
    model = load_model(samples_dir / "tf1_sparse_placeholder")
    yield model
    model.close()


def test_sample_inputs_outputs_and_tensors(sample: LoadedModel, samples_dir: Path) -> None:
    info = sample.info
    directory = samples_dir / "tf1_sparse_placeholder"
    assert info.kind == "tf1_graph"
    assert (info.source, info.prefix) == (
        str(directory / "model.ckpt-3.meta"),
        str(directory / "model.ckpt-3"),
    )
    [entry] = info.entries
    assert (entry.key, entry.name) == ("graph", "model.ckpt-3.meta")
    assert entry.inputs == (
        InputSpec(
            name="features",
            sparse=True,
            dtype="float32",
            shape=(None, 1000),
            members=("features/indices:0", "features/values:0", "features/shape:0"),
        ),
        InputSpec("labels", False, "float32", (None, 1), ("labels:0",)),
    )
    assert entry.outputs == (
        OutputSpec("predictions:0", "float32", (None, 1)),
        OutputSpec("loss:0", "float32", ()),
    )
    names = {tensor.name for tensor in info.tensors}
    assert {"logits:0", "predictions:0", "features/values:0"} <= names
    assert not any(name.startswith(("save/", "gradients/")) for name in names)


def test_sample_matches_session_run(sample: LoadedModel, samples_dir: Path) -> None:
    prefix = samples_dir / "tf1_sparse_placeholder" / "model.ckpt-3"
    features = SparseArray(FEATURES.indices[:2], FEATURES.values[:2], np.array([2, 1000]))
    ours = sample.run("graph", {"features": features}, ["predictions", "logits:0"])
    theirs = meta_graph_run(
        Path(f"{prefix}.meta"), prefix, {"features": features}, {}, ["predictions:0", "logits:0"]
    )
    assert list(ours) == ["predictions", "logits:0"]  # keyed as asked
    assert_same(ours["predictions"], theirs[0])
    assert_same(ours["logits:0"], theirs[1])


@pytest.mark.parametrize("step", [1, 2])
def test_dynamic_shape_restored_from_chosen_step(model_paths, step: int) -> None:
    directory = model_paths["tf1_dynamic"]
    prefix = directory / f"model.ckpt-{step}"
    model = load_model(directory, prefix=str(prefix))
    try:
        assert model.info.prefix == str(prefix)
        [entry] = model.info.entries
        assert [(s.name, s.sparse, s.optional) for s in entry.inputs] == [
            ("features", True, False),
            ("labels", False, False),
            ("temperature", False, True),  # a PlaceholderWithDefault
        ]
        assert entry.inputs[0].shape == (None, VOCAB) and not entry.inputs[0].shape_fixed
        assert [o.name for o in entry.outputs] == ["probabilities:0", "loss:0"]
        feeds = {"features": FEATURES, "labels": LABELS, "temperature": np.float32(2.0)}
        ours = model.run("graph", feeds)
        assert list(ours) == ["probabilities:0", "loss:0"]  # the sinks when none are named
        theirs = meta_graph_run(
            Path(f"{prefix}.meta"),
            prefix,
            {"features": FEATURES},
            {"labels:0": LABELS, "temperature:0": np.float32(2.0)},
            ["probabilities:0", "loss:0"],
        )
        assert_same(ours["probabilities:0"], theirs[0])
        assert_same(ours["loss:0"], theirs[1])
    finally:
        model.close()


def test_steps_differ(model_paths) -> None:
    """The chosen step is really the one restored: one training step apart, outputs differ."""
    directory = model_paths["tf1_dynamic"]
    logits = []
    for step in (1, 2):
        model = load_model(directory, prefix=str(directory / f"model.ckpt-{step}"))
        logits.append(model.run("graph", {"features": FEATURES}, ["logits"])["logits"])
        model.close()
    assert not np.array_equal(*logits)


def test_optional_input_may_be_left_out(model_paths) -> None:
    model = load_model(model_paths["tf1_dynamic"])  # the newest step, as the state file says
    try:
        assert model.info.prefix.endswith("model.ckpt-2")
        ours = model.run("graph", {"features": FEATURES}, ["probabilities"])["probabilities"]
        halved = model.run(
            "graph", {"features": FEATURES, "temperature": np.float32(1.0)}, ["probabilities"]
        )["probabilities"]
        np.testing.assert_array_equal(ours, halved)  # the default temperature is 1.0
    finally:
        model.close()


def test_unordered_feed_reaches_tensorflow_as_given(model_paths) -> None:
    directory = model_paths["tf1_dynamic"]
    model = load_model(directory)
    try:
        shuffled = SparseArray(FEATURES.indices[::-1], FEATURES.values[::-1], FEATURES.dense_shape)
        ours = model.run("graph", {"features": shuffled}, ["logits:0"])["logits:0"]
        prefix = directory / "model.ckpt-2"
        [theirs] = meta_graph_run(
            Path(f"{prefix}.meta"), prefix, {"features": shuffled}, {}, ["logits:0"]
        )
        assert_same(ours, theirs)
    finally:
        model.close()


def test_static_shapes(model_paths) -> None:
    directory = model_paths["tf1_static"]
    model = load_model(directory)
    try:
        [entry] = model.info.entries
        ids, extra = entry.inputs
        # ids/shape is a Const: shown fixed, not fed. extra/shape: a PlaceholderWithDefault.
        assert (ids.name, ids.shape, ids.shape_fixed) == ("ids", (STATIC_BATCH, VOCAB), True)
        assert (extra.name, extra.shape, extra.shape_fixed) == (
            "extra",
            (STATIC_BATCH, VOCAB),
            False,
        )
        assert [o.name for o in entry.outputs] == ["scores:0"]
        dense_shape = np.array([STATIC_BATCH, VOCAB], np.int64)
        ids_value = SparseArray(FEATURES.indices, FEATURES.values, dense_shape)
        extra_value = SparseArray(np.array([[3, 7]]), np.array([0.5], np.float32), dense_shape)
        ours = model.run("graph", {"ids": ids_value, "extra": extra_value})
        prefix = directory / "model.ckpt-7"
        [theirs] = meta_graph_run(
            Path(f"{prefix}.meta"),
            prefix,
            {"ids": ids_value, "extra": extra_value},
            {},
            ["scores:0"],
        )
        assert_same(ours["scores:0"], theirs)
    finally:
        model.close()


def test_open_by_meta_file(model_paths) -> None:
    meta = model_paths["tf1_dynamic"] / "model.ckpt-1.meta"
    model = load_model(meta)
    try:
        assert (model.info.source, model.info.prefix) == (str(meta), str(meta.with_suffix("")))
    finally:
        model.close()


def test_sinks_leave_out_scaffolding_by_scope_not_by_prefix() -> None:
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [2], name="x")
        tf.identity(x * 2.0, name="init_scale")  # a user's scope that starts like "init"
        tf.identity(x, name="save_copy")
        with tf.name_scope("gradients_1"):
            tf.identity(x, name="dx")  # a second gradients scope: scaffolding
        tf.strings.as_string(x, name="text")  # not numeric: never suggested
    assert [spec.name for spec in graph_sinks(graph)] == ["init_scale:0", "save_copy:0"]
