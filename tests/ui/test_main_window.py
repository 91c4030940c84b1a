"""The window as a user meets it: welcome page, opening, tabs, steps, errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThreadPool

from explorer.core.checkpoint import open_checkpoint
from explorer.ui.array_table_model import VALUE_ROLE


def table_values(tab) -> np.ndarray:
    model = tab.detail.values.model
    return np.array(
        [
            [model.index(r, c).data(VALUE_ROLE) for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]
    )


def test_welcome_page_lists_the_samples(window, samples_dir):
    sample_dirs = sorted(p.name for p in samples_dir.iterdir() if p.is_dir())
    assert sorted(window.welcome.sample_buttons) == sample_dirs
    assert window.welcome.isVisible()
    button = window.welcome.sample_buttons["custom_sparse_triplet"]
    assert "custom sparse matrix" in button.description()


def test_clicking_a_sample_opens_it_and_closing_returns_to_welcome(qtbot, gui, window, samples_dir):
    qtbot.mouseClick(window.welcome.sample_buttons["custom_sparse_triplet"], Qt.LeftButton)
    gui.wait_idle()
    assert [tab.title() for tab in window.tabs()] == ["custom_sparse_triplet"]
    assert not window.welcome.isVisible()
    path = str(samples_dir / "custom_sparse_triplet")

    window.close_tab(0)
    assert window.welcome.isVisible()
    recent = window.welcome.recent_list
    assert [recent.item(i).text() for i in range(recent.count())] == [path]

    item = recent.item(0)
    qtbot.mouseClick(recent.viewport(), Qt.LeftButton, pos=recent.visualItemRect(item).center())
    gui.wait_idle()
    assert [tab.path for tab in window.tabs()] == [path]


@pytest.mark.parametrize(
    "sample",
    [
        "tf1_sparse_placeholder",
        "custom_sparse_triplet",
        "tf2_object_checkpoint",
        "savedmodel_sparse",
    ],
)
def test_tree_lists_every_variable_the_reader_lists(gui, samples_dir, sample, shown_keys):
    tab = gui.open(samples_dir / sample)
    expected = {info.name for info in open_checkpoint(samples_dir / sample).variables}
    assert sorted(shown_keys(tab.tree_panel)) == sorted(expected)


def test_tree_matches_tensorflow(gui, samples_dir, shown_nodes, tf):
    path = samples_dir / "tf1_sparse_placeholder"
    tab = gui.open(path)
    shown = {n.info.name: list(n.info.shape) for n in shown_nodes(tab.tree_panel) if n.info}
    assert shown == dict(tf.train.list_variables(str(path)))


def test_selected_variable_shows_values_and_statistics(gui, samples_dir, tf):
    path = samples_dir / "custom_sparse_triplet"
    tab = gui.open(path)
    gui.select(tab, "dense/kernel")
    expected = tf.train.load_variable(str(path), "dense/kernel")
    np.testing.assert_array_equal(table_values(tab), expected)
    assert tab.detail.metadata.title.text() == "dense/kernel"
    assert tab.detail.metadata.values["Shape"].text() == "[50, 4]"

    stats = tab.detail.statistics
    result = stats.statistics()
    assert result is not None
    assert result.min == pytest.approx(float(expected.min()))
    assert result.max == pytest.approx(float(expected.max()))
    assert result.mean == pytest.approx(float(expected.astype(np.float64).mean()))
    assert float(stats.values["max"].text()) == pytest.approx(float(expected.max()))
    assert stats.values["count"].text() == "200"


def test_partitioned_variable_reads_across_slice_boundaries(gui, samples_dir, tf):
    path = samples_dir / "tf1_sparse_placeholder"
    tab = gui.open(path)
    gui.select(tab, "embedding")
    assert tab.detail.metadata.values["Slices"].text().startswith("3")
    expected = tf.train.load_variable(str(path), "embedding")
    shown = table_values(tab)
    assert shown.shape == (1000, 8)
    for row in (0, 332, 333, 334, 665, 666, 667, 999):
        np.testing.assert_array_equal(shown[row], expected[row])
    np.testing.assert_array_equal(shown, expected)


def test_steps_selector_switches_step_keeping_selection_and_filter(gui, samples_dir):
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    steps = tab.steps_box
    assert [steps.itemData(i).name for i in range(steps.count())] == [
        "model.ckpt-1",
        "model.ckpt-2",
        "model.ckpt-3",
    ]
    assert steps.currentIndex() == 2 and steps.isVisible()
    tab.tree_panel.filter_box.setText("step")
    tab.tree_panel.apply_filter()
    gui.select(tab, "global_step")
    assert table_values(tab).tolist() == [[3]]

    for index, step in ((0, 1), (1, 2)):
        steps.setCurrentIndex(index)
        steps.activated.emit(index)
        gui.wait_idle()
        assert tab.checkpoint.prefix.name == f"model.ckpt-{step}"
        assert tab.tree_panel.selected_node().info.name == "global_step"
        assert tab.tree_panel.filter_box.text() == "step"
        assert table_values(tab).tolist() == [[step]]


def test_single_checkpoint_hides_the_steps_selector(gui, samples_dir):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    assert not tab.steps_box.isVisible()


def test_tf2_names_drop_the_attribute_suffix(gui, samples_dir, shown_nodes):
    tab = gui.open(samples_dir / "tf2_object_checkpoint")
    paths = {node.path for node in shown_nodes(tab.tree_panel) if node.info}
    assert paths == {
        "_CHECKPOINTABLE_OBJECT_GRAPH",
        "model/layer/dense_shape",
        "model/layer/indices",
        "model/layer/kernel",
        "model/layer/values",
        "save_counter",
    }
    key = "model/layer/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    gui.select(tab, key)
    assert tab.detail.metadata.title.text() == "model/layer/kernel"
    assert tab.detail.metadata.values["Key"].text() == key


def _empty_dir(tmp_path, samples_dir):
    return tmp_path


def _garbage_index(tmp_path, samples_dir):
    (tmp_path / "model.ckpt-1.index").write_bytes(b"this is not a table" * 10)
    return tmp_path


def _missing_shard(tmp_path, samples_dir):
    shutil.copy(samples_dir / "custom_sparse_triplet" / "model.ckpt-100.index", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_empty_dir, "holds no TensorFlow checkpoint"),
        (_garbage_index, "is not a TensorFlow checkpoint index"),
        (_missing_shard, "model.ckpt-100.data-00000-of-00001 is missing"),
    ],
)
def test_broken_checkpoint_shows_error_and_window_stays_usable(
    gui, window, tmp_path, samples_dir, make, expected
):
    broken = make(tmp_path, samples_dir)
    tab = gui.open(broken)
    assert expected in tab.error_message()
    assert tab.error_label.isVisible()
    assert expected in window.log_view.toPlainText()
    assert window.tab_widget.tabText(0).startswith("⚠")

    good = gui.open(samples_dir / "custom_sparse_triplet")
    assert good.error_message() == ""
    assert good.checkpoint is not None
    gui.select(good, "dense/bias")
    assert good.detail.values.model.rowCount() == 4


def test_unexpected_error_is_one_sentence_with_traceback_in_log(
    gui, window, samples_dir, monkeypatch
):
    def explode(path, prefix=None):
        raise ValueError("parser exploded")

    monkeypatch.setattr("explorer.ui.checkpoint_tab.open_checkpoint", explode)
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    message = tab.error_message()
    assert "could not be opened: parser exploded" in message
    assert "\n" not in message
    log = window.log_view.toPlainText()
    assert "Traceback" in log and "ValueError: parser exploded" in log


def test_closing_a_tab_while_it_loads_is_harmless(qtbot, gui, window, samples_dir):
    window.open_path(str(samples_dir / "tf1_sparse_placeholder"))
    window.close_tab(0)
    assert window.welcome.isVisible()
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
    qtbot.wait(50)  # let any queued result arrive at the deleted tab's job slot
    assert window.tabs() == []


RUN_GUI_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from explorer.ui.application import run_gui
from explorer.ui.main_window import MainWindow

def report_and_quit():
    (window,) = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
    if window.hasPendingOperations():
        QTimer.singleShot(20, report_and_quit)
        return
    print([tab.title() for tab in window.tabs()], window.welcome.isVisible(), flush=True)
    window.close()
    app.exit(3)

QTimer.singleShot(0, report_and_quit)
sys.exit(run_gui(sys.argv[1:]))
"""


def _run_gui(tmp_path, *paths: str) -> subprocess.CompletedProcess:
    # A process of its own: app.exec() returning leaves a QApplication unusable for later tests.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", RUN_GUI_SCRIPT, *paths],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_gui_without_paths_shows_the_welcome_page(tmp_path):
    done = _run_gui(tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == "[] True"


def test_run_gui_opens_each_path_in_a_tab_and_remembers_it(tmp_path, samples_dir):
    paths = [str(samples_dir / "custom_sparse_triplet"), str(samples_dir / "tf2_object_checkpoint")]
    done = _run_gui(tmp_path, *paths)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == "['custom_sparse_triplet', 'tf2_object_checkpoint'] False"
    config = (tmp_path / "checkpoint-explorer" / "Checkpoint Explorer.conf").read_text()
    assert all(path in config for path in paths)


def test_stale_state_file_is_resolved_and_the_log_says_so(gui, window, samples_dir, tmp_path):
    shutil.copytree(samples_dir / "tf1_sparse_placeholder", tmp_path / "run")
    (tmp_path / "run" / "checkpoint").write_text(
        'model_checkpoint_path: "/home/someone/old/run/model.ckpt-2"\n'
    )
    tab = gui.open(tmp_path / "run")
    assert tab.checkpoint.prefix == tmp_path / "run" / "model.ckpt-2"
    assert tab.steps_box.currentText().startswith("2")
    log = window.log_view.toPlainText()
    assert "/home/someone/old/run/model.ckpt-2, which does not exist; using model.ckpt-2" in log


def test_the_window_icon_is_the_bundled_one(qapp) -> None:
    from explorer.ui.application import app_icon

    assert not app_icon().pixmap(64).isNull()  # resources/desktop's SVG, drawn by QtSvg
