"""Checkpoints written by TensorFlow itself, for the core reader to be compared against.

Each builder takes the imported `tensorflow` module and an empty directory and returns the
checkpoint prefix it wrote. Values are seeded so a failure reproduces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LONG_STRING = bytes(range(256)) * 2  # 512 bytes: its varint length takes two bytes
STRINGS = np.array(
    [b"", b"plain", "\u00fcn\u00efcode".encode(), LONG_STRING, b"ends in nul\x00"], dtype=object
)

# Shapes of the big tensors: large enough that a whole copy would show up when only a row is read.
BIG_SHAPE = (1000, 300)
SLICED_SHAPE = (2000, 50)
TALL_ROWS = 20000  # partition starts past 8192 take three bytes in the slice key


def _special_floats(dtype: np.dtype, rng: np.random.Generator, shape) -> np.ndarray:
    values = rng.standard_normal(shape).astype(np.float64) * 100
    flat = values.reshape(-1)
    flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30]
    return values.astype(dtype)


def _ints(dtype: np.dtype, rng: np.random.Generator, shape) -> np.ndarray:
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    flat = values.reshape(-1)
    flat[:3] = [info.min, info.max, 0]
    return values


def every_dtype_values(tf) -> dict[str, np.ndarray]:
    """One array per dtype TensorFlow variables can hold, plus awkward shapes."""
    rng = np.random.default_rng(1234)
    shape = (3, 5)
    values: dict[str, np.ndarray] = {}
    for name in ("float16", "float32", "float64"):
        values[name] = _special_floats(np.dtype(name), rng, shape)
    values["bfloat16"] = _special_floats(tf.bfloat16.as_numpy_dtype, rng, shape)
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        values[name] = _ints(np.dtype(name), rng, shape)
    values["bool"] = rng.integers(0, 2, size=shape).astype(bool)
    for name, part in (("complex64", np.float32), ("complex128", np.float64)):
        real = rng.standard_normal(shape).astype(part)
        imag = rng.standard_normal(shape).astype(part)
        values[name] = (real + 1j * imag).astype(name)
        values[name][0, 0] = complex(np.nan, np.inf)
    values["strings"] = STRINGS
    values["strings_2d"] = np.array([[b"a", b""], [LONG_STRING[:130], b"bc\x00"]], dtype=object)
    values["string_scalar"] = np.array(LONG_STRING[:200], dtype=object)
    values["string_empty"] = np.array([], dtype=object)
    values["float_scalar"] = np.array(3.25, dtype=np.float32)
    values["int_scalar"] = np.array(-7, dtype=np.int64)
    values["bool_scalar"] = np.array(True)
    values["empty_0x4"] = np.zeros((0, 4), dtype=np.float32)
    values["empty_0"] = np.zeros((0,), dtype=np.int32)
    values["big"] = rng.standard_normal(BIG_SHAPE).astype(np.float32)
    values["rank4"] = rng.standard_normal((2, 3, 4, 5)).astype(np.float64)
    return values


def tf2_every_dtype(tf, directory: Path) -> Path:
    """A TF2 object-based checkpoint: nested objects, one variable per dtype and shape."""
    values = every_dtype_values(tf)
    inner = tf.Module()
    for name, value in values.items():
        dtype = tf.string if value.dtype == object or value.dtype.kind == "S" else None
        setattr(inner, name, tf.Variable(tf.constant(value, dtype=dtype), name=name))
    checkpoint = tf.train.Checkpoint(model=inner, step=tf.Variable(5, dtype=tf.int64))
    return Path(checkpoint.save(str(directory / "ckpt")))


def _tf1_saver(tf, directory: Path, build, **saver_kwargs) -> Path:
    """Build a graph with `build(tf1)`, initialize it and save it with a TF1 Saver."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        assign_ops = build(tf1)
        saver = tf1.train.Saver(**saver_kwargs)
        config = tf1.ConfigProto(device_count={"CPU": 2})
        with tf1.Session(graph=graph, config=config) as session:
            session.run(tf1.global_variables_initializer())
            session.run(assign_ops)
            path = saver.save(session, str(directory / "model.ckpt"), global_step=5)
    return Path(path)


def tf1_saver(tf, directory: Path) -> Path:
    """A classic graph-mode Saver checkpoint with a `.meta` graph and a state file."""
    rng = np.random.default_rng(99)

    def build(tf1):
        with tf1.variable_scope("dense"):
            tf1.get_variable("kernel", initializer=rng.standard_normal((8, 3)).astype(np.float32))
            tf1.get_variable("bias", initializer=np.zeros(3, np.float32))
        tf1.get_variable("ids", initializer=rng.integers(-(2**40), 2**40, size=(4, 2)))
        tf1.get_variable("mask", initializer=np.array([True, False, True]))
        tf1.get_variable("half", initializer=rng.standard_normal(6).astype(np.float16))
        tf1.get_variable("vocab", initializer=tf.constant([b"", b"x", LONG_STRING]))
        tf1.train.get_or_create_global_step()
        return []

    return _tf1_saver(tf, directory, build)


def partitioned_values() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "emb_axis0": rng.standard_normal((10, 4)).astype(np.float32),
        "emb_axis1": rng.standard_normal((5, 7)).astype(np.float32),
        "ids_axis0": rng.integers(-1000, 1000, size=(7, 3)).astype(np.int64),
        "tall": rng.standard_normal((TALL_ROWS, 2)).astype(np.float32),
        "whole": rng.standard_normal((3, 3)).astype(np.float64),
    }


PARTITIONS = {"emb_axis0": (3, 0), "emb_axis1": (3, 1), "ids_axis0": (5, 0), "tall": (3, 0)}


def tf1_partitioned(tf, directory: Path) -> Path:
    """Partitioned variables (fixed_size_partitioner, uneven parts) saved as slices."""
    values = partitioned_values()

    def build(tf1):
        assigns = []
        for name, value in values.items():
            partitioner = None
            if name in PARTITIONS:
                parts, axis = PARTITIONS[name]
                partitioner = tf1.fixed_size_partitioner(parts, axis=axis)
            var = tf1.get_variable(
                name,
                shape=value.shape,
                dtype=tf.as_dtype(value.dtype),
                initializer=tf1.zeros_initializer(),
                partitioner=partitioner,
            )
            assigns.append(var.assign(value) if partitioner is None else _assign_parts(var, value))
        return assigns

    def _assign_parts(var, value):
        ops = []
        for part in var:  # each part knows its offset in the full variable
            offset = part._save_slice_info.var_offset
            region = tuple(
                slice(start, start + size)
                for start, size in zip(offset, part.shape.as_list(), strict=True)
            )
            ops.append(part.assign(value[region]))
        return ops

    return _tf1_saver(tf, directory, build)


def tf1_sharded(tf, directory: Path) -> Path:
    """A `Saver(sharded=True)` save of variables on two devices: two data shards."""
    rng = np.random.default_rng(3)

    def build(tf1):
        with tf.device("/cpu:0"):
            tf1.get_variable("first/a", initializer=rng.standard_normal((4, 5)).astype(np.float32))
            tf1.get_variable("first/s", initializer=tf.constant([b"one", b"two"]))
        with tf.device("/cpu:1"):
            tf1.get_variable("second/b", initializer=np.arange(9, dtype=np.int32).reshape(3, 3))
            tf1.get_variable(
                "second/parted",
                shape=(9, 2),
                initializer=tf1.random_normal_initializer(seed=1),
                partitioner=tf1.fixed_size_partitioner(2, axis=0),
            )
        return []

    return _tf1_saver(tf, directory, build, sharded=True)


def tf2_max_shard_size(tf, directory: Path) -> Path:
    """A TF2 save whose shard-size policy splits big variables into slices across shards."""
    rng = np.random.default_rng(11)
    module = tf.Module()
    module.sliced = tf.Variable(rng.standard_normal(SLICED_SHAPE).astype(np.float32))
    module.sliced_ints = tf.Variable(rng.integers(0, 2**31 - 1, size=(300, 33), dtype=np.int32))
    module.small = tf.Variable(np.arange(10, dtype=np.int64))
    module.words = tf.Variable(tf.constant([b"alpha", b"", LONG_STRING]))
    policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=60_000)
    options = tf.train.CheckpointOptions(experimental_sharding_callback=policy)
    checkpoint = tf.train.Checkpoint(module=module)
    return Path(checkpoint.write(str(directory / "ckpt"), options=options))


def saved_model(tf, directory: Path) -> Path:
    """A SavedModel of a tf.Module; returns the prefix of its variables."""
    module = tf.Module()
    module.w = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    module.b = tf.Variable(np.array([1.5, -2.0, 0.0], dtype=np.float64))
    module.count = tf.Variable(np.int64(3))
    module.f = tf.function(
        lambda x: tf.matmul(x, module.w),
        input_signature=[tf.TensorSpec([None, 4], tf.float32)],
    )
    tf.saved_model.save(module, str(directory / "model"))
    return directory / "model" / "variables" / "variables"
