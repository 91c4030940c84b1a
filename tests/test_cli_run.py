"""`explorer run`: outputs equal TensorFlow's own run; bad feeds are one sentence and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer import cli

tf = pytest.importorskip("tensorflow")
v1 = tf.compat.v1

INDICES = np.array([[0, 5], [1, 7], [1, 999]], np.int64)
VALUES = np.array([1.0, 2.0, 3.0], np.float32)
SHAPE = np.array([2, 1000], np.int64)


def explorer_run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def sparse_file(path: Path, indices=INDICES, values=VALUES, dense_shape=SHAPE) -> str:
    np.savez(path, indices=indices, values=values, dense_shape=dense_shape)
    return str(path)


def tf1_predictions(prefix: Path) -> np.ndarray:
    """TensorFlow's own Session.run of the sample's graph, fed a SparseTensorValue."""
    with tf.Graph().as_default() as graph, v1.Session(graph=graph) as session:
        v1.train.import_meta_graph(f"{prefix}.meta").restore(session, str(prefix))
        features = v1.SparseTensor(
            graph.get_tensor_by_name("features/indices:0"),
            graph.get_tensor_by_name("features/values:0"),
            graph.get_tensor_by_name("features/shape:0"),
        )
        feed = {features: v1.SparseTensorValue(INDICES, VALUES, SHAPE)}
        return session.run("predictions:0", feed)


def test_tf1_graph_json_equals_tensorflow(capsys, samples_dir: Path, tmp_path: Path) -> None:
    sample = samples_dir / "tf1_sparse_placeholder"
    feed = sparse_file(tmp_path / "features.npz")
    out_file = tmp_path / "outputs.npz"
    code, out, err = explorer_run(
        capsys, str(sample), "--feed", f"features={feed}", "--output", "predictions:0",
        "--json", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    expected = tf1_predictions(sample / "model.ckpt-3")
    printed = json.loads(out)["outputs"]
    assert list(printed) == ["predictions:0"]
    np.testing.assert_array_equal(np.array(printed["predictions:0"], np.float32), expected)
    with np.load(out_file) as saved:
        np.testing.assert_array_equal(saved["predictions:0"], expected)


def test_saved_model_signature_equals_tensorflow(capsys, samples_dir: Path, tmp_path: Path) -> None:
    sample = samples_dir / "savedmodel_sparse"
    feed = sparse_file(tmp_path / "x.npz")
    code, out, err = explorer_run(capsys, str(sample), "--feed", f"x={feed}", "--json")
    assert code == 0, err
    signature = tf.saved_model.load(str(sample)).signatures["serving_default"]
    expected = signature(x=tf.constant(INDICES), x_1=tf.constant(VALUES), x_2=tf.constant(SHAPE))
    printed = json.loads(out)["outputs"]
    assert set(printed) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(np.array(printed[name], np.float32), value.numpy())


def test_list_names_entry_points_and_inputs(capsys, samples_dir: Path) -> None:
    code, out, err = explorer_run(capsys, str(samples_dir / "savedmodel_sparse"), "--list")
    assert code == 0, err
    assert "--signature serving_default" in out
    assert "input  x: sparse float32" in out


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"indices": np.array([[0, 1200]])}, ["[0, 1200]", "outside the dense shape"]),
        ({"indices": np.array([[0, 1, 2]]), "values": np.array([1.0], np.float32),
          "dense_shape": np.array([2, 1000, 3])}, ["features", "rank"]),
        ({"values": np.array(["a"])}, ["features", "float32"]),
    ],
    ids=["out-of-range index", "wrong rank", "wrong dtype"],
)  # fmt: skip
def test_bad_feed_is_one_sentence(
    capsys, samples_dir: Path, tmp_path: Path, arrays: dict, words: list[str]
) -> None:
    base = {"indices": INDICES[:1], "values": VALUES[:1], "dense_shape": SHAPE}
    feed = tmp_path / "bad.npz"
    np.savez(feed, **{**base, **arrays})
    code, out, err = explorer_run(
        capsys, str(samples_dir / "tf1_sparse_placeholder"), "--feed", f"features={feed}",
        "--output", "predictions",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"explorer: {feed}: "), err  # names the file at fault
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--feed", "features"], ["NAME=FILE"]),
        (["--feed", "features=/nonexistent/feed.npz"], ["/nonexistent/feed.npz"]),
        (["--feed", "nosuch={feed}", "--output", "predictions"], ["nosuch", "features"]),
        (["--feed", "features={feed}", "--function", "serve"], ["--function serve", "--output"]),
        (["--feed", "features={feed}", "--output", "no_such_tensor"], ["no_such_tensor"]),
    ],
    ids=["no equals sign", "missing file", "unknown input", "unknown function", "unknown tensor"],
)
def test_bad_usage_is_one_sentence(
    capsys, samples_dir: Path, tmp_path: Path, argv: list[str], words: list[str]
) -> None:
    feed = sparse_file(tmp_path / "features.npz")
    argv = [item.format(feed=feed) for item in argv]
    code, out, err = explorer_run(capsys, str(samples_dir / "tf1_sparse_placeholder"), *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_no_model_beside_a_plain_checkpoint(capsys, samples_dir: Path) -> None:
    code, out, err = explorer_run(capsys, str(samples_dir / "tf2_object_checkpoint"), "--list")
    assert code == 2
    assert err.startswith("explorer: No model found for ")


def test_fresh_process_prints_no_traceback(samples_dir: Path, tmp_path: Path) -> None:
    feed = sparse_file(tmp_path / "bad.npz", indices=np.array([[5, 0]]), values=VALUES[:1])
    done = subprocess.run(
        [sys.executable, "-m", "explorer", "run", str(samples_dir / "tf1_sparse_placeholder"),
         "--feed", f"features={feed}", "--output", "predictions"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"explorer: {feed}: Entry 0 of 'features' has index [5, 0], outside the dense shape "
        "[2, 1000]."
    ]


def test_a_graph_fetches_its_first_suggestion_by_default(capsys, samples_dir, tmp_path) -> None:
    """The sample's other sink, loss, needs labels, which a sparse sample does not have."""
    feed = sparse_file(tmp_path / "features.npz")
    sample = samples_dir / "tf1_sparse_placeholder"
    code, out, err = explorer_run(capsys, str(sample), "--feed", f"features={feed}", "--json")
    assert code == 0, err
    printed = json.loads(out)["outputs"]
    assert list(printed) == ["predictions:0"]
    expected = tf1_predictions(sample / "model.ckpt-3")
    np.testing.assert_array_equal(np.array(printed["predictions:0"], np.float32), expected)


def test_json_has_no_nan_or_complex_numbers() -> None:
    from explorer.cli_run import outputs_json

    outputs = {
        "x": np.array([1.5, np.nan, np.inf, -np.inf], np.float32),
        "z": np.array([1 + 2j], np.complex64),
        "s": np.array([b"ok", b"\xff"], object),
    }
    text = json.dumps(outputs_json(outputs), allow_nan=False)  # raises on NaN
    assert json.loads(text) == {
        "outputs": {"x": [1.5, "nan", "inf", "-inf"], "z": [[1.0, 2.0]], "s": ["ok", "\\xff"]}
    }


def test_saved_string_outputs_load_back_as_feeds(tmp_path) -> None:
    from explorer.cli_run import save_outputs
    from explorer.core.feed_files import load_feed_file

    out = tmp_path / "outputs.npz"
    save_outputs(out, {"words": np.array([b"ok", b"\xff\x00"], object)})
    with np.load(out, allow_pickle=False) as saved:  # nothing pickled
        assert list(saved) == ["words"]
    np.savez(tmp_path / "feed.npz", **{"value": np.load(out)["words"]})
    loaded = load_feed_file(tmp_path / "feed.npz")
    assert [bytes(item) for item in np.asarray(loaded).ravel()] == [b"ok", b"\xff\x00"]
