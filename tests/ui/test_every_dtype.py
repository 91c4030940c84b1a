"""Every dtype and awkward shape through every pane: no errors, right values."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.checkpoint import display_name
from explorer.ui.array_table_model import VALUE_ROLE

VALUES = {
    "bf16": ("bfloat16", np.linspace(-2, 2, 12).reshape(3, 4)),
    "f16": ("float16", [[np.nan, np.inf, -0.0], [1.5, -2.25, 0.0]]),
    "c64": ("complex64", [[1 + 2j, -3j], [0, 4]]),
    "flags": ("bool", [[True, False], [False, True]]),
    "u64": ("uint64", [0, 2**64 - 1, 7]),
    "i8": ("int8", [[-128, 127], [0, 1]]),
    "words": ("string", [[b"alpha", b""], [b"\xff\x00bin", "naïve".encode()]]),
    "scalar": ("float64", 3.25),
    "empty": ("float32", np.zeros((0, 5))),
    "cube": ("int32", np.arange(24).reshape(2, 3, 4)),
    "single": ("float32", [[7.0]]),
}


@pytest.fixture(scope="module")
def every_dtype(tf, tmp_path_factory):
    directory = tmp_path_factory.mktemp("every_dtype")
    variables = {
        k: tf.Variable(tf.constant(v, dtype=getattr(tf, d))) for k, (d, v) in VALUES.items()
    }
    iterator = iter(tf.data.Dataset.range(3))
    next(iterator)
    tf.train.Checkpoint(iterator=iterator, **variables).write(str(directory / "ckpt"))
    return directory, tf.train.load_checkpoint(str(directory / "ckpt"))


def shown_values(model) -> list[list[object]]:
    return [
        [model.index(r, c).data(VALUE_ROLE) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_every_pane_of_every_variable(gui, window, every_dtype):
    directory, tf_reader = every_dtype
    tab = gui.open(directory)
    detail = tab.detail
    compared = []
    for info in tab.checkpoint.variables:
        gui.select(tab, info.name)
        for index in range(detail.tabs.count()):  # values, statistics, heat map
            detail.tabs.setCurrentIndex(index)
            gui.wait_idle()
        detail.tabs.setCurrentIndex(0)
        name = display_name(info.name)
        if name.startswith("iterator"):
            assert "only TensorFlow can read" in detail.values.message.text()
            continue
        if name not in VALUES:
            continue
        value = tf_reader.get_tensor(info.name)
        expected = np.asarray(value, dtype=object if name == "words" else None)
        while expected.ndim > 2:
            expected = expected[0]  # the table shows a 2-D slice, other axes fixed at 0
        shown = np.array(shown_values(detail.values.model), dtype=expected.dtype)
        assert shown.size == expected.size, name
        assert np.array_equal(shown.reshape(expected.shape), expected, equal_nan=name == "f16"), (
            name
        )
        compared.append(name)
    assert sorted(compared) == sorted(VALUES)
    errors = [line for line in window.log_view.toPlainText().splitlines() if " ERROR " in line]
    assert errors == []
