"""The window's status bar: what the current tab shows, memory in use, and the engine's state."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from explorer.core.checkpoint import Checkpoint
from explorer.core.formatting import human_bytes
from explorer.ui.checkpoint_tab import CheckpointTab
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.formatting import count_text

REFRESH_MS = 2000
ENGINE_STATES = {
    "starting": "starting (importing TensorFlow)",
    "ready": "ready",
    "busy": "busy",
    "stopped": "not running",
}


def resident_bytes(pid: int | None) -> int | None:
    """Memory a process holds in RAM now (Linux /proc; None where that cannot be read)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """Kind, step, variable count and total size, in one line."""
    variables = checkpoint.variables
    total = sum(info.nbytes for info in variables)
    return (
        f"{checkpoint.kind} · {checkpoint.prefix.name} · "
        f"{count_text(len(variables), 'variable')} · {human_bytes(total)}"
    )


class WindowStatusBar(QStatusBar):
    def __init__(
        self,
        engine: EngineBridge,
        current_tab: Callable[[], CheckpointTab | None],
        parent: QWidget | None = None,
    ):
        """`current_tab` gives the tab to describe; it is asked again every few seconds, as
        a tab can switch steps or reload without telling the window."""
        super().__init__(parent)
        self.setObjectName("statusBar")
        self._engine = engine
        self._current_tab = current_tab
        self._described: tuple[Checkpoint, str] | None = None  # the sum over variables, once
        self.loaded_label = QLabel()
        self.loaded_label.setObjectName("loadedSummary")
        self.memory_label = QLabel()
        self.memory_label.setObjectName("memoryInUse")
        self.memory_label.setToolTip(
            "Memory in RAM now of the window process and of the engine process (TensorFlow)."
        )
        self.engine_label = QLabel()
        self.engine_label.setObjectName("engineState")
        self.addWidget(self.loaded_label, 1)
        self.addPermanentWidget(self.memory_label)
        self.addPermanentWidget(self.engine_label)
        engine.sig_state.connect(self._show_engine_state)
        self._show_engine_state(engine.state)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        self.show_tab(self._current_tab())
        self.refresh_memory()

    def show_tab(self, tab: CheckpointTab | None) -> None:
        """Say what `tab` shows: kind, step, variable count and total size, or why nothing."""
        self.loaded_label.setText(self._tab_text(tab))

    def _tab_text(self, tab: CheckpointTab | None) -> str:
        if tab is None:
            return "No checkpoint open"
        if tab.is_loading():
            return f"Loading {tab.title()}…"
        if tab.error_message():
            return f"{tab.title()} could not be opened"
        checkpoint = tab.checkpoint
        if checkpoint is None:
            return ""
        if self._described is None or self._described[0] is not checkpoint:
            self._described = (checkpoint, checkpoint_text(checkpoint))
        return self._described[1]

    def refresh_memory(self) -> None:
        """Resident memory of this process and of the engine child; cheap (two small reads)."""
        parts = []
        for who, pid in (("window", os.getpid()), ("engine", self._engine.pid)):
            held = resident_bytes(pid)
            if held is not None:
                parts.append(f"{who} {human_bytes(held)}")
        self.memory_label.setText("Memory: " + ", ".join(parts) if parts else "")

    def _show_engine_state(self, state: str) -> None:
        self.engine_label.setText(f"Engine: {ENGINE_STATES.get(state, state)}")
        pid = self._engine.pid
        self.engine_label.setToolTip(
            f"The TensorFlow engine runs in process {pid}." if pid else "No engine process runs."
        )
