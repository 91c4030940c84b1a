"""The variable tree: model correctness, filtering and numeric sorting."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer.core.bundle import VariableInfo
from explorer.core.checkpoint import open_checkpoint
from explorer.ui.variable_nodes import NAME, SHAPE, SIZE, build_tree
from explorer.ui.variable_tree_model import VariableFilterProxy, VariableTreeModel
from explorer.ui.variable_tree_panel import VariableTreePanel

SAMPLES = ["tf1_sparse_placeholder", "custom_sparse_triplet", "tf2_object_checkpoint"]


def info(name: str, shape: tuple[int, ...], dtype_name: str = "float32") -> VariableInfo:
    itemsize = 8 if dtype_name == "int64" else 4
    tf_dtype = 9 if dtype_name == "int64" else 1
    size = 1
    for dim in shape:
        size *= dim
    return VariableInfo(name, tf_dtype, dtype_name, shape, size * itemsize)


@pytest.fixture
def panel(qtbot) -> VariableTreePanel:
    widget = VariableTreePanel()
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("sample", SAMPLES)
def test_models_pass_the_model_tester(qtmodeltester, qapp, samples_dir, sample):
    model = VariableTreeModel()
    model.set_root(build_tree(open_checkpoint(samples_dir / sample).variables))
    qtmodeltester.check(model)
    proxy = VariableFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_filter_text("a")
    proxy.sort(SIZE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_scopes_group_on_slash_and_a_variable_may_also_be_a_scope():
    root = build_tree([info("embedding", (10, 2)), info("embedding/Adagrad", (10, 2))])
    (embedding,) = root.children
    assert embedding.info.name == "embedding"
    assert [child.path for child in embedding.children] == ["embedding/Adagrad"]
    assert root.variable_count == 2 and root.total_bytes == 160


def test_filter_is_case_insensitive_and_keeps_parents(panel, samples_dir, shown_nodes, shown_keys):
    panel.set_root(build_tree(open_checkpoint(samples_dir / "tf1_sparse_placeholder").variables))
    panel.filter_box.setText("ADAGRAD")
    panel.apply_filter()
    matches = ["bias/Adagrad", "embedding/Adagrad", "embedding_proj/kernel/Adagrad"]
    matches.append("linear/weights/Adagrad")
    parents = ["bias", "embedding", "embedding_proj", "embedding_proj/kernel", "linear"]
    parents.append("linear/weights")
    assert sorted(node.path for node in shown_nodes(panel)) == sorted(matches + parents)
    assert "global_step" not in shown_keys(panel)

    panel.filter_box.clear()
    panel.apply_filter()
    assert len(shown_keys(panel)) == 9


def test_typing_in_the_filter_box_filters_after_a_pause(qtbot, panel, samples_dir, shown_keys):
    panel.set_root(build_tree(open_checkpoint(samples_dir / "custom_sparse_triplet").variables))
    qtbot.keyClicks(panel.filter_box, "sparse_weights/ind")
    qtbot.waitUntil(lambda: shown_keys(panel) == ["sparse_weights/indices"])


def _top_level_names(panel: VariableTreePanel) -> list[str]:
    proxy = panel.proxy
    return [proxy.index(row, NAME).data() for row in range(proxy.rowCount())]


def test_sorting_by_size_and_shape_is_numeric(panel):
    # Lexically "10" < "100" < "2000" < "9"; numerically 9 < 10 < 100 < 2000.
    sizes = {"a": 2000, "b": 9, "c": 100, "d": 10}
    panel.set_root(build_tree([info(name, (n,)) for name, n in sizes.items()]))
    by_size = sorted(sizes, key=sizes.get)

    panel.tree.sortByColumn(SIZE, Qt.SortOrder.AscendingOrder)
    assert _top_level_names(panel) == by_size
    panel.tree.sortByColumn(SIZE, Qt.SortOrder.DescendingOrder)
    assert _top_level_names(panel) == by_size[::-1]
    panel.tree.sortByColumn(SHAPE, Qt.SortOrder.AscendingOrder)
    assert _top_level_names(panel) == by_size
    panel.tree.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert _top_level_names(panel) == ["a", "b", "c", "d"]


def test_names_sort_naturally(panel):
    names = ["layer_10", "layer_2", "Layer_1", "layer_1b"]
    panel.set_root(build_tree([info(name, (1,)) for name in names]))
    panel.tree.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert _top_level_names(panel) == ["Layer_1", "layer_1b", "layer_2", "layer_10"]


def test_sorting_keeps_the_selection(panel):
    panel.set_root(build_tree([info("x", (5,)), info("y", (1,)), info("z", (3,))]))
    assert panel.select_key("x")
    panel.tree.sortByColumn(SIZE, Qt.SortOrder.AscendingOrder)
    assert panel.selected_node().info.name == "x"
    assert _top_level_names(panel) == ["y", "z", "x"]


def test_object_graph_is_listed(panel, samples_dir, shown_keys):
    panel.set_root(build_tree(open_checkpoint(samples_dir / "tf2_object_checkpoint").variables))
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in shown_keys(panel)
