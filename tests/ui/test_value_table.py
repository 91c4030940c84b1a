"""The value table: paged, block-reading model; axis choosers; strings and unreadable dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.errors import CheckpointError
from explorer.ui.array_table_model import (
    BLOCK_ROWS,
    COLUMN_PAGE,
    VALUE_ROLE,
    ArrayTableModel,
)
from explorer.ui.paged_rows_model import ROW_PAGE


class RecordingArray:
    """Stands in for a LazyTensor and records every read, to prove reads stay small."""

    def __init__(self, array: np.ndarray):
        self._array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.reads: list[tuple[int, ...]] = []

    def __getitem__(self, key: object) -> np.ndarray:
        out = self._array[key]
        self.reads.append(out.shape)
        return out


def cells(model: ArrayTableModel) -> np.ndarray:
    return np.array(
        [
            [model.index(r, c).data(VALUE_ROLE) for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]
    )


@pytest.mark.parametrize(
    "array",
    [
        np.array(1.5, dtype=np.float32),
        np.arange(7),
        np.arange(12.0).reshape(3, 4),
        np.arange(24).reshape(2, 3, 4),
        np.array([b"a", b"\xff"], dtype=object),
        np.zeros((0, 3)),
    ],
    ids=["scalar", "1-D", "2-D", "3-D", "strings", "empty"],
)
def test_table_model_passes_the_model_tester(qtmodeltester, array):
    model = ArrayTableModel()
    model.set_array(array)
    qtmodeltester.check(model)


def test_scalars_and_vectors_are_shown_as_a_column():
    model = ArrayTableModel()
    model.set_array(np.array(3, dtype=np.int64))
    assert cells(model).tolist() == [[3]]
    model.set_array(np.array([1.5, 2.5], dtype=np.float32))
    assert cells(model).tolist() == [[1.5], [2.5]]
    assert model.index(0, 0).data() == "1.5"


def test_two_million_rows_are_paged_and_read_in_blocks():
    array = RecordingArray(np.arange(2_000_000 * 2, dtype=np.float32).reshape(-1, 2))
    model = ArrayTableModel()
    model.set_array(array)
    assert model.rowCount() == ROW_PAGE
    assert model.total_shape() == (2_000_000, 2)
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * ROW_PAGE
    assert model.index(1500, 1).data(VALUE_ROLE) == 3001.0
    assert array.reads == [(BLOCK_ROWS, 2)]
    model.index(1501, 0).data()  # same block: served from the cache
    assert len(array.reads) == 1


def test_wide_tensors_page_columns_too():
    model = ArrayTableModel()
    model.set_array(np.zeros((2, COLUMN_PAGE * 2 + 5)))
    assert model.columnCount() == COLUMN_PAGE
    model.fetch_more_columns()
    model.fetch_more_columns()
    assert model.columnCount() == COLUMN_PAGE * 2 + 5
    assert not model.can_fetch_more_columns()


def test_strings_are_shown_decoded():
    model = ArrayTableModel()
    model.set_array(np.array([b"abc", b"\xff\x00", "é".encode()], dtype=object))
    assert [model.index(r, 0).data() for r in range(3)] == ["'abc'", r"b'\xff\x00'", "'é'"]
    assert model.index(1, 0).data(VALUE_ROLE) == b"\xff\x00"


def test_read_errors_are_reported_once(qtbot):
    class Broken(RecordingArray):
        def __getitem__(self, key):
            raise CheckpointError("x.data-00000-of-00001 cannot be read: I/O error.")

    model = ArrayTableModel()
    model.set_array(Broken(np.zeros((3, 3))))
    with qtbot.waitSignal(model.sig_read_failed) as blocker:
        assert model.index(0, 0).data() is None
    assert "I/O error" in blocker.args[0]
    assert model.index(1, 1).data() is None


@pytest.fixture
def three_d_checkpoint(tmp_path, tf):
    value = np.arange(24.0).reshape(2, 3, 4)
    tf.train.Checkpoint(v=tf.Variable(value)).write(str(tmp_path / "ckpt"))
    return tmp_path, value


def test_axis_choosers_on_a_3d_tensor(gui, three_d_checkpoint):
    path, value = three_d_checkpoint
    tab = gui.open(path)
    gui.select(tab, "v/.ATTRIBUTES/VARIABLE_VALUE")
    panel = tab.detail.values
    model, chooser = panel.model, panel.axes_bar
    assert model.axes() == (1, 2)
    assert list(chooser.index_boxes) == [0]
    np.testing.assert_array_equal(cells(model), value[0])

    chooser.index_boxes[0].setValue(1)
    np.testing.assert_array_equal(cells(model), value[1])

    chooser.choose(0, 2)
    assert list(chooser.index_boxes) == [1]
    chooser.index_boxes[1].setValue(2)
    np.testing.assert_array_equal(cells(model), value[:, 2, :])

    # Choosing for rows the axis shown across swaps the two.
    chooser.row_axis_box.setCurrentIndex(2)
    chooser.row_axis_box.activated.emit(2)
    assert model.axes() == (2, 0)
    np.testing.assert_array_equal(cells(model), value[:, 2, :].T)

    # An axis shown for a while gets its index back when it is fixed again.
    for rows in (1, 2):
        chooser.row_axis_box.setCurrentIndex(rows)
        chooser.row_axis_box.activated.emit(rows)
    assert model.axes() == (2, 0) and chooser.index_boxes[1].value() == 2
    np.testing.assert_array_equal(cells(model), value[:, 2, :].T)


@pytest.fixture
def strings_and_variant_checkpoint(tmp_path, tf):
    iterator = iter(tf.data.Dataset.range(3))
    next(iterator)
    strings = tf.Variable([b"abc", b"\xff\x00", "é".encode()])
    tf.train.Checkpoint(it=iterator, s=strings).write(str(tmp_path / "ckpt"))
    return tmp_path


def test_string_values_are_read_in_the_background(gui, strings_and_variant_checkpoint):
    tab = gui.open(strings_and_variant_checkpoint)
    gui.select(tab, "s/.ATTRIBUTES/VARIABLE_VALUE")
    model = tab.detail.values.model
    assert [model.index(r, 0).data() for r in range(3)] == ["'abc'", r"b'\xff\x00'", "'é'"]
    assert "no statistics" in tab.detail.statistics.status.text()


def test_variant_tensor_says_why_it_has_no_values(gui, strings_and_variant_checkpoint):
    tab = gui.open(strings_and_variant_checkpoint)
    gui.select(tab, "it/.ATTRIBUTES/ITERATOR_STATE")
    values = tab.detail.values
    assert values.message.isVisible()
    assert "only TensorFlow can read" in values.message.text()
    assert "only TensorFlow can read" in tab.detail.statistics.status.text()
