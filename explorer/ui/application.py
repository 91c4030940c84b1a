"""Start the GUI: the QApplication, the main window, and the paths given on the command line."""

from __future__ import annotations

import sys

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from explorer.ui.main_window import APP_NAME, MainWindow

ORGANIZATION = "checkpoint-explorer"
SHUTDOWN_WAIT_MS = 3000


def run_gui(paths: list[str]) -> int:
    """Show the window with one tab per path (the welcome page if none); the exit status."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName(ORGANIZATION)
    window = MainWindow()
    for path in paths:
        window.open_path(path)
    window.show()
    status = app.exec()
    # Cancelled jobs stop at their next yield; let them before Python tears Qt down.
    QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)
    return status
