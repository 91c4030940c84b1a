"""The sparse pane: summary, problems, entries table, histograms and dense preview."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from explorer.ui.array_table_model import VALUE_ROLE
from explorer.ui.coo_table_model import OUTSIDE_COLOUR
from explorer.ui.paged_rows_model import ROW_PAGE
from explorer.ui.sparse_data import axis_profile
from explorer.ui.sparse_text import VALID_TEXT

from .sparse_checkpoints import BIG_NNZ, BIG_SHAPE, BROKEN, SMALL, sparse_tensors


def _rows(model, first: int, last: int) -> list[list]:
    return [
        [model.index(row, column).data(VALUE_ROLE) for column in range(model.columnCount())]
        for row in range(first, last)
    ]


def test_a_valid_tensor_says_so_with_its_summary(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "a")
    pane = tab.sparse_pane
    assert pane.problem_lines() == [VALID_TEXT]
    assert pane.summary_fields() == {
        "Entries (nnz)": "5",
        "Dense shape": "[6, 8]",
        "Density": "10.4%",
        "Values": "float32",
        "Entries per row": "min 0, mean 0.8333, max 2",
        "Entries per column": "min 0, mean 0.625, max 1",
    }
    assert "a/indices, a/values, a/dense_shape" in pane.summary.text()


def test_a_broken_tensor_shows_each_problem_on_its_own_line(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "broken")
    pane = tab.sparse_pane
    problems = tab.tree_panel.selected_node().sparse.problems
    assert len(problems) == 2
    assert pane.problem_lines() == [f"⚠ {problem}" for problem in problems]
    assert "outside the dense shape [4, 5]" in problems[0]
    assert "out of row-major order" in problems[1]
    assert pane.problems.isVisible()
    # The entry outside the shape is marked in the table.
    entries = pane.entries
    assert entries.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) == OUTSIDE_COLOUR
    assert entries.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert _rows(entries, 0, len(BROKEN)) == [[*row, 1.0] for row in BROKEN.tolist()]


def test_a_decoy_shows_its_structure_problem_and_no_pattern(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "decoy")
    pane = tab.sparse_pane
    assert pane.problem_lines() == ["⚠ The indices are float32, not integers."]
    assert pane.data() is None and pane.pattern.density() is None
    assert "the indices are float32, not integers" in pane.pattern.status.text()


def test_entries_table_pages_through_indices_and_values(gui, sparse_prefix, qtmodeltester):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "big")
    entries = tab.sparse_pane.entries
    expected_indices, expected_values = (
        sparse_tensors()["big/indices"],
        sparse_tensors()["big/values"],
    )
    assert entries.total_rows() == BIG_NNZ
    assert entries.rowCount() == ROW_PAGE
    assert [entries.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == [
        "row", "column", "value",
    ]  # fmt: skip
    entries.fetchMore()
    assert entries.rowCount() == 2 * ROW_PAGE
    got = np.array(_rows(entries, 900, 1600))
    np.testing.assert_array_equal(got[:, :2], expected_indices[900:1600])
    np.testing.assert_array_equal(got[:, 2].astype(np.float32), expected_values[900:1600])
    qtmodeltester.check(entries)


def test_histograms_count_rows_columns_and_values(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "big")
    histograms = tab.sparse_pane.histograms
    assert histograms.value_statistics() is None  # the values are read once shown
    tab.sparse_pane.tabs.setCurrentWidget(histograms)
    gui.wait_idle()
    per_row, per_column = histograms.profile_bars()
    assert per_row.sum() == BIG_SHAPE[0] and per_column.sum() == BIG_SHAPE[1]
    indices = sparse_tensors()["big/indices"]
    row_counts = np.bincount(indices[:, 0], minlength=BIG_SHAPE[0])
    np.testing.assert_array_equal(per_row, np.bincount(row_counts))  # one bin per count
    statistics = histograms.value_statistics()
    assert statistics is not None and statistics.count == BIG_NNZ
    assert statistics.hist_counts.sum() == BIG_NNZ
    low, mean, high = tab.sparse_pane.data().profiles[0].summary
    assert (low, high) == (row_counts.min(), row_counts.max())
    assert mean == BIG_NNZ / BIG_SHAPE[0]


def test_dense_preview_only_for_small_tensors(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "a")
    pane = tab.sparse_pane
    dense = np.zeros((6, 8), dtype=np.float32)
    dense[SMALL[:, 0], SMALL[:, 1]] = np.arange(1, 6)
    np.testing.assert_array_equal(pane.dense.array(), dense)
    assert "duplicate entries add up" in pane.dense_note.text()
    gui.select_sparse(tab, "big")
    assert pane.dense.array() is None
    assert "at most 100,000 cells" in pane.dense_note.text()


def test_a_rank_one_tensor_has_counts_but_no_pattern(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "vector")
    pane = tab.sparse_pane
    assert pane.summary_fields()["Entries per axis 0 position"] == "min 0, mean 0.5, max 2"
    assert pane.problem_lines() == ["⚠ 1 entry repeats an earlier index (first: entry 2 at [4])."]
    assert pane.pattern.density() is None
    assert pane.pattern.status.text() == "Patterns are drawn for tensors of rank 2 or more."
    per_row, per_column = pane.histograms.profile_bars()
    np.testing.assert_array_equal(per_row, [4, 1, 1])  # 4 empty positions, 1 with 1, 1 with 2
    assert per_column is None
    assert pane.dense.array() is None  # previews are for rank 2


def test_axis_profile_counts_entries_per_position_small_and_huge_axes():
    column = np.array([0, 0, 3, 3, 3, 7, -1, 12])  # -1 and 12 lie outside an axis of 10
    small = axis_profile(column, 10, 0)
    assert small.summary == (0, 0.6, 3)
    assert small.hist_counts.sum() == 10  # every position counted once, empty ones included
    huge = axis_profile(column, 2**40, 1)  # past BINCOUNT_LIMIT: occupied positions only; 12 is in
    assert huge.summary == (0, 7 / 2**40, 3)
    assert huge.hist_counts.sum() == 2**40 and huge.hist_counts[0] == 2**40 - 4


def test_density_reads_well_from_dense_to_hashed_ids():
    from explorer.ui.sparse_text import percent_text

    assert [percent_text(f) for f in (1.0, 0.0266667, 5e-7, 1.65e-24, 0.0)] == [
        "100%", "2.67%", "0.00005%", "1.65e-22%", "0%",
    ]  # fmt: skip
