"""The sparsity pattern: density images binned to the plot's pixels, recomputed on zoom."""

from __future__ import annotations

import numpy as np

from explorer.ui.sparse_pattern_plot import DEBOUNCE_MS

from .sparse_checkpoints import BIG_NNZ, BIG_SHAPE, CUBE_SHAPE, SMALL, SMALL_SHAPE, sparse_tensors


def _expected(rows: np.ndarray, columns: np.ndarray, image) -> np.ndarray:
    """numpy.histogram2d of the entries inside the image's [start, stop) ranges."""
    (r0, r1), (c0, c1) = image.rows, image.columns
    inside = (rows >= r0) & (rows < r1) & (columns >= c0) & (columns < c1)
    counts, _, _ = np.histogram2d(
        rows[inside], columns[inside], bins=list(image.counts.shape), range=[[r0, r1], [c0, c1]]
    )
    return counts


def _zoom(plot, rows: tuple[float, float], columns: tuple[float, float]) -> None:
    plot.plot.getViewBox().setRange(xRange=columns, yRange=rows, padding=0)


def _big(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "big")
    return tab.sparse_pane.pattern, sparse_tensors()["big/indices"]


def test_the_whole_big_tensor_is_binned_to_the_plot_pixels(gui, sparse_prefix):
    pattern, indices = _big(gui, sparse_prefix)
    assert pattern.view.objectName() == "sparsityView"
    image = pattern.density()
    assert image.rows == (0, BIG_SHAPE[0]) and image.columns == (0, BIG_SHAPE[1])
    height, width = pattern.pixel_size()
    assert image.counts.shape == (min(height, BIG_SHAPE[0]), min(width, BIG_SHAPE[1]))
    assert image.cells_per_bin[0] > 1 and image.cells_per_bin[1] > 1  # binned, not exact
    assert image.counts.sum() == BIG_NNZ
    np.testing.assert_array_equal(image.counts, _expected(indices[:, 0], indices[:, 1], image))
    assert pattern.status.text().startswith("Density: each pixel counts")


def test_zooming_recomputes_the_visible_range(gui, sparse_prefix):
    pattern, indices = _big(gui, sparse_prefix)
    _zoom(pattern, rows=(199.5, 299.5), columns=(99.5, 599.5))  # 100 x 500 cells: exact
    gui.wait_idle()
    image = pattern.density()
    assert image.rows == (200, 300) and image.columns == (100, 600)
    assert image.cells_per_bin == (1.0, 1.0)
    np.testing.assert_array_equal(image.counts, _expected(indices[:, 0], indices[:, 1], image))
    assert pattern.status.text().startswith("Exact pattern")

    _zoom(pattern, rows=(499.5, 1499.5), columns=(-0.5, 1999.5))  # still more cells than pixels
    gui.wait_idle()
    image = pattern.density()
    assert image.rows == (500, 1500) and image.columns == (0, 2000)
    np.testing.assert_array_equal(image.counts, _expected(indices[:, 0], indices[:, 1], image))


def test_a_burst_of_range_changes_ends_with_the_newest_range(gui, qtbot, sparse_prefix):
    pattern, indices = _big(gui, sparse_prefix)
    for step in range(12):
        _zoom(pattern, rows=(step * 50 - 0.5, step * 50 + 799.5), columns=(9.5, 1009.5 + step))
        if step % 3 == 2:
            qtbot.wait(DEBOUNCE_MS + 10)  # lets some requests start jobs that newer ones replace
    gui.wait_idle()
    image = pattern.density()
    assert image.rows == (550, 1350) and image.columns == (10, 1021)
    np.testing.assert_array_equal(image.counts, _expected(indices[:, 0], indices[:, 1], image))


def test_a_small_tensor_is_drawn_cell_by_cell(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "a")
    image = tab.sparse_pane.pattern.density()
    dense = np.zeros(SMALL_SHAPE, dtype=np.int64)
    dense[SMALL[:, 0], SMALL[:, 1]] = 1
    np.testing.assert_array_equal(image.counts, dense)
    # Cell (i, j) is drawn centred on column j, row i.
    rect = tab.sparse_pane.pattern.image.mapRectToParent(
        tab.sparse_pane.pattern.image.boundingRect()
    )
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (-0.5, -0.5, 8, 6)


def test_rank_three_shows_two_axes_summing_or_fixing_the_others(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "cube")
    pane = tab.sparse_pane
    bar, pattern = pane.axes_bar, pane.pattern
    cube = sparse_tensors()["cube/indices"]
    assert bar.isVisible() and bar.axes() == (1, 2) and bar.fixed() == {}
    image = pattern.density()
    assert image.rows == (0, CUBE_SHAPE[1]) and image.columns == (0, CUBE_SHAPE[2])
    np.testing.assert_array_equal(image.counts, _expected(cube[:, 1], cube[:, 2], image))

    bar.index_boxes[0].setValue(1)  # fix axis 0 at 1, as a user would with the spin box
    gui.wait_idle()
    keep = cube[:, 0] == 1
    image = pattern.density()
    np.testing.assert_array_equal(image.counts, _expected(cube[keep, 1], cube[keep, 2], image))
    assert image.counts.sum() == keep.sum()
    title = pane.histograms.rows_plot.getPlotItem().titleLabel.text
    assert title == "Entries per axis 1 (whole tensor)"  # counts are not of the slice shown

    bar.choose(0, 2)  # axis 1 is now summed over
    gui.wait_idle()
    image = pattern.density()
    assert image.rows == (0, CUBE_SHAPE[0]) and set(bar.index_boxes) == {1}
    np.testing.assert_array_equal(image.counts, _expected(cube[:, 0], cube[:, 2], image))
    per_row, _ = pane.histograms.profile_bars()
    assert per_row.sum() == CUBE_SHAPE[0]  # the histograms follow the axes shown


def test_choosing_the_same_axis_twice_swaps_them(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "cube")
    bar = tab.sparse_pane.axes_bar
    bar.column_axis_box.setCurrentIndex(1)
    bar.column_axis_box.activated.emit(1)  # columns := axis 1, which the rows show
    gui.wait_idle()
    assert bar.axes() == (2, 1)
    image = tab.sparse_pane.pattern.density()
    assert image.rows == (0, CUBE_SHAPE[2]) and image.columns == (0, CUBE_SHAPE[1])
