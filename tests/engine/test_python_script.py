"""The "Copy as Python" script runs with plain TensorFlow and gives the engine's outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.core.errors import FeedError
from explorer.core.feeds import check_feed
from explorer.core.model_spec import SparseArray, Value
from explorer.engine.model_loader import load_model
from explorer.engine.python_script import python_script, save_script_feeds
from explorer.engine.script_literals import array_literal

from . import models
from .models import STATIC_BATCH, TF1_SAVED_VOCAB, VOCAB
from .oracle import tf

REPO = Path(__file__).resolve().parents[2]
FEATURES = SparseArray(
    np.array([[0, 2], [0, 5], [1, 999]], np.int64),
    np.array([0.1, -2.0, 1.5], np.float32),  # 0.1 has no short float32 repr: must round-trip
    np.array([2, VOCAB], np.int64),
)
STATIC = SparseArray(
    np.array([[3, 7]], np.int64), np.array([0.3], np.float32), np.array([STATIC_BATCH, VOCAB])
)
IDS = SparseArray(
    np.array([[0, 3], [1, 49]], np.int64),
    np.array([2.0, 1 / 3], np.float32),
    np.array([2, TF1_SAVED_VOCAB], np.int64),
)

# (model, entry, feeds, outputs): one of each way the script restores and runs a model.
CASES = {
    "tf1_graph": ("sample", "graph", {"features": FEATURES}, ["predictions", "logits:0"]),
    "tf1_const_shape": ("tf1_static", "graph", {"ids": STATIC, "extra": STATIC}, None),
    "tf1_signature": (
        "tf1_saved_model", "signature:predict", {"ids": IDS, "scale": np.float32(0.7)}, None,
    ),
    "tf1_saved_graph": ("tf1_saved_model", "graph", {"ids": IDS, "scale": np.float32(2)}, None),
    "tf2_signature": (
        "tf2_module", "signature:with_bias", {"x": FEATURES, "bias": np.ones(3)}, None,
    ),
    "tf2_sparse_result": (
        "tf2_module", "function:scale", {"x": FEATURES, "factor": np.float32(1.1)}, None,
    ),
    "tf2_concrete_function": (
        "tf2_module", "function:embed(x: sparse float32 [?, 1000])", {"x": FEATURES}, ["output_1"],
    ),
}  # fmt: skip
X = np.array([1.5, -2.0], np.float32)
LOOKUP = {
    "features/ids": SparseArray(
        np.array([[0, 1], [0, 7], [1, 3]]), np.array([2, 9, 4]), np.array([2, 10])
    ),
    "features/scale": np.float32(0.5),
}
TYPED = {
    "tokens": SparseArray(
        np.array([[0, 0], [1, 3]]), np.array(["é", b"a\x00b"], object), np.array([2, 4])
    ),
    "words": np.array([b"\xff\x00x", "two words", ""], object),
    "small": np.array([0.1, 3e38, -7], tf.bfloat16.as_numpy_dtype),
}
MODE = "function:mode(x: float32 [?], training={})"
# Nested results and arguments, Python constants, a SavedModel tagged "train" only.
NESTED_CASES = {
    "nested_tuple_result": ("tf2_nested", "function:pair", {"x": X}, None),
    "nested_dict_result": ("tf2_nested", "function:tree", {"x": X}, ["a/b", "c"]),
    "constant_false": ("tf2_nested", MODE.format("False"), {"x": X}, None),
    "constant_true": ("tf2_nested", MODE.format("True"), {"x": X}, None),
    "tuple_argument": (
        "tf2_nested", "function:power(xs/0: float32 [?], xs/1: float32 [?], power=3)",
        {"xs/0": X, "xs/1": X}, None,
    ),
    "list_argument": (
        "tf2_nested", "function:power(xs/0: float32 [?], xs/1: float32 [?], power=2)",
        {"xs/0": X, "xs/1": X}, None,
    ),
    "namedtuple": ("tf2_nested", "function:swap", {"pair/low": X, "pair/high": -X}, None),
    "dict_argument": ("tf2_nested", "function:lookup", LOOKUP, None),
    "flattened_dict": (
        "tf2_nested", "signature:lookup",
        {"features": LOOKUP["features/ids"], "features_3": LOOKUP["features/scale"]}, None,
    ),
    "strings": ("tf2_nested", "function:typed", TYPED, None),
    "train_tag": ("tf1_train_tag", "signature:serving_default", {"ids": IDS}, None),
}  # fmt: skip
BUILT_HERE = {"tf2_nested": models.tf2_nested, "tf1_train_tag": models.tf1_train_tag}


@pytest.fixture(scope="module")
def model_path(model_paths, samples_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    def path(name: str) -> Path:
        if name == "sample":
            return samples_dir / "tf1_sparse_placeholder"
        if name in BUILT_HERE:
            return models.build_once(BUILT_HERE[name], tmp_path_factory)
        return model_paths[name]

    return path


def _saved(path: Path) -> dict[str, Value]:
    """Outputs the script saved: NAME, or NAME.indices / .values / .dense_shape."""
    with np.load(path, allow_pickle=False) as saved:
        arrays = dict(saved)
    outputs: dict[str, Value] = {}
    for key in arrays:
        name, _, part = key.rpartition(".")
        if part == "dense_shape":
            parts = (arrays[f"{name}.{p}"] for p in ("indices", "values", "dense_shape"))
            outputs[name] = SparseArray(*parts)
        elif part not in ("indices", "values") or f"{name}.dense_shape" not in arrays:
            outputs[key] = arrays[key]
    return outputs


def _run_scripts(scripts: dict[str, Path], tmp_path: Path) -> dict[str, str]:
    """Run each script as `python SCRIPT OUT.npz` in one fresh interpreter (TensorFlow is
    imported once); their stdout by case."""
    driver = (
        "import contextlib, io, runpy, sys\n"
        f"for name, script in {dict((k, str(v)) for k, v in scripts.items())!r}.items():\n"
        "    sys.argv = [script, script + '.npz']\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out):\n"
        "        runpy.run_path(script, run_name='__main__')\n"
        "    open(script + '.stdout', 'w').write(out.getvalue())\n"
    )
    env = {"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", driver], cwd=tmp_path, env=env, check=True, timeout=300)
    return {name: Path(f"{script}.stdout").read_text() for name, script in scripts.items()}


def _checked(model, entry: str, feeds: dict[str, Value]) -> dict[str, Value]:
    specs = {spec.name: spec for spec in model.info.entry(entry).inputs}
    return {name: check_feed(specs[name], value) for name, value in feeds.items()}


def _assert_scripts_reproduce(cases: dict, model_path, tmp_path: Path, feeds_files: bool) -> None:
    """Each case's script, run as `python SCRIPT OUT.npz`, saves the outputs the engine gives;
    with `feeds_files`, the script loads its feeds from an .npz save_script_feeds wrote."""
    expected, scripts = {}, {}
    for case, (model_name, entry, feeds, outputs) in cases.items():
        model = load_model(model_path(model_name))
        try:
            expected[case] = model.run(entry, feeds, outputs)
            feeds_file = None
            if feeds_files:  # as the window does it: the checked feeds, then the script
                feeds_file = str(tmp_path / f"{case}.feeds.npz")
                save_script_feeds(feeds_file, _checked(model, entry, feeds))
            source = python_script(model.info, entry, feeds, outputs, feeds_file)
        finally:
            model.close()
        assert "explorer" not in source.split('"""')[2]  # plain TensorFlow: no explorer import
        scripts[case] = tmp_path / f"{case}.py"
        scripts[case].write_text(source)
    stdout = _run_scripts(scripts, tmp_path)
    for case, ours in expected.items():
        saved = _saved(Path(f"{scripts[case]}.npz"))
        assert list(saved) == list(ours) or sorted(saved) == sorted(ours), case
        for name, value in ours.items():
            assert f"{name}\n" in stdout[case], (case, name)
            theirs = saved[name]
            if isinstance(value, SparseArray):
                assert theirs == value, (case, name)
            else:
                assert theirs.dtype == value.dtype and theirs.shape == value.shape, (case, name)
                np.testing.assert_array_equal(theirs, value, err_msg=f"{case} {name}")


def test_scripts_give_the_engine_outputs(model_path, tmp_path: Path) -> None:
    _assert_scripts_reproduce(CASES, model_path, tmp_path, feeds_files=False)


def test_nested_constant_and_tagged_scripts(model_path, tmp_path: Path) -> None:
    _assert_scripts_reproduce(NESTED_CASES, model_path, tmp_path, feeds_files=False)


def test_scripts_reading_feed_files(model_path, tmp_path: Path) -> None:
    cases = {name: CASES[name] for name in ("tf1_graph", "tf1_signature", "tf2_signature")}
    cases |= {name: NESTED_CASES[name] for name in ("dict_argument", "strings", "train_tag")}
    _assert_scripts_reproduce(cases, model_path, tmp_path, feeds_files=True)
    # Every feed came from its file: no array literal is left in the scripts.
    for case in cases:
        assert "np.array(" not in (tmp_path / f"{case}.py").read_text(), case
    with np.load(tmp_path / "strings.feeds.npz", allow_pickle=False) as saved:
        assert sorted(saved) == ["small", "tokens.dense_shape", "tokens.indices",
                                 "tokens.values", "words"]  # fmt: skip
        assert saved["words"].dtype.kind == "S" and saved["small"].dtype == np.uint16
        assert saved["tokens.values"].tolist() == ["é".encode(), b"a\x00b"]


def test_feed_a_file_cannot_hold_stays_a_literal(model_path, tmp_path: Path) -> None:
    """Fixed-width bytes drop a trailing NUL: such a string feed is spelled in the script."""
    feeds = dict(TYPED, words=np.array([b"ends in NUL\x00", b"x"], object))
    cases = {"trailing_nul": ("tf2_nested", "function:typed", feeds, None)}
    _assert_scripts_reproduce(cases, model_path, tmp_path, feeds_files=True)
    with np.load(tmp_path / "trailing_nul.feeds.npz", allow_pickle=False) as saved:
        assert "words" not in saved and "small" in saved
    source = (tmp_path / "trailing_nul.py").read_text()
    assert "words = np.array([b'ends in NUL\\x00', b'x'], dtype=object)" in source


def test_script_runs_alone(samples_dir: Path, tmp_path: Path) -> None:
    """The script as a user runs it: `python script.py`, printing each output by name."""
    model = load_model(samples_dir / "tf1_sparse_placeholder")
    try:
        ours = model.run("graph", {"features": FEATURES}, ["predictions"])
        source = python_script(model.info, "graph", {"features": FEATURES}, ["predictions"])
    finally:
        model.close()
    script = tmp_path / "run_model.py"
    script.write_text(source)
    env = {"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout == f"predictions\n{ours['predictions']}\n"


@pytest.mark.parametrize(
    "array",
    [
        np.array([0.1, 1 / 3, -0.0, 1e-45, 3.4028235e38], np.float32),
        np.array([np.nan, np.inf, -np.inf], np.float64),
        np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 10**15,
        np.zeros((0, 2), np.int64),
        np.array([], np.float32),
        np.array(2.5, np.float16),
        np.array([True, False]),
        np.array([1 + 2j, np.nan * 1j], np.complex64),
        np.array([b"a b", b"\x00'\""], dtype=object),
        np.random.default_rng(0).random(500).astype(np.float32),
    ],
)
def test_array_literal_is_exact(array: np.ndarray) -> None:
    back = eval(array_literal(array), {"np": np})
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_bfloat16_literal() -> None:
    array = np.array([1.5, -3.140625, 0.0078125], dtype=tf.bfloat16.as_numpy_dtype)
    back = eval(array_literal(array), {"np": np, "tf": tf})
    assert back.dtype == array.dtype
    np.testing.assert_array_equal(back.astype(np.float32), array.astype(np.float32))


def test_bad_feed_is_refused(samples_dir: Path) -> None:
    model = load_model(samples_dir / "tf1_sparse_placeholder")
    try:
        bad = SparseArray(FEATURES.indices, FEATURES.values, np.array([2, 5]))
        with pytest.raises(FeedError) as caught:
            python_script(model.info, "graph", {"features": bad}, None)
        assert str(caught.value).startswith("Dimension 1 of 'features' is 1000")
        with pytest.raises(FeedError) as caught:
            python_script(model.info, "graph", {"feature": FEATURES}, None)
        assert str(caught.value) == "There is no input 'feature' to feed in graph."
    finally:
        model.close()


def test_module_does_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "import explorer.engine.python_script\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
