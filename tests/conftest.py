"""Shared test setup: Qt runs offscreen, TensorFlow stays quiet, samples are at hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Set before any Qt or TensorFlow import so CI (no screen) and the log stay clean.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
