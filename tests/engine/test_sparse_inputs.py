"""Finding sparse inputs in `.meta` graphs and SavedModel signatures, and listing them.

Fixtures are built with TensorFlow itself, so the graphs hold exactly the ops that
tf.compat.v1.sparse.placeholder and the SavedModel writers produce.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from explorer import cli
from explorer.core.locate import locate
from explorer.engine.sparse_inputs import SparseInput, find_sparse_inputs
from explorer.engine.tensorflow_import import import_tensorflow

tf = import_tensorflow()
v1 = tf.compat.v1
REPO = Path(__file__).resolve().parents[2]


def _saver_checkpoint(directory: Path, build: Callable[[], None]) -> Path:
    """A Saver checkpoint (with its .meta) of the graph `build` makes, plus one variable."""
    graph = tf.Graph()
    with graph.as_default():
        build()
        v1.Variable(1.0, name="weight")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return Path(v1.train.Saver().save(session, str(directory / "model.ckpt")))


def _plain_checkpoint(directory: Path) -> Path:
    """A checkpoint with no .meta beside it, written without any graph."""
    prefix = directory / "plain"
    tf.raw_ops.SaveV2(
        prefix=str(prefix),
        tensor_names=["kernel"],
        shape_and_slices=[""],
        tensors=[tf.ones([2, 3])],
    )
    return prefix


def test_tf1_sample(samples_dir: Path) -> None:
    found = find_sparse_inputs(locate(samples_dir / "tf1_sparse_placeholder"))
    assert found == [
        SparseInput(
            name="features",
            indices="features/indices:0",
            values="features/values:0",
            dense_shape="features/shape:0",
            dtype="float32",
            rank=2,
            default_shape=(None, 1000),  # PlaceholderWithDefault fed by features/shape_default
            shape_fixed=False,
        )
    ]


def test_savedmodel_sample_flattened_signature(samples_dir: Path) -> None:
    [sparse] = find_sparse_inputs(locate(samples_dir / "savedmodel_sparse"))
    assert sparse.as_json() == {
        "name": "serving_default/x",
        "indices": "serving_default_x:0",
        "values": "serving_default_x_1:0",
        "dense_shape": "serving_default_x_2:0",
        "dtype": "float32",
        "rank": 2,
    }


def test_static_shape_placeholder(tmp_path: Path) -> None:
    # TF 2.x makes NAME/shape a PlaceholderWithDefault of a Const even for a static shape.
    prefix = _saver_checkpoint(
        tmp_path, lambda: v1.sparse.placeholder(tf.float32, [8, 20], name="fixed")
    )
    [sparse] = find_sparse_inputs(locate(prefix))
    assert (sparse.name, sparse.rank, sparse.default_shape) == ("fixed", 2, (8, 20))
    assert not sparse.shape_fixed


def test_const_dense_shape(tmp_path: Path) -> None:
    def build() -> None:  # the layout older TF wrote for a fully defined shape
        v1.placeholder(tf.int64, [None, 3], name="old/indices")
        v1.placeholder(tf.string, [None], name="old/values")
        tf.constant([4, 5, 6], dtype=tf.int64, name="old/shape")

    [sparse] = find_sparse_inputs(locate(_saver_checkpoint(tmp_path, build)))
    assert sparse.dense_shape == "old/shape:0"
    assert (sparse.dtype, sparse.rank, sparse.default_shape) == ("object", 3, (4, 5, 6))
    assert sparse.shape_fixed


def test_several_placeholders_and_dense_ones(tmp_path: Path) -> None:
    def build() -> None:
        v1.sparse.placeholder(tf.float32, [None, 5], name="a")
        v1.sparse.placeholder(tf.int32, name="b")  # no shape: rank unknown
        v1.placeholder(tf.float32, [None, 3], name="dense")
        v1.placeholder(tf.int64, [None, 2], name="lonely/indices")  # no values, no shape

    found = find_sparse_inputs(locate(_saver_checkpoint(tmp_path, build)))
    assert [(s.name, s.dtype, s.rank) for s in found] == [("a", "float32", 2), ("b", "int32", None)]
    assert found[1].dense_shape == "b/shape:0"


def test_tf1_savedmodel_coo_sparse(tmp_path: Path) -> None:
    export = tmp_path / "export"
    graph = tf.Graph()
    with graph.as_default(), v1.Session(graph=graph) as session:
        ids = v1.sparse.placeholder(tf.float32, [None, 7], name="ids")
        weight = v1.Variable(tf.ones([7, 1]), name="weight")
        out = tf.sparse.sparse_dense_matmul(ids, weight)
        session.run(v1.global_variables_initializer())
        info = v1.saved_model.utils.build_tensor_info(ids)
        assert info.WhichOneof("encoding") == "coo_sparse"
        signature = v1.saved_model.signature_def_utils.build_signature_def(
            inputs={"ids": info},
            outputs={"out": v1.saved_model.utils.build_tensor_info(out)},
            method_name="tensorflow/serving/predict",
        )
        builder = v1.saved_model.Builder(str(export))
        builder.add_meta_graph_and_variables(session, ["serve"], {"predict": signature})
        builder.save()
    # The graph's placeholder group is the same input: listed once, under the signature's name.
    [sparse] = find_sparse_inputs(locate(export))
    assert sparse.as_json() == {
        "name": "predict/ids",
        "indices": "ids/indices:0",
        "values": "ids/values:0",
        "dense_shape": "ids/shape:0",
        "dtype": "float32",
        "rank": 2,
    }


def test_tf2_signature_with_two_sparse_arguments(tmp_path: Path) -> None:
    spec = tf.SparseTensorSpec([None, 10], tf.float32)

    class Model(tf.Module):
        @tf.function(
            input_signature=[spec, tf.TensorSpec([None, 2], tf.int64), spec, tf.TensorSpec([None])]
        )
        def __call__(
            self, a: tf.SparseTensor, b: tf.Tensor, c: tf.SparseTensor, c_3: tf.Tensor
        ) -> tf.Tensor:
            return tf.sparse.reduce_sum(a) + tf.sparse.reduce_sum(c)

    model = Model()
    tf.saved_model.save(model, str(tmp_path), signatures={"serving_default": model.__call__})
    found = find_sparse_inputs(locate(tmp_path))
    # b looks like indices but has no b_1, b_2; c_3 extends c's chain but is a lone tensor.
    assert [(s.name, s.values, s.rank) for s in found] == [
        ("serving_default/a", "serving_default_a_1:0", 2),
        ("serving_default/c", "serving_default_c_1:0", 2),
    ]


def test_positional_arguments_flatten_to_args_0(tmp_path: Path) -> None:
    # The args_0, args_0_1, args_0_2 names Keras 2 signatures and `*args` functions produce.
    class Model(tf.Module):
        @tf.function(input_signature=[tf.SparseTensorSpec([None, 4, 6], tf.float64)])
        def __call__(self, *args: tf.SparseTensor) -> tf.Tensor:
            return tf.sparse.reduce_sum(args[0])

    model = Model()
    tf.saved_model.save(model, str(tmp_path), signatures=model.__call__)
    [sparse] = find_sparse_inputs(locate(tmp_path))
    assert (sparse.name, sparse.dense_shape) == (
        "serving_default/args_0",
        "serving_default_args_0_2:0",
    )
    assert (sparse.dtype, sparse.rank) == ("float64", 3)


def test_keras_sparse_input(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    inputs = keras.Input(shape=(10,), sparse=True)
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.export(str(tmp_path), format="tf_saved_model", verbose=False)
    signature = tf.saved_model.load(str(tmp_path)).signatures["serving_default"]
    if not any(isinstance(spec, tf.SparseTensorSpec) for spec in _specs(signature)):
        pytest.skip(f"Keras {keras.__version__} exports a sparse Input as a dense signature input")
    assert find_sparse_inputs(locate(tmp_path))


def _specs(function: tf.types.experimental.ConcreteFunction) -> list[object]:
    args, kwargs = function.structured_input_signature
    return tf.nest.flatten((args, kwargs), expand_composites=False)


def test_cli_json_lists_sparse_inputs(capsys, samples_dir: Path) -> None:
    assert cli.main(["inspect", str(samples_dir / "tf1_sparse_placeholder"), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["sparse_inputs"] == [
        {
            "name": "features",
            "indices": "features/indices:0",
            "values": "features/values:0",
            "dense_shape": "features/shape:0",
            "dtype": "float32",
            "rank": 2,
        }
    ]


def test_unreadable_meta_keeps_the_listing(capsys, tmp_path: Path) -> None:
    prefix = _plain_checkpoint(tmp_path)
    Path(f"{prefix}.meta").write_bytes(b"\xff\xff\xff not a MetaGraphDef")
    assert cli.main(["inspect", str(prefix), "--json"]) == 0
    out, err = capsys.readouterr()
    listing = json.loads(out)
    assert [v["name"] for v in listing["variables"]] == ["kernel"]
    assert listing["sparse_inputs"] == []
    assert err.startswith("explorer: note: the sparse inputs of ") and err.count("\n") == 1


def test_plain_checkpoint_listing_does_not_import_tensorflow(tmp_path: Path) -> None:
    prefix = _plain_checkpoint(tmp_path)
    code = (
        "import sys\n"
        "from explorer import cli\n"
        "from explorer.core.checkpoint import open_checkpoint\n"
        f"listing = cli.listing(open_checkpoint({str(prefix)!r}))\n"
        "assert listing['sparse_inputs'] == [], listing\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
