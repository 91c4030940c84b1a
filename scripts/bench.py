"""Benchmarks of the explorer against TensorFlow's own checkpoint reader, measured in one run.

Makes (once, cached in ~/.cache/checkpoint-explorer/bench) a checkpoint holding a
2,000,000 x 64 float32 embedding and one holding 20,000 variables, then times fresh processes:
listing the variables and printing one row of the embedding, the explorer's way and
TensorFlow's way (import tensorflow, tf.train.load_checkpoint), with each one's peak RSS.
With --gui it also times the window: the 20,000-variable tree filled after the window shows,
and the first page of the embedding after selecting it.

Usage: .venv/bin/python scripts/bench.py [--repeat N] [--gui]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "checkpoint-explorer"
BENCH = CACHE / "bench"
ROWS, COLS, ROW = 2_000_000, 64, 1_234_567
NUM_VARIABLES = 20_000
# The parameters name the cache, so changing one makes new checkpoints instead of reusing old.
EMBEDDING = BENCH / f"embedding-{ROWS}x{COLS}" / "ckpt"
MANY = BENCH / f"many-{NUM_VARIABLES}" / "ckpt"
SPARSE = BENCH / "sparse-5000000-of-1000000x100000" / "model.ckpt"
PYTHON = sys.executable
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}

TF_LIST = "import tensorflow as tf; print(len(tf.train.list_variables({p!r})))"
TF_ROW = "import tensorflow as tf; print(tf.train.load_checkpoint({p!r}).get_tensor('emb')[{row}])"


def make_checkpoints() -> None:
    """Write the bench checkpoints with TensorFlow's SaveV2 op (fast even for 20,000 tensors).

    Runs in a child process: Linux keeps a process's peak RSS across fork and exec, so a
    parent grown by TensorFlow would inflate every figure measured after it.
    """
    import numpy as np
    from bench_sparse import make_triplet

    from explorer.engine.tensorflow_import import import_tensorflow

    tf = import_tensorflow()
    if not Path(f"{SPARSE}.index").exists():
        make_triplet(SPARSE)

    rng = np.random.default_rng(0)
    if not Path(f"{EMBEDDING}.index").exists():
        EMBEDDING.parent.mkdir(parents=True, exist_ok=True)
        emb = rng.standard_normal((ROWS, COLS), dtype=np.float32)
        tf.raw_ops.SaveV2(prefix=str(EMBEDDING), tensor_names=["emb"], shape_and_slices=[""],
                          tensors=[emb])  # fmt: skip
    if not Path(f"{MANY}.index").exists():
        MANY.parent.mkdir(parents=True, exist_ok=True)
        names, tensors = [], []
        for i in range(NUM_VARIABLES):
            names.append(f"tower_{i // 1000}/layer_{i // 50 % 20}/unit_{i}/kernel")
            tensors.append(np.full((4, 3), i, dtype=np.float32) if i % 2 else np.arange(i % 7 + 1))
        tf.raw_ops.SaveV2(prefix=str(MANY), tensor_names=names, shape_and_slices=[""] * len(names),
                          tensors=tensors)  # fmt: skip


def run(argv: list[str]) -> tuple[float, float, str]:
    """Run a fresh process; return (wall seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    out = proc.stdout.read().decode()  # type: ignore[union-attr]
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv[:3])} failed: {err.strip()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def measure(argv: list[str], repeat: int) -> tuple[float, float]:
    run(argv)  # warm the page cache and the import caches: we compare steady states
    runs = [run(argv) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def cli_figures(repeat: int) -> list[tuple[str, float, float, float, float]]:
    explorer = [PYTHON, "-m", "explorer", "inspect"]
    cases = [
        ("list 20,000 variables", explorer + [str(MANY)],
         [PYTHON, "-c", TF_LIST.format(p=str(MANY))]),
        ("list the embedding checkpoint", explorer + [str(EMBEDDING)],
         [PYTHON, "-c", TF_LIST.format(p=str(EMBEDDING))]),
        ("print one row of 2,000,000 x 64", explorer + [str(EMBEDDING), "--tensor", "emb",
                                                        "--slice", str(ROW)],
         [PYTHON, "-c", TF_ROW.format(p=str(EMBEDDING), row=ROW)]),
    ]  # fmt: skip
    rows = []
    for label, ours, theirs in cases:
        t_ours, rss_ours = measure(ours, repeat)
        t_tf, rss_tf = measure(theirs, repeat)
        rows.append((label, t_ours, t_tf, rss_ours, rss_tf))
    return rows


def print_cli_figures(rows: list[tuple[str, float, float, float, float]]) -> None:
    print(f"\n{'fresh process':34} {'explorer':>9} {'TF':>9} {'speed-up':>9} "
          f"{'RSS ours':>9} {'RSS TF':>9}")  # fmt: skip
    for label, t_ours, t_tf, rss_ours, rss_tf in rows:
        print(f"{label:34} {t_ours:8.2f}s {t_tf:8.2f}s {t_tf / t_ours:8.1f}x "
              f"{rss_ours:7.0f}MB {rss_tf:7.0f}MB")  # fmt: skip
    _, t_ours, t_tf, rss_ours, _ = rows[-1]
    verdict = "met" if t_tf / t_ours >= 5 and rss_ours < 150 else "MISSED"
    print(f"target one row >= 5x faster than TF and < 150 MB peak RSS: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (median)")
    parser.add_argument("--gui", action="store_true", help="also time the window (offscreen)")
    parser.add_argument("--make", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_checkpoints()
        return 0
    if not all(Path(f"{p}.index").exists() for p in (EMBEDDING, MANY, SPARSE)):
        print(f"making bench checkpoints in {BENCH} (once) ...", flush=True)
        subprocess.run([PYTHON, __file__, "--make"], check=True, env=ENV)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; warm page cache; "
          f"median of {args.repeat} runs")  # fmt: skip
    print_cli_figures(cli_figures(args.repeat))
    from bench_sparse import sparse_figures

    sparse_figures(SPARSE, args.repeat)
    if args.gui:
        from bench_gui import gui_figures  # Qt only when asked

        gui_figures(MANY, EMBEDDING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
