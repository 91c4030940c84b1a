"""The main window: one tab per opened checkpoint, a welcome page when none, a log dock.

What a desktop application is expected to do lives here too: drag and drop, the Open
dialogs starting where the user last was, recent paths, and geometry and splitter sizes
kept across a restart (in the QSettings given).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QElapsedTimer,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from explorer.core.locate import distinct_checkpoints
from explorer.ui.checkpoint_tab import CheckpointTab
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.guide import APP_NAME, AboutDialog, GuideDialog
from explorer.ui.log_view import ENGINE, INFO, WARNING, LogView
from explorer.ui.recent_paths import RecentPaths
from explorer.ui.samples import bundled_samples
from explorer.ui.status_bar import WindowStatusBar
from explorer.ui.welcome_page import WelcomePage
from explorer.ui.window_menus import WindowMenus

__all__ = ["APP_NAME", "MainWindow"]

MIN_POOL_THREADS = 8
MAX_TABS_AT_ONCE = 20  # a drop or hand-over of a whole folder of checkpoints
ENGINE_POLL_MS = 200
ENGINE_START_LATEST_MS = 5000  # however busy the window is, the engine starts by then
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
LAST_DIRECTORY_KEY = "last_directory"
VARIABLES_SPLITTER_KEY = "window/variables_splitter"
MODEL_SPLITTER_KEYS = ("window/model_splitter", "window/model_inputs_splitter")
CHECKPOINT_FILES = (
    "TensorFlow checkpoint files (*.index *.meta *.data-*-of-* checkpoint "
    "saved_model.pb saved_model.pbtxt)"
)
MESSAGE_MS = 8000


def tab_splitters(tab: CheckpointTab) -> dict[str, QSplitter]:
    """The tab's splitters whose sizes are remembered, by settings key: tree | detail, and the
    Model tab's (inputs and outputs | output view, inputs | outputs picked)."""
    found = {VARIABLES_SPLITTER_KEY: tab.splitter}
    pane = tab.model_pane
    for key, child in zip(MODEL_SPLITTER_KEYS, (pane.output_view, pane.feed_panel), strict=True):
        parent = child.parentWidget()
        if isinstance(parent, QSplitter):
            found[key] = parent
    return found


class MainWindow(QMainWindow):
    sig_tab_finished = Signal(object)
    """A CheckpointTab that has just loaded or failed to load."""

    def __init__(
        self,
        settings: QSettings | None = None,
        engine: EngineBridge | None = None,
        parent: QWidget | None = None,
    ):
        """`engine`: a shared engine process (tests); by default the window starts its own in the
        background at once, so TensorFlow is imported before the model is first wanted."""
        super().__init__(parent)
        # An engine request holds a pool thread for its whole run; with as many threads as
        # CPUs, two of them would stall every other background job until they end.
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(max(pool.maxThreadCount(), MIN_POOL_THREADS))
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else EngineBridge(self)
        self.settings = settings if settings is not None else QSettings()
        self._recent = RecentPaths(self.settings)
        self.guide_dialog: GuideDialog | None = None
        self.about_dialog: AboutDialog | None = None

        self.welcome = WelcomePage(bundled_samples())
        self.welcome.sig_open_requested.connect(self.open_path)
        self.welcome.sig_browse_requested.connect(self.open_directory_dialog)
        self.welcome.sig_browse_file_requested.connect(self.open_file_dialog)
        self.tab_widget = QTabWidget()
        self.tab_widget.setTabsClosable(True)
        self.tab_widget.setMovable(True)
        self.tab_widget.setDocumentMode(True)
        self.tab_widget.tabCloseRequested.connect(self.close_tab)
        self.tab_widget.currentChanged.connect(self._on_current_changed)
        self._pages = QStackedWidget()
        self._pages.addWidget(self.welcome)
        self._pages.addWidget(self.tab_widget)
        self.setCentralWidget(self._pages)

        self.log_view = LogView()
        dock = QDockWidget("Log", self)
        dock.setObjectName("logDock")
        dock.setWidget(self.log_view)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.status = WindowStatusBar(self.engine, self.current_tab)
        self.setStatusBar(self.status)
        self.menus = WindowMenus(self, dock, self._recent.paths)
        self.welcome.set_recent(self._recent.paths())
        self.engine.sig_log.connect(self._on_engine_log)

        self.resize(1280, 820)
        self.resizeDocks([dock], [140], Qt.Orientation.Vertical)
        self._restore(GEOMETRY_KEY, self.restoreGeometry)
        self._restore(STATE_KEY, self.restoreState)
        if self._owns_engine:
            # TensorFlow's import takes a core for seconds: let the first checkpoint open first.
            self._engine_wait = QElapsedTimer()
            self._engine_wait.start()
            self._engine_timer = QTimer(self, interval=ENGINE_POLL_MS)
            self._engine_timer.timeout.connect(self._start_engine_when_idle)
            self._engine_timer.start()

    # --- opening ---------------------------------------------------------------------------

    def open_path(self, path: str) -> None:
        """Open `path` in a new tab; failures are shown in that tab and the log, never raised."""
        path = str(Path(path).expanduser().absolute())
        tab = CheckpointTab(path, self.engine)
        tab.sig_log.connect(self.log_view.log)
        tab.sig_loaded.connect(lambda _checkpoint, tab=tab: self._on_tab_loaded(tab))
        tab.sig_failed.connect(lambda _message, tab=tab: self._on_tab_failed(tab))
        for key, splitter in tab_splitters(tab).items():
            self._restore(key, splitter.restoreState)
            splitter.splitterMoved.connect(
                lambda _pos, _index, key=key, splitter=splitter: self._keep_splitter(key, splitter)
            )
        index = self.tab_widget.addTab(tab, tab.title())
        self.tab_widget.setTabToolTip(index, path)
        self.tab_widget.setCurrentIndex(index)
        self._pages.setCurrentWidget(self.tab_widget)
        self.menus.set_has_tabs(True)
        self.settings.setValue(LAST_DIRECTORY_KEY, str(Path(path).parent))
        self.log_view.log(INFO, f"Opening {path}")

    def last_directory(self) -> str:
        """Where the Open dialogs start: the folder holding what was opened last."""
        remembered = str(self.settings.value(LAST_DIRECTORY_KEY, "") or "")
        return remembered if remembered and Path(remembered).is_dir() else str(Path.home())

    def file_dialog(self, directories: bool) -> QFileDialog:
        """An Open dialog for a checkpoint directory or for one of its files, not yet shown."""
        what = "directory" if directories else "file"
        dialog = QFileDialog(self, f"Open checkpoint {what}", self.last_directory())
        if directories:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            dialog.setNameFilters([CHECKPOINT_FILES, "All files (*)"])
        return dialog

    def open_directory_dialog(self) -> None:
        self._run_dialog(self.file_dialog(directories=True))

    def open_file_dialog(self) -> None:
        self._run_dialog(self.file_dialog(directories=False))

    def _run_dialog(self, dialog: QFileDialog) -> None:
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.selectedFiles():
            self.open_path(dialog.selectedFiles()[0])
        dialog.deleteLater()

    def clear_recent(self) -> None:
        self._recent.clear()
        self._show_recent()

    def open_paths(self, paths: Sequence[str]) -> None:
        """Open each path in a tab; the files of one step (its .index, .data and .meta, all
        selected and dropped) open one tab, and at most MAX_TABS_AT_ONCE tabs open at once."""
        distinct = distinct_checkpoints(paths)
        for path in distinct[:MAX_TABS_AT_ONCE]:
            self.open_path(path)
        if len(distinct) > MAX_TABS_AT_ONCE:
            message = (
                f"{len(distinct) - MAX_TABS_AT_ONCE} more checkpoints were not opened: "
                f"{MAX_TABS_AT_ONCE} tabs open at once at most."
            )
            self.log_view.log(WARNING, message)
            self.status.showMessage(message, MESSAGE_MS)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # Files from a file manager arrive as file:// URLs; web links are refused here already.
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open each dropped file or directory in its own tab; say why other links are not."""
        urls = event.mimeData().urls()
        local = [url.toLocalFile() for url in urls if url.isLocalFile()]
        self.open_paths(local)
        remote = [url.toDisplayString() for url in urls if not url.isLocalFile()]
        if remote:
            others = f" (and {len(remote) - 1} more)" if len(remote) > 1 else ""
            message = (
                f"{remote[0]}{others} was not opened: only files on this computer can be opened."
            )
            self.log_view.log(WARNING, message)
            self.status.showMessage(message, MESSAGE_MS)
        if local:
            event.acceptProposedAction()
        else:
            event.ignore()

    # --- tabs ------------------------------------------------------------------------------

    def tabs(self) -> list[CheckpointTab]:
        return [self.tab_widget.widget(i) for i in range(self.tab_widget.count())]

    def current_tab(self) -> CheckpointTab | None:
        return self.tab_widget.currentWidget()

    def close_tab(self, index: int) -> None:
        tab = self.tab_widget.widget(index)
        if tab is None:
            return
        self._keep_splitters(tab)
        tab.shutdown()
        self.tab_widget.removeTab(index)
        tab.deleteLater()
        if self.tab_widget.count() == 0:
            self._pages.setCurrentWidget(self.welcome)
            self.menus.set_has_tabs(False)
            self._on_current_changed()

    def close_current_tab(self) -> None:
        self.close_tab(self.tab_widget.currentIndex())

    def reload_current(self) -> None:
        """Read the current tab's step from disk again, keeping its selection (F5)."""
        tab = self.current_tab()
        if tab is not None:
            tab.reload()
            self.status.show_tab(tab)

    def focus_filter(self) -> None:
        """Show the current tab's variables and put the cursor in their filter box (Ctrl+F)."""
        tab = self.current_tab()
        if tab is not None:
            tab.views.setCurrentWidget(tab.splitter)
            tab.tree_panel.focus_filter()

    def step_tab(self, delta: int) -> None:
        """Show the tab `delta` places to the right (negative: to the left), wrapping around."""
        count = self.tab_widget.count()
        if count:
            self.tab_widget.setCurrentIndex((self.tab_widget.currentIndex() + delta) % count)

    # --- help ------------------------------------------------------------------------------

    def show_guide(self) -> GuideDialog:
        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self.menus.shortcuts(), self)
        self._bring_up(self.guide_dialog)
        return self.guide_dialog

    def show_about(self) -> AboutDialog:
        """A fresh About dialog, which asks the engine for its TensorFlow version."""
        if self.about_dialog is not None:
            self.about_dialog.close()
            self.about_dialog.deleteLater()
        self.about_dialog = AboutDialog(self.engine, self)
        self._bring_up(self.about_dialog)
        return self.about_dialog

    @staticmethod
    def _bring_up(dialog: QDialog) -> None:
        if dialog.isVisible():  # shown before, perhaps behind the window now
            dialog.raise_()
        dialog.show()
        dialog.activateWindow()

    # --- state -----------------------------------------------------------------------------

    def hasPendingOperations(self) -> bool:  # noqa: N802 - silx's name, which tests look for
        """True while any tab is loading or any background job still runs."""
        asking = self.about_dialog is not None and self.about_dialog.has_pending()
        return asking or any(tab.hasPendingOperations() for tab in self.tabs())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        tab = self.current_tab()
        if tab is not None:
            self._keep_splitters(tab)
        self.settings.sync()
        for dialog in (self.guide_dialog, self.about_dialog):
            if dialog is not None:
                dialog.close()
        for tab in self.tabs():
            tab.shutdown()
        if self._owns_engine:
            self.engine.close()
        super().closeEvent(event)

    def _restore(self, key: str, restore: Callable[[QByteArray], object]) -> None:
        saved = self.settings.value(key)
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            restore(saved)

    def _keep_splitter(self, key: str, splitter: QSplitter) -> None:
        self.settings.setValue(key, splitter.saveState())

    def _keep_splitters(self, tab: CheckpointTab) -> None:
        for key, splitter in tab_splitters(tab).items():
            self._keep_splitter(key, splitter)

    def _show_recent(self) -> None:
        self.welcome.set_recent(self._recent.paths())
        self.menus.refresh_recent()

    def _on_tab_loaded(self, tab: CheckpointTab) -> None:
        self._recent.add(tab.path)
        self._show_recent()
        self._retitle(tab, tab.title())
        self.sig_tab_finished.emit(tab)

    def _on_tab_failed(self, tab: CheckpointTab) -> None:
        self._retitle(tab, f"⚠ {tab.title()}")
        self.sig_tab_finished.emit(tab)

    def _retitle(self, tab: CheckpointTab, title: str) -> None:
        index = self.tab_widget.indexOf(tab)
        if index >= 0:
            self.tab_widget.setTabText(index, title)
            self._on_current_changed()

    def _start_engine_when_idle(self) -> None:
        if self.hasPendingOperations() and self._engine_wait.elapsed() < ENGINE_START_LATEST_MS:
            return
        self._engine_timer.stop()
        self.engine.start()

    def _on_engine_log(self, line: str) -> None:
        self.log_view.log(ENGINE, line)

    def _on_current_changed(self, _index: int = -1) -> None:
        tab = self.current_tab()
        self.status.show_tab(tab)
        title = self.tab_widget.tabText(self.tab_widget.currentIndex()) if tab else ""
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
