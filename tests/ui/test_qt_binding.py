"""The Qt binding itself must not corrupt the interpreter (PySide6 6.12.0 on Python 3.11 did)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

CALLS = 2_000  # few enough that a leaking binding fails here instead of aborting


def test_void_qt_calls_keep_none_alive(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")
        QCoreApplication.processEvents()
    drift = sys.getrefcount(None) - before
    # A leaking binding loses one reference per call (-4,000 here); unrelated objects coming
    # and going move the count by a few hundred at most.
    assert abs(drift) < CALLS // 4, f"None lost {-drift} references in {2 * CALLS} Qt calls"
