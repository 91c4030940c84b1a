"""TF1 SavedModels: SignatureDefs with coo_sparse inputs and outputs, run in a Session and
compared with TensorFlow's own Session.run on a SparseTensorValue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.model_spec import InputSpec, OutputSpec, SparseArray
from explorer.engine.model_loader import LoadedModel, load_model

from . import models
from .models import TF1_SAVED_VOCAB
from .oracle import assert_same, sparse_value, tf, v1

IDS = SparseArray(
    np.array([[0, 3], [1, 0], [1, 49]], np.int64),
    np.array([2.0, -1.0, 0.5], np.float32),
    np.array([2, TF1_SAVED_VOCAB], np.int64),
)
SCALE = np.float32(1.5)


@pytest.fixture(scope="module")
def export(model_paths) -> Path:
    return model_paths["tf1_saved_model"]


@pytest.fixture(scope="module")
def model(export: Path) -> Iterator[LoadedModel]:
    loaded = load_model(export)
    yield loaded
    loaded.close()


def _session_run(export: Path, key: str, feeds: dict[str, object]) -> dict[str, object]:
    """TensorFlow's own run of signature `key`: a SparseTensorValue for each coo_sparse input."""
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        meta_graph = v1.saved_model.loader.load(session, ["serve"], str(export))
        signature = meta_graph.signature_def[key]
        feed_dict = {}
        for name, value in feeds.items():
            info = signature.inputs[name]
            tensor = v1.saved_model.utils.get_tensor_from_tensor_info(info, graph)
            feed_dict[tensor] = sparse_value(value) if isinstance(value, SparseArray) else value
        fetches = {
            name: v1.saved_model.utils.get_tensor_from_tensor_info(info, graph)
            for name, info in signature.outputs.items()
        }
        return session.run(fetches, feed_dict)


def test_signature_entries(model: LoadedModel, export: Path) -> None:
    info = model.info
    assert (info.kind, info.source, info.tags) == ("tf1_saved_model", str(export), ("serve",))
    assert [entry.key for entry in info.entries] == [
        "signature:predict",
        "signature:serving_default",
        "graph",
    ]
    predict = info.entry("signature:predict")
    assert predict.inputs == (
        InputSpec(
            "ids", True, "float32", (None, TF1_SAVED_VOCAB),
            ("ids/indices:0", "ids/values:0", "ids/shape:0"),
        ),
        InputSpec("scale", False, "float32", (), ("scale:0",)),
    )  # fmt: skip
    assert predict.outputs == (
        OutputSpec("doubled", "float32", (None, None), sparse=True),
        OutputSpec("out", "float32", (None, 2)),
    )
    graph = info.entry("graph")
    assert [spec.name for spec in graph.inputs] == ["ids", "scale"]
    assert "ids/values:0" in {tensor.name for tensor in info.tensors}


def test_predict_matches_session_run(model: LoadedModel, export: Path) -> None:
    ours = model.run("signature:predict", {"ids": IDS, "scale": SCALE})
    theirs = _session_run(export, "predict", {"ids": IDS, "scale": SCALE})
    assert list(ours) == ["doubled", "out"]
    assert isinstance(ours["doubled"], SparseArray)
    assert_same(ours["doubled"], theirs["doubled"])
    assert_same(ours["out"], theirs["out"])


def test_serving_default_and_graph(model: LoadedModel, export: Path) -> None:
    ours = model.run("signature:serving_default", {"ids": IDS}, ["out"])
    theirs = _session_run(export, "serving_default", {"ids": IDS})
    assert_same(ours["out"], theirs["out"])
    # The same tensor picked in the graph.
    tensor = model.info.entry("graph").outputs[-1].name
    picked = model.run("graph", {"ids": IDS}, [tensor])
    assert_same(picked[tensor], theirs["out"])


def test_tag_set_other_than_serve(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A SavedModel tagged only "train" loads that MetaGraphDef and says so."""
    export = models.build_once(models.tf1_train_tag, tmp_path_factory)
    model = load_model(export)
    try:
        assert model.info.tags == ("train",)
        ours = model.run("signature:serving_default", {"ids": IDS})
    finally:
        model.close()
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        signature = v1.saved_model.loader.load(session, ["train"], str(export)).signature_def
        info = signature["serving_default"]
        tensor = v1.saved_model.utils.get_tensor_from_tensor_info
        ids = tensor(info.inputs["ids"], graph)
        expected = session.run(tensor(info.outputs["out"], graph), {ids: sparse_value(IDS)})
    assert_same(ours["out"], expected)
