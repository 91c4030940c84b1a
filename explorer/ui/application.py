"""Start the GUI: the QApplication, the main window, and the paths given on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

import explorer
from explorer.ui.main_window import APP_NAME, MainWindow
from explorer.ui.single_instance import (
    SingleInstance,
    absolute_paths,
    default_server_name,
    wants_new_window,
)

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


def dark_palette() -> QPalette:
    """A dark palette for Fusion, as a dark desktop gives: to check the looks (screenshots,
    tests) on machines whose desktop is light."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: (45, 45, 48),
        role.WindowText: (225, 225, 225),
        role.Base: (30, 30, 32),
        role.AlternateBase: (40, 40, 43),
        role.ToolTipBase: (45, 45, 48),
        role.ToolTipText: (225, 225, 225),
        role.PlaceholderText: (140, 140, 140),
        role.Text: (225, 225, 225),
        role.Button: (53, 53, 56),
        role.ButtonText: (225, 225, 225),
        role.BrightText: (255, 90, 90),
        role.Light: (75, 75, 78),
        role.Midlight: (62, 62, 65),
        role.Mid: (90, 90, 94),
        role.Dark: (25, 25, 27),
        role.Shadow: (10, 10, 10),
        role.Highlight: (42, 120, 200),
        role.HighlightedText: (255, 255, 255),
        role.Link: (110, 170, 240),
        role.LinkVisited: (170, 140, 230),
    }
    palette = QPalette()
    for colour_role, rgb in colours.items():
        palette.setColor(colour_role, QColor(*rgb))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor(120, 120, 120))
    return palette


def scale_application_font(app: QApplication, factor: float) -> None:
    """Make the application font `factor` times larger, as a larger system font would."""
    font = app.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    app.setFont(font)


def bring_to_front(window: QWidget) -> None:
    """Unminimize (keeping it maximized if it was), raise and activate `window`; where the
    window manager refuses to give focus to a window the user did not click, the taskbar
    entry asks for attention instead."""
    window.setWindowState(
        (window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
    )
    window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)


def open_handed_over(window: MainWindow, paths: list[str]) -> bool:
    """Open paths another `explorer` handed over, one tab each, and raise the window; False
    once the window is closing, so that the other `explorer` opens a window of its own."""
    if not window.isVisible():
        return False
    window.open_paths(paths)
    bring_to_front(window)
    return True


def run_gui(paths: list[str], new_window: bool = False) -> int:
    """Show the window with one tab per path (the welcome page if none); the exit status.

    If a window already runs on this display, the paths are opened there instead and this
    returns 0 at once, unless `new_window` or $EXPLORER_NEW_WINDOW asks for a window of its own."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName(ORGANIZATION)
    app.setWindowIcon(app_icon())
    instance = None
    if not (new_window or wants_new_window()):
        instance = SingleInstance(default_server_name(app.platformName()))
        handed = absolute_paths(paths)
        if instance.hand_over(handed):
            for path in handed:
                print(f"explorer: opened {path} in the running window.")
            if not handed:
                print("explorer: raised the running window.")
            return 0
    window = MainWindow()
    for path in paths:
        window.open_path(path)
    window.show()
    if instance is not None:
        instance.serve(lambda handed: open_handed_over(window, handed), parent=window)
    status = app.exec()
    if instance is not None:
        instance.close()  # so that a later `explorer` fails to connect at once instead of waiting
    # Cancelled jobs stop at their next yield; let them before Python tears Qt down.
    QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)
    return status
