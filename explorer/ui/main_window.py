"""The main window: one tab per opened checkpoint, a welcome page when none, a log dock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from explorer.ui.checkpoint_tab import CheckpointTab
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.log_view import ENGINE, INFO, LogView
from explorer.ui.recent_paths import RecentPaths
from explorer.ui.samples import bundled_samples
from explorer.ui.welcome_page import WelcomePage

APP_NAME = "Checkpoint Explorer"


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
        self.setWindowTitle(APP_NAME)
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else EngineBridge(self)
        self.resize(1280, 820)
        self._recent = RecentPaths(settings if settings is not None else QSettings())

        self.welcome = WelcomePage(bundled_samples())
        self.welcome.sig_open_requested.connect(self.open_path)
        self.welcome.sig_browse_requested.connect(self.open_dialog)
        self.welcome.set_recent(self._recent.paths())
        self.tab_widget = QTabWidget()
        self.tab_widget.setTabsClosable(True)
        self.tab_widget.setMovable(True)
        self.tab_widget.setDocumentMode(True)
        self.tab_widget.tabCloseRequested.connect(self.close_tab)
        self.tab_widget.currentChanged.connect(self._update_title)
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
        self.resizeDocks([dock], [140], Qt.Orientation.Vertical)
        self._build_menus(dock)
        self.engine.sig_log.connect(self._on_engine_log)
        if self._owns_engine:
            QTimer.singleShot(0, self.engine.start)

    def _build_menus(self, dock: QDockWidget) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_dialog)
        close_action = QAction("&Close tab", self)
        close_action.setShortcut(QKeySequence.StandardKey.Close)
        close_action.triggered.connect(lambda: self.close_tab(self.tab_widget.currentIndex()))
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addActions([open_action, close_action])
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(dock.toggleViewAction())

    def open_path(self, path: str) -> None:
        """Open `path` in a new tab; failures are shown in that tab and the log, never raised."""
        path = str(Path(path).expanduser().absolute())
        tab = CheckpointTab(path, self.engine)
        tab.sig_log.connect(self.log_view.log)
        tab.sig_loaded.connect(lambda _checkpoint, tab=tab: self._on_tab_loaded(tab))
        tab.sig_failed.connect(lambda _message, tab=tab: self._on_tab_failed(tab))
        index = self.tab_widget.addTab(tab, tab.title())
        self.tab_widget.setTabToolTip(index, path)
        self.tab_widget.setCurrentIndex(index)
        self._pages.setCurrentWidget(self.tab_widget)
        self.log_view.log(INFO, f"Opening {path}")

    def open_dialog(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, "Open checkpoint directory")
        if directory:
            self.open_path(directory)

    def tabs(self) -> list[CheckpointTab]:
        return [self.tab_widget.widget(i) for i in range(self.tab_widget.count())]

    def current_tab(self) -> CheckpointTab | None:
        return self.tab_widget.currentWidget()

    def close_tab(self, index: int) -> None:
        tab = self.tab_widget.widget(index)
        if tab is None:
            return
        tab.shutdown()
        self.tab_widget.removeTab(index)
        tab.deleteLater()
        if self.tab_widget.count() == 0:
            self.welcome.set_recent(self._recent.paths())
            self._pages.setCurrentWidget(self.welcome)
            self._update_title()

    def hasPendingOperations(self) -> bool:  # noqa: N802 - silx's name, which tests look for
        """True while any tab is loading or any background job still runs."""
        return any(tab.hasPendingOperations() for tab in self.tabs())

    def closeEvent(self, event: QCloseEvent) -> None:
        for tab in self.tabs():
            tab.shutdown()
        if self._owns_engine:
            self.engine.close()
        super().closeEvent(event)

    def _on_tab_loaded(self, tab: CheckpointTab) -> None:
        self._recent.add(tab.path)
        self.welcome.set_recent(self._recent.paths())
        self._retitle(tab, tab.title())
        self.sig_tab_finished.emit(tab)

    def _on_tab_failed(self, tab: CheckpointTab) -> None:
        self._retitle(tab, f"⚠ {tab.title()}")
        self.sig_tab_finished.emit(tab)

    def _retitle(self, tab: CheckpointTab, title: str) -> None:
        index = self.tab_widget.indexOf(tab)
        if index >= 0:
            self.tab_widget.setTabText(index, title)
            self._update_title()

    def _on_engine_log(self, line: str) -> None:
        self.log_view.log(ENGINE, line)

    def _update_title(self) -> None:
        tab = self.current_tab()
        title = self.tab_widget.tabText(self.tab_widget.currentIndex()) if tab else ""
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
