"""The output view: exact values in its table, plots and pattern; modes per rank; save; copy."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from explorer.core.feed_files import load_feed_file
from explorer.core.model_spec import OutputSpec, SparseArray
from explorer.ui.array_table_model import VALUE_ROLE
from explorer.ui.heatmap_panel import MAX_SIDE
from explorer.ui.output_dense import ALL_ROWS, HEATMAP, LINE, MAX_LINES, TABLE
from explorer.ui.output_plots import MAX_LINE_POINTS
from explorer.ui.output_view import OutputView

RNG = np.random.default_rng(7)
PREDICTIONS = RNG.standard_normal((4, 1)).astype(np.float32)
EMBEDDING = RNG.standard_normal((4, 8)).astype(np.float32)
CUBE = RNG.standard_normal((3, 5, 7)).astype(np.float32)


def sparse_output(shape=(50, 30), nnz=40, seed=1) -> SparseArray:
    rng = np.random.default_rng(seed)
    flat = np.sort(rng.choice(int(np.prod(shape)), nnz, replace=False))
    indices = np.stack(np.unravel_index(flat, shape), axis=1).astype(np.int64)
    values = rng.standard_normal(nnz).astype(np.float32)
    return SparseArray(indices, values, np.array(shape, dtype=np.int64))


def table_values(model) -> np.ndarray:
    return np.array(
        [
            [model.index(r, c).data(VALUE_ROLE) for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]
    )


def curve_data(view) -> list[tuple[np.ndarray, np.ndarray]]:
    return [curve.getOriginalDataset() for curve in view.dense_panel.line_plot.curves]


@pytest.fixture
def view(qtbot) -> OutputView:
    widget = OutputView()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    yield widget
    widget.shutdown()


def wait_pattern(qtbot, view: OutputView) -> None:
    qtbot.waitUntil(
        lambda: not view.has_pending() and view.sparse_panel.pattern.density() is not None
    )


def test_outputs_are_listed_and_the_first_is_shown_as_a_table(view):
    specs = [OutputSpec("predictions", "float32", (None, 1))]
    view.show_outputs(
        {"predictions": PREDICTIONS, "embedding": EMBEDDING}, specs, title="signature:serve"
    )
    assert view.objectName() == "outputView"
    items = [view.output_list.item(row) for row in range(view.output_list.count())]
    assert [item.text() for item in items] == [
        "predictions   float32 [4, 1]",
        "embedding   float32 [4, 8]",
    ]
    assert items[0].toolTip() == "Declared: float32, shape [?, 1]"
    assert view.title.text() == "Outputs of signature:serve"
    assert view.current_name() == "predictions"
    panel = view.dense_panel
    assert panel.mode() == TABLE
    np.testing.assert_array_equal(table_values(panel.model), PREDICTIONS)
    assert panel.summary.text().startswith("float32 [4, 1] · min ")
    assert view.select_output("embedding")
    np.testing.assert_array_equal(table_values(panel.model), EMBEDDING)
    assert table_values(panel.model).dtype == np.float32
    assert not view.select_output("missing")


@pytest.mark.parametrize(
    ("array", "modes"),
    [
        (np.float32(2.5), []),
        (np.arange(5, dtype=np.int64), [TABLE, LINE]),
        (EMBEDDING, [TABLE, LINE, HEATMAP]),
        (CUBE, [TABLE, LINE, HEATMAP]),
        (np.array([b"a", b"bc"], dtype=object), [TABLE]),
        (np.zeros((0, 3), dtype=np.float32), [TABLE]),
    ],
)
def test_only_the_modes_that_fit_are_offered(view, array, modes):
    view.show_outputs({"out": array})
    panel = view.dense_panel
    assert panel.modes() == modes
    shown = [mode for mode, button in panel.mode_buttons.items() if button.isVisible()]
    assert shown == (modes if len(modes) > 1 else [])
    assert panel.axes.isVisible() == (np.ndim(array) > 2)


def test_a_scalar_is_just_its_value(view):
    view.show_outputs({"loss": np.float32(0.1)})
    assert view.dense_panel.value_label.isVisible()
    assert view.dense_panel.value_label.text() == "0.1"
    assert view.copy_selection() == "0.1"
    assert QGuiApplication.clipboard().text() == "0.1"


def test_an_n_d_output_shows_the_chosen_axes_at_the_fixed_indices(view):
    view.show_outputs({"cube": CUBE})
    panel = view.dense_panel
    np.testing.assert_array_equal(table_values(panel.model), CUBE[0])  # last two axes, axis 0 = 0
    panel.axes.choose(2, 0, {1: 3})
    np.testing.assert_array_equal(table_values(panel.model), CUBE[:, 3, :].T)
    panel.axes.index_boxes[1].setValue(4)
    np.testing.assert_array_equal(table_values(panel.model), CUBE[:, 4, :].T)
    panel.set_mode(HEATMAP)
    np.testing.assert_array_equal(panel.heat_map.heatmap().image, CUBE[:, 4, :].T)
    panel.set_mode(LINE)  # 7 rows: every row a line
    for row, (x, y) in enumerate(curve_data(view)):
        np.testing.assert_array_equal(x, np.arange(3))
        np.testing.assert_array_equal(y, CUBE[:, 4, row])


def test_the_heat_map_image_is_the_array(view):
    scores = RNG.standard_normal((32, 100)).astype(np.float32)
    view.show_outputs({"scores": scores})
    view.dense_panel.set_mode(HEATMAP)
    heatmap = view.dense_panel.heat_map.heatmap()
    assert (heatmap.row_stride, heatmap.column_stride) == (1, 1)
    np.testing.assert_array_equal(heatmap.image, scores)
    assert heatmap.levels == (float(scores.min()), float(scores.max()))
    assert not view.dense_panel.heat_map.note.isVisible()


def test_a_big_heat_map_is_its_declared_subsample(view):
    big = RNG.standard_normal((2 * MAX_SIDE + 5, 30)).astype(np.float32)
    view.show_outputs({"big": big})
    view.dense_panel.set_mode(HEATMAP)
    heatmap = view.dense_panel.heat_map.heatmap()
    assert (heatmap.row_stride, heatmap.column_stride) == (3, 1)
    np.testing.assert_array_equal(heatmap.image, big[::3])
    assert view.dense_panel.heat_map.note.text() == "Every 3rd row shown."


def test_line_plots_draw_the_rows(view):
    view.show_outputs({"predictions": PREDICTIONS, "embedding": EMBEDDING})
    panel = view.dense_panel
    panel.set_mode(LINE)
    ((x, y),) = curve_data(view)  # a column vector is one line over its rows
    np.testing.assert_array_equal(x, np.arange(4))
    np.testing.assert_array_equal(y, PREDICTIONS[:, 0])
    assert not panel.line_box.isVisible()

    view.select_output("embedding")
    assert panel.mode() == LINE  # the mode stays when it fits the next output
    assert panel.line_box.value() == ALL_ROWS
    lines = curve_data(view)
    assert len(lines) == 4
    for row, (x, y) in enumerate(lines):
        np.testing.assert_array_equal(x, np.arange(8))
        np.testing.assert_array_equal(y, EMBEDDING[row])
    panel.line_box.setValue(2)
    ((_x, y),) = curve_data(view)
    np.testing.assert_array_equal(y, EMBEDDING[2])


def test_many_rows_draw_one_chosen_row(view):
    many = RNG.standard_normal((MAX_LINES + 1, 6)).astype(np.float32)
    view.show_outputs({"many": many})
    panel = view.dense_panel
    panel.set_mode(LINE)
    assert panel.line_box.minimum() == 0 and panel.line_box.maximum() == MAX_LINES
    ((_x, y),) = curve_data(view)
    np.testing.assert_array_equal(y, many[0])
    panel.line_box.setValue(MAX_LINES)
    ((_x, y),) = curve_data(view)
    np.testing.assert_array_equal(y, many[MAX_LINES])


def test_a_long_line_is_subsampled_with_a_declared_stride(view):
    long = RNG.standard_normal(2 * MAX_LINE_POINTS + 1).astype(np.float32)
    view.show_outputs({"long": long})
    view.dense_panel.set_mode(LINE)
    plot = view.dense_panel.line_plot
    assert plot.stride == 3
    ((x, y),) = curve_data(view)
    np.testing.assert_array_equal(x, np.arange(0, len(long), 3))
    np.testing.assert_array_equal(y, long[::3])
    assert plot.note.text() == "One point in 3 drawn."


def test_string_outputs_are_saved_as_feed_files(view, tmp_path):
    words = np.array([[b"cat", "caf\u00e9".encode()], [b"", b"\xff\xfe"]], dtype=object)
    tagged = SparseArray(
        np.array([[0, 1], [1, 0]]), np.array([b"x", b"y\x00"], dtype=object), np.array([2, 2])
    )
    view.show_outputs({"words": words, "tagged": tagged, "one": np.array(b"z", dtype=object)})
    for name, value in (("words", words), ("tagged", tagged)):
        suffix = ".npz" if isinstance(value, SparseArray) else ".npy"
        loaded = load_feed_file(view.save_output(name, tmp_path / f"{name}{suffix}"))
        if isinstance(value, SparseArray):
            assert loaded.values.tolist() == value.values.tolist()
            assert np.array_equal(loaded.indices, value.indices)
        else:
            assert loaded.tolist() == value.tolist() and loaded.shape == value.shape
    assert load_feed_file(view.save_output("one", tmp_path / "one.npy")).tolist() == b"z"


@pytest.mark.parametrize(
    ("values", "drawn", "note"),
    [
        (np.full(3, np.nan, np.float32), [], "3 non-finite values not drawn."),
        (np.array([1, np.inf, 2, 3], np.float32), [0, 2, 3], "1 non-finite value not drawn."),
        (
            np.array([[np.nan, np.inf], [-np.inf, 1.0]], np.float32),
            [1],
            "3 non-finite values not drawn.",
        ),
    ],
)
def test_non_finite_values_are_left_out_of_lines_and_counted(view, values, drawn, note):
    """pyqtgraph warns on NaN and ±Inf (warnings fail tests): they never reach it."""
    view.show_outputs({"odd": values})
    view.dense_panel.set_mode(LINE)
    # pyqtgraph holds an empty line as (None, None).
    lines = [tuple(np.zeros(0) if a is None else a for a in line) for line in curve_data(view)]
    finite = values.reshape(-1)[np.isfinite(values.reshape(-1))]
    np.testing.assert_array_equal(np.concatenate([y for _x, y in lines]), finite)
    if values.ndim == 1:
        ((x, _y),) = lines
        np.testing.assert_array_equal(x, drawn)
    assert view.dense_panel.line_plot.note.text() == note
    view.dense_panel.line_plot.grab()  # drawing them warns no more than plotting them


def test_a_sparse_output_shows_its_entries_and_pattern(qtbot, view):
    sparse = sparse_output()
    view.show_outputs({"ids": sparse})
    assert view.output_list.item(0).text() == "ids   sparse float32 [50, 30], 40 nnz"
    panel = view.sparse_panel
    assert panel.summary.text() == (
        "Dense shape [50, 30] · 40 entries (nnz) · 2.67% dense · float32 values"
    )
    rows = table_values(panel.entries)
    assert rows.shape == (40, 3)
    np.testing.assert_array_equal(rows[:, :2].astype(np.int64), sparse.indices)
    np.testing.assert_array_equal(rows[:, 2].astype(np.float32), sparse.values)
    wait_pattern(qtbot, view)
    image = panel.pattern.density()
    assert image.counts.sum() == sparse.nnz
    assert image.cells_per_bin == (1.0, 1.0)  # the plot has more pixels than cells
    expected = np.zeros((50, 30), dtype=np.int64)
    expected[sparse.indices[:, 0], sparse.indices[:, 1]] = 1
    np.testing.assert_array_equal(image.counts, expected)


def test_a_rank_3_sparse_pattern_fixes_or_sums_the_other_axis(qtbot, view):
    sparse = sparse_output((4, 20, 10), nnz=60, seed=3)
    view.show_outputs({"cube": sparse})
    panel = view.sparse_panel
    assert panel.axes_bar.isVisible()
    wait_pattern(qtbot, view)
    assert panel.pattern.density().counts.sum() == 60  # axis 0 summed over
    panel.axes_bar.choose(1, 2, {0: 2})
    qtbot.waitUntil(lambda: not view.has_pending())
    wait_pattern(qtbot, view)
    assert panel.pattern.density().counts.sum() == int((sparse.indices[:, 0] == 2).sum())


def test_a_rank_1_sparse_output_has_entries_and_no_pattern(view):
    sparse = SparseArray(
        np.array([[1], [4]], dtype=np.int64), np.array([5, 6], dtype=np.int32), np.array([9])
    )
    view.show_outputs({"v": sparse})
    np.testing.assert_array_equal(table_values(view.sparse_panel.entries), [[1, 5], [4, 6]])
    assert not view.sparse_panel.pattern.isVisible()


def test_save_output_round_trips_exactly(view, tmp_path):
    strings = np.array([b"a", b"\xff\x00"], dtype=object)
    sparse = sparse_output()
    view.show_outputs({"dense/out:0": EMBEDDING, "ids": sparse, "names": strings})
    dense_path = view.save_output("dense/out:0", tmp_path / "dense")  # no suffix is added
    loaded = np.load(dense_path)
    assert dense_path == tmp_path / "dense"
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, EMBEDDING)
    with np.load(view.save_output("ids", tmp_path / "ids.npz")) as archive:
        assert sorted(archive.files) == ["dense_shape", "indices", "values"]
        saved = SparseArray(archive["indices"], archive["values"], archive["dense_shape"])
    assert saved == sparse
    names = load_feed_file(view.save_output("names", tmp_path / "names.npy"))  # no pickle
    assert names.dtype == object and names.tolist() == strings.tolist()
    with pytest.raises(OSError):
        view.save_output("ids", tmp_path / "missing" / "ids.npz")


def test_the_save_button_asks_for_a_file_and_says_what_happened(view, tmp_path, monkeypatch):
    answers = iter([str(tmp_path / "chosen"), str(tmp_path / "no" / "such" / "dir.npz")])
    asked = []

    def fake_dialog(_parent, caption, suggested, file_filter):
        asked.append((caption, suggested, file_filter))
        return next(answers), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    view.show_outputs({"ids": sparse_output()})
    view.save_button.click()
    assert asked[0][0] == "Save output ids"
    assert asked[0][1].endswith("ids.npz") and asked[0][2] == "NumPy archive (*.npz)"
    saved = tmp_path / "chosen.npz"  # the suffix of the format is added when missing
    assert view.status.text() == f"Saved ids to {saved}."
    with np.load(saved) as archive:
        np.testing.assert_array_equal(archive["values"], sparse_output().values)
    view.save_button.click()
    assert asked[1][1] == str(tmp_path / "ids.npz")  # the folder of the last save
    assert view.status.text().startswith("The output ids could not be saved to ")
    assert view.status.text().endswith("No such file or directory.")


def test_copy_gives_the_selected_cells_as_tab_separated_text(qtbot, view):
    view.show_outputs({"embedding": EMBEDDING})
    table = view.dense_panel.table
    model = view.dense_panel.model
    selection = QItemSelection(model.index(1, 2), model.index(2, 4))
    table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    expected = "\n".join("\t".join(str(value) for value in EMBEDDING[row, 2:5]) for row in (1, 2))
    assert view.copy_selection() == expected
    assert QGuiApplication.clipboard().text() == expected
    read_back = np.array(expected.split(), dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(read_back, EMBEDDING[1:3, 2:5])  # the text reads back exactly
    QGuiApplication.clipboard().clear()
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == expected
    table.clearSelection()
    assert view.copy_selection() == ""
    assert view.status.text() == "Select cells in the table to copy them."


def test_clear_shows_the_message_and_nothing_else(view):
    view.show_outputs({"embedding": EMBEDDING})
    message = "The model could not be run: the op 'MatMul' got the wrong shape."
    view.clear(message)
    assert view.message_text() == message
    assert view.message.isVisible()
    assert not view.output_list.isVisible()
    assert view.outputs() == {} and view.current_name() is None
    assert not view.save_button.isEnabled() and not view.copy_button.isEnabled()
    view.show_outputs({})
    assert view.message_text() == "The run returned no outputs."


def test_switching_between_dense_and_sparse_outputs_keeps_working(qtbot, view):
    sparse = sparse_output()
    for _ in range(2):
        view.show_outputs({"a": EMBEDDING, "b": sparse, "c": CUBE})
        view.dense_panel.set_mode(HEATMAP)
        assert view.select_output("b")
        wait_pattern(qtbot, view)
        assert view.select_output("c")
        assert view.dense_panel.mode() == HEATMAP
        np.testing.assert_array_equal(view.dense_panel.heat_map.heatmap().image, CUBE[0])
        assert view.select_output("a")
        view.clear("Run again.")
        assert not view.has_pending()


def test_keyboard_reaches_the_list_and_switches_modes(qtbot, view):
    view.show_outputs({"a": PREDICTIONS, "b": EMBEDDING})
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None)
    view.output_list.setFocus()
    qtbot.keyClick(view.output_list, Qt.Key.Key_Down)
    assert view.current_name() == "b"
    reached = []
    for _ in range(8):
        qtbot.keyClick(QGuiApplication.focusObject(), Qt.Key.Key_Tab)
        reached.append(QGuiApplication.focusObject())
    buttons = view.dense_panel.mode_buttons
    assert all(buttons[mode] in reached for mode in (TABLE, LINE, HEATMAP))
    panel = view.dense_panel
    qtbot.keyClick(buttons[HEATMAP], Qt.Key.Key_Space)  # no Alt+H: that is the Help menu's
    qtbot.waitUntil(lambda: panel.mode() == HEATMAP)
    for key, mode in ((Qt.Key.Key_L, LINE), (Qt.Key.Key_T, TABLE)):
        qtbot.keyClick(view, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda mode=mode: panel.mode() == mode)  # buttons animate the click
