"""The Model tab, driven as a user would: load the model in the engine process, feed it, run it,
and compare what the window shows with TensorFlow's own run in this process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication

from explorer.core.model_spec import SparseArray
from explorer.ui.main_window import MainWindow
from explorer.ui.model_pane import ModelPane

from .conftest import WAIT_MS, Gui

LOAD_MS = 60_000  # the first load waits for the engine to import TensorFlow

FEATURES = SparseArray(
    np.array([[0, 5], [1, 7], [1, 999]], np.int64),
    np.array([1.0, 2.0, 3.0], np.float32),
    np.array([2, 1000], np.int64),
)


def open_model(gui: Gui, path: Path) -> ModelPane:
    tab = gui.open(path)
    pane = tab.show_model()
    gui.qtbot.waitUntil(lambda: pane.info is not None or pane.retry_button.isVisible(),
                        timeout=LOAD_MS)  # fmt: skip
    gui.wait_idle()
    return pane


def run(gui: Gui, pane: ModelPane) -> None:
    pane.run()
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=LOAD_MS)


def shown(pane: ModelPane) -> dict:
    return pane.output_view.outputs()


def tf1_predictions(tf, prefix: Path, sample: SparseArray = FEATURES) -> np.ndarray:
    """TensorFlow's own Session.run of the sample's graph restored from `prefix`."""
    v1 = tf.compat.v1
    with tf.Graph().as_default() as graph, v1.Session(graph=graph) as session:
        v1.train.import_meta_graph(f"{prefix}.meta").restore(session, str(prefix))
        members = ("features/indices:0", "features/values:0", "features/shape:0")
        features = tf.SparseTensor(*(graph.get_tensor_by_name(name) for name in members))
        feed = v1.SparseTensorValue(sample.indices, sample.values, sample.dense_shape)
        return session.run("predictions:0", {features: feed})


@pytest.fixture(scope="module")
def spinning_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TF1 graph whose run takes as long as its input 'n' asks: a while loop counting to n."""
    from explorer.engine.tensorflow_import import import_tensorflow

    tf = import_tensorflow()
    v1 = tf.compat.v1
    directory = tmp_path_factory.mktemp("spinning")
    with tf.Graph().as_default() as graph:
        n = v1.placeholder(tf.int64, [], name="n")
        scale = v1.get_variable("scale", initializer=np.float32(2.0))
        count = tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0, tf.int64)])
        tf.multiply(tf.cast(count, tf.float32), scale, name="result")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            v1.train.Saver().save(session, str(directory / "model.ckpt"))
    return directory


def test_tf1_graph_runs_like_tensorflow(gui: Gui, samples_dir: Path, tf) -> None:
    sample = samples_dir / "tf1_sparse_placeholder"
    pane = open_model(gui, sample)
    entry = pane.current_entry()
    assert entry is not None and entry.key == "graph"
    assert {spec.name: spec.sparse for spec in entry.inputs} == {"features": True, "labels": False}
    assert pane.output_picker.chosen() == ["predictions:0"]
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    assert "Ran graph" in pane.status_text()
    expected = tf1_predictions(tf, sample / "model.ckpt-3")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


def test_other_step_restores_other_weights(gui: Gui, samples_dir: Path, tf) -> None:
    sample = samples_dir / "tf1_sparse_placeholder"
    pane = open_model(gui, sample)
    tab = gui.window.current_tab()
    tab.set_step(sample / "model.ckpt-1")
    gui.wait_idle()
    gui.qtbot.waitUntil(lambda: pane.info is not None and pane.info.prefix.endswith("ckpt-1"),
                        timeout=LOAD_MS)  # fmt: skip
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    expected = tf1_predictions(tf, sample / "model.ckpt-1")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


def test_saved_model_signature_runs_like_tensorflow(gui: Gui, samples_dir: Path, tf) -> None:
    sample = samples_dir / "savedmodel_sparse"
    pane = open_model(gui, sample)
    entry = pane.current_entry()
    assert entry is not None and entry.key == "signature:serving_default"
    (name,) = [spec.name for spec in entry.inputs]
    pane.feed_panel.set_feeds({name: FEATURES})
    run(gui, pane)
    signature = tf.saved_model.load(str(sample)).signatures["serving_default"]
    expected = signature(
        x=tf.constant(FEATURES.indices), x_1=tf.constant(FEATURES.values),
        x_2=tf.constant(FEATURES.dense_shape),
    )  # fmt: skip
    outputs = shown(pane)
    assert set(outputs) == set(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(outputs[key], value.numpy())


def test_out_of_range_feed_is_one_sentence_and_not_run(gui: Gui, samples_dir: Path) -> None:
    pane = open_model(gui, samples_dir / "tf1_sparse_placeholder")
    bad = SparseArray(np.array([[0, 1200]], np.int64), np.array([1.0], np.float32),
                      np.array([2, 1000], np.int64))  # fmt: skip
    pane.feed_panel.set_feeds({"features": bad})
    gui.wait_idle()
    pane.run()
    assert not pane.has_pending()
    assert "[0, 1200]" in pane.status_text() and "outside the dense shape" in pane.status_text()
    assert not pane.run_button.isEnabled()


def test_tensorflow_error_names_the_op(gui: Gui, samples_dir: Path) -> None:
    pane = open_model(gui, samples_dir / "tf1_sparse_placeholder")
    pane.feed_panel.set_feeds({"features": FEATURES})
    pane.output_picker.set_chosen(["loss:0"])  # needs labels, which are fed as zeros [1, 1]...
    pane.feed_panel.set_feeds({"labels": np.zeros((3, 1), np.float32)})  # ...of the wrong batch
    run(gui, pane)
    status = pane.status_text()
    assert status.startswith("TensorFlow could not run"), status
    assert "(op " in status and "\n" not in status
    assert pane.output_view.message_text() == status
    assert "ERROR" in gui.window.log_view.toPlainText()


def test_no_model_beside_a_plain_checkpoint(gui: Gui, samples_dir: Path) -> None:
    tab = gui.open(samples_dir / "tf2_object_checkpoint")
    pane = tab.show_model()
    gui.wait_idle()
    assert pane.info is None
    assert pane.message_label.text().startswith("No model beside")


def test_killing_the_engine_mid_run_leaves_a_working_window(gui: Gui, spinning_model: Path) -> None:
    pane = open_model(gui, spinning_model)
    engine = gui.window.engine
    assert pane.output_picker.chosen() == ["result:0"]  # the named sink is suggested first
    pane.feed_panel.set_feeds({"n": np.array(10**12, np.int64)})
    pane.run()
    gui.qtbot.waitUntil(lambda: engine.state == "busy", timeout=WAIT_MS)
    os.kill(engine.pid, signal.SIGKILL)
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=WAIT_MS)
    assert "stopped" in pane.status_text() and "SIGKILL" in pane.status_text()
    # The next run starts a fresh engine, which loads the model again by itself.
    pane.feed_panel.set_feeds({"n": np.array(5, np.int64)})
    run(gui, pane)
    assert shown(pane) == {"result:0": np.float32(10.0)}, shown(pane)


def test_cancel_kills_the_run(gui: Gui, spinning_model: Path) -> None:
    pane = open_model(gui, spinning_model)
    pid = gui.window.engine.pid
    pane.feed_panel.set_feeds({"n": np.array(10**12, np.int64)})
    pane.run()
    gui.qtbot.waitUntil(lambda: pane.cancel_button.isEnabled(), timeout=WAIT_MS)
    gui.qtbot.waitUntil(lambda: gui.window.engine.state == "busy", timeout=WAIT_MS)
    pane.cancel_button.click()
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=WAIT_MS)
    assert "cancelled" in pane.status_text()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_copied_script_prints_the_same_output(gui: Gui, samples_dir: Path, tmp_path: Path) -> None:
    pane = open_model(gui, samples_dir / "tf1_sparse_placeholder")
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    pane.copy_button.click()
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=WAIT_MS)
    script = QGuiApplication.clipboard().text()
    assert "SparseTensorValue" in script
    path = tmp_path / "run_model.py"
    path.write_text(script)
    saved = tmp_path / "outputs.npz"
    done = subprocess.run([sys.executable, str(path), str(saved)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "predictions:0" in done.stdout
    with np.load(saved) as outputs:
        np.testing.assert_array_equal(outputs["predictions:0"], shown(pane)["predictions:0"])


def test_window_starts_its_own_engine_and_stops_it(qtbot, settings: QSettings) -> None:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.engine.pid is not None, timeout=WAIT_MS)
    pid = window.engine.pid
    window.close()
    qtbot.waitUntil(lambda: not psutil.pid_exists(pid), timeout=WAIT_MS)


def copy_sample(samples_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tf1_sparse_placeholder"
    shutil.copytree(samples_dir / "tf1_sparse_placeholder", copy)
    return copy


def run_in_background(engine, op: str, **args) -> threading.Thread:
    """An engine request from another thread, as another tab's would be."""
    thread = threading.Thread(target=engine.request, args=(op,), kwargs=args, daemon=True)
    thread.start()
    return thread


def test_switching_step_while_the_load_waits_ends_with_that_steps_model(
    gui: Gui, samples_dir: Path, tf
) -> None:
    sample = samples_dir / "tf1_sparse_placeholder"
    tab = gui.open(sample)  # step 3
    engine = gui.window.engine
    blocker = run_in_background(engine, "sleep", seconds=1.0)  # the load waits behind it
    gui.qtbot.waitUntil(lambda: engine.state == "busy", timeout=LOAD_MS)
    pane = tab.show_model()
    assert pane._loads.is_running()
    tab.set_step(sample / "model.ckpt-1")
    gui.qtbot.waitUntil(lambda: pane.info is not None and not pane.has_pending(), timeout=LOAD_MS)
    blocker.join()
    assert pane.info.prefix.endswith("model.ckpt-1"), pane.info.prefix
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    expected = tf1_predictions(tf, sample / "model.ckpt-1")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


def test_switching_step_as_the_model_loads_ends_with_that_steps_model(
    gui: Gui, samples_dir: Path, tf
) -> None:
    """However far the first load got when the step changes (in line, in the engine, done)."""
    sample = samples_dir / "tf1_sparse_placeholder"
    tab = gui.open(sample)
    pane = tab.show_model()
    tab.set_step(sample / "model.ckpt-2")
    gui.qtbot.waitUntil(lambda: pane.info is not None and not pane.has_pending(), timeout=LOAD_MS)
    assert pane.info.prefix.endswith("model.ckpt-2"), pane.info.prefix
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    expected = tf1_predictions(tf, sample / "model.ckpt-2")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


SPIN_N = 1_500_000  # a run of a few seconds


def start_spinning(gui: Gui, spinning_model: Path) -> ModelPane:
    pane = open_model(gui, spinning_model)
    pane.feed_panel.set_feeds({"n": np.array(SPIN_N, np.int64)})
    gui.wait_idle()
    pane.run()
    gui.qtbot.waitUntil(lambda: gui.window.engine.state == "busy", timeout=WAIT_MS)
    return pane


def test_cancel_stops_this_tabs_waiting_run_and_not_the_other_tabs(
    gui: Gui, samples_dir: Path, spinning_model: Path
) -> None:
    other = open_model(gui, samples_dir / "tf1_sparse_placeholder")
    other.feed_panel.set_feeds({"features": FEATURES})
    gui.wait_idle()
    spinning = start_spinning(gui, spinning_model)
    pid = gui.window.engine.pid
    other.run()  # waits behind the spinning run
    assert other.cancel_button.isEnabled()
    other.cancel_button.click()
    gui.qtbot.waitUntil(lambda: not other.has_pending(), timeout=1000)  # not after the spin
    assert other.status_text() == "The engine request run was cancelled."
    assert spinning.has_pending() and gui.window.engine.pid == pid
    gui.qtbot.waitUntil(lambda: not spinning.has_pending(), timeout=LOAD_MS)
    assert shown(spinning) == {"result:0": np.float32(2 * SPIN_N)}, spinning.status_text()
    assert gui.window.engine.pid == pid


def test_closing_a_tab_whose_load_waits_spares_the_other_tab(
    gui: Gui, samples_dir: Path, spinning_model: Path
) -> None:
    spinning = start_spinning(gui, spinning_model)
    pid = gui.window.engine.pid
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    waiting = tab.show_model()
    assert waiting._loads.is_running()
    gui.window.close_tab(gui.window.tabs().index(tab))
    gui.qtbot.waitUntil(lambda: not spinning.has_pending(), timeout=LOAD_MS)
    assert shown(spinning) == {"result:0": np.float32(2 * SPIN_N)}, spinning.status_text()
    assert gui.window.engine.pid == pid
    assert not gui.window.engine.has_model(waiting.model_key)
    assert gui.window.engine.has_model(spinning.model_key)


def test_reloading_during_a_runaway_run_stops_it_and_loads(gui: Gui, spinning_model: Path) -> None:
    pane = open_model(gui, spinning_model)
    pane.feed_panel.set_feeds({"n": np.array(10**12, np.int64)})
    gui.wait_idle()
    pane.run()
    gui.qtbot.waitUntil(lambda: gui.window.engine.state == "busy", timeout=WAIT_MS)
    pane.reload_button.click()
    gui.qtbot.waitUntil(lambda: pane.info is not None and not pane.has_pending(), timeout=LOAD_MS)
    assert pane.status_text() == "" and pane.run_button.isEnabled()
    pane.feed_panel.set_feeds({"n": np.array(5, np.int64)})
    run(gui, pane)
    assert shown(pane) == {"result:0": np.float32(10.0)}, pane.status_text()


def test_a_failed_step_then_a_good_one_loads_the_good_one(
    gui: Gui, samples_dir: Path, tmp_path: Path, tf
) -> None:
    sample = copy_sample(samples_dir, tmp_path)
    meta = sample / "model.ckpt-1.meta"
    meta.write_bytes(meta.read_bytes()[:100])  # a damaged graph for step 1
    pane = open_model(gui, sample)
    tab = gui.window.current_tab()
    assert pane.info is not None and pane.info.prefix.endswith("model.ckpt-3")
    tab.set_step(sample / "model.ckpt-1")
    gui.qtbot.waitUntil(lambda: pane.retry_button.isVisible(), timeout=LOAD_MS)
    assert pane.info is None and "model.ckpt-1.meta" in pane.message_label.text()
    tab.set_step(sample / "model.ckpt-3")
    gui.qtbot.waitUntil(lambda: pane.info is not None and not pane.has_pending(), timeout=LOAD_MS)
    assert pane.info.prefix.endswith("model.ckpt-3") and not pane.retry_button.isVisible()
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    expected = tf1_predictions(tf, sample / "model.ckpt-3")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


def test_a_model_the_restarted_engine_cannot_load_asks_to_be_reloaded(
    gui: Gui, samples_dir: Path, tmp_path: Path, tf
) -> None:
    sample = copy_sample(samples_dir, tmp_path)
    pane = open_model(gui, sample)
    pane.feed_panel.set_feeds({"features": FEATURES})
    gui.wait_idle()
    engine = gui.window.engine
    os.kill(engine.pid, signal.SIGKILL)
    gui.qtbot.waitUntil(lambda: engine.pid is None, timeout=WAIT_MS)
    kept = tmp_path / "kept"
    (sample / "model.ckpt-3.meta").rename(kept)  # the engine cannot load the model again
    run(gui, pane)
    assert pane.retry_button.isVisible() and pane.info is None
    assert "model.ckpt-3.meta" in pane.message_label.text(), pane.message_label.text()
    kept.rename(sample / "model.ckpt-3.meta")
    pane.retry_button.click()
    gui.qtbot.waitUntil(lambda: pane.info is not None and not pane.has_pending(), timeout=LOAD_MS)
    pane.feed_panel.set_feeds({"features": FEATURES})
    run(gui, pane)
    expected = tf1_predictions(tf, sample / "model.ckpt-3")
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)


class Ticks:
    """A timer ticking every 50 ms on the GUI thread: the longest gap between two ticks is how
    long the window froze."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))
        self.timer.start(50)

    def longest_gap(self) -> float:
        self.timer.stop()
        return max(np.diff(self.times), default=0.0)


def test_big_feeds_run_and_copy_without_freezing_the_window(
    gui: Gui, samples_dir: Path, tmp_path: Path, tf
) -> None:
    rng = np.random.default_rng(9)
    size = 1_000_000  # every cell of [1000, 1000]
    cells = np.arange(size, dtype=np.int64)
    big = SparseArray(np.stack([cells // 1000, cells % 1000], axis=1),
                      rng.standard_normal(size).astype(np.float32),
                      np.array([1000, 1000], np.int64))  # fmt: skip
    sample = samples_dir / "tf1_sparse_placeholder"
    pane = open_model(gui, sample)
    pane.feeds_cache = tmp_path / "cache"
    pane.feed_panel.set_feeds({"features": big})
    gui.wait_idle()

    ticks = Ticks()
    run(gui, pane)
    gap = ticks.longest_gap()
    assert gap < 0.25, f"the window froze for {gap:.2f} s"
    expected = tf1_predictions(tf, sample / "model.ckpt-3", big)
    np.testing.assert_array_equal(shown(pane)["predictions:0"], expected)

    ticks = Ticks()
    pane.copy_button.click()
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=LOAD_MS)
    gap = ticks.longest_gap()
    assert gap < 0.25, f"the window froze for {gap:.2f} s"
    script = QGuiApplication.clipboard().text()
    pane.copy_button.click()  # the same feeds again: the same file
    gui.qtbot.waitUntil(lambda: not pane.has_pending(), timeout=LOAD_MS)
    assert QGuiApplication.clipboard().text() == script
    (feeds_file,) = (tmp_path / "cache").iterdir()
    assert str(feeds_file) in pane.status_text() and str(feeds_file) in script
    assert len(script) < 10_000
    path = tmp_path / "run_model.py"
    path.write_text(script)
    saved = tmp_path / "outputs.npz"
    done = subprocess.run([sys.executable, str(path), str(saved)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with np.load(saved) as outputs:
        np.testing.assert_array_equal(outputs["predictions:0"], expected)


def test_a_long_run_and_a_waiting_one_leave_the_window_free(
    gui: Gui, samples_dir: Path, spinning_model: Path
) -> None:
    """Engine requests hold a pool thread each while they wait; other jobs must still run."""
    first = open_model(gui, spinning_model)
    second = open_model(gui, spinning_model)
    for pane in (first, second):
        pane.feed_panel.set_feeds({"n": np.array(10**12, np.int64)})
    gui.wait_idle()
    first.run()
    second.run()
    gui.qtbot.waitUntil(lambda: gui.window.engine.state == "busy", timeout=WAIT_MS)
    gui.window.open_path(str(samples_dir / "custom_sparse_triplet"))
    tab = gui.window.current_tab()
    gui.qtbot.waitUntil(lambda: tab.checkpoint is not None, timeout=WAIT_MS)
    assert first.has_pending() and second.has_pending()  # the checkpoint opened meanwhile
    second.cancel_button.click()
    first.cancel_button.click()
    gui.wait_idle()
