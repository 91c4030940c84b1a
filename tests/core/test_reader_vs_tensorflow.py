"""The core reader against TensorFlow's own: listing, dtypes and bit-identical values."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.bundle import BundleReader

from .conftest import ALL_CHECKPOINTS, BUILDERS
from .make_checkpoints import LONG_STRING, PARTITIONS, every_dtype_values, partitioned_values
from .tf_oracle import assert_identical, tf_dtype_name, tf_value

TF2_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.fixture(params=ALL_CHECKPOINTS)
def case(request, checkpoints):
    """(our reader, TensorFlow's reader) of one checkpoint."""
    name = request.param
    reader = BundleReader(checkpoints.prefix(name))
    yield reader, checkpoints.tf_reader(name)
    reader.close()


def test_listing_equals_list_variables(case, tf):
    ours, theirs = case
    listed = tf.train.list_variables(str(ours.prefix))
    assert [(info.name, list(info.shape)) for info in ours.variables] == [
        (name, list(shape)) for name, shape in listed
    ]


def test_dtypes_equal_tensorflow(case):
    ours, theirs = case
    expected = {name: tf_dtype_name(d) for name, d in theirs.get_variable_to_dtype_map().items()}
    assert {info.name: info.dtype_name for info in ours.variables} == expected


def test_values_are_bit_identical(case):
    ours, theirs = case
    for info in ours.variables:
        assert_identical(ours.read(info.name), tf_value(theirs, info.name), info.name)


def test_nbytes_of_numeric_variables(case):
    ours, theirs = case
    for info in ours.variables:
        value = tf_value(theirs, info.name)
        if value.dtype != object:
            assert info.nbytes == value.nbytes, info.name


def test_every_checksum_verifies(case):
    ours, _ = case
    for info in ours.variables:
        progress = list(ours.iter_verify(info.name))
        assert progress, info.name
        assert progress == sorted(progress), info.name
        assert progress[-1] == 1.0, info.name


def test_every_dtype_checkpoint_holds_what_was_saved(checkpoints, tf):
    """The oracle itself is checked: TF must have saved the values the builder meant."""
    reader = BundleReader(checkpoints.prefix("tf2_every_dtype"))
    for name, value in every_dtype_values(tf).items():
        ours = reader.read(f"model/{name}{TF2_SUFFIX}")
        expected = np.asarray(value)
        if expected.dtype == object:
            assert list(ours.reshape(-1)) == list(expected.reshape(-1)), name
        else:
            assert ours.tobytes() == expected.tobytes(), name
        assert ours.shape == expected.shape, name
    assert reader.read(f"step{TF2_SUFFIX}") == 5
    long = reader.read(f"model/strings{TF2_SUFFIX}")[3]
    assert long == LONG_STRING and len(long) > 127


def test_every_dtype_checkpoint_names(checkpoints):
    reader = BundleReader(checkpoints.prefix("tf2_every_dtype"))
    names = {info.name: info.dtype_name for info in reader.variables}
    assert names["_CHECKPOINTABLE_OBJECT_GRAPH"] == "object"
    for dtype in ("float16", "bfloat16", "uint64", "complex128", "bool"):
        assert names[f"model/{dtype}{TF2_SUFFIX}"] == dtype
    assert names[f"model/strings{TF2_SUFFIX}"] == "object"


def test_partitioned_variables_are_listed_once_with_their_slices(checkpoints):
    reader = BundleReader(checkpoints.prefix("tf1_partitioned"))
    infos = {info.name: info for info in reader.variables}
    for name, value in partitioned_values().items():
        info = infos[name]
        assert info.shape == value.shape
        assert info.num_slices == (PARTITIONS[name][0] if name in PARTITIONS else 0)
        assert reader.read(name).tobytes() == value.tobytes(), name
    assert not any("part_" in name for name in infos)


def test_sharded_save_spreads_over_two_data_files(checkpoints):
    prefix = checkpoints.prefix("tf1_sharded")
    reader = BundleReader(prefix)
    assert reader.header.num_shards == 2
    shards = sorted(p.name for p in prefix.parent.glob(f"{prefix.name}.data-*"))
    assert shards == [f"{prefix.name}.data-00000-of-00002", f"{prefix.name}.data-00001-of-00002"]


def test_max_shard_size_policy_slices_big_variables(checkpoints):
    prefix = checkpoints.prefix("tf2_max_shard_size")
    reader = BundleReader(prefix)
    assert reader.header.num_shards > 2
    sliced = reader.info(f"module/sliced{TF2_SUFFIX}")
    assert sliced.num_slices > 2


@pytest.mark.parametrize("name", list(BUILDERS))
def test_built_checkpoints_are_not_trivial(checkpoints, name):
    """Guards the parametrized tests above against comparing empty listings."""
    reader = BundleReader(checkpoints.prefix(name))
    assert len(reader.variables) >= 4
