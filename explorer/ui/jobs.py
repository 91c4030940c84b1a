"""Background jobs where the newest request replaces (and cancels) the one before.

A job is a generator function (every yield is a progress fraction and a cancellation point)
or a plain function. It runs in superqt's thread pool; results of a job that was replaced
or cancelled are dropped, so a slow old job can never overwrite a newer answer.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker


@dataclass(frozen=True)
class JobFailure:
    """An exception raised inside a job, with its traceback as text for the log."""

    error: BaseException
    traceback: str


def _tagged(token: int, func: Callable[..., Any], args: tuple) -> Generator:
    """Run `func` and label each progress tick and the outcome with the job's token."""
    try:
        if not inspect.isgeneratorfunction(func):
            yield token, 0.0  # one cancellation point before a call that cannot be interrupted
            return token, func(*args)
        gen = func(*args)
        while True:
            try:
                progress = next(gen)
            except StopIteration as stop:
                return token, stop.value
            yield token, progress
    except Exception as exc:  # reported to the GUI thread, never raised in the pool thread
        return token, JobFailure(exc, traceback.format_exc())


class JobSlot(QObject):
    """Runs at most one job at a time; starting a job cancels the current one."""

    sig_progress = Signal(float)
    """Fraction of the current job done, in [0, 1]."""
    sig_done = Signal(object)
    """The current job's return value."""
    sig_failed = Signal(object)
    """A JobFailure: the current job raised."""
    sig_running = Signal(bool)
    """Whether a job is now running in this slot."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._token = 0
        self._worker: GeneratorWorker | None = None
        self._alive = 0  # workers started and not yet finished, cancelled ones included

    def start(self, func: Callable[..., Any], *args: Any) -> None:
        self.cancel()
        self._token += 1
        worker = create_worker(
            _tagged, self._token, func, args, _start_thread=False, _ignore_errors=True
        )
        worker.yielded.connect(self._on_yielded)
        worker.returned.connect(self._on_returned)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        self._alive += 1
        worker.start()
        self.sig_running.emit(True)

    def cancel(self) -> bool:
        """Ask the current job to stop at its next yield; True if one was running."""
        if self._worker is None:
            return False
        self._worker.quit()
        self._worker = None
        self._token += 1  # anything the cancelled job still sends is now stale
        self.sig_running.emit(False)
        return True

    def is_running(self) -> bool:
        return self._worker is not None

    def has_pending(self) -> bool:
        """A job is running, or a cancelled one has not yet reached its next yield."""
        return self._alive > 0

    def _on_yielded(self, tagged: tuple[int, float]) -> None:
        token, progress = tagged
        if token == self._token:
            self.sig_progress.emit(float(progress))

    def _on_returned(self, tagged: tuple[int, Any]) -> None:
        token, result = tagged
        if token != self._token:
            return
        self._worker = None
        self.sig_running.emit(False)
        if isinstance(result, JobFailure):
            self.sig_failed.emit(result)
        else:
            self.sig_done.emit(result)

    def _on_finished(self) -> None:
        self._alive -= 1
