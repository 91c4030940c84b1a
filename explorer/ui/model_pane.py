"""The Model tab: load the graph or SavedModel beside the checkpoint, feed it, run it.

Loading and running happen in the engine process (EngineBridge); this pane only holds the
ModelInfo it got back, the feed panel, the output choice and the output view. Each load and run
carries its own CancelToken, so Cancel and closing the tab stop this pane's requests only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import FeedError
from explorer.core.locate import Location
from explorer.core.model_spec import EntryPoint, ModelInfo, SparseArray, Value
from explorer.engine.cancel_token import CancelToken
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.feed_panel import FeedPanel
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.log_view import ERROR, INFO
from explorer.ui.model_jobs import Script, failure_text, feeds_cache, run_model, write_script
from explorer.ui.model_outputs import OutputPicker
from explorer.ui.model_widgets import MessagePage, RunBar
from explorer.ui.output_view import OutputView

ENTRY_LABELS = {"graph": "Graph", "signature": "Signature", "function": "Function"}


def model_source(location: Location) -> Path | None:
    """The SavedModel directory or the .meta graph beside the checkpoint, if there is one."""
    return location.saved_model or location.meta_path


class ModelPane(QWidget):
    sig_log = Signal(str, str)
    """Level and text of an entry for the log."""

    def __init__(self, engine: EngineBridge, model_key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.engine = engine
        self.model_key = model_key
        self.info: ModelInfo | None = None
        self._location: Location | None = None
        self._loaded_for: tuple[str, str] | None = None  # (source, prefix) of self.info
        self._failed_for: tuple[str, str] | None = None  # ...of the last load, which failed
        self._wanted: tuple[str, str] | None = None  # ...of the load running
        self._checkpoint_sparse: Mapping[str, Callable[[], SparseArray]] = {}
        self._started = 0.0
        self._load_token: CancelToken | None = None
        self._run_token: CancelToken | None = None
        self.feeds_cache = feeds_cache()

        self._loads = JobSlot(self)
        self._loads.sig_done.connect(self._on_loaded)
        self._loads.sig_failed.connect(self._on_load_failed)
        self._runs = JobSlot(self)
        self._runs.sig_done.connect(self._on_ran)
        self._runs.sig_failed.connect(self._on_run_failed)
        self._runs.sig_running.connect(self._update_buttons)
        self._scripts = JobSlot(self)
        self._scripts.sig_done.connect(self._on_script)
        self._scripts.sig_failed.connect(self._on_script_failed)
        self._scripts.sig_running.connect(self._update_buttons)

        self.source_label = QLabel()
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A deep path is cut at the edge (its tooltip has it all) instead of widening the window.
        self.source_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.entry_box = QComboBox()
        self.entry_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.entry_box.currentIndexChanged.connect(self._on_entry_chosen)
        entry_label = QLabel("Run:")  # no Alt+R here: that is the Run button's
        entry_label.setBuddy(self.entry_box)
        self.reload_button = QPushButton("Reloa&d model")
        self.reload_button.clicked.connect(lambda: self.load(force=True))
        header = QHBoxLayout()
        header.addWidget(self.source_label, 1)
        header.addWidget(entry_label)
        header.addWidget(self.entry_box)
        header.addWidget(self.reload_button)

        self.feed_panel = FeedPanel()
        self.feed_panel.sig_changed.connect(self._update_buttons)
        self.output_picker = OutputPicker()
        self.output_picker.sig_changed.connect(self._update_buttons)
        self.output_view = OutputView()
        self.output_view.sig_log.connect(self.sig_log)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.feed_panel)
        left.addWidget(self.output_picker)
        left.setStretchFactor(0, 4)
        left.setStretchFactor(1, 1)
        left.setSizes([600, 150])
        body = QSplitter()
        body.addWidget(left)
        body.addWidget(self.output_view)
        body.setStretchFactor(1, 1)
        body.setSizes([520, 700])

        self.run_bar = RunBar()
        self.run_button, self.cancel_button = self.run_bar.run_button, self.run_bar.cancel_button
        self.copy_button, self.busy = self.run_bar.copy_button, self.run_bar.busy
        self.run_button.clicked.connect(self.run)
        QShortcut(QKeySequence("Ctrl+R"), self, self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.copy_button.clicked.connect(self.copy_script)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(header)
        content_layout.addWidget(body, 1)
        content_layout.addWidget(self.run_bar)

        self._message_page = MessagePage()
        self.message_label = self._message_page.message_label
        self.retry_button = self._message_page.retry_button
        self.retry_button.clicked.connect(lambda: self.load(force=True))
        self._stack = QStackedWidget()
        self._stack.addWidget(self._message_page)
        self._stack.addWidget(content)
        self._content = content
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._show_message("Open a checkpoint to load its model.", retry=False)
        self._update_buttons()

    # --- what the tab tells the pane ---------------------------------------------------------

    def set_location(
        self,
        location: Location,
        checkpoint_sparse: Mapping[str, Callable[[], SparseArray]] | None = None,
    ) -> None:
        """The checkpoint now open; its model is loaded when the pane is first shown."""
        self._location = location
        self._checkpoint_sparse = dict(checkpoint_sparse or {})
        if model_source(location) is None:
            self._drop_model()
            self._show_message(
                f"No model beside {location.prefix}: there is no {location.prefix.name}.meta "
                "graph and it is not a SavedModel, so there is nothing to run. The variables "
                "can still be read in the Variables tab.",
                retry=False,
            )
        elif self.isVisible():
            self.load()

    def load(self, force: bool = False) -> None:
        """Load (or reload) the model in the engine, unless it is loaded for this checkpoint."""
        found = None if self._location is None else model_source(self._location)
        if found is None:
            return
        source = str(found)
        wanted = (source, str(self._location.prefix))
        done = (self._wanted,) if self._loads.is_running() else (self._loaded_for, self._failed_for)
        if not force and wanted in done:
            return
        # The load (if any) of another step is not wanted now: withdrawn, or left to end and
        # replaced by this one; a run's outputs would be the other step's.
        self._stop_requests(stop_loading=False)
        prefix = None if self._location.saved_model else str(self._location.prefix)
        self._show_message(f"Loading {source} in the engine process…", retry=False, busy=True)
        self.sig_log.emit(INFO, f"Loading the model {source}" + (f" ({prefix})" if prefix else ""))
        self._started = time.monotonic()
        self._wanted = wanted
        self._load_token = token = CancelToken()
        self._loads.start(
            partial(
                self.engine.request,
                "load",
                token=token,
                model=self.model_key,
                path=source,
                prefix=prefix,
            )
        )

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.load()

    def has_pending(self) -> bool:
        jobs = self._loads.has_pending() or self._runs.has_pending()
        jobs = jobs or self._scripts.has_pending()
        return jobs or self.feed_panel.has_pending() or self.output_view.has_pending()

    def shutdown(self) -> None:
        self._drop_model(stop_loading=True)
        self._scripts.cancel()
        self.feed_panel.shutdown()
        self.output_view.shutdown()

    def _stop_requests(self, stop_loading: bool) -> None:
        """Cancel this pane's load and run. A load the engine has begun is left to end unless
        `stop_loading` (it ends soon enough); a run is stopped, for it may never end."""
        if self._loads.cancel() and self._load_token is not None:
            self._load_token.cancel(stop_running=stop_loading)
        if self._runs.cancel() and self._run_token is not None:
            self._run_token.cancel()
            self._set_status("")

    def _drop_model(self, stop_loading: bool = False) -> None:
        """Stop this pane's requests and unload its model from the engine, loaded or loading."""
        loading = self._loads.is_running()
        self._stop_requests(stop_loading)
        if self.info is not None or loading:
            self.engine.forget(self.model_key)
        self._forget_info()
        self._wanted = self._failed_for = None
        self._update_buttons()

    def _forget_info(self) -> None:
        """The engine no longer holds the model this pane showed."""
        self.info = None
        self._loaded_for = None
        self.entry_box.clear()

    # --- loading -----------------------------------------------------------------------------

    def _on_loaded(self, info: ModelInfo) -> None:
        self.info = info
        self._loaded_for, self._failed_for = self._wanted, None
        seconds = time.monotonic() - self._started
        restored = f", restored from {Path(info.prefix).name}" if info.prefix else ""
        self.source_label.setText(f"{_KIND_TEXT[info.kind]} {info.source}{restored}")
        self.source_label.setToolTip(self.source_label.text())
        self.sig_log.emit(INFO, f"Loaded {info.source} in {seconds:.1f} s{restored}.")
        for note in info.notes:
            self.sig_log.emit(INFO, note)
        self.entry_box.blockSignals(True)
        self.entry_box.clear()
        for entry in info.entries:
            self.entry_box.addItem(f"{ENTRY_LABELS[entry.kind]} {entry.name}", entry.key)
        self.entry_box.blockSignals(False)
        self._stack.setCurrentWidget(self._content)
        self.output_view.clear("Run the model to see its outputs.")
        if info.entries:
            self.entry_box.setCurrentIndex(_preferred_entry(info.entries))
            self._on_entry_chosen(self.entry_box.currentIndex())
        self._update_buttons()

    def _on_load_failed(self, failure: JobFailure) -> None:
        message, details = failure_text(failure)
        self.sig_log.emit(ERROR, "\n".join(filter(None, [message, details])))
        self._forget_info()  # the engine dropped the model of the step before, if any
        self._failed_for = self._wanted
        self._show_message(message, retry=True)
        self._update_buttons()

    def _show_message(self, text: str, retry: bool, busy: bool = False) -> None:
        self._message_page.set_message(text, retry)
        self.busy.setVisible(busy)
        self._stack.setCurrentWidget(self._message_page)

    # --- choosing what to run ----------------------------------------------------------------

    def current_entry(self) -> EntryPoint | None:
        key = self.entry_box.currentData()
        return None if self.info is None or key is None else self.info.entry(key)

    def select_entry(self, key: str) -> bool:
        index = self.entry_box.findData(key)
        if index >= 0:
            self.entry_box.setCurrentIndex(index)
        return index >= 0

    def _on_entry_chosen(self, _index: int) -> None:
        entry = self.current_entry()
        if entry is None or self.info is None:
            return
        self.feed_panel.set_inputs(entry.inputs, self._checkpoint_sparse)
        self.output_picker.set_entry(entry, self.info.tensors)
        self._update_buttons()

    # --- running -----------------------------------------------------------------------------

    def run(self) -> None:
        entry = self.current_entry()
        if entry is None or self._runs.is_running() or self._loads.is_running():
            return
        problems = self.feed_panel.problems()
        if problems:
            name, problem = next(iter(problems.items()))
            self._set_status(f"Input '{name}': {problem}", error=True)
            return
        self._started = time.monotonic()
        self._set_status("Running…")
        self._run_token = token = CancelToken()
        feeds, outputs = self.feed_panel.feeds(), self.output_picker.chosen()
        self._runs.start(
            partial(run_model, self.engine, token, self.model_key, entry, feeds, outputs)
        )
        self._update_buttons()

    def cancel(self) -> None:
        """Stop this pane's run (the request then fails with "cancelled") or load."""
        for slot, token in ((self._runs, self._run_token), (self._loads, self._load_token)):
            if slot.is_running() and token is not None:
                token.cancel()

    def _on_ran(self, outputs: dict[str, Value]) -> None:
        entry = self.current_entry()
        seconds = time.monotonic() - self._started
        specs = entry.outputs if entry is not None and entry.kind != "graph" else None
        self.output_view.show_outputs(outputs, specs, title=entry.key if entry else "")
        self._set_status(f"Ran {entry.key if entry else 'the model'} in {seconds:.2f} s.")
        self.sig_log.emit(INFO, f"Ran {entry.key if entry else 'the model'} in {seconds:.2f} s.")
        self._update_buttons()

    def _on_run_failed(self, failure: JobFailure) -> None:
        message, details = failure_text(failure)
        self._update_buttons()
        if isinstance(failure.error, FeedError):  # found before the engine was asked
            self._set_status(message, error=True)
            return
        self.sig_log.emit(ERROR, "\n".join(filter(None, [message, details])))
        if not self.engine.has_model(self.model_key):  # lost: the engine could not reload it
            self._forget_info()
            self._failed_for = self._wanted
            self._show_message(message, retry=True)
            return
        self._set_status(message, error=True)
        self.output_view.clear(message)

    def copy_script(self) -> None:
        """Put a standalone TensorFlow script for this run on the clipboard (in a job)."""
        entry = self.current_entry()
        if entry is None or self.info is None:
            return
        self._set_status("Writing the script…")
        feeds, outputs = self.feed_panel.feeds(), self.output_picker.chosen()
        self._scripts.start(
            partial(write_script, self.info, entry, feeds, outputs, self.feeds_cache)
        )

    def _on_script(self, script: Script) -> None:
        QGuiApplication.clipboard().setText(script.text)
        if script.feeds_file is None:
            self._set_status("Copied a Python script that runs these inputs to the clipboard.")
        else:
            self._set_status(
                "Copied a Python script that runs these inputs to the clipboard; it reads "
                f"them from {script.feeds_file}."
            )

    def _on_script_failed(self, failure: JobFailure) -> None:
        message, details = failure_text(failure)
        if not isinstance(failure.error, FeedError):
            self.sig_log.emit(ERROR, "\n".join(filter(None, [message, details])))
        self._set_status(message, error=True)

    def status_text(self) -> str:
        return self.run_bar.status_label.text()

    def _set_status(self, text: str, error: bool = False) -> None:
        self.run_bar.set_status(text, error)

    def _update_buttons(self, *_args: object) -> None:
        running = self._runs.is_running()
        entry = self.current_entry()
        ready = entry is not None and self.feed_panel.is_ready() and self.output_picker.is_ready()
        self.run_button.setEnabled(ready and not running)
        self.copy_button.setEnabled(ready)
        self.cancel_button.setEnabled(running)
        self.busy.setVisible(running or self._loads.is_running() or self._scripts.is_running())
        self.entry_box.setEnabled(not running)


_KIND_TEXT = {
    "tf1_graph": "TF1 graph",
    "tf1_saved_model": "TF1 SavedModel",
    "tf2_saved_model": "SavedModel",
}


def _preferred_entry(entries: tuple[EntryPoint, ...]) -> int:
    """serving_default when there is one, else the first entry."""
    for index, entry in enumerate(entries):
        if entry.key == "signature:serving_default":
            return index
    return 0
