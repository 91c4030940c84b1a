"""Which outputs a run fetches: a signature's or function's outputs, or graph tensors picked
by the user (the graph's sinks suggested first, any tensor found by name)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.formatting import shape_text
from explorer.core.model_spec import EntryPoint, OutputSpec
from explorer.ui.plot_style import PROBLEM, colour_text


def output_label(spec: OutputSpec) -> str:
    shape = "?" if spec.shape is None else shape_text(spec.shape)
    kind = "sparse " if spec.sparse else ""
    return f"{spec.name}   {kind}{spec.dtype} {shape}"


class OutputPicker(QWidget):
    sig_changed = Signal()
    """The chosen outputs changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._graph = False
        self._tensors: dict[str, OutputSpec] = {}
        self.title = QLabel("Outputs")
        self.title.setWordWrap(True)  # a long title must not widen the Model tab
        self.list = QListWidget()
        self.list.setObjectName("outputPicker")
        self.list.itemChanged.connect(lambda _item: self.sig_changed.emit())
        self.tensor_edit = QLineEdit()
        self.tensor_edit.setPlaceholderText("Add a graph tensor by name, e.g. logits:0")
        self.tensor_edit.returnPressed.connect(self._add_typed)
        self.add_button = QPushButton("&Add")
        self.add_button.clicked.connect(self._add_typed)
        self.problem_label = QLabel()
        colour_text(self.problem_label, PROBLEM)
        self.problem_label.setWordWrap(True)
        adder = QHBoxLayout()
        adder.addWidget(self.tensor_edit, 1)
        adder.addWidget(self.add_button)
        self._adder = QWidget()
        self._adder.setLayout(adder)
        adder.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self._adder)
        layout.addWidget(self.problem_label)

    def set_entry(self, entry: EntryPoint, tensors: Sequence[OutputSpec] = ()) -> None:
        """Offer the entry's outputs; for a graph, its sinks plus any of `tensors` by name."""
        self._graph = entry.kind == "graph"
        self._tensors = {spec.name: spec for spec in tensors}
        self.list.clear()
        self.problem_label.clear()
        self.title.setText(
            "Outputs to fetch (the graph's final tensors are suggested)"
            if self._graph
            else "Outputs"
        )
        for number, spec in enumerate(entry.outputs):
            # A graph's suggestions are not all wanted at once (a loss needs labels): the first.
            self._add(spec, checked=not self._graph or number == 0)
        self._adder.setVisible(self._graph)
        completer = QCompleter(sorted(self._tensors), self.tensor_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tensor_edit.setCompleter(completer)
        self.sig_changed.emit()

    def add_tensor(self, name: str) -> bool:
        """Add and check a graph tensor by name ("logits" means "logits:0"); False if unknown."""
        name = name.strip()
        if name and ":" not in name:
            name = f"{name}:0"
        spec = self._tensors.get(name)
        if spec is None:
            self.problem_label.setText(f"The graph has no tensor named '{name}'.")
            return False
        self.problem_label.clear()
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked)
                return True
        self._add(spec, checked=True)
        self.sig_changed.emit()
        return True

    def set_chosen(self, names: Sequence[str]) -> None:
        """Check exactly these outputs (graph tensors are added when missing)."""
        for name in names:
            if self._graph:
                self.add_tensor(name)
        wanted = {name if ":" in name or not self._graph else f"{name}:0" for name in names}
        for row in range(self.list.count()):
            item = self.list.item(row)
            state = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if state else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str] | None:
        """Names to fetch; None for a signature or function with every output checked."""
        names, everything = [], True
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                names.append(item.data(Qt.ItemDataRole.UserRole))
            else:
                everything = False
        return None if everything and not self._graph else names

    def is_ready(self) -> bool:
        chosen = self.chosen()
        return chosen is None or bool(chosen)

    def _add_typed(self) -> None:
        if self.add_tensor(self.tensor_edit.text()):
            self.tensor_edit.clear()

    def _add(self, spec: OutputSpec, checked: bool) -> None:
        item = QListWidgetItem(output_label(spec))
        item.setData(Qt.ItemDataRole.UserRole, spec.name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)
