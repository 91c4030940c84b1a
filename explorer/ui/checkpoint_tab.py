"""One tab per opened checkpoint: loading state, error state, or tree and detail pane.

Sparse tensors are found from metadata while the checkpoint opens and shown at once; their
indices are validated by a background job afterwards, which then updates their tree items.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.bundle import BundleReader
from explorer.core.checkpoint import Checkpoint, open_checkpoint
from explorer.core.errors import CheckpointError
from explorer.core.feeds import sparse_from_checkpoint
from explorer.core.locate import step_of
from explorer.core.model_spec import SparseArray
from explorer.core.sparse import SparseTensor, examine
from explorer.core.sparse_detect import SparseTriplet, find_triplets
from explorer.ui.detail_pane import DetailPane
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.formatting import count_text
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO, WARNING
from explorer.ui.model_pane import ModelPane
from explorer.ui.notice_bar import NoticeBar
from explorer.ui.sparse_pane import SparseDetailPane
from explorer.ui.step_watcher import CHANGED, VANISHED, DiskChange, StepWatcher
from explorer.ui.variable_nodes import VariableNode, build_tree
from explorer.ui.variable_tree_panel import VariableTreePanel


@dataclass(frozen=True)
class LoadedCheckpoint:
    checkpoint: Checkpoint
    root: VariableNode
    triplets: list[SparseTriplet]


def load_checkpoint(
    path: str, prefix: Path | None, sort_column: int, descending: bool
) -> LoadedCheckpoint:
    """Parse the index, find sparse triplets and build the sorted tree; runs in a background job."""
    checkpoint = open_checkpoint(path, prefix=prefix)
    triplets = find_triplets(checkpoint.variables)
    root = build_tree(checkpoint.variables, sort_column, descending, triplets)
    return LoadedCheckpoint(checkpoint, root, triplets)


def check_sparse_tensors(
    reader: BundleReader, triplets: Sequence[SparseTriplet]
) -> Generator[float, None, dict[str, SparseTensor]]:
    """Validate each triplet's indices; the results by indices key. Yields progress."""
    checked = {}
    for done, triplet in enumerate(triplets, 1):
        try:
            found = examine(reader, triplet)
        except Exception as exc:  # noqa: BLE001 - one odd triplet must not stop the others
            found = SparseTensor.from_triplet(triplet)
            found.problems.append(
                str(exc) if isinstance(exc, CheckpointError) else f"It could not be checked: {exc}."
            )
        checked[triplet.indices] = found
        yield done / len(triplets)
    return checked


def failure_sentence(path: str, failure: JobFailure) -> str:
    """CheckpointErrors are already one sentence; anything else is worded as one."""
    if isinstance(failure.error, CheckpointError):
        return str(failure.error)
    detail = str(failure.error).rstrip(".") or type(failure.error).__name__
    return f"{path} could not be opened: {detail} (an internal error; the log has details)."


class CheckpointTab(QWidget):
    sig_loaded = Signal(object)
    """The Checkpoint now shown (after opening or switching step)."""
    sig_failed = Signal(str)
    """One sentence saying why the checkpoint could not be opened."""
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    _opened = 0  # tabs made so far: each gets its own model key in the shared engine

    def __init__(self, path: str, engine: EngineBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.checkpoint: Checkpoint | None = None
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_loaded)
        self._jobs.sig_failed.connect(self._on_failed)
        self._checks = JobSlot(self)
        self._checks.sig_done.connect(self._on_checked)
        self._checks.sig_failed.connect(self._on_check_failed)

        self.location_label = QLabel()
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A deep path is cut at the window's edge (its tooltip has it all) instead of widening
        # the window beyond the screen.
        self.location_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.steps_box = QComboBox()
        self.steps_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.steps_box.activated.connect(self._on_step_chosen)
        self._steps_label = QLabel("Step:")
        self._header = QWidget()
        header = QHBoxLayout(self._header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.location_label, 1)
        header.addWidget(self._steps_label)
        header.addWidget(self.steps_box)
        self._header.setVisible(False)

        self.loading_label = QLabel()
        busy = QProgressBar()
        busy.setRange(0, 0)
        busy.setMaximumWidth(300)
        loading = QWidget()
        loading_layout = QVBoxLayout(loading)
        loading_layout.addStretch(1)
        loading_layout.addWidget(self.loading_label, 0, Qt.AlignmentFlag.AlignHCenter)
        loading_layout.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        loading_layout.addStretch(2)

        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setMargin(24)

        self.tree_panel = VariableTreePanel()
        self.detail = DetailPane()
        self.sparse_pane = SparseDetailPane()
        self.tree_panel.sig_selected.connect(self._on_selected)
        self.tree_panel.sig_log.connect(self.sig_log)
        self.detail.sig_log.connect(self.sig_log)
        self.sparse_pane.sig_log.connect(self.sig_log)
        self._details = QStackedWidget()
        self._details.addWidget(self.detail)
        self._details.addWidget(self.sparse_pane)
        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.tree_panel)
        splitter.addWidget(self._details)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 800])

        CheckpointTab._opened += 1
        self.model_pane = ModelPane(engine, model_key=f"tab-{CheckpointTab._opened}")
        self.model_pane.sig_log.connect(self.sig_log)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(splitter, "Varia&bles")  # Alt+V is the View menu's
        self.views.addTab(self.model_pane, "&Model")

        self._stack = QStackedWidget()
        for page in (loading, self.error_label, self.views):
            self._stack.addWidget(page)
        self._loading, self._content = loading, self.views
        self.notice = NoticeBar()
        self.watcher = StepWatcher(self)
        self.watcher.sig_changed.connect(self._on_disk_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self._header)
        layout.addWidget(self.notice)
        layout.addWidget(self._stack, 1)
        self._load(None)

    def title(self) -> str:
        """A short name for the tab: the checkpoint's directory (or file) name."""
        if self.checkpoint is not None:
            return self.checkpoint.location.directory.name or str(self.checkpoint.prefix)
        return Path(self.path).name or self.path

    def is_loading(self) -> bool:
        return self._jobs.is_running()

    def error_message(self) -> str:
        """The sentence on display when opening failed, else ""."""
        return self.error_label.text() if self._stack.currentWidget() is self.error_label else ""

    def select_variable(self, key: str) -> bool:
        """Select the variable stored under raw key `key`; False if the tree does not show it."""
        return self.tree_panel.select_key(key)

    def shown_pane(self) -> QWidget:
        """The detail pane on display: `detail` for variables and scopes, else `sparse_pane`."""
        return self._details.currentWidget()

    def select_sparse(self, name: str) -> bool:
        """Select the sparse tensor named `name`; False if the tree does not show it."""
        return self.tree_panel.select_sparse(name)

    def set_step(self, prefix: Path) -> None:
        """Reopen on another checkpoint prefix of the same directory, keeping the selection."""
        self._load(prefix)

    def reload(self) -> None:
        """Read the shown step from disk again, keeping the selection (the path, after a
        failure)."""
        self._load(self.checkpoint.prefix if self.checkpoint is not None else None)

    def hasPendingOperations(self) -> bool:  # noqa: N802 - silx's name, which tests look for
        jobs = self._jobs.has_pending() or self._checks.has_pending()
        panes = self.detail.has_pending() or self.sparse_pane.has_pending()
        panes = panes or self.tree_panel.has_pending() or self.watcher.has_pending()
        return jobs or panes or self.model_pane.has_pending()

    def shutdown(self) -> None:
        """Stop background jobs and drop the reader's file mappings (arrays still shown keep
        theirs until they are replaced)."""
        self._jobs.cancel()
        self._checks.cancel()
        self.watcher.stop()
        self.tree_panel.shutdown()
        self.detail.shutdown()
        self.sparse_pane.shutdown()
        self.model_pane.shutdown()
        if self.checkpoint is not None:
            self.checkpoint.close()

    def _load(self, prefix: Path | None) -> None:
        what = prefix.name if prefix is not None else self.path
        self.loading_label.setText(f"Loading {what}…")
        self._stack.setCurrentWidget(self._loading)
        self.steps_box.setEnabled(False)
        self.notice.hide()
        self._checks.cancel()
        self._jobs.start(load_checkpoint, self.path, prefix, *self.tree_panel.sort_order())

    def _on_loaded(self, loaded: LoadedCheckpoint) -> None:
        node = self.tree_panel.selected_node()
        keep_key = node.info.name if node is not None and node.info is not None else None
        keep_sparse = node.sparse.name if node is not None and node.sparse is not None else None
        self.detail.show_node(None, None)
        self.sparse_pane.show_sparse(None, None)
        if self.checkpoint is not None:
            self.checkpoint.close()
        self.checkpoint = checkpoint = loaded.checkpoint
        location = checkpoint.location
        for note in location.notes:
            self.sig_log.emit(WARNING, note)
        self.sig_log.emit(
            INFO,
            f"Opened {checkpoint.prefix} ({checkpoint.kind}, {len(checkpoint.variables):,} "
            "variables).",
        )
        self.location_label.setText(str(checkpoint.prefix))
        self.location_label.setToolTip(str(checkpoint.prefix))
        self._fill_steps(location.checkpoints, checkpoint.prefix)
        self.watcher.watch(location)
        self._header.setVisible(True)
        self._stack.setCurrentWidget(self._content)
        self.tree_panel.set_checkpoint(checkpoint)
        self.tree_panel.set_root(loaded.root, keep_key, keep_sparse)
        if loaded.triplets:
            self._checks.start(check_sparse_tensors, checkpoint.reader, loaded.triplets)
        self.model_pane.set_location(location, self._sparse_loaders(loaded))
        self.sig_loaded.emit(checkpoint)

    def show_model(self) -> ModelPane:
        """Switch to the Model tab (which loads the model) and return its pane."""
        self.views.setCurrentWidget(self.model_pane)
        return self.model_pane

    @staticmethod
    def _sparse_loaders(loaded: LoadedCheckpoint) -> dict[str, Callable[[], SparseArray]]:
        """For the feed panel: read a sparse tensor of the checkpoint as a sample input."""
        reader = loaded.checkpoint.reader
        return {
            triplet.name: partial(sparse_from_checkpoint, reader, sparse)
            for triplet in loaded.triplets
            for sparse in [SparseTensor.from_triplet(triplet)]
        }

    def _on_checked(self, checked: dict[str, SparseTensor]) -> None:
        self.tree_panel.model.update_sparse(checked)
        broken = [sparse for sparse in checked.values() if sparse.problems]
        level = WARNING if broken else INFO
        with_problems = f", {len(broken)} with problems" if broken else ""
        self.sig_log.emit(
            level, f"Checked {count_text(len(checked), 'sparse tensor')}{with_problems}."
        )
        for sparse in broken:
            self.sig_log.emit(WARNING, f"{sparse.name}: " + " ".join(sparse.problems))
        node = self.tree_panel.selected_node()
        if node is not None and node.sparse is not None:  # its pane now shows the verdict
            self.sparse_pane.show_sparse(self.checkpoint, node.sparse, node.sparse_checked)

    def _on_check_failed(self, failure: JobFailure) -> None:
        self.sig_log.emit(ERROR, f"Checking the sparse tensors failed.\n{failure.traceback}")

    def _fill_steps(self, prefixes: list[Path], current: Path) -> None:
        self.steps_box.clear()
        for prefix in prefixes:
            step = step_of(prefix)
            label = prefix.name if step is None else f"{step}  ({prefix.name})"
            self.steps_box.addItem(label, prefix)
        if current in prefixes:
            self.steps_box.setCurrentIndex(prefixes.index(current))
        several = len(prefixes) > 1
        self.steps_box.setVisible(several)
        self._steps_label.setVisible(several)
        self.steps_box.setEnabled(True)

    def _on_disk_changed(self, change: DiskChange) -> None:
        """Offer what changed on disk in the notice bar; the user decides whether to reload."""
        if self.checkpoint is None or self.is_loading():  # the load sees the disk as it is
            return
        shown = self.checkpoint.prefix
        self._fill_steps(
            change.prefixes if shown in change.prefixes else [*change.prefixes, shown], shown
        )
        newest = change.prefixes[-1] if change.prefixes else None
        if change.open_step == VANISHED:
            text = f"{shown.name} was removed from disk; its values can no longer be read."
            if newest is not None:
                self.notice.show_notice(text, f"Open {newest.name}", partial(self.set_step, newest))
            else:
                self.notice.show_notice(text)
        elif change.open_step == CHANGED:
            text = f"The files of {shown.name} changed on disk."
            self.notice.show_notice(text, "Reload", self.reload)
        elif change.new_steps:
            step = change.new_steps[-1]
            what = f"A new step {step.name} appeared"
            if len(change.new_steps) > 1:
                what = f"{len(change.new_steps)} new steps appeared, the newest {step.name}"
            self.notice.show_notice(f"{what}.", "Open it", partial(self.set_step, step))

    def _on_step_chosen(self, index: int) -> None:
        prefix = self.steps_box.itemData(index)
        shown = self.checkpoint is not None and not self.error_message()
        if not shown or prefix != self.checkpoint.prefix:
            self.set_step(prefix)

    def _on_failed(self, failure: JobFailure) -> None:
        message = failure_sentence(self.path, failure)
        self.error_label.setText(message)
        self._stack.setCurrentWidget(self.error_label)
        self.steps_box.setEnabled(True)  # another step may still open
        if isinstance(failure.error, CheckpointError):
            self.sig_log.emit(ERROR, message)
        else:
            self.sig_log.emit(ERROR, f"{message}\n{failure.traceback}")
        self.sig_failed.emit(message)

    def _on_selected(self, node: VariableNode | None) -> None:
        if node is not None and node.sparse is not None:
            self.detail.show_node(None, None)  # stops its jobs and lets go of its arrays
            self.sparse_pane.show_sparse(self.checkpoint, node.sparse, node.sparse_checked)
            self._details.setCurrentWidget(self.sparse_pane)
        else:
            self.sparse_pane.show_sparse(None, None)
            self.detail.show_node(self.checkpoint, node)
            self._details.setCurrentWidget(self.detail)
