"""Fixtures for GUI tests: a main window with throwaway settings, and a driver to use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, QThreadPool

from explorer.ui.checkpoint_tab import CheckpointTab
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.main_window import MainWindow
from explorer.ui.variable_nodes import VariableNode
from explorer.ui.variable_tree_panel import VariableTreePanel

from .sparse_checkpoints import write_sparse_checkpoint

WAIT_MS = 15_000


class Gui:
    """Does what a user does, waiting for background jobs as a user would."""

    def __init__(self, qtbot, window: MainWindow):
        self.qtbot = qtbot
        self.window = window

    def wait_idle(self) -> None:
        self.qtbot.waitUntil(lambda: not self.window.hasPendingOperations(), timeout=WAIT_MS)

    def open(self, path: Path | str) -> CheckpointTab:
        self.window.open_path(str(path))
        self.wait_idle()
        tab = self.window.current_tab()
        assert tab is not None
        return tab

    def select(self, tab: CheckpointTab, key: str) -> None:
        assert tab.select_variable(key), f"{key} is not in the tree"
        self.wait_idle()

    def select_sparse(self, tab: CheckpointTab, name: str) -> None:
        assert tab.select_sparse(name), f"no sparse tensor {name} in the tree"
        self.wait_idle()


def _shown_nodes(panel: VariableTreePanel) -> list[VariableNode]:
    """Every node the tree's proxy model shows, depth first."""
    nodes: list[VariableNode] = []

    def visit(parent: QModelIndex) -> None:
        for row in range(panel.proxy.rowCount(parent)):
            index = panel.proxy.index(row, 0, parent)
            nodes.append(panel.model.node(panel.proxy.mapToSource(index)))
            visit(index)

    visit(QModelIndex())
    return nodes


def _shown_keys(panel: VariableTreePanel) -> list[str]:
    return [node.info.name for node in _shown_nodes(panel) if node.info is not None]


@pytest.fixture
def shown_nodes():
    """shown_nodes(panel): every node the tree's proxy model shows, depth first."""
    return _shown_nodes


@pytest.fixture
def shown_keys():
    """shown_keys(panel): raw keys of the variables the tree shows."""
    return _shown_keys


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def engine(qapp) -> Iterator[EngineBridge]:
    """One engine process for every window of the run: each starts TensorFlow once only when a
    test first asks it for a model."""
    bridge = EngineBridge()
    yield bridge
    bridge.close()


@pytest.fixture
def window(qtbot, settings: QSettings, engine: EngineBridge) -> Iterator[MainWindow]:
    win = MainWindow(settings, engine=engine)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    # Cancelled jobs stop at their next yield; none may outlive the test.
    assert QThreadPool.globalInstance().waitForDone(WAIT_MS)


@pytest.fixture
def gui(qtbot, window: MainWindow) -> Gui:
    return Gui(qtbot, window)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported only by the tests that compare with it."""
    import tensorflow

    return tensorflow


@pytest.fixture(scope="session")
def sparse_prefix(tf, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint of sparse tensors side by side (see sparse_checkpoints.py)."""
    return write_sparse_checkpoint(tf, tmp_path_factory.mktemp("sparse"))
