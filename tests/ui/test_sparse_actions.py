"""The sparse pane's actions: Copy as Python, and Rebuild with TensorFlow (in a child process)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

REBUILD_WAIT_MS = 120_000  # the child process imports TensorFlow


def test_copy_as_python_puts_a_loading_script_on_the_clipboard(gui, qtbot, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "b")
    actions = tab.sparse_pane.actions
    actions.reorder_box.setChecked(True)
    qtbot.mouseClick(actions.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert "tf.train.load_checkpoint" in text
    assert repr(str(sparse_prefix)) in text
    assert "'b_indices'" in text and "'b_shape'" in text
    assert "tf.sparse.reorder" in text


def test_rebuild_reports_a_valid_tensor_as_ok(gui, qtbot, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "a")
    actions = tab.sparse_pane.actions
    qtbot.mouseClick(actions.rebuild_button, Qt.MouseButton.LeftButton)
    assert actions.progress.isVisible()
    qtbot.waitUntil(lambda: not gui.window.hasPendingOperations(), timeout=REBUILD_WAIT_MS)
    lines = actions.message_lines()
    assert lines[0] == "✓ a rebuilt by TensorFlow.", lines
    assert len(lines) > 1  # TensorFlow's own findings follow, one sentence each
    assert "a rebuilt by TensorFlow." in gui.window.log_view.toPlainText()


def test_cancel_stops_the_rebuild(gui, qtbot, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "big")
    actions = tab.sparse_pane.actions
    actions.rebuild()
    qtbot.mouseClick(actions.progress.cancel_button, Qt.MouseButton.LeftButton)
    gui.wait_idle()  # the child is killed, so the job ends at once
    assert actions.message_lines() == ["Rebuild cancelled."]
    assert not actions.progress.isVisible()


def test_selecting_another_tensor_cancels_a_rebuild(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "big")
    tab.sparse_pane.actions.rebuild()
    gui.select_sparse(tab, "a")
    assert tab.sparse_pane.actions.message_lines() == []
