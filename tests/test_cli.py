"""`explorer inspect`: the JSON contract, reading tensors, and one-sentence errors (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from explorer import cli, display
from explorer.app import main as app_main

tf = pytest.importorskip("tensorflow")

SAMPLE_PREFIXES = {
    "tf1_sparse_placeholder": ("tf1", "model.ckpt-3"),
    "custom_sparse_triplet": ("tf1", "model.ckpt-100"),
    "tf2_object_checkpoint": ("tf2", "ckpt-2"),
    "savedmodel_sparse": ("savedmodel", "variables/variables"),
}


SAMPLE_SPARSE = {
    "tf1_sparse_placeholder": [],
    "custom_sparse_triplet": ["sparse_weights"],
    "tf2_object_checkpoint": ["model/layer"],
    "savedmodel_sparse": [],
}

SAMPLE_SPARSE_INPUTS = {
    "tf1_sparse_placeholder": ["features"],
    "custom_sparse_triplet": [],
    "tf2_object_checkpoint": [],
    "savedmodel_sparse": ["serving_default/x"],
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["inspect", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("sample", sorted(SAMPLE_PREFIXES))
def test_json_listing_matches_tensorflow(capsys, samples_dir: Path, sample: str) -> None:
    kind, prefix = SAMPLE_PREFIXES[sample]
    code, out, err = run_cli(capsys, str(samples_dir / sample), "--json")
    assert code == 0, err
    listing = json.loads(out)
    assert listing["kind"] == kind
    assert listing["prefix"] == str(samples_dir / sample / prefix)
    assert listing["prefix"] in listing["checkpoints"]
    assert [t["name"] for t in listing["sparse_tensors"]] == SAMPLE_SPARSE[sample]
    assert [i["name"] for i in listing["sparse_inputs"]] == SAMPLE_SPARSE_INPUTS[sample]
    reader = tf.train.load_checkpoint(listing["prefix"])
    dtypes = reader.get_variable_to_dtype_map()
    expected = [
        {
            "name": name,
            "dtype": np.dtype(dtypes[name].as_numpy_dtype).name,
            "shape": shape,
        }
        for name, shape in tf.train.list_variables(listing["prefix"])
    ]
    assert [{k: v[k] for k in ("name", "dtype", "shape")} for v in listing["variables"]] == expected
    for variable in listing["variables"]:
        value = reader.get_tensor(variable["name"])
        if variable["dtype"] != "object":
            assert variable["nbytes"] == np.asarray(value).nbytes


def test_steps_are_listed_oldest_first(capsys, samples_dir: Path) -> None:
    _, out, _ = run_cli(capsys, str(samples_dir / "tf1_sparse_placeholder"), "--json")
    names = [Path(p).name for p in json.loads(out)["checkpoints"]]
    assert names == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"]


def test_table_lists_display_names(capsys, samples_dir: Path) -> None:
    code, out, _ = run_cli(capsys, str(samples_dir / "tf2_object_checkpoint"))
    assert code == 0
    assert "model/layer/indices " in out
    assert "VARIABLE_VALUE" not in out
    assert "6 variables" in out


@pytest.mark.parametrize(
    ("name", "index", "key"),
    [
        ("embedding", "333:335, ::3", (slice(333, 335), slice(None, None, 3))),
        ("embedding", "-1", (-1,)),
        ("linear/weights", "..., 0", (Ellipsis, 0)),
        ("global_step", None, ()),
    ],
)
def test_tensor_slice_equals_tensorflow(capsys, tmp_path, samples_dir, name, index, key) -> None:
    path = samples_dir / "tf1_sparse_placeholder"
    out_file = tmp_path / "value.npy"
    argv = [str(path), "--tensor", name, "--out", str(out_file)]
    if index is not None:
        argv += ["--slice", index]
    code, _, err = run_cli(capsys, *argv)
    assert code == 0, err
    expected = tf.train.load_checkpoint(str(path / "model.ckpt-3")).get_tensor(name)[key]
    np.testing.assert_array_equal(np.load(out_file), expected)


def test_tensor_by_display_name_and_strings(capsys, tmp_path, samples_dir) -> None:
    path = samples_dir / "tf2_object_checkpoint"
    out_file = tmp_path / "graph.npy"
    code, _, err = run_cli(capsys, str(path), "--tensor", "_CHECKPOINTABLE_OBJECT_GRAPH",
                           "--out", str(out_file))  # fmt: skip
    assert code == 0, err
    expected = tf.train.load_checkpoint(str(path / "ckpt-2")).get_tensor(
        "_CHECKPOINTABLE_OBJECT_GRAPH"
    )
    assert np.load(out_file, allow_pickle=True).item() == expected
    code, out, _ = run_cli(capsys, str(path), "--tensor", "model/layer/values", "--verify")
    assert code == 0 and out.startswith("model/layer/values  float32  [24]")


def test_verify_reports_damage(capsys, tmp_path, samples_dir) -> None:
    for source in (samples_dir / "custom_sparse_triplet").iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    data = tmp_path / "model.ckpt-100.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    code, _, err = run_cli(capsys, str(tmp_path), "--verify")
    assert code == 2
    assert "checksum" in err and str(data) in err


def _broken_cases(tmp_path: Path, samples_dir: Path) -> dict[str, tuple[list[str], str]]:
    empty = tmp_path / "empty"
    empty.mkdir()
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "model.ckpt-1.index").write_bytes(os.urandom(300))
    no_data = tmp_path / "no_data"
    no_data.mkdir()
    source = samples_dir / "custom_sparse_triplet" / "model.ckpt-100.index"
    (no_data / "model.ckpt-100.index").write_bytes(source.read_bytes())
    sample = str(samples_dir / "custom_sparse_triplet")
    return {
        "missing path": ([str(tmp_path / "nope")], "does not exist"),
        "empty directory": ([str(empty)], "holds no TensorFlow checkpoint"),
        "garbage index": ([str(garbage)], "is not a TensorFlow checkpoint index"),
        "index without data": ([str(no_data)], "is missing"),
        "unknown tensor": ([sample, "--tensor", "nope"], "has no variable named 'nope'"),
        "bad slice": ([sample, "--tensor", "dense/bias", "--slice", "1:x"], "numpy-style"),
        "slice out of range": ([sample, "--tensor", "dense/bias", "--slice", "9"], "out of bounds"),
        "slice without tensor": ([sample, "--slice", "0"], "go with --tensor"),
        "unwritable out": (
            [sample, "--tensor", "dense/bias", "--out", str(tmp_path / "no" / "dir" / "x.npy")],
            "cannot be written",
        ),
    }


def test_bad_input_is_one_sentence_and_exit_2(capsys, tmp_path, samples_dir) -> None:
    for case, (argv, phrase) in _broken_cases(tmp_path, samples_dir).items():
        code, out, err = run_cli(capsys, *argv)
        assert code == 2, case
        assert phrase in err, (case, err)
        assert err.count("\n") == 1 and err.rstrip().endswith("."), (case, err)
        assert "Traceback" not in err and out == "", case


def test_command_line_process_never_prints_a_traceback(tmp_path) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "inspect", str(tmp_path / "missing")],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == f"explorer: {tmp_path / 'missing'} does not exist."


def test_without_a_display_the_window_points_to_inspect(monkeypatch, capsys) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app_main([]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "explorer inspect" in err and err.count("\n") == 1


def test_missing_xcb_libraries_are_named_with_their_packages(monkeypatch) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(
        display, "missing_xcb_libraries", lambda: ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
    )
    problem = display.display_problem()
    assert problem is not None
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in problem


def test_unreachable_x_display_is_one_sentence(monkeypatch) -> None:
    monkeypatch.setenv("DISPLAY", ":987")  # a real connection attempt to a display nobody runs
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    if display.x_display_reachable(":987") is None:
        pytest.skip("libxcb is not installed, so the connection cannot be tried")
    assert display.display_problem() == (
        f"explorer: the X display :987 does not answer; {display.INSPECT_HINT}."
    )


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_live_x_display_is_reachable() -> None:
    server = subprocess.Popen(["Xvfb", ":986", "-screen", "0", "640x480x24"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not display.x_display_reachable(":986") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert display.x_display_reachable(":986") is True
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_wayland_without_its_display_is_one_sentence(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "wayland")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert "WAYLAND_DISPLAY is not set" in (display.display_problem() or "")


def test_offscreen_platform_needs_no_display(monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display.display_problem() is None


def test_unknown_option_and_help(capsys) -> None:
    assert app_main(["--bogus"]) == 2
    assert "unknown option --bogus" in capsys.readouterr().err
    assert app_main(["--help"]) == 0
    assert "explorer inspect PATH" in capsys.readouterr().out


def test_variant_tensor_goes_through_tensorflow_quietly(tmp_path) -> None:
    iterator = iter(tf.data.Dataset.range(10))
    next(iterator)
    tf.train.Checkpoint(it=iterator).write(str(tmp_path / "ckpt"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}  # the chatter must be silenced anyway
    name = "it/.ATTRIBUTES/ITERATOR_STATE"
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "inspect", str(tmp_path), "--tensor", name],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"explorer: TensorFlow cannot read '{name}'")
    assert result.stderr.count("\n") == 1, result.stderr


def test_big_tensor_prints_a_preview_not_everything(capsys, samples_dir) -> None:
    path = samples_dir / "tf1_sparse_placeholder"
    code, out, _ = run_cli(capsys, str(path), "--tensor", "embedding")
    assert code == 0
    assert out.splitlines()[-1] == (
        "(the first [:125, :8] of 8,000 values; use --slice or --out for more)"
    )
    assert cli.preview_key((2_000_000, 64)) == (slice(0, 15), slice(0, 64))
    assert cli.preview_key((1, 10**9)) == (slice(0, 1), slice(0, 1000))
    assert cli.preview_key((7,)) == (slice(0, 7),)


def test_out_names_the_file_numpy_wrote(capsys, tmp_path, samples_dir) -> None:
    path = samples_dir / "custom_sparse_triplet"
    argv = [str(path), "--tensor", "dense/bias", "--out", str(tmp_path / "b")]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    assert out.strip() == f"wrote [4] float32 to {tmp_path / 'b.npy'}"
    assert (tmp_path / "b.npy").is_file()


def test_strings_are_called_strings(capsys, samples_dir) -> None:
    path = samples_dir / "tf2_object_checkpoint"
    _, out, _ = run_cli(capsys, str(path), "--tensor", "_CHECKPOINTABLE_OBJECT_GRAPH")
    assert out.startswith("_CHECKPOINTABLE_OBJECT_GRAPH  string  []")
    _, table, _ = run_cli(capsys, str(path))
    assert "_CHECKPOINTABLE_OBJECT_GRAPH  string" in table


def test_stale_state_file_note_goes_to_stderr(capsys, tmp_path, samples_dir) -> None:
    for source in (samples_dir / "tf1_sparse_placeholder").iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "/elsewhere/model.ckpt-1"\n')
    code, out, err = run_cli(capsys, str(tmp_path), "--json")
    assert code == 0
    assert json.loads(out)["prefix"] == str(tmp_path / "model.ckpt-1")
    assert err.startswith("explorer: ") and "/elsewhere/model.ckpt-1, which does not exist" in err


def test_sparse_tensors_in_json(capsys, samples_dir) -> None:
    _, out, _ = run_cli(capsys, str(samples_dir / "custom_sparse_triplet"), "--json")
    (sparse,) = json.loads(out)["sparse_tensors"]
    assert sparse == {
        "name": "sparse_weights",
        "indices": "sparse_weights/indices",
        "values": "sparse_weights/values",
        "dense_shape": "sparse_weights/dense_shape",
        "nnz": 40,
        "shape": [50, 30],
        "problems": [],
    }


@pytest.mark.parametrize("file_format", ["npz", "scipy"])
def test_sparse_export_equals_tensorflow(capsys, tmp_path, samples_dir, file_format) -> None:
    path = samples_dir / "tf2_object_checkpoint"
    out_file = tmp_path / "layer.npz"
    code, out, err = run_cli(capsys, str(path), "--sparse", "model/layer", "--out", str(out_file),
                             "--format", file_format)  # fmt: skip
    assert code == 0, err
    assert out.strip() == f"wrote model/layer: 24 entries in [20, 10] to {out_file}"
    reader = tf.train.load_checkpoint(str(path / "ckpt-2"))
    member = {role: reader.get_tensor(f"model/layer/{role}/.ATTRIBUTES/VARIABLE_VALUE")
              for role in ("indices", "values", "dense_shape")}  # fmt: skip
    expected = tf.sparse.SparseTensor(**member)
    if file_format == "npz":
        saved = np.load(out_file)
        for role, value in member.items():
            np.testing.assert_array_equal(saved[role], value)
    else:
        import scipy.sparse

        dense = scipy.sparse.load_npz(out_file).toarray()
        np.testing.assert_array_equal(dense, tf.sparse.to_dense(expected).numpy())


def test_sparse_export_errors(capsys, tmp_path, samples_dir) -> None:
    path = str(samples_dir / "custom_sparse_triplet")
    code, _, err = run_cli(capsys, path, "--sparse", "nope", "--out", str(tmp_path / "x"))
    assert code == 2 and "has no sparse tensor named 'nope' (it has: sparse_weights)." in err
    code, _, err = run_cli(capsys, path, "--sparse", "sparse_weights")
    assert code == 2 and "--sparse NAME needs --out FILE.npz." in err
