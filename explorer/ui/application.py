"""Start the GUI: the QApplication, the main window, and the paths given on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

import explorer
from explorer.ui.main_window import APP_NAME, MainWindow

ORGANIZATION = "checkpoint-explorer"
SHUTDOWN_WAIT_MS = 3000
ICON_NAME = "checkpoint-explorer"
_SVG = Path("icons", "hicolor", "scalable", "apps", f"{ICON_NAME}.svg")
# A checkout keeps the icon in resources/desktop; an installed wheel under its prefix's share/.
ICON_FILES = (
    Path(explorer.__file__).resolve().parent.parent / "resources" / "desktop" / _SVG,
    Path(sys.prefix) / "share" / "checkpoint-explorer" / "desktop" / _SVG,
)


def app_icon() -> QIcon:
    """The icon theme's (after scripts/install-desktop.sh), else the bundled SVG."""
    bundled = next((QIcon(str(path)) for path in ICON_FILES if path.is_file()), QIcon())
    return QIcon.fromTheme(ICON_NAME, bundled)


def run_gui(paths: list[str]) -> int:
    """Show the window with one tab per path (the welcome page if none); the exit status."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName(ORGANIZATION)
    app.setWindowIcon(app_icon())
    window = MainWindow()
    for path in paths:
        window.open_path(path)
    window.show()
    status = app.exec()
    # Cancelled jobs stop at their next yield; let them before Python tears Qt down.
    QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)
    return status
