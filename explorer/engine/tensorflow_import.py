"""Importing TensorFlow without its start-up chatter on the terminal."""

from __future__ import annotations

import os
import sys
from types import ModuleType


def import_tensorflow() -> ModuleType:
    """Import TensorFlow, discarding what its C++ side prints to fd 2 while it loads.

    Those lines (CUDA probing, "All log messages before absl::InitializeLog()") come before
    TF_CPP_MIN_LOG_LEVEL is honoured, and would break the command line's one-sentence errors.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow
