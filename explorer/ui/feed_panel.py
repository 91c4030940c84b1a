"""The feed panel: one sample builder per input of the entry point about to run.

A tab per input, marked with whether its sample passes the check; sparse inputs get the rows
editor, dense ones the constant / random / file / densify editor. The panel answers what the
Run button needs: the samples (`feeds`), what is wrong (`problems`) and `is_ready`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QStyle, QTabWidget, QWidget

from explorer.core.errors import FeedError
from explorer.core.model_spec import InputSpec, SparseArray, Value
from explorer.ui.dense_feed_editor import DenseFeedEditor
from explorer.ui.feed_editor import FeedEditor, Recipe, spec_text
from explorer.ui.sparse_feed_editor import SparseFeedEditor

NO_INPUTS = "This entry point takes no inputs."


class FeedPanel(QWidget):
    sig_changed = Signal()
    """A sample, or whether it passes the check, changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feedPanel")
        self._editors: dict[str, FeedEditor] = {}
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        self.empty_label = QLabel(NO_INPUTS)
        self.empty_label.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty_label)
        self._stack.addWidget(self.tabs)
        style = self.style()
        self._ready_icon = style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        self._problem_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)

    def set_inputs(
        self,
        inputs: Sequence[InputSpec],
        checkpoint_sparse: Mapping[str, Callable[[], SparseArray]] | None = None,
    ) -> None:
        """One editor per input, replacing the old ones; `checkpoint_sparse` maps the names of
        the checkpoint's sparse tensors to functions reading them (called in the background)."""
        for editor in self._editors.values():
            editor.shutdown()
            editor.sig_changed.disconnect()
        self.tabs.clear()
        for editor in self._editors.values():
            editor.deleteLater()
        self._editors = {}
        for spec in inputs:
            try:
                editor = self._make_editor(spec, checkpoint_sparse)
            except FeedError as exc:  # a dtype the explorer cannot feed: say so in its tab
                editor = _Unfeedable(spec, str(exc))
            editor.sig_changed.connect(lambda editor=editor: self._on_editor_changed(editor))
            self._editors[spec.name] = editor
            index = self.tabs.addTab(editor, spec.name)
            self.tabs.setTabToolTip(index, f"{spec.name}: {spec_text(spec)}")
            self._mark(editor)
            self._tab_into(editor)
        self._stack.setCurrentWidget(self.tabs if self._editors else self.empty_label)
        self.sig_changed.emit()

    def _tab_into(self, editor: FeedEditor) -> None:
        """Let Tab go from the input tabs into the editor's controls: made after the rest of
        the pane, the editors would otherwise come last in the focus chain."""
        controls = [
            child
            for child in editor.findChildren(QWidget)
            if child.focusPolicy() & Qt.FocusPolicy.TabFocus and child.window() is editor.window()
        ]  # (a button's menu is a window of its own)
        chain = [self.tabs.tabBar(), *controls]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _make_editor(self, spec: InputSpec, checkpoint_sparse) -> FeedEditor:
        if spec.sparse:
            return SparseFeedEditor(spec, checkpoint_sparse)
        return DenseFeedEditor(spec, self._sparse_samples)

    def _sparse_samples(self) -> dict[str, Value | None]:
        return {
            name: editor.value()
            for name, editor in self._editors.items()
            if isinstance(editor, SparseFeedEditor)
        }

    def editor(self, name: str) -> FeedEditor:
        return self._editors[name]

    def editors(self) -> dict[str, FeedEditor]:
        return dict(self._editors)

    # --- what running needs ----------------------------------------------------------------

    def feeds(self) -> dict[str, Value]:
        """The samples that pass the check, as entered; optional inputs left empty are left out."""
        values = {name: editor.value() for name, editor in self._editors.items()}
        return {name: value for name, value in values.items() if value is not None}

    def problems(self) -> dict[str, str]:
        """Input name -> the sentence saying what is wrong with its sample."""
        found = {name: editor.problem() for name, editor in self._editors.items()}
        return {name: problem for name, problem in found.items() if problem}

    def is_ready(self) -> bool:
        """Every sample passes the check. False while one is still being made, read or checked
        in the background (its problem then says so)."""
        return not self.problems()

    def has_pending(self) -> bool:
        """A sample's check is scheduled or running, or a sample is being made or read."""
        return any(editor.has_pending() for editor in self._editors.values())

    def set_feeds(self, feeds: Mapping[str, Value]) -> None:
        """Show these samples (those of inputs this panel has; others are ignored)."""
        for name, value in feeds.items():
            if name in self._editors:
                self._editors[name].set_value(value)

    def shutdown(self) -> None:
        for editor in self._editors.values():
            editor.shutdown()

    # --- reacting to edits -----------------------------------------------------------------

    def _on_editor_changed(self, editor: FeedEditor) -> None:
        self._mark(editor)
        if isinstance(editor, SparseFeedEditor):  # dense editors may densify its sample
            for other in self._editors.values():
                if isinstance(other, DenseFeedEditor):
                    other.refresh_sources()
        self.sig_changed.emit()

    def _mark(self, editor: FeedEditor) -> None:
        index = self.tabs.indexOf(editor)
        if index < 0:
            return
        problem = editor.problem()
        self.tabs.setTabIcon(index, self._problem_icon if problem else self._ready_icon)
        tip = f"{editor.spec.name}: {spec_text(editor.spec)}"
        self.tabs.setTabToolTip(index, f"{tip}\n{problem}" if problem else tip)


class _Unfeedable(FeedEditor):
    """The tab of an input the explorer cannot feed: it only says why."""

    def __init__(self, spec: InputSpec, reason: str):
        super().__init__(spec)
        self._reason = reason
        self.body.addWidget(self.problem_label)
        self.body.addStretch(1)
        self.check_now()

    def recipe(self) -> Recipe:
        raise FeedError(self._reason)

    def set_value(self, value: Value) -> None:
        self.note(self._reason)
