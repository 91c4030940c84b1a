"""Fixtures of the core tests: checkpoints written once per session by TensorFlow, the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.core.bundle import BundleReader

from . import make_checkpoints
from .damage import copy_of
from .tf_oracle import tf_value

# Checkpoints TensorFlow writes for the tests, by name.
BUILDERS = {
    "tf2_every_dtype": make_checkpoints.tf2_every_dtype,
    "tf1_saver": make_checkpoints.tf1_saver,
    "tf1_partitioned": make_checkpoints.tf1_partitioned,
    "tf1_sharded": make_checkpoints.tf1_sharded,
    "tf2_max_shard_size": make_checkpoints.tf2_max_shard_size,
    "saved_model": make_checkpoints.saved_model,
}

# The bundled samples, by name: their prefixes relative to resources/samples.
SAMPLES = {
    "sample_tf1_sparse_placeholder": "tf1_sparse_placeholder/model.ckpt-3",
    "sample_tf1_step1": "tf1_sparse_placeholder/model.ckpt-1",
    "sample_custom_sparse_triplet": "custom_sparse_triplet/model.ckpt-100",
    "sample_tf2_object_checkpoint": "tf2_object_checkpoint/ckpt-2",
    "sample_savedmodel": "savedmodel_sparse/variables/variables",
}

ALL_CHECKPOINTS = [*BUILDERS, *SAMPLES]


class Checkpoints:
    """Builds each checkpoint the first time a test asks for it, then hands out its prefix."""

    def __init__(self, tf, tmp_path_factory: pytest.TempPathFactory, samples_dir: Path):
        self._tf = tf
        self._factory = tmp_path_factory
        self._samples_dir = samples_dir
        self._prefixes: dict[str, Path] = {}
        self._readers: dict[str, object] = {}

    def prefix(self, name: str) -> Path:
        if name not in self._prefixes:
            if name in SAMPLES:
                self._prefixes[name] = self._samples_dir / SAMPLES[name]
            else:
                self._prefixes[name] = BUILDERS[name](self._tf, self._factory.mktemp(name))
        return self._prefixes[name]

    def tf_reader(self, name: str):
        """TensorFlow's own CheckpointReader of that checkpoint: the oracle."""
        if name not in self._readers:
            self._readers[name] = self._tf.train.load_checkpoint(str(self.prefix(name)))
        return self._readers[name]


@pytest.fixture(scope="session")
def tf():
    import tensorflow

    return tensorflow


@pytest.fixture(scope="session")
def checkpoints(tf, tmp_path_factory, samples_dir) -> Checkpoints:
    return Checkpoints(tf, tmp_path_factory, samples_dir)


@pytest.fixture
def saver_copy(checkpoints, tmp_path) -> Path:
    """A private copy of the TF1 Saver checkpoint, for a test to damage."""
    return copy_of(checkpoints.prefix("tf1_saver"), tmp_path)


@pytest.fixture
def lazy_and_full(request, checkpoints):
    """(LazyTensor, TensorFlow's full value) of the parametrized (checkpoint, name)."""
    checkpoint, name = request.param
    reader = BundleReader(checkpoints.prefix(checkpoint))
    yield reader.tensor(name), tf_value(checkpoints.tf_reader(checkpoint), name)
    reader.close()
