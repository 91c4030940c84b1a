"""Background jobs: statistics and heat maps run off the GUI thread and can be cancelled."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThreadPool

from explorer.ui import heatmap_panel, statistics_panel
from explorer.ui.heatmap_panel import iter_heatmap, stride_note
from explorer.ui.jobs import JobFailure, JobSlot

REAL_STATISTICS = statistics_panel.iter_statistics


def statistics_stuck_on(name: str):
    """iter_statistics that never finishes for the variable `name` (until cancelled)."""

    def fake(tensor, *args):
        if tensor.name != name:
            return (yield from REAL_STATISTICS(tensor, *args))
        while True:
            yield 0.5
            time.sleep(0.002)

    return fake


def test_statistics_job_is_cancelled_when_the_selection_changes(
    qtbot, gui, window, samples_dir, monkeypatch
):
    monkeypatch.setattr(statistics_panel, "iter_statistics", statistics_stuck_on("embedding"))
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    stats = tab.detail.statistics
    assert tab.select_variable("embedding")
    qtbot.waitUntil(lambda: stats.progress.bar.value() > 0)

    gui.select(tab, "linear/weights")  # waits until the cancelled job has stopped too
    assert stats.statistics().count == 1000
    assert "'embedding' cancelled by a new selection" in window.log_view.toPlainText()


def test_cancel_button_stops_statistics_and_compute_restarts_them(
    qtbot, gui, samples_dir, monkeypatch
):
    monkeypatch.setattr(statistics_panel, "iter_statistics", statistics_stuck_on("embedding"))
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    stats = tab.detail.statistics
    tab.detail.tabs.setCurrentWidget(stats)
    assert tab.select_variable("embedding")
    qtbot.waitUntil(lambda: stats.progress.bar.value() > 0)
    assert stats.progress.isVisible()

    qtbot.mouseClick(stats.progress.cancel_button, Qt.LeftButton)
    gui.wait_idle()
    assert stats.status.text() == "Cancelled."
    assert stats.statistics() is None
    assert stats.compute_button.isVisible() and not stats.progress.isVisible()

    monkeypatch.setattr(statistics_panel, "iter_statistics", REAL_STATISTICS)
    qtbot.mouseClick(stats.compute_button, Qt.LeftButton)
    gui.wait_idle()
    assert stats.statistics().count == 8000


def test_big_tensors_wait_for_compute(qtbot, gui, samples_dir, monkeypatch):
    monkeypatch.setattr(statistics_panel, "AUTO_LIMIT", 100)
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    stats = tab.detail.statistics
    tab.detail.tabs.setCurrentWidget(stats)
    gui.select(tab, "dense/kernel")
    assert stats.statistics() is None
    assert stats.compute_button.isVisible()
    qtbot.mouseClick(stats.compute_button, Qt.LeftButton)
    gui.wait_idle()
    assert stats.statistics().count == 200


def test_heat_map_of_a_2d_variable(gui, samples_dir, tf):
    path = samples_dir / "custom_sparse_triplet"
    tab = gui.open(path)
    gui.select(tab, "dense/kernel")
    heat = tab.detail.heatmap
    assert heat.heatmap() is None  # not drawn while its tab is hidden
    tab.detail.tabs.setCurrentWidget(heat)
    gui.wait_idle()
    expected = tf.train.load_variable(str(path), "dense/kernel")
    np.testing.assert_array_equal(heat.heatmap().image, expected)
    assert "shown" not in heat.status.text()


def test_heat_map_of_a_big_tensor_is_strided(gui, samples_dir, monkeypatch, tf):
    monkeypatch.setattr(heatmap_panel, "iter_heatmap", functools.partial(iter_heatmap, max_side=16))
    path = samples_dir / "tf1_sparse_placeholder"
    tab = gui.open(path)
    tab.detail.tabs.setCurrentWidget(tab.detail.heatmap)
    gui.select(tab, "embedding")
    heat = tab.detail.heatmap
    expected = tf.train.load_variable(str(path), "embedding")
    np.testing.assert_array_equal(heat.heatmap().image, expected[::63])
    assert "Every 63rd row shown." in heat.status.text()


def test_heat_map_needs_a_2d_tensor(gui, samples_dir):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    tab.detail.tabs.setCurrentWidget(tab.detail.heatmap)
    gui.select(tab, "dense/bias")
    assert "2-D" in tab.detail.heatmap.status.text()
    assert tab.detail.heatmap.heatmap() is None


def run(gen):
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def test_heat_map_data_hides_non_finite_values_and_scales_to_finite_ones():
    array = np.array([[1.0, np.nan], [np.inf, -2.0]])
    heat = run(iter_heatmap(array))
    assert np.isnan(heat.image[0, 1]) and np.isnan(heat.image[1, 0])
    assert heat.levels == (-2.0, 1.0)
    assert run(iter_heatmap(np.array([[3 + 4j]]))).image.tolist() == [[5.0]]
    strided = run(iter_heatmap(np.arange(2500 * 3).reshape(2500, 3), max_side=1000))
    assert (strided.row_stride, strided.column_stride) == (3, 1)
    np.testing.assert_array_equal(strided.image, np.arange(2500 * 3).reshape(2500, 3)[::3])


@pytest.mark.parametrize(
    ("strides", "note"),
    [
        ((1, 1), ""),
        ((2, 1), "Every 2nd row shown."),
        ((3, 11), "Every 3rd row and every 11th column shown."),
        ((1, 21), "Every 21st column shown."),
    ],
)
def test_stride_note(strides, note):
    assert stride_note(*strides) == note


def _slow(value):
    for _ in range(1000):
        yield 0.0
        time.sleep(0.002)
    return value


def _fails():
    raise ValueError("no good")


def test_newest_job_replaces_the_one_before(qtbot):
    slot = JobSlot()
    results = []
    slot.sig_done.connect(results.append)
    slot.start(_slow, "old")
    with qtbot.waitSignal(slot.sig_done):
        slot.start(sum, [1, 2, 3])
    qtbot.waitUntil(lambda: not slot.has_pending())
    assert results == [6]


def test_failed_job_reports_its_traceback(qtbot):
    slot = JobSlot()
    with qtbot.waitSignal(slot.sig_failed) as blocker:
        slot.start(_fails)
    failure = blocker.args[0]
    assert isinstance(failure, JobFailure)
    assert isinstance(failure.error, ValueError)
    assert "ValueError: no good" in failure.traceback
    qtbot.waitUntil(lambda: not slot.has_pending())
    assert QThreadPool.globalInstance().waitForDone(5000)
