"""Sparse tensors in the variable tree: one item each, their three variables as children."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from explorer.core.bundle import BundleReader, VariableInfo
from explorer.core.sparse import examine
from explorer.core.sparse_detect import find_triplets
from explorer.ui.variable_nodes import DTYPE, NAME, SHAPE, build_tree
from explorer.ui.variable_tree_model import VariableFilterProxy, VariableTreeModel

from .sparse_checkpoints import SMALL, TF2

MEMBERS = {
    "a": ["a/dense_shape", "a/indices", "a/values"],
    "b": ["b_indices", "b_shape", "b_values"],
    "model/layer": [f"model/layer/{role}{TF2}" for role in ("dense_shape", "indices", "values")],
    "decoy": ["decoy/dense_shape", "decoy/indices", "decoy/values"],
    "broken": ["broken/dense_shape", "broken/indices", "broken/values"],
    "cube": ["cube/dense_shape", "cube/indices", "cube/values"],
    "big": ["big/dense_shape", "big/indices", "big/values"],
    "vector": ["vector/dense_shape", "vector/indices", "vector/values"],
}


def _sparse_nodes(tab) -> dict:
    return {node.sparse.name: node for node in tab.tree_panel.model.root().sparse_nodes()}


def test_each_sparse_tensor_is_one_item_holding_its_members(gui, sparse_prefix, shown_nodes):
    tab = gui.open(sparse_prefix)
    nodes = _sparse_nodes(tab)
    assert set(nodes) == set(MEMBERS)
    for name, node in nodes.items():
        assert sorted(child.info.name for child in node.children) == MEMBERS[name]
    # The members are children only, never also plain siblings.
    shown = [node for node in shown_nodes(tab.tree_panel) if node.info is not None]
    keys = [node.info.name for node in shown]
    assert len(keys) == len(set(keys))
    assert {node.parent.sparse.name for node in shown if node.parent.sparse} == set(MEMBERS)
    root_names = [child.name for child in tab.tree_panel.model.root().children]
    assert "b" in root_names and "b_indices" not in root_names
    layer = nodes["model/layer"]
    assert layer.name == "layer" and layer.parent.path == "model"
    # Two role names without a third stay plain variables.
    lonely = tab.tree_panel.model.root().find("lonely/indices")
    assert lonely is not None and lonely.parent.sparse is None


def test_items_show_nnz_shape_density_and_problems(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)  # waits for the validation job too
    model = tab.tree_panel.model
    nodes = _sparse_nodes(tab)
    a = nodes["a"]
    assert a.sparse_checked and a.sparse.nnz == len(SMALL) and a.sparse.shape == [6, 8]
    assert model.index_of(a, NAME).data() == "a  (5 nnz, 10.4% dense)"
    assert model.index_of(a, SHAPE).data() == "[6, 8]"
    assert model.index_of(a, DTYPE).data() == "float32"
    assert model.index_of(nodes["big"], NAME).data() == "big  (20,000 nnz, 0.333% dense)"
    broken = nodes["broken"]
    assert len(broken.sparse.problems) == 2
    tooltip = model.index_of(broken, NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert all(problem in tooltip for problem in broken.sparse.problems)
    warning = model.index_of(broken, NAME).data(Qt.ItemDataRole.DecorationRole)
    plain = model.index_of(a, NAME).data(Qt.ItemDataRole.DecorationRole)
    assert warning.cacheKey() != plain.cacheKey()
    assert (
        warning.cacheKey()
        == model.index_of(nodes["decoy"], NAME).data(Qt.ItemDataRole.DecorationRole).cacheKey()
    )
    assert "Valid" in model.index_of(a, NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert "3 with problems" in tab.window().log_view.toPlainText()


def test_structure_problems_show_before_validation(sparse_prefix):
    variables = BundleReader(sparse_prefix).variables
    root = build_tree(variables, triplets=find_triplets(variables))
    nodes = {node.sparse.name: node for node in root.sparse_nodes()}
    assert nodes["decoy"].sparse.problems == ["The indices are float32, not integers."]
    assert not nodes["decoy"].sparse_checked
    assert nodes["a"].sparse.nnz == 5 and nodes["a"].sparse.shape is None
    assert nodes["broken"].sparse.problems == []  # found by reading the indices, later


def test_model_tester_passes_with_sparse_items(qtmodeltester, qapp, sparse_prefix):
    reader = BundleReader(sparse_prefix)
    variables = reader.variables
    triplets = find_triplets(variables)
    model = VariableTreeModel()
    model.set_root(build_tree(variables, triplets=triplets))
    qtmodeltester.check(model)
    proxy = VariableFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text("b_")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1  # the sparse item b, kept for its members
    proxy.sort(SHAPE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    model.update_sparse({triplet.indices: examine(reader, triplet) for triplet in triplets})
    qtmodeltester.check(model)
    assert all(node.sparse_checked for node in model.root().sparse_nodes())


def test_members_moved_under_a_sparse_item_are_still_found_by_key(sparse_prefix):
    variables = BundleReader(sparse_prefix).variables
    root = build_tree(variables, triplets=find_triplets(variables))
    node = root.find("b_indices")
    assert node is not None and node.parent.sparse.name == "b"
    assert root.find("model/layer/values" + TF2).parent.name == "layer"
    assert root.find("nowhere/indices") is None


def test_a_variable_named_like_the_base_keeps_its_place():
    def info(name: str, shape: tuple[int, ...], dtype: str = "int64") -> VariableInfo:
        return VariableInfo(name, 9, dtype, shape, 8)

    variables = [info("x", (3,), "float32"), info("x_indices", (2, 2)), info("x_values", (2,)),
                 info("x_shape", (2,))]  # fmt: skip
    root = build_tree(variables, triplets=find_triplets(variables))
    assert sorted(child.name for child in root.children) == ["x", "x (sparse)"]
    (sparse,) = root.sparse_nodes()
    assert sparse.name == "x (sparse)" and len(sparse.children) == 3
    assert root.find("x").info.name == "x"


def test_selecting_a_member_shows_the_variable_pane(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "a")
    assert tab.shown_pane() is tab.sparse_pane
    gui.select(tab, "a/values")
    assert tab.shown_pane() is tab.detail
    assert tab.detail.metadata.title.text() == "a/values"
    assert tab.detail.values.model.total_shape() == (5, 1)
    gui.select_sparse(tab, "a")
    assert tab.shown_pane() is tab.sparse_pane


def test_switching_step_keeps_a_sparse_selection(gui, sparse_prefix):
    tab = gui.open(sparse_prefix)
    gui.select_sparse(tab, "cube")
    tab.set_step(sparse_prefix)
    gui.wait_idle()
    assert tab.tree_panel.selected_node().sparse.name == "cube"
    assert tab.sparse_pane.title.text() == "cube"


def test_a_sparse_item_holds_just_its_three_variables(gui, tmp_path, tf):
    """A scope holding a triplet and more: the sparse item stands beside it with 3 children."""
    arrays = {
        "feat/sp/indices": np.array([[0, 1], [2, 2]]),
        "feat/sp/values": np.array([1.0, 2.0]),
        "feat/sp/dense_shape": np.array([3, 3]),
        "feat/sp/embedding": np.ones((4, 2)),
        "a/indices": np.array([[0, 0]]),
        "a/values": np.array([1.0]),
        "a/dense_shape": np.array([2, 2]),
        "a/b/indices": np.array([[1, 1]]),
        "a/b/values": np.array([2.0]),
        "a/b/dense_shape": np.array([2, 2]),
    }
    prefix = tmp_path / "ckpt"
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=list(arrays),
                      shape_and_slices=[""] * len(arrays),
                      tensors=[tf.constant(a) for a in arrays.values()])  # fmt: skip
    tab = gui.open(tmp_path)
    root = tab.tree_panel.model.root()
    by_path = {node.path: node for node in root.walk()}
    for path in ("feat/sp (sparse)", "a (sparse)"):
        item = by_path[path]
        assert item.sparse is not None
        assert sorted(child.name for child in item.children) == [
            "dense_shape", "indices", "values"
        ], path  # fmt: skip
    assert [child.name for child in by_path["feat/sp"].children] == ["embedding"]
    assert by_path["a/b"].sparse is not None
