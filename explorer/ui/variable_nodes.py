"""The variable tree as plain Python objects, built from index metadata only.

Names are grouped by scope on "/". A node may be both a variable and a scope: TF1 slots
(`embedding` and `embedding/Adagrad`) and TF2 slot paths make that common. A sparse tensor
(three variables found by sparse_detect) is a node at its base name holding its three members
as children, so `x_indices`, `x_values`, `x_shape` move under a node `x`. Building needs no
Qt, so it runs in the background job that opens the checkpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from explorer.core.bundle import VariableInfo
from explorer.core.checkpoint import display_name
from explorer.core.sparse import SparseTensor
from explorer.core.sparse_detect import SparseTriplet

NAME, DTYPE, SHAPE, SIZE = range(4)
COLUMNS = ("Name", "dtype", "Shape", "Size")
_DIGITS = re.compile(r"(\d+)")


@dataclass(eq=False)
class VariableNode:
    name: str
    """The last path component, as shown in the tree."""
    path: str
    """The display name of the whole path ("" for the root)."""
    parent: VariableNode | None = None
    info: VariableInfo | None = None
    """Set when a variable is stored under this path."""
    children: list[VariableNode] = field(default_factory=list)
    row: int = 0
    total_bytes: int = 0
    """Bytes of this variable and everything below it."""
    total_elements: int = 0
    variable_count: int = 0
    """Variables at or below this node."""
    name_key: tuple = ()
    """natural_key(name), computed once while building (sorting 20,000 names reuses it)."""
    sparse: SparseTensor | None = None
    """Set when this node is a sparse tensor; its members are among the children."""
    sparse_checked: bool = False
    """Whether `sparse` holds the validation of the indices, not only the structure check."""

    @property
    def shown_bytes(self) -> int:
        """The size column: a variable's own bytes, or a scope's total."""
        return self.info.nbytes if self.info else self.total_bytes

    @property
    def shown_elements(self) -> int:
        return self.info.size if self.info else self.total_elements

    def walk(self) -> Iterator[VariableNode]:
        """This node and every node below it, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find(self, key: str) -> VariableNode | None:
        """The node holding the variable stored under the raw key `key`."""
        node: VariableNode | None = self
        for part in display_name(key).split("/"):
            node = next((child for child in node.children if child.name == part), None)
            if node is None:
                break
        if node is not None and node.info is not None and node.info.name == key:
            return node
        # Members of sparse tensors sit under the sparse node, not always on their own path.
        members = (member for sparse in self.sparse_nodes() for member in sparse.children)
        return next((m for m in members if m.info is not None and m.info.name == key), None)

    def sparse_nodes(self) -> list[VariableNode]:
        """The sparse tensors at or below this node, depth first."""
        return [node for node in self.walk() if node.sparse is not None]


def build_tree(
    variables: Iterable[VariableInfo],
    sort_column: int = NAME,
    descending: bool = False,
    triplets: Sequence[SparseTriplet] = (),
) -> VariableNode:
    """The scope tree of `variables` with `triplets` grouped, sorted as the view will show it."""
    root = VariableNode("", "")
    scopes: dict[str, VariableNode] = {"": root}
    for info in variables:
        path = display_name(info.name)
        node = scopes.get(path)
        if node is None:
            node = _make_path(scopes, path)
        node.info = info
    _group_sparse(scopes, triplets)
    _finish(root)
    sort_tree(root, sort_column, descending)
    return root


def _make_path(scopes: dict[str, VariableNode], path: str) -> VariableNode:
    parent_path, _, name = path.rpartition("/")
    parent = scopes.get(parent_path) or _make_path(scopes, parent_path)
    node = VariableNode(name, path, parent, row=len(parent.children), name_key=natural_key(name))
    parent.children.append(node)
    scopes[path] = node
    return node


def _group_sparse(scopes: dict[str, VariableNode], triplets: Sequence[SparseTriplet]) -> None:
    """Give each triplet a node at its base name and move its members under it."""
    moved: dict[VariableNode, set[VariableNode]] = {}  # old parent -> members leaving it
    for triplet in triplets:
        path = triplet.name
        node = scopes.get(path)
        members = [scopes[display_name(key)] for key in triplet.members]
        others = node is not None and any(child not in members for child in node.children)
        if node is not None and (node.info is not None or node.sparse is not None or others):
            # The base name is a variable, or a scope holding more than the triplet: the sparse
            # item stands beside it and holds just its three variables.
            path = f"{path} (sparse)"
            node = scopes.get(path)
        if node is None:
            node = _make_path(scopes, path)
        indices_info = members[0].info
        assert indices_info is not None
        nnz = indices_info.shape[0] if len(indices_info.shape) == 2 else None
        node.sparse = SparseTensor.from_triplet(triplet, nnz)
        for member in members:
            if member.parent is not node:
                assert member.parent is not None
                moved.setdefault(member.parent, set()).add(member)
                member.parent = node
                node.children.append(member)
    for parent, leaving in moved.items():
        parent.children = [child for child in parent.children if child not in leaving]
    # sort_tree numbers the rows again.


def _finish(root: VariableNode) -> None:
    """Fill in the subtree totals, children before parents."""
    for node in reversed(list(root.walk())):
        own = node.info
        node.total_bytes = (own.nbytes if own else 0) + sum(c.total_bytes for c in node.children)
        node.total_elements = (own.size if own else 0) + sum(
            c.total_elements for c in node.children
        )
        node.variable_count = (own is not None) + sum(c.variable_count for c in node.children)


def natural_key(name: str) -> tuple:
    """ "layer_2" before "layer_10": digit runs compare as numbers, the rest without case."""
    parts = _DIGITS.split(name.lower())
    # split() puts text at even positions and digit runs at odd ones, so types always match.
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts)) + (name,)


def sort_key(column: int) -> Callable[[VariableNode], object]:
    """How a column sorts: names naturally, shapes by element count, sizes by bytes."""
    if column == DTYPE:
        return lambda node: (node.info.dtype_name if node.info else "", node.name_key)
    if column == SHAPE:
        return lambda node: (node.shown_elements, node.name_key)
    if column == SIZE:
        return lambda node: (node.shown_bytes, node.name_key)
    return lambda node: node.name_key


def sort_tree(root: VariableNode, column: int, descending: bool) -> None:
    key = sort_key(column)
    for node in root.walk():
        if node.children:
            node.children.sort(key=key, reverse=descending)
            for row, child in enumerate(node.children):
                child.row = row
