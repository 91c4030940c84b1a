"""TF2 SavedModels: signatures with flattened sparse inputs and restored functions taking
tf.SparseTensorSpec arguments, compared with calling them through tf.saved_model.load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.errors import FeedError, ModelError
from explorer.core.model_spec import InputSpec, OutputSpec, SparseArray
from explorer.engine.model_loader import LoadedModel, load_model

from . import models
from .models import CLASSES, VOCAB
from .oracle import assert_same, sparse_tensor, tf

X = SparseArray(
    np.array([[0, 1], [0, 999], [2, 500]], np.int64),
    np.array([0.5, -1.25, 2.0], np.float32),
    np.array([3, VOCAB], np.int64),
)
BIAS = np.array([1.0, -2.0, 0.5], np.float32)


def _signature_arguments(value: SparseArray, base: str = "x") -> dict[str, object]:
    names = (base, f"{base}_1", f"{base}_2")
    parts = (value.indices, value.values, value.dense_shape)
    return {name: tf.constant(part) for name, part in zip(names, parts, strict=True)}


@pytest.fixture(scope="module")
def module_path(model_paths) -> Path:
    return model_paths["tf2_module"]


@pytest.fixture(scope="module")
def scorer(module_path: Path) -> Iterator[LoadedModel]:
    model = load_model(module_path)
    yield model
    model.close()


@pytest.fixture(scope="module")
def theirs(module_path: Path) -> object:
    return tf.saved_model.load(str(module_path))


def test_sample_entries(samples_dir: Path) -> None:
    directory = samples_dir / "savedmodel_sparse"
    model = load_model(directory)
    try:
        info = model.info
        assert (info.kind, info.source) == ("tf2_saved_model", str(directory))
        assert info.prefix == str(directory / "variables" / "variables")
        signature, function = info.entries
        assert (signature.key, function.key) == ("signature:serving_default", "function:__call__")
        # The flattening keeps only the rank; the width comes from the function it calls.
        assert signature.inputs == (
            InputSpec("x", True, "float32", (None, VOCAB), ("x", "x_1", "x_2")),
        )
        assert function.inputs == (InputSpec("x", True, "float32", (None, VOCAB), ("x",)),)
        assert (
            signature.outputs
            == function.outputs
            == (OutputSpec("predictions", "float32", (None, 4)),)
        )
        loaded = tf.saved_model.load(str(directory))
        by_signature = model.run("signature:serving_default", {"x": X})
        assert_same(
            by_signature["predictions"],
            loaded.signatures["serving_default"](**_signature_arguments(X))["predictions"],
        )
        by_function = model.run("function:__call__", {"x": X})
        assert_same(by_function["predictions"], loaded(sparse_tensor(X))["predictions"])
    finally:
        model.close()


def test_module_entries(scorer: LoadedModel) -> None:
    keys = [entry.key for entry in scorer.info.entries]
    assert keys == [
        "signature:serving_default",
        "signature:with_bias",
        "function:__call__",
        "function:embed(x: sparse float32 [?, 1000])",
        "function:embed(x: float32 [?, 1000])",
        "function:scale",
        "function:with_bias",
    ]
    with_bias = scorer.info.entry("signature:with_bias")
    assert [(s.name, s.sparse, s.members) for s in with_bias.inputs] == [
        ("bias", False, ("bias",)),
        ("x", True, ("x", "x_1", "x_2")),
    ]
    scale = scorer.info.entry("function:scale")
    assert [(s.name, s.sparse) for s in scale.inputs] == [("x", True), ("factor", False)]
    assert scale.outputs == (OutputSpec("output_0", "float32", (None, None), sparse=True),)


def test_signatures_match(scorer: LoadedModel, theirs) -> None:
    ours = scorer.run("signature:serving_default", {"x": X})
    expected = theirs.signatures["serving_default"](**_signature_arguments(X))
    assert sorted(ours) == ["scores", "total"]
    for name in ours:
        assert_same(ours[name], expected[name])
    ours = scorer.run("signature:with_bias", {"x": X, "bias": BIAS})
    expected = theirs.signatures["with_bias"](bias=tf.constant(BIAS), **_signature_arguments(X))
    assert_same(ours["scores"], expected["scores"])


def test_functions_match(scorer: LoadedModel, theirs) -> None:
    ours = scorer.run("function:__call__", {"x": X})
    expected = theirs(sparse_tensor(X))
    assert_same(ours["scores"], expected["scores"])
    assert_same(ours["total"], expected["total"])
    ours = scorer.run("function:with_bias", {"x": X, "bias": BIAS})
    assert_same(ours["scores"], theirs.with_bias(sparse_tensor(X), tf.constant(BIAS))["scores"])


def test_sparse_result(scorer: LoadedModel, theirs) -> None:
    ours = scorer.run("function:scale", {"x": X, "factor": np.float32(3.0)})
    expected = theirs.scale(sparse_tensor(X), tf.constant(3.0))
    assert isinstance(ours["output_0"], SparseArray)
    assert_same(ours["output_0"], expected)


def test_each_concrete_function(scorer: LoadedModel, theirs) -> None:
    sparse = scorer.run("function:embed(x: sparse float32 [?, 1000])", {"x": X})
    expected = theirs.embed(sparse_tensor(X))
    assert_same(sparse["output_0"], expected[0])
    assert_same(sparse["output_1"], expected[1])
    dense_x = tf.sparse.to_dense(sparse_tensor(X)).numpy()
    dense = scorer.run("function:embed(x: float32 [?, 1000])", {"x": dense_x})
    expected = theirs.embed(tf.constant(dense_x))
    assert_same(dense["output_0"], expected[0])
    assert_same(dense["output_1"], expected[1])


def test_output_subset(scorer: LoadedModel) -> None:
    assert list(scorer.run("signature:serving_default", {"x": X}, ["total"])) == ["total"]
    with pytest.raises(ModelError) as caught:
        scorer.run("function:__call__", {"x": X}, ["logits"])
    assert str(caught.value) == (
        "Function '__call__' has no output 'logits'; its outputs are scores, total."
    )


def test_every_input_needs_a_value(scorer: LoadedModel) -> None:
    with pytest.raises(FeedError) as caught:
        scorer.run("function:with_bias", {"x": X})
    assert str(caught.value) == "Input 'bias' of function 'with_bias' needs a value."


def test_results_keep_the_batch(scorer: LoadedModel) -> None:
    ours = scorer.run("function:__call__", {"x": X})
    assert ours["scores"].shape == (3, CLASSES)


@pytest.fixture(scope="module")
def nested_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return models.build_once(models.tf2_nested, tmp_path_factory)


@pytest.fixture(scope="module")
def nested(nested_path: Path) -> Iterator[LoadedModel]:
    model = load_model(nested_path)
    yield model
    model.close()


def test_signature_width_only_from_an_exact_call(nested: LoadedModel) -> None:
    """A flattened sparse input takes its shape from the restored function the signature
    calls with its three tensors; a function the module does not hold tells nothing."""
    assert nested.info.tags == ("serve",)
    lookup = nested.info.entry("signature:lookup")
    assert [(s.name, s.shape) for s in lookup.inputs] == [("features", (None, 10)),
                                                          ("features_3", ())]  # fmt: skip
    (x,) = nested.info.entry("signature:detached").inputs
    assert (x.name, x.sparse, x.shape) == ("x", True, (None, None))


def test_constants_name_and_pick_the_concrete_function(nested: LoadedModel, nested_path) -> None:
    theirs = tf.saved_model.load(str(nested_path))
    x = np.array([1.5, -2.0], np.float32)
    for training in (False, True):
        entry = nested.info.entry(f"function:mode(x: float32 [?], training={training})")
        assert entry.constants == (("training", str(training)),)
        expected = theirs.mode(tf.constant(x), training=training)
        assert_same(nested.run(entry.key, {"x": x})["output_0"], expected)
    power = [e for e in nested.info.entries if e.name.startswith("power(")]
    assert [(e.constants, e.containers) for e in power] == [
        ((("power", "3"),), (("xs", "tuple"),)),
        ((("power", "2"),), (("xs", "list"),)),
    ]
    swap = nested.info.entry("function:swap")
    assert swap.containers == (("pair", "namedtuple Pair low high"),)
    assert [o.name for o in swap.outputs] == ["output_low", "output_high"]


def test_nested_results_named_by_path(nested: LoadedModel, nested_path) -> None:
    theirs = tf.saved_model.load(str(nested_path))
    x = np.array([1.5, -2.0], np.float32)
    ours = nested.run("function:pair", {"x": x})
    expected = theirs.pair(tf.constant(x))
    assert list(ours) == ["output_0", "output_1/0", "output_1/1"]
    for mine, other in zip(ours.values(), tf.nest.flatten(expected), strict=True):
        assert_same(mine, other)
    ours = nested.run("function:tree", {"x": x})
    expected = theirs.tree(tf.constant(x))
    assert list(ours) == ["a/b", "c"]
    assert_same(ours["a/b"], expected["a"]["b"])
    assert_same(ours["c"], expected["c"])
