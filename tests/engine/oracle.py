"""TensorFlow's own runs of the test models, the answers the engine must reproduce exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.model_spec import SparseArray, Value
from explorer.engine.tensorflow_import import import_tensorflow

tf = import_tensorflow()
v1 = tf.compat.v1


def sparse_value(value: SparseArray) -> Any:
    return v1.SparseTensorValue(value.indices, value.values, value.dense_shape)


def sparse_tensor(value: SparseArray) -> Any:
    return tf.sparse.SparseTensor(value.indices, value.values, value.dense_shape)


def meta_graph_run(
    meta: Path,
    prefix: Path,
    sparse_feeds: Mapping[str, SparseArray],
    dense_feeds: Mapping[str, np.ndarray],
    fetches: Sequence[str],
) -> list[np.ndarray]:
    """Import `meta`, restore `prefix`, Session.run with a SparseTensorValue per sparse input
    (keyed by its placeholder's base name; indices and values alone where the shape is a
    Const) and dense feeds keyed by tensor name."""
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        v1.train.import_meta_graph(str(meta)).restore(session, str(prefix))
        feed_dict: dict[Any, Any] = {
            graph.get_tensor_by_name(name): value for name, value in dense_feeds.items()
        }
        for base, value in sparse_feeds.items():
            indices, values, shape = (
                graph.get_tensor_by_name(f"{base}/{part}:0")
                for part in ("indices", "values", "shape")
            )
            if shape.op.type == "Const":  # a shape written in the graph may not be fed
                feed_dict[indices], feed_dict[values] = value.indices, value.values
            else:
                feed_dict[tf.sparse.SparseTensor(indices, values, shape)] = sparse_value(value)
        return session.run([graph.get_tensor_by_name(name) for name in fetches], feed_dict)


def as_value(result: Any) -> Value:
    """What TensorFlow returned, in the engine's terms, for exact comparison."""
    if isinstance(result, tf.SparseTensor | v1.SparseTensorValue):
        return SparseArray(
            *(np.asarray(part) for part in (result.indices, result.values, result.dense_shape))
        )
    return np.asarray(result)


def assert_same(ours: Value, theirs: Any) -> None:
    """Exactly equal, dtype included; SparseArrays part by part."""
    expected = as_value(theirs)
    if isinstance(expected, SparseArray):
        assert isinstance(ours, SparseArray)
        for mine, other in zip(
            (ours.indices, ours.values, ours.dense_shape),
            (expected.indices, expected.values, expected.dense_shape),
            strict=True,
        ):
            assert mine.dtype == other.dtype
            np.testing.assert_array_equal(mine, other)
        return
    assert isinstance(ours, np.ndarray)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)
