"""The main window's menus and keyboard shortcuts, kept apart from what they act on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from explorer.ui.main_window import MainWindow

EXTRA_SHORTCUTS = [
    ("Copy the selected values", "Ctrl+C"),
    ("Run the model (Model tab)", "Ctrl+R"),
]
"""Shortcuts that belong to panes rather than menus, listed in the guide beside the menus'."""


def _action(
    window: MainWindow, text: str, slot: Callable[[], object], *keys: str | QKeySequence
) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(key) for key in keys])
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work with the menu bar hidden too
    return action


class WindowMenus:
    """Builds the File, View and Help menus on `window` and keeps Open Recent current."""

    def __init__(
        self, window: MainWindow, log_dock: QDockWidget, recent_paths: Callable[[], list[str]]
    ):
        """`recent_paths` gives the paths for Open Recent, most recent first."""
        self._window = window
        self._recent_paths = recent_paths
        self.open_directory = _action(
            window, "&Open Directory…", window.open_directory_dialog, "Ctrl+O"
        )
        self.open_file = _action(window, "Open &File…", window.open_file_dialog, "Ctrl+Shift+O")
        self.reload = _action(window, "&Reload", window.reload_current, "F5")
        self.close_tab = _action(
            window, "&Close Tab", window.close_current_tab, "Ctrl+W", "Ctrl+F4"
        )
        self.quit = _action(window, "&Quit", window.close, "Ctrl+Q")
        self.focus_filter = _action(window, "&Filter Variables", window.focus_filter, "Ctrl+F")
        self.next_tab = _action(window, "&Next Tab", partial(window.step_tab, 1), "Ctrl+Tab")
        self.previous_tab = _action(
            window,
            "&Previous Tab",
            partial(window.step_tab, -1),
            "Ctrl+Shift+Tab",
            "Ctrl+Shift+Backtab",  # what Shift+Tab arrives as on some platforms
        )
        self.guide = _action(window, "&Guide", window.show_guide, "F1")
        self.about = _action(window, "&About Checkpoint Explorer", window.show_about)
        self.clear_recent = QAction("&Clear Recent", window)
        self.clear_recent.triggered.connect(window.clear_recent)

        menu_bar = window.menuBar()
        file_menu = menu_bar.addMenu("&File")
        file_menu.addActions([self.open_directory, self.open_file])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self.refresh_recent)  # paths may have gone since
        file_menu.addSeparator()
        file_menu.addActions([self.reload, self.close_tab])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        view_menu = menu_bar.addMenu("&View")
        view_menu.addActions([self.focus_filter, self.next_tab, self.previous_tab])
        view_menu.addSeparator()
        view_menu.addAction(log_dock.toggleViewAction())
        help_menu = menu_bar.addMenu("&Help")
        help_menu.addActions([self.guide, self.about])
        self.menus = {"File": file_menu, "View": view_menu, "Help": help_menu}
        self.set_has_tabs(False)
        self.refresh_recent()

    def set_has_tabs(self, has_tabs: bool) -> None:
        for action in (
            self.reload,
            self.close_tab,
            self.focus_filter,
            self.next_tab,
            self.previous_tab,
        ):
            action.setEnabled(has_tabs)

    def refresh_recent(self) -> None:
        """List the recent paths; those gone from disk are shown disabled."""
        paths = self._recent_paths()
        menu = self.recent_menu
        menu.clear()
        for number, path in enumerate(paths, 1):
            label = path.replace("&", "&&")
            action = menu.addAction(f"&{number % 10} {label}")  # at most ten: &1 … &0
            action.setData(path)
            exists = Path(path).exists()
            action.setEnabled(exists)
            action.setToolTip(path if exists else f"{path} no longer exists.")
            action.triggered.connect(partial(self._open_recent, path))
        if not paths:
            menu.addAction("Nothing opened yet").setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.clear_recent)
        self.clear_recent.setEnabled(bool(paths))

    def recent_actions(self) -> list[QAction]:
        """The menu's entries for paths, in order."""
        return [action for action in self.recent_menu.actions() if action.data()]

    def shortcuts(self) -> list[tuple[str, str]]:
        """(what, keys) of every action with a shortcut, for the guide."""
        listed = []
        for action in self._window.actions():
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                listed.append((action.text().replace("&", "").rstrip("…"), keys))
        return listed + EXTRA_SHORTCUTS

    def _open_recent(self, path: str, _checked: bool = False) -> None:
        self._window.open_path(path)
