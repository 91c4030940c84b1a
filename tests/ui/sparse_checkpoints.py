"""A checkpoint holding sparse tensors side by side, written with TensorFlow's SaveV2 op."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TF2 = "/.ATTRIBUTES/VARIABLE_VALUE"
SMALL = np.array([[0, 1], [0, 4], [2, 2], [3, 0], [5, 7]])
SMALL_SHAPE = (6, 8)
BROKEN = np.array([[0, 0], [9, 1], [1, 1], [0, 2]])  # row 9 outside [4, 5]; [1, 1] before [0, 2]
BIG_SHAPE = (2000, 3000)
BIG_NNZ = 20_000
CUBE_SHAPE = (3, 40, 50)
CUBE_NNZ = 300


def random_entries(shape: tuple[int, ...], nnz: int, seed: int) -> np.ndarray:
    """`nnz` distinct cells of `shape` in row-major order: canonical indices."""
    rng = np.random.default_rng(seed)
    cells = np.sort(rng.choice(int(np.prod(shape)), nnz, replace=False))
    return np.stack(np.unravel_index(cells, shape), axis=1).astype(np.int64)


def triplet(base: str, sep: str, indices, values, shape, shape_role: str = "dense_shape",
            suffix: str = "") -> dict[str, np.ndarray]:  # fmt: skip
    return {
        f"{base}{sep}indices{suffix}": np.asarray(indices),
        f"{base}{sep}values{suffix}": np.asarray(values),
        f"{base}{sep}{shape_role}{suffix}": np.asarray(shape, dtype=np.int64),
    }


def sparse_tensors() -> dict[str, np.ndarray]:
    """Every variable of the checkpoint, by key."""
    rng = np.random.default_rng(3)
    tensors = {}
    tensors |= triplet("a", "/", SMALL, np.arange(1, 6, dtype=np.float32), SMALL_SHAPE)
    tensors |= triplet("b", "_", SMALL.astype(np.int32), np.arange(5, dtype=np.int32),
                       SMALL_SHAPE, "shape")  # fmt: skip
    tensors |= triplet("model/layer", "/", SMALL, np.ones(5, np.float32), SMALL_SHAPE, suffix=TF2)
    tensors |= triplet("decoy", "/", SMALL.astype(np.float32), np.ones(5, np.float32), SMALL_SHAPE)
    tensors |= triplet("broken", "/", BROKEN, np.ones(4, np.float32), (4, 5))
    cube = random_entries(CUBE_SHAPE, CUBE_NNZ, seed=1)
    tensors |= triplet("cube", "/", cube, rng.normal(size=CUBE_NNZ).astype(np.float32), CUBE_SHAPE)
    big = random_entries(BIG_SHAPE, BIG_NNZ, seed=2)
    tensors |= triplet("big", "/", big, rng.normal(size=BIG_NNZ).astype(np.float32), BIG_SHAPE)
    tensors |= triplet("vector", "/", [[1], [4], [4]], np.ones(3, np.float32), [6])  # a repeat
    tensors["lonely/indices"] = SMALL  # two roles only: plain variables
    tensors["lonely/values"] = np.ones(5, np.float32)
    tensors["dense/kernel"] = rng.normal(size=(8, 4)).astype(np.float32)
    return tensors


def write_sparse_checkpoint(tf, directory: Path) -> Path:
    """Save sparse_tensors() under `directory`; returns the checkpoint prefix."""
    tensors = sparse_tensors()
    prefix = directory / "model.ckpt-1"
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=list(tensors), shape_and_slices=[""] * len(tensors),
        tensors=[tf.constant(value) for value in tensors.values()],
    )  # fmt: skip
    return prefix
