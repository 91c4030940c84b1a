"""The feed panel driven as a user drives it: typing, pasting, filling, loading, densifying."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLineEdit

from explorer.core.feed_files import save_feed_file
from explorer.core.feeds import order_note
from explorer.core.model_spec import InputSpec, SparseArray
from explorer.core.random_feeds import densify, random_dense, random_sparse
from explorer.ui import feed_editor
from explorer.ui.dense_feed_editor import DenseFeedEditor
from explorer.ui.feed_panel import NO_INPUTS, FeedPanel
from explorer.ui.feed_random_dialog import RandomChoice, RandomSparseDialog
from explorer.ui.feed_rows_model import fault_background
from explorer.ui.paged_rows_model import ROW_PAGE
from explorer.ui.plot_style import NOTE, text_colour
from explorer.ui.sparse_feed_editor import SparseFeedEditor

WAIT_MS = 10_000
FEATURES = InputSpec("features", True, "float32", (None, 1000),
                     ("features/indices:0", "features/values:0", "features/shape:0"))  # fmt: skip
LABELS = InputSpec("labels", False, "float32", (None, 1), ("labels:0",))


def sparse(indices, values, shape, dtype=np.float32) -> SparseArray:
    return SparseArray(
        np.asarray(indices, np.int64), np.asarray(values, dtype), np.asarray(shape, np.int64)
    )


@pytest.fixture
def panel(qtbot) -> FeedPanel:
    widget = FeedPanel()
    qtbot.addWidget(widget)
    widget.resize(560, 520)
    widget.set_inputs([FEATURES, LABELS])
    widget.show()
    return widget


def wait_idle(qtbot, panel: FeedPanel) -> None:
    qtbot.waitUntil(lambda: not panel.has_pending(), timeout=WAIT_MS)


def type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def type_cell(qtbot, table, index, text: str) -> None:
    """Type over a cell the way a user does: the first key opens the cell's editor, the rest
    go into it, Enter commits (in a queued call)."""
    table.setCurrentIndex(index)
    qtbot.keyClicks(table, text[0])
    (cell_editor,) = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    qtbot.keyClicks(cell_editor, text[1:])
    qtbot.keyClick(cell_editor, Qt.Key.Key_Return)
    # The delegate commits in a queued call.
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=WAIT_MS)


def sparse_editor(panel: FeedPanel, name: str = "features") -> SparseFeedEditor:
    editor = panel.editor(name)
    assert isinstance(editor, SparseFeedEditor)
    return editor


def dense_editor(panel: FeedPanel, name: str = "labels") -> DenseFeedEditor:
    editor = panel.editor(name)
    assert isinstance(editor, DenseFeedEditor)
    return editor


def test_set_inputs_builds_one_editor_per_input_and_replaces_them(panel):
    assert panel.objectName() == "feedPanel"
    assert [panel.tabs.tabText(i) for i in range(panel.tabs.count())] == ["features", "labels"]
    assert isinstance(panel.editor("features"), SparseFeedEditor)
    assert isinstance(panel.editor("labels"), DenseFeedEditor)
    features = sparse_editor(panel)
    assert "sparse float32 [?, 1000]" in features.header.text()
    fields = features.shape_editor.fields()
    assert [f.text() for f in fields] == ["1", "1000"]
    assert [f.isReadOnly() for f in fields] == [False, True]
    assert panel.is_ready()  # an empty sparse sample and a constant are valid feeds
    panel.set_inputs([LABELS])
    assert panel.tabs.count() == 1 and list(panel.editors()) == ["labels"]
    panel.set_inputs([])
    assert panel.empty_label.isVisible() and panel.empty_label.text() == NO_INPUTS
    assert panel.feeds() == {} and panel.is_ready()


def test_rows_typed_added_and_removed(qtbot, panel):
    editor = sparse_editor(panel)
    with qtbot.waitSignal(panel.sig_changed, timeout=WAIT_MS):
        qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.add_row()
    editor.add_row()
    table = editor.table
    type_cell(qtbot, table, editor.model.index(2, 1), "7")
    type_cell(qtbot, table, editor.model.index(2, 2), "2.5")
    assert panel.feeds()["features"] == sparse([[0, 0], [0, 1], [0, 7]], [1, 1, 2.5], [1, 1000])
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert panel.feeds()["features"] == sparse([[0, 0], [0, 7]], [1, 2.5], [1, 1000])
    table.selectRow(0)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert panel.feeds()["features"] == sparse([[0, 7]], [2.5], [1, 1000])
    qtbot.mouseClick(editor.clear_button, Qt.MouseButton.LeftButton)
    assert panel.feeds()["features"] == sparse(np.zeros((0, 2)), [], [1, 1000])


def test_a_typed_value_that_is_not_one_is_refused_with_a_sentence(panel):
    editor = sparse_editor(panel)
    editor.add_row()
    assert not editor.model.setData(editor.model.index(0, 2), "abc")
    assert "Entry 0 keeps its value: 'abc' is not a number." in editor.problem_label.text()
    assert not editor.model.setData(editor.model.index(0, 0), "1.5")
    assert "Entry 0 keeps its index: '1.5' is not a whole number." in editor.problem_label.text()
    assert panel.feeds()["features"].values.tolist() == [1.0]


def test_out_of_range_index_shows_the_exact_sentence_and_the_cell(qtbot, panel):
    editor = sparse_editor(panel)
    type_into(qtbot, editor.shape_editor.fields()[0], "4")
    assert editor.paste("0 1 0.5\n[2, 1200] 1.5\n3 999 2")
    sentence = "Entry 1 of 'features' has index [2, 1200], outside the dense shape [4, 1000]."
    assert panel.problems() == {"features": sentence}
    assert not panel.is_ready() and "features" not in panel.feeds()
    assert editor.problem_label.text().startswith(sentence)
    assert editor.model.data(editor.model.index(1, 1), Qt.ItemDataRole.BackgroundRole) == (
        fault_background()
    )
    assert editor.model.data(editor.model.index(1, 2), Qt.ItemDataRole.BackgroundRole) is None
    editor.problem_label.linkActivated.emit("#fault")  # the "Show" link
    assert editor.table.currentIndex().row() == 1
    tab_icon = panel.tabs.tabIcon(0).pixmap(16).toImage()
    assert tab_icon == panel._problem_icon.pixmap(16).toImage()
    assert editor.model.setData(editor.model.index(1, 1), "12")
    assert panel.problems() == {} and panel.is_ready()
    assert panel.feeds()["features"] == sparse(
        [[0, 1], [2, 12], [3, 999]], [0.5, 1.5, 2], [4, 1000]
    )


def test_duplicates_and_batch_dimension(qtbot, panel):
    editor = sparse_editor(panel)
    editor.paste("0 5 1\n0 5 2")
    assert (
        panel.problems()["features"] == "Entries 0 and 1 of 'features' have the same index [0, 5]."
    )
    editor.paste("3 1 1")
    editor.model.setData(editor.model.index(1, 1), "6")
    assert panel.problems()["features"] == (
        "Entry 2 of 'features' has index [3, 1], outside the dense shape [1, 1000]."
    )
    qtbot.mouseClick(editor.fit_button, Qt.MouseButton.LeftButton)
    assert [f.text() for f in editor.shape_editor.fields()] == ["4", "1000"]
    assert panel.is_ready()


def test_unknown_rank_is_chosen_and_a_fixed_shape_cannot_be_typed(qtbot):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    anything = InputSpec("anything", True, "float64", None, ("a:0",))
    fixed = InputSpec("fixed", True, "float32", (2, 3), ("f:0",), shape_fixed=True)
    panel.set_inputs([anything, fixed])
    editor = sparse_editor(panel, "anything")
    assert editor.shape_editor.rank_box is not None and editor.model.columnCount() == 3
    editor.shape_editor.rank_box.setValue(3)
    assert editor.model.columnCount() == 4
    assert editor.paste("1 2 3 0.5")
    editor.fit_shape()
    assert panel.feeds()["anything"] == SparseArray(
        np.array([[1, 2, 3]]), np.array([0.5]), np.array([2, 3, 4])
    )
    fixed_editor = sparse_editor(panel, "fixed")
    assert [f.text() for f in fixed_editor.shape_editor.fields()] == ["2", "3"]
    assert all(f.isReadOnly() for f in fixed_editor.shape_editor.fields())
    assert not fixed_editor.fit_button.isEnabled()
    fixed_editor.paste("1 2 1")
    assert panel.feeds()["fixed"] == sparse([[1, 2]], [1], [2, 3])


def test_paste_of_the_wrong_rank_is_refused_with_the_line(qtbot, panel):
    editor = sparse_editor(panel)
    editor.paste("0 1 2")
    assert not editor.paste("0 2 1.0\n0 1 2 3")
    line = "Line 2 has 4 fields, but a row needs 3: 2 indices and a value."
    assert line in editor.problem_label.text()
    assert editor.model.total_rows() == 1  # nothing of the refused text was taken
    QApplication.clipboard().setText("(0, 4): 3.5\n[0, 9] 4")
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert panel.feeds()["features"] == sparse([[0, 1], [0, 4], [0, 9]], [2, 3.5, 4], [1, 1000])
    assert line not in editor.problem_label.text()  # the note goes with the next edit
    editor.table.selectAll()
    qtbot.keyClick(editor.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "0\t1\t2.0\n0\t4\t3.5\n0\t9\t4.0"


def test_random_fill_is_deterministic_and_valid(qtbot, panel):
    editor = sparse_editor(panel)
    type_into(qtbot, editor.shape_editor.fields()[0], "8")
    editor.ask_random = lambda: RandomChoice(0.01, "normal", 42)  # instead of the dialog
    qtbot.mouseClick(editor.random_button, Qt.MouseButton.LeftButton)
    assert not panel.is_ready()  # still drawing, or just drawn
    wait_idle(qtbot, panel)
    first = panel.feeds()["features"]
    assert first == random_sparse([8, 1000], 0.01, "float32", "normal", 42)
    assert first.nnz == 80 and panel.is_ready()
    assert editor.count_label.text() == "80 entries · 1% dense"
    editor.fill_random(0.01, "normal", 42)
    wait_idle(qtbot, panel)
    assert panel.feeds()["features"] == first
    editor.fill_random(0.01, "normal", 43)
    wait_idle(qtbot, panel)
    assert panel.feeds()["features"] != first


def test_random_dialog_counts_entries_and_refuses_too_many(qtbot):
    dialog = RandomSparseDialog((64, 1000), "int64")
    qtbot.addWidget(dialog)
    assert dialog.count.text() == "640 entries in [64, 1000]"
    assert [dialog.distribution.itemData(i) for i in range(dialog.distribution.count())] == [
        "integers", "ones"]  # fmt: skip
    dialog.seed.setValue(7)
    assert dialog.choice() == RandomChoice(0.01, "integers", 7)
    big = RandomSparseDialog((100_000, 1_000), "float32")
    qtbot.addWidget(big)
    big.density.setValue(0.5)
    assert "more than the 10,000,000" in big.count.text()
    assert not big.buttons.button(big.buttons.StandardButton.Ok).isEnabled()


def test_load_npz_and_scipy_files(qtbot, panel, tmp_path):
    editor = sparse_editor(panel)
    value = sparse([[1, 3], [0, 2]], [5, 6], [2, 1000], dtype=np.float64)
    save_feed_file(tmp_path / "feed.npz", value)
    editor.choose_file = lambda caption, name_filter: str(tmp_path / "feed.npz")
    qtbot.mouseClick(editor.file_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    # As loaded (order kept), values in the input's dtype.
    assert panel.feeds()["features"] == sparse([[1, 3], [0, 2]], [5, 6], [2, 1000])
    assert [f.text() for f in editor.shape_editor.fields()] == ["2", "1000"]

    matrix = scipy.sparse.random(3, 1000, density=0.01, format="csr", random_state=1)
    scipy.sparse.save_npz(tmp_path / "scipy.npz", matrix)
    editor.load_file(str(tmp_path / "scipy.npz"))
    wait_idle(qtbot, panel)
    fed = panel.feeds()["features"]
    assert fed.values.dtype == np.float32 and fed.nnz == matrix.nnz
    assert np.array_equal(densify(fed), matrix.toarray().astype(np.float32))

    np.savez(tmp_path / "other.npz", a=1)
    editor.load_file(str(tmp_path / "other.npz"))
    wait_idle(qtbot, panel)
    assert "holds neither indices, values and dense_shape nor value (it holds: a)." in (
        editor.problem_label.text()
    )
    assert panel.feeds()["features"] == fed  # the sample before stays


def test_wrong_dense_shape_from_a_file_is_shown_not_hidden(qtbot, panel, tmp_path):
    save_feed_file(tmp_path / "wide.npz", sparse([[0, 1]], [1], [2, 999]))
    sparse_editor(panel).load_file(str(tmp_path / "wide.npz"))
    wait_idle(qtbot, panel)
    assert panel.problems()["features"] == (
        "Dimension 1 of 'features' is 1000 [?, 1000], but the sample's dense shape is [2, 999]."
    )


def test_from_checkpoint_runs_the_loader_in_the_background(qtbot, tmp_path):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    calls = []
    weights = sparse([[0, 999], [1, 0]], [0.5, -1], [2, 1000])

    def read_weights() -> SparseArray:
        calls.append(time.monotonic())
        return weights

    def broken() -> SparseArray:
        raise OSError("the shard went away")

    panel.set_inputs([FEATURES], {"weights": read_weights, "broken": broken})
    editor = sparse_editor(panel)
    assert editor.checkpoint_names() == ["broken", "weights"]
    assert calls == []  # nothing is read before it is asked for
    actions = {action.text(): action for action in editor.checkpoint_menu.actions()}
    actions["weights"].trigger()
    assert panel.problems() == {"features": "'features' is not ready: reading 'weights' from "
                                            "the checkpoint…"}  # fmt: skip
    wait_idle(qtbot, panel)
    assert panel.feeds() == {"features": weights} and len(calls) == 1
    actions["broken"].trigger()
    wait_idle(qtbot, panel)
    assert "the shard went away" in editor.problem_label.text()
    assert panel.feeds() == {"features": weights}
    panel.set_inputs([FEATURES])
    assert not sparse_editor(panel).checkpoint_button.isEnabled()


def test_dense_constant_random_and_npy(qtbot, panel, tmp_path):
    editor = dense_editor(panel)
    assert editor.mode() == "constant"
    type_into(qtbot, editor.constant, "2.5")
    type_into(qtbot, editor.shape_editor.fields()[0], "3")
    labels = panel.feeds()["labels"]
    assert labels.dtype == np.float32 and labels.tolist() == [[2.5], [2.5], [2.5]]
    assert editor.preview.text() == "[3, 1] float32: [2.5, 2.5, 2.5]"
    type_into(qtbot, editor.constant, "x")
    assert panel.problems() == {
        "labels": "The constant for 'labels' is not taken: 'x' is not a number."
    }

    editor.set_mode("random")
    editor.seed.setValue(9)
    editor.distribution.setCurrentIndex(editor.distribution.findData("normal"))
    assert np.array_equal(panel.feeds()["labels"], random_dense([3, 1], "float32", "normal", 9))

    np.save(tmp_path / "labels.npy", np.array([[1], [0]], dtype=np.int32))
    editor.choose_file = lambda caption, name_filter: str(tmp_path / "labels.npy")
    editor.set_mode("array")
    assert panel.problems() == {"labels": "Choose an array file for 'labels'."}
    qtbot.mouseClick(editor.array_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    labels = panel.feeds()["labels"]
    assert labels.dtype == np.int32 and labels.tolist() == [[1], [0]]  # fed as given; the
    assert [f.text() for f in editor.shape_editor.fields()] == ["2", "1"]  # engine converts
    assert all(f.isReadOnly() for f in editor.shape_editor.fields())

    np.save(tmp_path / "wide.npy", np.zeros((2, 3), dtype=np.float32))
    editor.load_file(str(tmp_path / "wide.npy"))
    wait_idle(qtbot, panel)
    assert panel.problems() == {
        "labels": "'labels' takes shape [?, 1], but the sample has shape [2, 3]."
    }


def test_densify_another_inputs_sample_and_a_file(qtbot, tmp_path):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    wide = InputSpec("wide", False, "float64", (None, 1000), ("wide:0",))
    panel.set_inputs([FEATURES, wide])
    features = sparse_editor(panel)
    features.paste("0 3 1.5\n0 999 -2")
    editor = dense_editor(panel, "wide")
    editor.densify_source("features")
    fed = panel.feeds()["wide"]
    expected = np.zeros((1, 1000))
    expected[0, 3], expected[0, 999] = 1.5, -2
    assert fed.dtype == np.float32 and np.array_equal(fed, expected)  # the sample's dtype
    features.paste("0 4 7")
    qtbot.waitUntil(lambda: panel.feeds()["wide"][0, 4] == 7, timeout=WAIT_MS)
    features.paste("5 4 7")  # outside the batch of 1: nothing valid to densify
    assert panel.problems()["wide"] == "'features' has no valid sample to densify."

    save_feed_file(tmp_path / "s.npz", sparse([[1, 2]], [3], [2, 1000]))
    editor.load_file(str(tmp_path / "s.npz"))  # a sparse file for a dense input: densified
    wait_idle(qtbot, panel)
    assert editor.mode() == "densify"
    assert np.array_equal(panel.feeds()["wide"], densify(sparse([[1, 2]], [3], [2, 1000])))


def test_feeds_hold_exactly_what_was_entered(qtbot):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    ids = InputSpec("ids", True, "int64", (None, None), ("ids:0",))
    words = InputSpec("words", True, "object", (None, 5), ("words:0",))
    flags = InputSpec("flags", False, "bool", (2,), ("flags:0",))
    keep = InputSpec("keep_prob", False, "float32", (), ("keep_prob:0",), optional=True)
    panel.set_inputs([ids, words, flags, keep])
    sparse_editor(panel, "ids").paste("0 7 12\n1 2 -3")
    sparse_editor(panel, "ids").fit_shape()
    sparse_editor(panel, "words").paste("0 1 'cat'\n0 4 dog")
    type_into(qtbot, dense_editor(panel, "flags").constant, "true")
    feeds = panel.feeds()
    assert feeds["ids"] == SparseArray(
        np.array([[0, 7], [1, 2]]), np.array([12, -3], np.int64), np.array([2, 8])
    )
    assert feeds["words"].values.dtype == object
    assert feeds["words"].values.tolist() == [b"cat", b"dog"]
    assert feeds["flags"].dtype == bool and feeds["flags"].tolist() == [True, True]
    assert "keep_prob" not in feeds and panel.is_ready()  # optional, left to its default
    dense_editor(panel, "keep_prob").set_mode("constant")
    type_into(qtbot, dense_editor(panel, "keep_prob").constant, "0.5")
    assert panel.feeds()["keep_prob"].shape == () and panel.feeds()["keep_prob"] == 0.5


def test_set_feeds_keeps_samples_across_runs(qtbot, panel):
    value = sparse([[0, 1], [2, 3]], [1, 2], [3, 1000])
    labels = np.ones((3, 1), np.float32)
    panel.set_feeds({"features": value, "labels": labels, "gone": np.zeros(1)})
    kept = panel.feeds()
    assert list(kept) == ["features", "labels"] and kept["features"] == value
    assert kept["labels"].dtype == np.float32 and np.array_equal(kept["labels"], labels)
    panel.set_inputs([FEATURES, LABELS])
    panel.set_feeds(kept)
    assert panel.feeds()["features"] == value
    sparse_editor(panel).model.setData(sparse_editor(panel).model.index(0, 2), "9")
    assert kept["features"].values.tolist() == [1.0, 2.0]  # edits never reach given arrays
    panel.set_feeds({"features": np.ones((3, 1000))})
    assert "'features' is sparse: a dense array cannot fill it." in (
        sparse_editor(panel).problem_label.text()
    )


def test_an_input_the_explorer_cannot_feed_says_so(qtbot):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    panel.set_inputs([InputSpec("handle", False, "resource", (), ("h:0",))])
    assert panel.problems() == {"handle": "'handle' takes resource values, which the explorer "
                                          "cannot feed."}  # fmt: skip


def test_a_million_rows_open_at_once_and_page(qtbot, panel):
    editor = sparse_editor(panel)
    value = random_sparse([1000, 1000], 1.0, "float32", "uniform", 0)
    start = time.perf_counter()
    panel.set_feeds({"features": value})
    assert not panel.is_ready()  # checked in the background: no stale answer meanwhile
    wait_idle(qtbot, panel)
    assert panel.is_ready()
    assert time.perf_counter() - start < 2.0
    assert editor.model.total_rows() == 1_000_000 and editor.model.rowCount() == ROW_PAGE
    assert editor.model.canFetchMore()
    editor.table.scrollToBottom()
    assert editor.model.rowCount() <= 3 * ROW_PAGE
    assert editor.count_label.text() == "1,000,000 entries · 100% dense"


def test_keyboard_reaches_the_editors_in_order(qtbot, panel):
    editor = sparse_editor(panel)
    chain = []
    widget = editor.shape_editor.fields()[0]
    widget.setFocus()
    for _ in range(12):
        chain.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
    names = [w.text() if hasattr(w, "text") else type(w).__name__ for w in chain]
    assert names[:9] == ["1", "F&it", "Add ro&w", "Remove", "Paste", "Clear", "Ra&ndom…",
                         "From chec&kpoint", "Load .np&z…"]  # fmt: skip
    assert "1000" not in names  # the fixed dimension is skipped
    assert type(chain[9]).__name__ == "RowsView"


def test_an_unsorted_sample_is_fed_as_given_with_a_note_and_a_sort_button(qtbot, panel):
    editor = sparse_editor(panel)
    type_into(qtbot, editor.shape_editor.fields()[0], "2")
    editor.paste("1 4 1.5\n0 0 2.5\n0 7 3.5")
    assert panel.problems() == {} and panel.is_ready()  # a note, not a problem
    unsorted = sparse([[1, 4], [0, 0], [0, 7]], [1.5, 2.5, 3.5], [2, 1000])
    assert panel.feeds()["features"] == unsorted  # TensorFlow gets the order given
    assert editor.order_row.isVisible() and not editor.problem_label.isVisible()
    assert editor.order_note.text() == order_note(unsorted)
    assert editor.order_note.text().startswith("Entries are not in row-major order (entry 1's")
    assert editor.order_note.palette().color(QPalette.ColorRole.WindowText) == text_colour(NOTE)
    qtbot.mouseClick(editor.sort_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    assert panel.feeds()["features"] == sparse([[0, 0], [0, 7], [1, 4]], [2.5, 3.5, 1.5], [2, 1000])
    assert not editor.order_row.isVisible()


def test_numbers_beyond_int64_are_problems_not_exceptions(qtbot, panel):
    editor = sparse_editor(panel)
    field = editor.shape_editor.fields()[0]
    type_into(qtbot, field, "9" * 19)
    assert field.text() == "9" * 18  # sizes above 2**63 - 1 cannot be typed
    assert panel.problems()["features"] == (
        f"The dense shape [{'9' * 18}, 1000] of 'features' has more cells than int64 can count "
        "(2**63 - 1), which makes TensorFlow abort."
    )
    assert "features" not in panel.feeds()
    assert not editor.paste("0 99999999999999999999 1.5")
    assert "Line 1 has the index 99999999999999999999, beyond int64." in (
        editor.problem_label.text()
    )
    too_wide = np.array([2**63, 1000], np.uint64)
    editor.set_value(SparseArray(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), too_wide))
    assert panel.problems()["features"] == (
        f"The dense shape [{2**63}, 1000] of 'features' has a size beyond int64 (2**63 - 1)."
    )
    huge_index = np.array([[0, 2**64 - 1]], np.uint64)
    editor.set_value(SparseArray(huge_index, np.ones(1, np.float32), np.array([1, 1000])))
    assert panel.problems()["features"] == (
        f"Entry 0 of 'features' has index [0, {2**64 - 1}], outside the dense shape [1, 1000]."
    )
    assert not editor.model.setData(editor.model.index(0, 1), "-1")
    assert "Entry 0 keeps its index: -1 does not fit uint64." in editor.problem_label.text()


def test_an_unexpected_error_in_the_check_is_a_sentence_and_nothing_is_fed(panel, monkeypatch):
    editor = sparse_editor(panel)
    editor.paste("0 1 2")
    assert "features" in panel.feeds()

    def broken(_spec, _value):
        raise IndexError("index 0 is out of bounds")

    monkeypatch.setattr(feed_editor, "check_feed", broken)
    editor.paste("0 2 3")
    assert panel.problems()["features"] == (
        "The sample for 'features' cannot be checked (IndexError: index 0 is out of bounds)."
    )
    assert "features" not in panel.feeds()  # the sample checked before is not fed either


def ticks_while_checking(qtbot, panel: FeedPanel, start) -> list[float]:
    """Call start(), then return the times a 50 ms QTimer ticked until the check was done."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    start()
    begun = time.monotonic()
    problems = panel.problems()
    assert problems == {name: f"'{name}' is not ready: checking the sample…" for name in problems}
    assert problems and not panel.is_ready() and panel.has_pending()
    wait_idle(qtbot, panel)
    done = time.monotonic()
    timer.stop()
    return [tick for tick in ticks if begun <= tick <= done]


def test_a_big_sparse_sample_is_checked_while_the_window_keeps_ticking(qtbot, panel):
    value = random_sparse([2000, 1000], 1.0, "float32", "uniform", 0)  # 2,000,000 entries
    indices, values = value.indices[::-1].copy(), value.values[::-1].copy()
    backwards = SparseArray(indices, values, value.dense_shape)

    def start() -> None:
        panel.set_feeds({"features": backwards})
        assert "features" not in panel.feeds()  # no stale answer while it is checked

    assert len(ticks_while_checking(qtbot, panel, start)) >= 1
    assert panel.is_ready() and panel.feeds()["features"] == backwards
    assert sparse_editor(panel).order_row.isVisible()


def test_a_big_random_string_sample_is_drawn_in_the_background(qtbot):
    panel = FeedPanel()
    qtbot.addWidget(panel)
    words = InputSpec("words", False, "object", (None, 1000), ("words:0",))
    panel.set_inputs([words])
    editor = dense_editor(panel, "words")

    def start() -> None:
        editor.set_mode("random")
        editor.shape_editor.set_shape((2000, 1000))
        editor.edited()

    ticks_while_checking(qtbot, panel, start)
    assert np.array_equal(
        panel.feeds()["words"], random_dense([2000, 1000], "object", "integers", 0)
    )
