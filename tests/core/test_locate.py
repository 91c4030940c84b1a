"""Every path a person may give resolves to the right checkpoint prefix, and its kind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from explorer.core.bundle import BundleReader
from explorer.core.checkpoint import open_checkpoint
from explorer.core.locate import locate

SOURCE = "custom_sparse_triplet/model.ckpt-100"
STEPS = [10, 2, 9, 1]  # written in this order; the lexical order would put 10 before 2
DATA = ".data-00000-of-00001"


def copy_checkpoint(source: Path, prefix: Path, meta: bool = True) -> Path:
    """A real checkpoint's files under another prefix."""
    suffixes = [".index", DATA] + ([".meta"] if meta else [])
    for suffix in suffixes:
        shutil.copyfile(f"{source}{suffix}", f"{prefix}{suffix}")
    return prefix


@pytest.fixture
def steps_dir(tmp_path, samples_dir) -> Path:
    """A training directory with steps 1, 2, 9 and 10 and no state file.

    Modification times run against the steps (step 1 is the most recently written) so that
    ordering by time instead of by step would be caught.
    """
    directory = tmp_path / "run"
    directory.mkdir()
    for age, step in enumerate(sorted(STEPS)):
        prefix = copy_checkpoint(samples_dir / SOURCE, directory / f"model.ckpt-{step}")
        stamp = 1_700_000_000 - 1000 * age
        os.utime(f"{prefix}.index", (stamp, stamp))
    return directory


def write_state(directory: Path, chosen: str, *all_paths: str) -> Path:
    lines = [f'model_checkpoint_path: "{chosen}"']
    lines += [f'all_model_checkpoint_paths: "{path}"' for path in all_paths or (chosen,)]
    state = directory / "checkpoint"
    state.write_text("\n".join(lines) + "\n")
    return state


def names(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def test_steps_sorted_numerically_oldest_first(steps_dir):
    location = locate(steps_dir)
    assert names(location.checkpoints) == [f"model.ckpt-{s}" for s in (1, 2, 9, 10)]
    assert all(path.parent == steps_dir for path in location.checkpoints)


def test_no_state_file_chooses_newest_step(steps_dir):
    location = locate(steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-10"
    assert location.directory == steps_dir
    assert location.notes == []
    assert location.saved_model is None


@pytest.mark.parametrize(
    "form", ["model.ckpt-2", "model.ckpt-2.index", f"model.ckpt-2{DATA}", "model.ckpt-2.meta"]
)
def test_every_file_of_a_step_resolves_to_its_prefix(steps_dir, form):
    write_state(steps_dir, "model.ckpt-9")  # naming a file wins over the state file
    location = locate(steps_dir / form)
    assert location.prefix == steps_dir / "model.ckpt-2"
    assert names(location.checkpoints) == [f"model.ckpt-{s}" for s in (1, 2, 9, 10)]
    assert location.meta_path == steps_dir / "model.ckpt-2.meta"


def test_relative_path_becomes_absolute(steps_dir, monkeypatch):
    monkeypatch.chdir(steps_dir.parent)
    location = locate(Path(steps_dir.name) / "model.ckpt-9.index")
    assert location.prefix == steps_dir / "model.ckpt-9"
    assert location.prefix.is_absolute()


@pytest.mark.parametrize("via_state_file", [False, True])
def test_state_file_chooses_the_step_it_names_not_the_newest(steps_dir, via_state_file):
    state = write_state(steps_dir, "model.ckpt-2", "model.ckpt-1", "model.ckpt-2")
    location = locate(state if via_state_file else steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-2"
    assert location.notes == []
    assert len(location.checkpoints) == 4


def test_state_file_with_absolute_path_on_this_machine(steps_dir):
    write_state(steps_dir, str(steps_dir / "model.ckpt-9"))
    location = locate(steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-9"
    assert location.notes == []


def test_a_copied_directory_opens_its_own_steps_not_the_originals(steps_dir, tmp_path):
    write_state(steps_dir, str(steps_dir / "model.ckpt-9"))  # absolute, as Saver writes it
    copy = tmp_path / "copy"
    shutil.copytree(steps_dir, copy)
    location = locate(copy)
    assert location.prefix == copy / "model.ckpt-9"
    assert len(location.notes) == 1 and str(steps_dir / "model.ckpt-9") in location.notes[0]


def test_state_file_from_another_machine_resolves_by_basename(steps_dir):
    stale = "/nonexistent/home/u/run/model.ckpt-2"
    write_state(steps_dir, stale, "/nonexistent/home/u/run/model.ckpt-1", stale)
    location = locate(steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-2"
    assert len(location.notes) == 1
    assert stale in location.notes[0] and "model.ckpt-2" in location.notes[0]


@pytest.mark.parametrize("named", ["model.ckpt-7", "/nonexistent/home/u/run/model.ckpt-7"])
def test_state_file_naming_a_missing_step_falls_back_to_newest(steps_dir, named):
    write_state(steps_dir, named)
    location = locate(steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-10"
    assert len(location.notes) == 1
    assert named in location.notes[0] and "newest" in location.notes[0]


def test_state_file_naming_nothing_falls_back_to_newest(steps_dir):
    (steps_dir / "checkpoint").write_text("this is not a checkpoint state\n")
    location = locate(steps_dir)
    assert location.prefix == steps_dir / "model.ckpt-10"
    assert len(location.notes) == 1 and "checkpoint" in location.notes[0]


def test_prefixes_without_steps_and_tf2_names(tmp_path, samples_dir):
    for name in ("ckpt-3", "ckpt-12", "best"):
        copy_checkpoint(samples_dir / SOURCE, tmp_path / name, meta=False)
    location = locate(tmp_path)
    assert names(location.checkpoints) == ["best", "ckpt-3", "ckpt-12"]
    assert location.prefix == tmp_path / "ckpt-12"
    assert location.meta_path is None


SAVED_MODEL_FORMS = [
    "",
    "saved_model.pb",
    "variables",
    "variables/variables",
    "variables/variables.index",
    f"variables/variables{DATA}",
]


@pytest.mark.parametrize("form", SAVED_MODEL_FORMS)
def test_saved_model_forms(samples_dir, form):
    directory = samples_dir / "savedmodel_sparse"
    location = locate(directory / form)
    prefix = directory / "variables" / "variables"
    assert location.prefix == prefix
    assert location.saved_model == directory
    assert location.checkpoints == [prefix]
    assert open_checkpoint(directory / form).kind == "savedmodel"


def test_sample_directories(samples_dir):
    placeholder = locate(samples_dir / "tf1_sparse_placeholder")
    assert names(placeholder.checkpoints) == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"]
    assert placeholder.prefix.name == "model.ckpt-3"
    assert placeholder.meta_path is not None
    tf2 = locate(samples_dir / "tf2_object_checkpoint")
    assert names(tf2.checkpoints) == ["ckpt-1", "ckpt-2"]
    assert tf2.prefix.name == "ckpt-2"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("tf1_sparse_placeholder", "tf1"),
        ("custom_sparse_triplet/model.ckpt-100.index", "tf1"),
        ("tf2_object_checkpoint", "tf2"),
        ("tf2_object_checkpoint/ckpt-1.index", "tf2"),
        ("savedmodel_sparse", "savedmodel"),
        ("savedmodel_sparse/saved_model.pb", "savedmodel"),
    ],
)
def test_kind_of_samples(samples_dir, path, kind):
    checkpoint = open_checkpoint(samples_dir / path)
    assert checkpoint.kind == kind
    assert checkpoint.prefix.is_absolute()
    checkpoint.close()


@pytest.mark.parametrize(
    ("name", "kind"),
    [("tf1_saver", "tf1"), ("tf2_every_dtype", "tf2"), ("saved_model", "savedmodel")],
)
def test_kind_of_checkpoints_written_by_tensorflow(checkpoints, tf, name, kind):
    prefix = checkpoints.prefix(name)
    path = prefix.parent.parent if kind == "savedmodel" else prefix.parent
    checkpoint = open_checkpoint(path)
    assert checkpoint.kind == kind
    assert checkpoint.prefix == prefix
    listed = tf.train.list_variables(str(prefix))
    assert [info.name for info in checkpoint.variables] == [key for key, _ in listed]


def test_open_checkpoint_with_another_step(samples_dir):
    directory = samples_dir / "tf1_sparse_placeholder"
    checkpoint = open_checkpoint(directory, prefix=directory / "model.ckpt-1")
    assert checkpoint.prefix == directory / "model.ckpt-1"
    expected = BundleReader(directory / "model.ckpt-1")
    step = "global_step"
    assert checkpoint.reader.read(step) == expected.read(step) == 1
    assert open_checkpoint(directory).reader.read(step) == 3


def test_state_file_written_on_windows_resolves_by_basename(tmp_path, samples_dir) -> None:
    for source in (samples_dir / "tf1_sparse_placeholder").iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "checkpoint").write_text(
        'model_checkpoint_path: "C:\\\\Users\\\\me\\\\run\\\\model.ckpt-2"\n'
    )
    location = locate(tmp_path)
    assert location.prefix == tmp_path / "model.ckpt-2"
    assert any("does not exist" in note for note in location.notes)


def test_data_files_name_the_shards_a_variable_lives_in(checkpoints) -> None:
    sharded = BundleReader(checkpoints.prefix("tf1_sharded"))
    shard_of = {
        v.name: [p.name[-19:] for p in sharded.data_files(v.name)] for v in sharded.variables
    }
    assert shard_of["first/a"] == ["data-00000-of-00002"]
    assert shard_of["second/b"] == ["data-00001-of-00002"]
    assert shard_of["second/parted"] == ["data-00001-of-00002"]
    sliced = BundleReader(checkpoints.prefix("tf2_max_shard_size"))
    assert len(sliced.data_files("module/sliced/.ATTRIBUTES/VARIABLE_VALUE")) > 1
    assert all(
        path.is_file() for path in sliced.data_files("module/small/.ATTRIBUTES/VARIABLE_VALUE")
    )


def test_state_file_escapes_are_undone_as_tensorflow_does(tf, tmp_path) -> None:
    name = 'mödel "naïve" run.ckpt'  # TensorFlow's own lookup globs, so no backslash here
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), 5, checkpoint_name=name)
    manager.save(checkpoint_number=9)
    manager.save(checkpoint_number=3)  # the state file now names step 3, not the newest (9)
    assert '\\"naïve\\"' in (tmp_path / "checkpoint").read_text()  # TensorFlow escaped it
    assert locate(tmp_path).prefix == Path(tf.train.latest_checkpoint(str(tmp_path)))
    assert locate(tmp_path).prefix.name == f"{name}-3"


def test_state_file_backslashes_and_octal_bytes_are_unescaped(tmp_path, samples_dir) -> None:
    for source in (samples_dir / "custom_sparse_triplet").iterdir():
        if source.name != "checkpoint":
            target = tmp_path / source.name.replace("model", "m\\odé")
            target.write_bytes(source.read_bytes())
    (tmp_path / "decoy.ckpt-999.index").write_bytes(b"")  # newest by step, not named
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "m\\\\od\\303\\251.ckpt-100"\n')
    assert locate(tmp_path).prefix == tmp_path / "m\\odé.ckpt-100"
