"""Rebuilding a sparse tensor in a child process, for the window (which never imports TF).

A TensorFlow abort then takes down only the child, and Cancel can always kill it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import explorer
from explorer.core.errors import CheckpointError
from explorer.core.sparse import SparseTensor
from explorer.engine.rebuild_report import RebuildReport

ENGINE_MODULE = "explorer.engine.sparse_rebuild"
# The child runs the parent's copy of the package, installed or not.
SOURCE_ROOT = str(Path(explorer.__file__).resolve().parent.parent)


class RebuildProcess:
    """One rebuild in a child process: start(), then wait(); kill() may come from any thread."""

    def __init__(self, prefix: str, sparse: SparseTensor, reorder: bool = False):
        # "--" ends the options: a variable key may well start with "-".
        keys = [sparse.indices, sparse.values, sparse.dense_shape]
        self.command = [sys.executable, "-m", ENGINE_MODULE, *(["--reorder"] if reorder else [])]
        self.command += ["--", str(prefix), *keys]
        self.what = f"the sparse tensor '{sparse.name}' of {prefix}"
        self._process: subprocess.Popen[str] | None = None
        self._killed = False

    def start(self) -> None:
        if self._killed:
            return
        self._process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=self._environment(),
        )
        if self._killed:  # kill() ran while Popen was starting the child: it saw no process
            self._process.kill()

    @staticmethod
    def _environment() -> dict[str, str]:
        path = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
        return {**os.environ, "PYTHONPATH": path, "PYTHONIOENCODING": "utf-8"}

    def kill(self) -> None:
        self._killed = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def wait(self) -> RebuildReport:
        """The child's report; CheckpointError with one sentence if it failed or was killed."""
        cancelled = CheckpointError(f"The rebuild of {self.what} was cancelled.")
        if self._process is None:
            raise cancelled if self._killed else RuntimeError("wait() before start()")
        stdout, stderr = self._process.communicate()
        if self._killed:
            raise cancelled
        code = self._process.returncode
        if code == 0:
            try:
                return RebuildReport.from_json(json.loads(stdout))
            except (ValueError, KeyError, TypeError):
                raise CheckpointError(f"The rebuild of {self.what} printed no report.") from None
        lines = stderr.strip().splitlines()
        if code == 2 and lines:  # the engine's own one-sentence error
            raise CheckpointError(lines[-1])
        reason = f"signal {-code}" if code < 0 else f"exit status {code}"
        last = f": {lines[-1].rstrip('.')}" if lines else ""
        raise CheckpointError(f"The rebuild of {self.what} stopped with {reason}{last}.")


def rebuild_sparse(prefix: str, sparse: SparseTensor, reorder: bool = False) -> RebuildReport:
    """What TensorFlow says of the rebuilt SparseTensor, asked in a child process."""
    process = RebuildProcess(prefix, sparse, reorder)
    process.start()
    return process.wait()
