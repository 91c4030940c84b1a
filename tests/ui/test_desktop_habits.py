"""What a desktop application is expected to do: drag and drop, Open dialogs, recent paths,
settings kept across a restart, shortcuts, notices when files change, status bar and help."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl, qVersion
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog

from explorer.core.checkpoint import open_checkpoint
from explorer.core.errors import ModelError
from explorer.ui.guide import AboutDialog
from explorer.ui.main_window import MODEL_SPLITTER_KEYS, MainWindow, tab_splitters
from explorer.ui.step_watcher import QUIET_MS

NOTICE_MS = QUIET_MS + 5000
ENGINE_MS = 60_000


def _urls_mime(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def _drag_enter(window: MainWindow, mime: QMimeData) -> bool:
    event = QDragEnterEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def _drop(window: MainWindow, mime: QMimeData) -> bool:
    event = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def _press(
    window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key press as a user makes it: to whichever widget has the focus."""
    QTest.keyClick(QApplication.focusWidget() or window, key, modifiers)


def _activate(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


# --- drag and drop --------------------------------------------------------------------------


def test_dropping_a_directory_and_an_index_file_opens_a_tab_for_each(gui, window, samples_dir):
    directory = samples_dir / "custom_sparse_triplet"
    index_file = samples_dir / "tf1_sparse_placeholder" / "model.ckpt-1.index"
    mime = _urls_mime(QUrl.fromLocalFile(str(directory)), QUrl.fromLocalFile(str(index_file)))
    assert _drag_enter(window, mime)
    assert _drop(window, mime)
    gui.wait_idle()
    tabs = window.tabs()
    assert [tab.path for tab in tabs] == [str(directory), str(index_file)]
    assert tabs[0].checkpoint.prefix == directory / "model.ckpt-100"
    assert tabs[1].checkpoint.prefix == index_file.with_suffix("")  # that step, not the newest
    assert window.current_tab() is tabs[1]


def test_dropping_every_file_of_a_directory_opens_each_step_once(gui, window, samples_dir):
    """What Ctrl+A in a file manager drops: 3 steps of 3 files each, plus the state file."""
    directory = samples_dir / "tf1_sparse_placeholder"
    files = sorted(path for path in directory.iterdir() if path.name != "checkpoint")
    assert len(files) == 9
    mime = _urls_mime(*(QUrl.fromLocalFile(str(path)) for path in files))
    assert _drag_enter(window, mime)
    assert _drop(window, mime)
    gui.wait_idle()
    prefixes = [tab.checkpoint.prefix.name for tab in window.tabs()]
    assert prefixes == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"]


def test_web_links_are_refused_with_a_reason(gui, window, samples_dir):
    link = QUrl("https://example.com/model.ckpt-1.index")
    assert not _drag_enter(window, _urls_mime(link))  # refused before it is dropped
    directory = samples_dir / "custom_sparse_triplet"
    mixed = _urls_mime(link, QUrl.fromLocalFile(str(directory)))
    assert _drag_enter(window, mixed)
    assert _drop(window, mixed)
    gui.wait_idle()
    assert [tab.path for tab in window.tabs()] == [str(directory)]
    message = (
        "https://example.com/model.ckpt-1.index was not opened: "
        "only files on this computer can be opened."
    )
    assert message in window.log_view.toPlainText()
    assert window.status.currentMessage() == message


# --- Open dialogs and recent paths ----------------------------------------------------------


def test_open_dialogs_start_in_the_last_directory(gui, window, samples_dir, tmp_path):
    assert window.last_directory() == str(Path.home())  # nothing opened yet
    gui.open(samples_dir / "custom_sparse_triplet")
    assert window.last_directory() == str(samples_dir)
    directories = window.file_dialog(directories=True)
    assert directories.fileMode() == QFileDialog.FileMode.Directory
    assert Path(directories.directory().absolutePath()) == samples_dir
    files = window.file_dialog(directories=False)
    assert files.fileMode() == QFileDialog.FileMode.ExistingFile
    assert "*.index" in files.nameFilters()[0]
    shutil.rmtree(tmp_path / "gone", ignore_errors=True)
    window.settings.setValue("last_directory", str(tmp_path / "gone"))
    assert window.last_directory() == str(Path.home())  # a folder since deleted


def test_recent_menu_lists_opened_paths_and_opens_them(gui, window, samples_dir, tmp_path):
    first, second = samples_dir / "custom_sparse_triplet", samples_dir / "tf2_object_checkpoint"
    gui.open(first)
    gui.open(second)
    menus = window.menus
    assert [action.data() for action in menus.recent_actions()] == [str(second), str(first)]
    assert all(action.isEnabled() for action in menus.recent_actions())
    while window.tabs():
        window.close_current_tab()

    menus.recent_actions()[1].trigger()
    gui.wait_idle()
    assert [tab.path for tab in window.tabs()] == [str(first)]
    assert [action.data() for action in menus.recent_actions()] == [str(first), str(second)]

    copied = tmp_path / "copied"
    shutil.copytree(first, copied)
    gui.open(copied)
    shutil.rmtree(copied)
    menus.recent_menu.aboutToShow.emit()  # as the menu opens
    gone = menus.recent_actions()[0]
    assert gone.data() == str(copied) and not gone.isEnabled()

    menus.clear_recent.trigger()
    assert menus.recent_actions() == []
    assert window.welcome.recent_list.count() == 0
    assert [action.text() for action in menus.recent_menu.actions()][0] == "Nothing opened yet"


# --- settings kept across a restart ----------------------------------------------------------


def test_settings_are_kept_across_a_restart(qtbot, gui, window, settings, engine, samples_dir):
    window.resize(720, 540)
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    qtbot.waitUntil(lambda: tab.splitter.width() > 0)
    tab.splitter.setSizes([200, tab.splitter.width() - 200 - tab.splitter.handleWidth()])
    tree_width = tab.splitter.sizes()[0]
    model_splitter = tab_splitters(tab)[MODEL_SPLITTER_KEYS[0]]  # on the hidden Model tab
    model_splitter.setSizes([300, 500])
    model_sizes = model_splitter.sizes()
    window.findChild(QDockWidget, "logDock").hide()
    window.close()

    again = MainWindow(settings, engine=engine)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (720, 540)
    assert not again.findChild(QDockWidget, "logDock").isVisible()
    assert again.last_directory() == str(samples_dir)
    recent = again.welcome.recent_list
    assert [recent.item(i).text() for i in range(recent.count())] == [
        str(samples_dir / "custom_sparse_triplet")
    ]
    again.open_path(str(samples_dir / "tf2_object_checkpoint"))
    qtbot.waitUntil(lambda: not again.hasPendingOperations())
    new_tab = again.current_tab()
    assert tab_splitters(new_tab)[MODEL_SPLITTER_KEYS[0]].sizes() == model_sizes
    qtbot.waitUntil(lambda: new_tab.splitter.width() > 0)
    assert new_tab.splitter.sizes()[0] == tree_width
    again.close()


# --- shortcuts --------------------------------------------------------------------------------


def test_shortcuts_filter_reload_switch_and_close(qtbot, gui, window, samples_dir):
    first = gui.open(samples_dir / "custom_sparse_triplet")
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    gui.select(tab, "global_step")
    tab.show_model()
    _activate(qtbot, window)

    _press(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.views.currentWidget() is tab.splitter  # back on the variables
    assert tab.tree_panel.filter_box.hasFocus()

    shown = tab.checkpoint
    _press(window, Qt.Key.Key_F5)
    gui.wait_idle()
    assert tab.checkpoint is not shown  # read again from disk
    assert tab.checkpoint.prefix == shown.prefix
    assert tab.tree_panel.selected_node().info.name == "global_step"  # selection kept

    _press(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is first
    _press(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is tab
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    _press(window, Qt.Key.Key_Backtab, shift_ctrl)
    assert window.current_tab() is first

    _press(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs() == [tab]
    _press(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs() == [] and window.welcome.isVisible()


def test_ctrl_o_opens_the_directory_dialog_where_the_user_last_was(qtbot, gui, window, samples_dir):
    gui.open(samples_dir / "custom_sparse_triplet")
    asked: list[QFileDialog] = []

    def choose(dialog: QFileDialog) -> None:  # instead of waiting for a person to click
        asked.append(dialog)
        window.open_path(str(samples_dir / "tf2_object_checkpoint"))

    window._run_dialog = choose
    _activate(qtbot, window)
    _press(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    gui.wait_idle()
    assert len(asked) == 1 and asked[0].fileMode() == QFileDialog.FileMode.Directory
    assert Path(asked[0].directory().absolutePath()) == samples_dir
    assert len(window.tabs()) == 2
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    _press(window, Qt.Key.Key_O, shift_ctrl)
    assert asked[1].fileMode() == QFileDialog.FileMode.ExistingFile


# --- files changing on disk -------------------------------------------------------------------


@pytest.fixture
def copied_sample(samples_dir, tmp_path) -> Path:
    copy = tmp_path / "training"
    shutil.copytree(samples_dir / "tf1_sparse_placeholder", copy)
    return copy


def _save_step(directory: Path, source: str, target: str) -> None:
    """Write step files the way TensorFlow does: data first, then the index, each by rename."""
    for suffix in (".data-00000-of-00001", ".index", ".meta"):
        temporary = directory / f"{target}{suffix}.tempstate"
        shutil.copyfile(directory / f"{source}{suffix}", temporary)
        os.replace(temporary, directory / f"{target}{suffix}")


def test_a_new_step_on_disk_is_offered_not_opened(qtbot, gui, copied_sample):
    tab = gui.open(copied_sample)
    assert tab.checkpoint.prefix.name == "model.ckpt-3"
    assert tab.notice.isHidden()
    _save_step(copied_sample, "model.ckpt-3", "model.ckpt-4")

    qtbot.waitUntil(lambda: not tab.notice.isHidden(), timeout=NOTICE_MS)
    assert tab.notice.text() == "A new step model.ckpt-4 appeared."
    steps = [tab.steps_box.itemData(i).name for i in range(tab.steps_box.count())]
    assert steps[-1] == "model.ckpt-4"
    assert tab.checkpoint.prefix.name == "model.ckpt-3"  # never reloaded by itself

    qtbot.mouseClick(tab.notice.action_button, Qt.MouseButton.LeftButton)
    gui.wait_idle()
    assert tab.checkpoint.prefix.name == "model.ckpt-4"
    assert tab.steps_box.currentText().startswith("4")
    assert tab.notice.isHidden()


def test_the_directory_is_listed_off_the_gui_thread(qtbot, gui, copied_sample, monkeypatch):
    """A directory of thousands of steps takes a good part of a second to list."""
    import threading

    from explorer.ui import step_watcher

    listed_on = []

    def find_prefixes(directory):
        listed_on.append(threading.current_thread())
        return real(directory)

    real = step_watcher.find_prefixes
    monkeypatch.setattr(step_watcher, "find_prefixes", find_prefixes)
    tab = gui.open(copied_sample)
    _save_step(copied_sample, "model.ckpt-3", "model.ckpt-4")
    qtbot.waitUntil(lambda: not tab.notice.isHidden(), timeout=NOTICE_MS)
    assert listed_on and threading.main_thread() not in listed_on


def test_a_rewritten_or_removed_step_is_reported(qtbot, gui, copied_sample):
    tab = gui.open(copied_sample)
    gui.select(tab, "global_step")
    _save_step(copied_sample, "model.ckpt-2", "model.ckpt-3")  # the open step, rewritten
    qtbot.waitUntil(lambda: not tab.notice.isHidden(), timeout=NOTICE_MS)
    assert tab.notice.text() == "The files of model.ckpt-3 changed on disk."
    assert tab.notice.action_button.text() == "Reload"
    qtbot.mouseClick(tab.notice.action_button, Qt.MouseButton.LeftButton)
    gui.wait_idle()
    model = tab.detail.values.model
    assert model.index(0, 0).data() == "2"  # the new contents, selection kept

    for path in copied_sample.glob("model.ckpt-3.*"):
        path.unlink()
    qtbot.waitUntil(lambda: not tab.notice.isHidden(), timeout=NOTICE_MS)
    assert tab.notice.text().startswith("model.ckpt-3 was removed from disk")
    assert tab.notice.action_button.text() == "Open model.ckpt-2"
    qtbot.mouseClick(tab.notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert tab.notice.isHidden() and tab.checkpoint.prefix.name == "model.ckpt-3"


# --- status bar and help ----------------------------------------------------------------------


def test_status_bar_says_what_is_loaded_and_the_memory_in_use(gui, window, samples_dir):
    assert window.status.loaded_label.text() == "No checkpoint open"
    path = samples_dir / "tf1_sparse_placeholder"
    gui.open(path)
    count = len(open_checkpoint(path).variables)
    assert window.status.loaded_label.text().startswith(
        f"tf1 · model.ckpt-3 · {count} variables · "
    )
    memory = window.status.memory_label.text()
    assert memory.startswith("Memory: window ") and "MiB" in memory
    assert window.status.engine_label.text().startswith("Engine: ")


def test_f1_shows_the_guide_with_the_shortcuts(qtbot, window):
    _activate(qtbot, window)
    _press(window, Qt.Key.Key_F1)
    guide = window.guide_dialog
    assert guide is not None and guide.isVisible()
    text = guide.browser.toPlainText()
    for heading in (
        "Opening a checkpoint",
        "Sparse tensors",
        "The Model tab",
        "Keyboard shortcuts",
    ):
        assert heading in text
    for keys in ("Ctrl+O", "Ctrl+F", "Ctrl+W", "F5", "F1"):
        assert keys in text


def test_about_asks_the_engine_for_the_tensorflow_version(qtbot, window):
    tensorflow_before = "tensorflow" in sys.modules  # other tests may compare with TensorFlow
    about = window.show_about()
    assert "asking the engine" in about.label.text()
    qtbot.waitUntil(lambda: not about.has_pending(), timeout=ENGINE_MS)
    version = importlib.metadata.version("tensorflow")
    assert about.tensorflow == version
    rows = about.label.text().split("<tr>")
    assert any(">TensorFlow</td>" in row and f"<td>{version}</td>" in row for row in rows)
    qt = f"<td>{qVersion()} (PySide6 {PySide6.__version__})</td>"
    assert any(">Qt</td>" in row and qt in row for row in rows)
    assert ("tensorflow" in sys.modules) == tensorflow_before


class _BrokenEngine:
    def request(self, op: str, **args):
        raise ModelError("TensorFlow cannot be imported in the engine process: ImportError: no.")


def test_about_says_why_tensorflow_is_not_available(qtbot):
    about = AboutDialog(_BrokenEngine())
    qtbot.addWidget(about)
    qtbot.waitUntil(lambda: not about.has_pending())
    assert about.tensorflow == (
        "not available (TensorFlow cannot be imported in the engine process: ImportError: no)"
    )


def test_the_window_process_never_imports_tensorflow(tmp_path):
    """In a fresh process: open a sample, show About and wait for the engine's answer."""
    script = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from explorer.ui.main_window import MainWindow
from explorer.ui.samples import bundled_samples
app = QApplication([])
window = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat))
window.open_path(str(bundled_samples()[0].path))
about = window.show_about()
while about.has_pending() or window.hasPendingOperations():
    QTest.qWait(50)
print(about.tensorflow, "tensorflow" in sys.modules)
window.close()
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    settings_file = tmp_path / "settings.ini"
    done = subprocess.run(
        [sys.executable, "-c", script, str(settings_file)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [importlib.metadata.version("tensorflow"), "False"]
