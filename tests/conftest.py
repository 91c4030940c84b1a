"""Shared test setup: Qt runs offscreen, TensorFlow stays quiet, samples are at hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Set before any Qt or TensorFlow import so CI (no screen) and the log stay clean.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# run_gui in a child process (tests/ui/test_main_window.py) must open its own window, never hand
# its paths to another test run's window; tests/ui/test_single_instance.py unsets it.
os.environ.setdefault("EXPLORER_NEW_WINDOW", "1")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
