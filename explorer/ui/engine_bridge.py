"""The window's handle on the engine process: requests from worker threads, logs as signals.

The engine (TensorFlow) runs in a child process owned by EngineClient; this object turns its
log lines and states, which arrive on reader threads, into queued Qt signals.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core.errors import ModelError
from explorer.engine.cancel_token import CancelToken
from explorer.engine.engine_client import EngineClient


class EngineBridge(QObject):
    sig_log = Signal(str)
    """One line the engine process wrote (TensorFlow's log, model prints)."""
    sig_state = Signal(str)
    """The engine's state in a word: starting, ready, busy, stopped."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.state = "stopped"
        self.sig_state.connect(self._remember_state)
        self._client = EngineClient(on_log=self.sig_log.emit, on_state=self.sig_state.emit)

    def start(self) -> None:
        """Start the child (it imports TensorFlow at once) unless one runs; returns at once."""
        self._client.start()

    def request(self, op: str, /, *, token: CancelToken | None = None, **args: Any) -> Any:
        """Blocking: call from a worker thread. Raises ModelError with one sentence.

        Cancelling `token` drops the request, or kills the engine if it is running it.
        """
        return self._client.request(op, token=token, **args)

    def has_model(self, model: str) -> bool:
        """The engine has `model` (or loads it again by itself after a restart)."""
        return self._client.has_model(model)

    def forget(self, model: str) -> None:
        """Unload a model in the background (a closed tab's); failures do not matter."""

        def unload() -> None:
            with contextlib.suppress(ModelError):
                self._client.request("unload", model=model)

        threading.Thread(target=unload, name="engine-unload", daemon=True).start()

    def close(self) -> None:
        self._client.close()

    @property
    def pid(self) -> int | None:
        return self._client.pid

    def _remember_state(self, state: str) -> None:
        self.state = state
