"""The sparse part of scripts/bench.py: checking a 5,000,000-entry triplet and binning it.

Targets: validation plus the first density image in under 1 s, within 3x of merely reading
the indices and values with numpy, with a peak of new memory under 3x the triplet's bytes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ENTRIES, ROWS, COLUMNS = 5_000_000, 1_000_000, 100_000
IMAGE = (800, 1000)  # the plot's pixels: the first density image is binned to these


def make_triplet(prefix: Path) -> None:
    """A canonical (sorted, unique, in-bounds) triplet written with TensorFlow's SaveV2."""
    from explorer.engine.tensorflow_import import import_tensorflow

    tf = import_tensorflow()
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, ROWS * COLUMNS, size=int(ENTRIES * 1.001)))[:ENTRIES]
    indices = np.stack([keys // COLUMNS, keys % COLUMNS], axis=1)
    values = rng.standard_normal(len(keys), dtype=np.float32)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    tf.raw_ops.SaveV2(
        prefix=str(prefix), tensor_names=["sp/indices", "sp/values", "sp/dense_shape"],
        shape_and_slices=[""] * 3, tensors=[indices, values, np.array([ROWS, COLUMNS])],
    )  # fmt: skip


# Each measurement runs in a fresh process, timed inside it: both start from the page cache
# with nothing mapped or read yet, so neither pays the interpreter's start-up.
NUMPY_READ = """
import sys, time, tracemalloc
import numpy as np
from explorer.core.bundle import BundleReader
(shard,) = BundleReader(sys.argv[1]).data_files("sp/indices")  # the triplet is all it holds
tracemalloc.start(); start = time.perf_counter()
data = np.fromfile(shard, dtype=np.uint8)
print(time.perf_counter() - start, tracemalloc.get_traced_memory()[1])
"""
OURS = f"""
import sys, time, tracemalloc
import numpy as np
from explorer.core.bundle import BundleReader
from explorer.core.sparse_check import check_sparse, index_columns
from explorer.core.sparse_density import density_image, plane
from explorer.core.sparse_detect import find_triplets
tracemalloc.start(); start = time.perf_counter()
reader = BundleReader(sys.argv[1])
(triplet,) = find_triplets(reader.variables)
indices = reader.tensor(triplet.indices).mapped()
values = reader.info(triplet.values).shape[0]
columns = index_columns(indices)
check = check_sparse(indices, values, reader.read(triplet.dense_shape), columns)
rows, columns = plane(columns, (0, 1))
image = density_image(rows, columns, (0, check.shape[0]), (0, check.shape[1]), *{IMAGE})
elapsed, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
assert not check.problems and int(image.counts.sum()) == len(indices)
print(elapsed, peak)
"""


def _fresh(code: str, prefix: Path, repeat: int) -> tuple[float, int]:
    """Median seconds and largest traced peak (bytes) of `code` run in fresh processes."""
    runs = []
    for _ in range(repeat + 1):  # the first run warms the page cache
        out = subprocess.run([sys.executable, "-c", code, str(prefix)], check=True,
                             capture_output=True, text=True).stdout.split()  # fmt: skip
        runs.append((float(out[0]), int(out[1])))
    return statistics.median(r[0] for r in runs[1:]), max(r[1] for r in runs[1:])


def sparse_figures(prefix: Path, repeat: int = 3) -> None:
    from explorer.core.bundle import BundleReader

    reader = BundleReader(prefix)
    own_bytes = sum(info.nbytes for info in reader.variables)
    read_s, _ = _fresh(NUMPY_READ, prefix, repeat)
    ours_s, peak = _fresh(OURS, prefix, repeat)
    ratio, memory = ours_s / read_s, peak / own_bytes
    met = ours_s < 1.0 and ratio <= 3 and memory < 3
    print(f"\n{'sparse triplet, 5,000,000 entries':34} {'measured':>9}")
    print(f"{'read its shard (np.fromfile)':34} {read_s:8.3f}s")
    print(f"{'open, validate, first density image':34} {ours_s:8.3f}s  ({ratio:.1f}x the read)")
    print(f"{'peak new memory':34} {peak / 2**20:7.0f}MB  ({memory:.1f}x the triplet's "
          f"{own_bytes / 2**20:.0f} MB)")  # fmt: skip
    print(f"targets < 1 s, <= 3x the read, < 3x the bytes: {'met' if met else 'MISSED'}")
