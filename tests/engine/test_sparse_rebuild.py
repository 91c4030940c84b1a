"""Rebuilding sparse tensors with TensorFlow: in process, in a child process, and as a snippet.

TensorFlow is the oracle throughout: what the engine builds must equal what TensorFlow builds
from tf.train.load_checkpoint, and its complaints must be the ones TensorFlow's own
tf.sparse.to_dense(validate_indices=True) raises.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.core.errors import CheckpointError
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_snippet import PREVIEW_ENTRIES, python_snippet
from explorer.engine.rebuild_client import RebuildProcess, rebuild_sparse
from explorer.engine.sparse_rebuild import (
    PASSED,
    PREVIEW_LIMIT,
    build_sparse_tensor,
    main,
    rebuild,
    tf_complaint,
)
from explorer.engine.tensorflow_import import import_tensorflow

QUOTED = 'it\'s "ünï"'  # a base name that needs escaping wherever it is written as code


def _canonical(rng: np.random.Generator, shape: tuple[int, ...], count: int) -> np.ndarray:
    flat = np.sort(rng.choice(int(np.prod(shape)), size=count, replace=False))
    return np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """name -> (indices, values, dense_shape) as saved; seeded so failures reproduce."""
    rng = np.random.default_rng(7)
    shape = np.array([50, 30], np.int64)
    canonical = _canonical(rng, (50, 30), 40)
    floats = rng.standard_normal(40).astype(np.float32)
    duplicates, out_of_bounds, negative = canonical.copy(), canonical.copy(), canonical.copy()
    duplicates[10] = duplicates[9]
    out_of_bounds[-1] = [50, 3]  # still the last in row-major order: only the bound is wrong
    negative[0] = [-1, 5]  # still the first
    small = _canonical(rng, (6, 7), 9)[rng.permutation(9)]
    rank3 = _canonical(rng, (4, 5, 6), 12)[rng.permutation(12)]
    rank1 = _canonical(rng, (100,), 5)[::-1]
    words = np.array([b"a", b"", "\u00fc".encode(), b"\x00z", b"long" * 10], dtype=object)
    return {
        "canonical": (canonical, floats, shape),
        "unsorted": (canonical[rng.permutation(40)], floats, shape),
        "duplicates": (duplicates, floats, shape),
        "out_of_bounds": (out_of_bounds, floats, shape),
        "negative": (negative, floats, shape),
        QUOTED: (small.astype(np.int32), np.arange(1, 10, dtype=np.int32), np.int32([6, 7])),
        "rank3": (rank3, rng.standard_normal(12), np.array([4, 5, 6], np.int64)),
        "rank1": (rank1, words, np.array([100], np.int64)),
    }


CASES = _cases()
# Whether TensorFlow accepts the indices: (as saved, after tf.sparse.reorder).
ACCEPTED = {
    "canonical": (True, True),
    "unsorted": (False, True),
    "duplicates": (False, False),
    "out_of_bounds": (False, False),
    "negative": (False, False),
    QUOTED: (False, True),
    "rank3": (False, True),
    "rank1": (False, True),
}
MISMATCHED = "mismatched"  # 40 index rows, 39 values: TensorFlow cannot build it at all


def _sparse(name: str) -> SparseTensor:
    return SparseTensor(
        name, f"{name}/indices", f"{name}/values", f"{name}/dense_shape", None, None
    )


@pytest.fixture(scope="module")
def tf():
    return import_tensorflow()


@pytest.fixture(scope="module")
def prefix(tf, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One checkpoint holding every case, under a path that needs escaping in code too."""
    path = str(tmp_path_factory.mktemp('it\'s "ünï" dir') / "model.ckpt-7")
    indices, values, dense_shape = CASES["canonical"]
    saved = {**CASES, MISMATCHED: (indices, values[:39], dense_shape)}
    names, tensors = [], []
    for name, triplet in saved.items():
        for role, array in zip(("indices", "values", "dense_shape"), triplet, strict=True):
            names.append(f"{name}/{role}")
            tensors.append(tf.constant(array))
    tf.raw_ops.SaveV2(
        prefix=path, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors
    )
    return path


def _oracle(tf, prefix: str, name: str, reorder: bool):
    """The SparseTensor TensorFlow builds itself from tf.train.load_checkpoint."""
    reader = tf.train.load_checkpoint(prefix)
    sparse = _sparse(name)
    built = tf.sparse.SparseTensor(
        indices=tf.cast(reader.get_tensor(sparse.indices), tf.int64),
        values=reader.get_tensor(sparse.values),
        dense_shape=tf.cast(reader.get_tensor(sparse.dense_shape), tf.int64),
    )
    return tf.sparse.reorder(built) if reorder else built


def _to_dense_complaint(tf, sparse) -> str | None:
    try:
        tf.sparse.to_dense(sparse, validate_indices=True)
    except tf.errors.InvalidArgumentError as exc:
        return tf_complaint(exc)[1]
    return None


both_orders = pytest.mark.parametrize("reorder", [False, True], ids=["as-saved", "reordered"])


@both_orders
@pytest.mark.parametrize("name", list(CASES))
def test_builds_what_tensorflow_builds(tf, prefix: str, name: str, reorder: bool) -> None:
    ours = build_sparse_tensor(prefix, _sparse(name), reorder)
    theirs = _oracle(tf, prefix, name, reorder)
    assert ours.indices.dtype == ours.dense_shape.dtype == tf.int64
    assert ours.values.dtype == theirs.values.dtype
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(ours.dense_shape.numpy(), theirs.dense_shape.numpy())
    assert ours.values.numpy().tolist() == theirs.values.numpy().tolist()


@both_orders
@pytest.mark.parametrize("name", list(CASES))
def test_report_says_what_tensorflow_says(tf, prefix: str, name: str, reorder: bool) -> None:
    report = rebuild(prefix, _sparse(name), reorder)
    oracle = _oracle(tf, prefix, name, reorder)
    assert report.ok is ACCEPTED[name][reorder]
    assert report.dense_shape == oracle.dense_shape.numpy().tolist()
    assert report.nnz == oracle.indices.shape[0]
    assert report.reordered is reorder
    assert report.values_dtype == np.dtype(oracle.values.dtype.as_numpy_dtype).name
    for message in report.messages:
        assert "\n" not in message and message.endswith("."), message
    shape_text = f"dense shape {report.dense_shape} with {report.nnz} "
    assert any(shape_text in message for message in report.messages)
    if reorder:
        assert any(message.startswith("tf.sparse.reorder ") for message in report.messages)
    complaint = _to_dense_complaint(tf, oracle)
    assert (complaint is None) is report.ok  # the same verdict as tf.sparse.to_dense
    if report.ok:
        assert report.messages[-1] == PASSED
        small = np.prod(report.dense_shape) <= PREVIEW_LIMIT
        dense = tf.sparse.to_dense(oracle).numpy()
        assert report.preview == (np.array2string(dense) if small else None)
    elif oracle.dense_shape.shape[0] >= 2:  # quoted word for word
        assert report.messages[-1].endswith(f" fails: {complaint}.")
    else:  # a rank-1 tensor is checked as [N, 1]: the same complaint with a trailing 0
        assert "saw shape [100, 1]" in report.messages[-1]
        assert complaint.replace("] is", ",0] is") in report.messages[-1]
    assert pickle.loads(pickle.dumps(report)) == report


def test_reports_each_cast(prefix: str) -> None:
    messages = rebuild(prefix, _sparse(QUOTED)).messages
    assert messages[:2] == [
        "The indices are int32 in the checkpoint; they were cast to int64, "
        "as SparseTensor requires.",
        "The dense shape entries are int32 in the checkpoint; they were cast to int64, "
        "as SparseTensor requires.",
    ]
    assert not any("cast" in message for message in rebuild(prefix, _sparse("rank3")).messages)


def test_quotes_tensorflow_when_it_cannot_build(tf, prefix: str) -> None:
    report = rebuild(prefix, _sparse(MISMATCHED))
    with pytest.raises(ValueError) as theirs:
        _oracle(tf, prefix, MISMATCHED, reorder=False)
    assert not report.ok and report.dense_shape is None and report.nnz is None
    assert report.messages == [
        f"TensorFlow cannot build a SparseTensor of them: {tf_complaint(theirs.value)[1]}."
    ]


def test_unreadable_variables_raise_one_sentence(prefix: str) -> None:
    keys = ("canonical/indices", "nowhere/values", "canonical/dense_shape")
    missing = SparseTensor("x", *keys, nnz=40, shape=[50, 30])
    with pytest.raises(CheckpointError, match=r"^TensorFlow cannot read 'nowhere/values' from "):
        rebuild(prefix, missing)
    with pytest.raises(CheckpointError, match=r"^TensorFlow cannot open .*absent\.ckpt: "):
        rebuild(str(Path(prefix).parent / "absent.ckpt"), _sparse("canonical"))


def test_command_line_prints_one_json_object(prefix: str, capsys: pytest.CaptureFixture) -> None:
    assert main([prefix, *_keys("unsorted"), "--reorder"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == rebuild(prefix, _sparse("unsorted"), reorder=True).as_json()
    assert main(["--", prefix, "-odd", *_keys("unsorted")[1:]]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    missing = "Key -odd not found in checkpoint"
    assert captured.err == f"TensorFlow cannot read '-odd' from {prefix}: {missing}.\n"


def _keys(name: str) -> list[str]:
    sparse = _sparse(name)
    return [sparse.indices, sparse.values, sparse.dense_shape]


def test_client_does_not_import_tensorflow() -> None:
    code = "import sys, explorer.engine.rebuild_client; print('tensorflow' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout == "False\n"


# The child processes below import TensorFlow (seconds each): keep them few.


def test_child_process_reports_the_same(prefix: str) -> None:
    assert rebuild_sparse(prefix, _sparse(QUOTED), True) == rebuild(prefix, _sparse(QUOTED), True)


def test_child_process_errors_become_checkpoint_errors(prefix: str) -> None:
    odd = SparseTensor("odd", "-odd", "canonical/values", "canonical/dense_shape", 40, [50, 30])
    with pytest.raises(CheckpointError) as in_child:
        rebuild_sparse(prefix, odd)
    with pytest.raises(CheckpointError) as in_process:
        rebuild(prefix, odd)
    assert str(in_child.value) == str(in_process.value)


def test_child_process_can_be_killed(prefix: str) -> None:
    process = RebuildProcess(prefix, _sparse("canonical"))
    process.start()
    process.kill()
    with pytest.raises(CheckpointError, match=r"^The rebuild of .* was cancelled\.$"):
        process.wait()


def test_snippet_rebuilds_the_tensor(prefix: str, tmp_path: Path) -> None:
    script = tmp_path / "rebuild.py"
    script.write_text(python_snippet(prefix, _sparse(QUOTED), reorder=True), encoding="utf-8")
    command = [sys.executable, str(script)]
    ran = subprocess.run(command, capture_output=True, encoding="utf-8", check=False, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    indices, values, dense_shape = CASES[QUOTED]
    order = np.lexsort(indices.T[::-1])  # row-major, as tf.sparse.reorder sorts
    assert ran.stdout == (
        f"dense_shape: {dense_shape.tolist()}\n"
        f"nnz: {len(values)}\n"
        f"first indices: {indices[order][:PREVIEW_ENTRIES].tolist()}\n"
        f"first values: {values[order][:PREVIEW_ENTRIES].tolist()}\n"
    )


@pytest.mark.parametrize("reorder", [False, True])
def test_snippet_is_code_for_any_name(reorder: bool) -> None:
    odd = SparseTensor("a'b\"c\n\u00fc", "x'/i\\", 'y"/v', "z\n/s", None, None)
    source = python_snippet("/p'q\"\\r/\u00fc\nckpt", odd, reorder)
    compile(source, "snippet", "exec")
    assert ("tf.sparse.reorder(sparse)" in source) is reorder
    for text in ("/p'q\"\\r/\u00fc\nckpt", "x'/i\\", 'y"/v', "z\n/s"):
        assert repr(text) in source


def test_a_dense_shape_beyond_int64_is_named_as_the_cause(tf, tmp_path) -> None:
    """TensorFlow's index check fails on counting 2**80 cells, not on these (valid) indices."""
    path = str(tmp_path / "ckpt")
    arrays = [np.array([[0, 0], [5, 7]]), np.array([1.0, 2.0]), np.array([2**40, 2**40])]
    names = ["huge/indices", "huge/values", "huge/dense_shape"]
    tf.raw_ops.SaveV2(prefix=path, tensor_names=names, shape_and_slices=[""] * 3,
                      tensors=[tf.constant(a) for a in arrays])  # fmt: skip
    report = rebuild(path, _sparse("huge"))
    assert not report.ok
    assert report.messages[-1].startswith("TensorFlow cannot check the indices: the dense shape")
    assert "more than int64 can count" in report.messages[-1]


def test_snippet_refuses_float_indices_instead_of_truncating_them() -> None:
    code = python_snippet("/nowhere", _sparse("x"))
    namespace: dict[str, object] = {}
    _, _, rest = code.partition("reader = tf.train.load_checkpoint(PREFIX)\n")
    guard = rest.split("sparse = tf.sparse.SparseTensor(")[0]
    namespace.update(indices=np.array([[0.5, 1.0]], np.float32), dense_shape=np.array([2, 2]))
    guard = guard.replace("indices = reader.get_tensor", "_ = str").replace(
        "dense_shape = reader.get_tensor", "_ = str"
    )
    with pytest.raises(SystemExit, match="The indices are float32, not integers."):
        exec(guard, namespace)  # noqa: S102 - the snippet's own guard, on a float array
