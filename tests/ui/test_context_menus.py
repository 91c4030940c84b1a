"""The variable tree's context menu, exports in the background, and Ctrl+C in the value table."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QThreadPool
from PySide6.QtGui import QAction, QGuiApplication

from explorer.core import export
from explorer.core.checkpoint import Checkpoint, open_checkpoint
from explorer.core.export import partial_files
from explorer.core.sparse import examine
from explorer.core.sparse_detect import find_triplets
from explorer.core.tensor import LazyTensor
from explorer.ui.value_table_panel import ValueTablePanel
from explorer.ui.variable_nodes import VariableNode, build_tree
from explorer.ui.variable_tree_panel import VariableTreePanel

from .conftest import WAIT_MS

TF2_KEY = "model/w/.ATTRIBUTES/VARIABLE_VALUE"
BIG_SHAPE = (2000, 1000)


def checkpoint_values(tf) -> dict[str, object]:
    rng = np.random.default_rng(8)
    return {
        "dense/kernel": tf.constant(rng.normal(size=(8, 4)).astype(np.float32)),
        TF2_KEY: tf.constant(np.array([1 / 3, -0.0, 1e300])),
        "cube": tf.constant(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
        "words": tf.constant([b"plain", "na\u00efve".encode(), b"tab\there"]),
        "half": tf.constant(np.linspace(-1, 1, 6).reshape(2, 3), dtype=tf.bfloat16),
        "big": tf.constant(rng.normal(size=BIG_SHAPE).astype(np.float32)),
        "sp/indices": tf.constant([[0, 1], [2, 3], [4, 0]], dtype=tf.int64),
        "sp/values": tf.constant([1.5, -2.25, 1 / 3], dtype=tf.float32),
        "sp/dense_shape": tf.constant([5, 4], dtype=tf.int64),
    }


@pytest.fixture(scope="module")
def menu_prefix(tf, tmp_path_factory) -> Path:
    values = checkpoint_values(tf)
    prefix = tmp_path_factory.mktemp("menus") / "model.ckpt-7"
    tf.raw_ops.SaveV2(
        prefix=str(prefix),
        tensor_names=list(values),
        shape_and_slices=[""] * len(values),
        tensors=list(values.values()),
    )
    return prefix


@pytest.fixture(scope="module")
def tf_reader(tf, menu_prefix):
    return tf.train.load_checkpoint(str(menu_prefix))


@pytest.fixture
def panel(qtbot, menu_prefix) -> Iterator[VariableTreePanel]:
    """A tree panel on the checkpoint, its sparse tensors checked, as a tab leaves it."""
    checkpoint: Checkpoint = open_checkpoint(menu_prefix)
    triplets = find_triplets(checkpoint.variables)
    panel = VariableTreePanel()
    qtbot.addWidget(panel)
    panel.set_root(build_tree(checkpoint.variables, triplets=triplets))
    panel.set_checkpoint(checkpoint)
    panel.model.update_sparse({t.indices: examine(checkpoint.reader, t) for t in triplets})
    panel.resize(520, 600)
    panel.show()
    yield panel
    if panel.context_menu.menu is not None:
        panel.context_menu.menu.close()
    panel.shutdown()
    checkpoint.close()
    assert QThreadPool.globalInstance().waitForDone(WAIT_MS)


def names(node: VariableNode) -> tuple[str, ...]:
    return (node.path, node.sparse.name) if node.sparse else (node.path,)


def node_of(panel: VariableTreePanel, name: str) -> VariableNode:
    """The node of a raw key, a sparse tensor's name or a scope's path."""
    root = panel.model.root()
    found = root.find(name) or next((node for node in root.walk() if name in names(node)), None)
    assert found is not None, name
    return found


def actions(panel: VariableTreePanel, name: str) -> dict[str, QAction]:
    built = panel.context_menu.actions_for(node_of(panel, name), panel)
    return {action.text().replace("&", ""): action for action in built if not action.isSeparator()}


def export_with(qtbot, panel, name: str, text: str, chosen: Path) -> str:
    """Trigger an export action answering the save dialog with `chosen`; the status after."""
    asked = []
    panel.context_menu.choose_path = lambda *args: asked.append(args) or str(chosen)
    actions(panel, name)[text].trigger()
    assert len(asked) == 1
    qtbot.waitUntil(lambda: not panel.has_pending(), timeout=WAIT_MS)
    return panel.export_bar.status_text()


def test_each_kind_of_item_has_its_actions(panel):
    variable = actions(panel, TF2_KEY)
    assert list(variable) == [
        "Copy Name",
        "Copy Raw Key",
        "Copy Values",
        "Export as .npy…",
        "Export as .csv…",
        "Export as .npz…",
        "Copy as Python",
    ]
    assert all(action.isEnabled() for action in variable.values())
    assert "Copy Raw Key" not in actions(panel, "dense/kernel")  # its name is its key
    sparse = actions(panel, "sp")
    assert list(sparse) == [
        "Copy Name",
        "Export as .npz (indices, values, dense_shape)…",
        "Export as scipy.sparse .npz…",
        "Copy as Python",
    ]
    assert all(action.isEnabled() for action in sparse.values())
    assert list(actions(panel, "model")) == ["Copy Name"]  # a scope


def test_actions_that_do_not_apply_say_why(panel):
    big = actions(panel, "big")["Copy Values"]
    assert not big.isEnabled()
    assert big.toolTip() == (
        "Copy Values takes tensors of up to 10,000 values and this one holds 2,000,000; "
        "export it instead."
    )
    csv_of_cube = actions(panel, "cube")["Export as .csv…"]
    assert not csv_of_cube.isEnabled()
    assert csv_of_cube.toolTip() == (
        "A CSV file holds a matrix at most, and this tensor has rank 3; export it as .npy or .npz."
    )
    words = actions(panel, "words")
    assert "only with pickle" in words["Export as .npy…"].toolTip()
    assert not words["Export as .npz…"].isEnabled()
    assert words["Export as .csv…"].isEnabled()


def test_copy_name_key_and_values(panel, tf_reader):
    clipboard = QGuiApplication.clipboard()
    chosen = actions(panel, TF2_KEY)
    chosen["Copy Name"].trigger()
    assert clipboard.text() == "model/w"
    chosen["Copy Raw Key"].trigger()
    assert clipboard.text() == TF2_KEY
    chosen["Copy Values"].trigger()
    assert [np.float64(line) for line in clipboard.text().split("\n")] == list(
        tf_reader.get_tensor(TF2_KEY)
    )
    actions(panel, "dense/kernel")["Copy Values"].trigger()
    rows = [line.split("\t") for line in clipboard.text().split("\n")]
    pasted = np.array(rows, dtype=str).astype(np.float32)
    assert pasted.tobytes() == tf_reader.get_tensor("dense/kernel").tobytes()


@pytest.mark.parametrize("file_format", ["npy", "csv", "npz"])
def test_exports_from_the_menu_equal_tensorflow(qtbot, panel, tf_reader, tmp_path, file_format):
    status = export_with(
        qtbot, panel, "dense/kernel", f"Export as .{file_format}…", tmp_path / "kernel"
    )
    target = tmp_path / f"kernel.{file_format}"  # the suffix is added when left out
    assert status == f"Wrote dense/kernel (32 values) to {target}."
    expected = tf_reader.get_tensor("dense/kernel")
    if file_format == "npy":
        ours = np.load(target)
    elif file_format == "npz":
        with np.load(target) as archive:
            ours = archive["dense/kernel"]
    else:
        with open(target, newline="") as handle:
            ours = np.array(list(csv.reader(handle)), dtype=str).astype(np.float32)
    assert ours.dtype == expected.dtype and ours.tobytes() == expected.tobytes()
    assert sorted(tmp_path.iterdir()) == [target]
    assert panel.context_menu.directory == tmp_path  # the next dialog starts here


def test_bfloat16_is_exported_as_exact_float32(qtbot, panel, tf_reader, tmp_path):
    status = export_with(qtbot, panel, "half", "Export as .npy…", tmp_path / "half.npy")
    assert status.endswith(
        "The bfloat16 values were written as float32, which holds each of them exactly."
    )
    expected = tf_reader.get_tensor("half").astype(np.float32)
    assert np.load(tmp_path / "half.npy").tobytes() == expected.tobytes()


def test_sparse_exports_equal_tensorflow(qtbot, panel, tf_reader, tmp_path):
    export_with(
        qtbot,
        panel,
        "sp",
        "Export as .npz (indices, values, dense_shape)…",
        tmp_path / "triplet.npz",
    )
    with np.load(tmp_path / "triplet.npz") as archive:
        for field in ("indices", "values", "dense_shape"):
            assert np.array_equal(archive[field], tf_reader.get_tensor(f"sp/{field}"))
    export_with(qtbot, panel, "sp", "Export as scipy.sparse .npz…", tmp_path / "matrix.npz")
    matrix = scipy.sparse.load_npz(tmp_path / "matrix.npz").toarray()
    expected = np.zeros((5, 4), np.float32)
    indices = tf_reader.get_tensor("sp/indices")
    expected[indices[:, 0], indices[:, 1]] = tf_reader.get_tensor("sp/values")
    assert np.array_equal(matrix, expected)


def test_an_unwritable_path_is_one_sentence(qtbot, panel, tmp_path):
    logged = []
    panel.sig_log.connect(lambda level, text: logged.append((level, text)))
    target = tmp_path / "missing" / "kernel.npy"
    status = export_with(qtbot, panel, "dense/kernel", "Export as .npy…", target)
    assert status == f"{target} cannot be written: No such file or directory."
    assert logged == [("error", status)]
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_big_export_leaves_no_file(qtbot, panel, tmp_path, monkeypatch):
    gate = threading.Event()  # holds the export after its first chunk, until the test is ready
    chunks = LazyTensor.chunks

    def held_chunks(self, max_elements):
        for number, chunk in enumerate(chunks(self, max_elements)):
            if number == 1:
                gate.wait(WAIT_MS / 1000)
            yield chunk

    monkeypatch.setattr(LazyTensor, "chunks", held_chunks)
    monkeypatch.setattr(export, "CHUNK_ELEMENTS", 100_000)
    target = tmp_path / "big.npy"
    panel.context_menu.choose_path = lambda *args: str(target)
    actions(panel, "big")["Export as .npy…"].trigger()
    bar = panel.export_bar
    qtbot.waitUntil(lambda: bar.progress.bar.value() > 0, timeout=WAIT_MS)
    assert bar.progress.isVisible() and partial_files(target)
    assert bar.status_text() == f"Exporting big to {target}…"
    qtbot.mouseClick(bar.progress.cancel_button, Qt.MouseButton.LeftButton)
    assert list(tmp_path.iterdir()) == []  # removed at once, while the job still winds down
    gate.set()
    qtbot.waitUntil(lambda: not panel.has_pending(), timeout=WAIT_MS)
    assert list(tmp_path.iterdir()) == []
    assert not bar.progress.isVisible()
    assert bar.status_text() == f"The export of big was cancelled; {target} was not written."


def test_copy_as_python_prints_the_checkpoint_values(panel, tf_reader, menu_prefix):
    scripts = []
    for key in ("dense/kernel", TF2_KEY, "words"):
        actions(panel, key)["Copy as Python"].trigger()
        scripts.append(QGuiApplication.clipboard().text())
        assert repr(key) in scripts[-1] and repr(str(menu_prefix)) in scripts[-1]
    run = subprocess.run(
        [sys.executable, "-c", "\n".join(scripts)],
        capture_output=True,
        text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    expected = ""
    for key in ("dense/kernel", TF2_KEY, "words"):
        value = tf_reader.get_tensor(key)
        expected += f"{value.dtype} {list(value.shape)}\n{value}\n"
    assert run.stdout == expected


# The offscreen platform cannot raise a popup nor grab the keyboard for it, and says so.
@pytest.mark.qt_log_ignore(
    r"^This plugin does not support raise\(\)$",
    r"^This plugin does not support grabbing the keyboard$",
)
def test_menu_key_shift_f10_and_right_click_open_the_menu(qtbot, panel):
    tree = panel.tree
    assert panel.select_key("cube")
    tree.setFocus()
    for key, modifier in (
        (Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier),
    ):
        qtbot.keyClick(tree, key, modifier)
        menu = panel.context_menu.menu
        assert menu is not None and menu.isVisible()
        assert "Export as .npy…" in [a.text() for a in menu.actions()]
        menu.close()
    index = panel.proxy.mapFromSource(panel.model.index_of(node_of(panel, "sp")))
    tree.customContextMenuRequested.emit(tree.visualRect(index).center())
    assert panel.selected_node() is node_of(panel, "sp")  # the item clicked becomes current
    assert panel.context_menu.menu.actions()[0].toolTip() == "sp"
    empty = QPoint(5, tree.viewport().height() - 5)  # below the last row: no menu
    panel.context_menu.menu.close()
    tree.customContextMenuRequested.emit(empty)
    assert not panel.context_menu.menu.isVisible()


def test_ctrl_c_copies_the_selected_values(qtbot, menu_prefix, tf_reader):
    checkpoint = open_checkpoint(menu_prefix)
    values = ValueTablePanel()
    qtbot.addWidget(values)
    values.show_tensor(checkpoint.reader.tensor("dense/kernel"))
    table = values.table
    model = table.model()
    selection = QItemSelection(model.index(2, 1), model.index(5, 3))
    table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    pasted = np.array([line.split("\t") for line in text.split("\n")], dtype=str)
    expected = tf_reader.get_tensor("dense/kernel")[2:6, 1:4]
    assert pasted.astype(np.float32).tobytes() == expected.tobytes()
    assert text == "\n".join("\t".join(str(v) for v in row) for row in expected)
    checkpoint.close()


def test_a_tab_gives_its_tree_the_checkpoint_for_exports(gui, samples_dir, tmp_path):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    panel = tab.tree_panel
    gui.select(tab, "dense/kernel")
    assert actions(panel, "dense/kernel")["Export as .npy…"].isEnabled()
    status = export_with(gui.qtbot, panel, "dense/kernel", "Export as .npy…", tmp_path / "k.npy")
    assert status and (tmp_path / "k.npy").is_file()
    assert "k.npy" in gui.window.log_view.toPlainText()  # the tab forwards the tree's log
