"""What the sparse and dense sample editors share: the input's header, the check as you type,
the problem line under the editor, and background jobs that fill the sample.

Edits schedule a check a moment later (typing a number is several edits); asking for the value
or the problem runs a scheduled check at once, so callers never see a stale answer.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWidget

from explorer.core.errors import FeedError
from explorer.core.feeds import FeedEntryError, check_feed, spec_shape_text
from explorer.core.model_spec import InputSpec, Value
from explorer.ui.jobs import JobFailure, JobSlot

CHECK_DELAY_MS = 150
PROBLEM_STYLE = "color: #c0392b;"
FileChooser = Callable[[str, str], str | None]
"""Asks for a file to open: (caption, name filter) -> path, or None if cancelled."""


def ask_open_file(parent: QWidget, caption: str, name_filter: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, caption, "", name_filter)
    return path or None


def spec_text(spec: InputSpec) -> str:
    """ "sparse float32 [?, 1000]" — how an input is described next to its name."""
    kind = "sparse" if spec.sparse else "dense"
    dtype = "string" if spec.dtype == "object" else spec.dtype
    shape = "rank unknown" if spec.shape is None else spec_shape_text(spec.shape)
    extras = [
        " (dense shape fixed)" if spec.shape_fixed else "",
        " optional" if spec.optional else "",
    ]
    return f"{kind} {dtype} {shape}{''.join(extras)}"


class FeedEditor(QWidget):
    sig_changed = Signal()
    """The sample or its problem changed (after the check has run)."""

    def __init__(self, spec: InputSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self._problem: str | None = None
        self._value: Value | None = None  # what the last check looked at
        self._note: str | None = None  # an edit that was refused, until the next edit
        self._busy: str | None = None  # what a running job is doing
        self.choose_file: FileChooser = lambda caption, name_filter: ask_open_file(
            self, caption, name_filter
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check_now)
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_job_done)
        self._jobs.sig_failed.connect(self._on_job_failed)
        self._on_result: Callable[[Any], None] | None = None

        self.header = QLabel(f"<b>{spec.name}</b> &nbsp; {spec_text(spec)}")
        self.header.setToolTip("Fed as " + ", ".join(spec.members) if spec.members else "")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("feedProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.problem_label.linkActivated.connect(lambda _link: self.show_fault())
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.header)

    # --- what subclasses provide -----------------------------------------------------------

    def current_value(self) -> Value | None:
        """The sample as entered, or None when there is none (an optional input left empty)."""
        raise NotImplementedError

    def set_value(self, value: Value) -> None:
        raise NotImplementedError

    def missing_text(self) -> str:
        """Why there is no value, for an input that needs one."""
        return f"'{self.spec.name}' has no sample yet."

    def show_checked(self, value: Value | None) -> None:
        """Show what the check looked at (a count, a preview); `value` may have problems."""

    def mark_fault(self, error: FeedEntryError | None) -> None:
        """Point at the entry a problem is about (sparse samples only)."""

    def show_fault(self) -> None:
        """Scroll to the entry the problem is about."""

    # --- checking --------------------------------------------------------------------------

    def edited(self) -> None:
        """Call after every edit: the check runs a moment later."""
        self._note = None
        self._timer.start()

    def check_now(self) -> None:
        self._timer.stop()
        fault: FeedEntryError | None = None
        value: Value | None = None
        try:
            value = self.current_value()
            if value is None:
                self._problem = None if self.spec.optional else self.missing_text()
            else:
                check_feed(self.spec, value)
                self._problem = None
        except FeedEntryError as exc:
            self._problem, fault = str(exc), exc
        except FeedError as exc:
            self._problem = str(exc)
        self._value = value
        self.mark_fault(fault)
        self.show_checked(value)
        self._show_problem(fault is not None)
        self.sig_changed.emit()

    def _flush(self) -> None:
        if self._timer.isActive():
            self.check_now()

    def value(self) -> Value | None:
        """The sample as entered when it passes the check, else None."""
        self._flush()
        return None if self._problem or self._busy else self._value

    def problem(self) -> str | None:
        """The one sentence saying what is wrong with the sample, or None."""
        self._flush()
        if self._busy:
            return f"'{self.spec.name}' is not ready: {self._busy}"
        return self._problem

    def note(self, text: str | None) -> None:
        """Show a sentence about an edit that was not taken (kept until the next edit)."""
        self._note = text
        self._show_problem(False)

    def _show_problem(self, locatable: bool) -> None:
        lines = [line for line in (self._note, self._busy, self._problem) if line]
        text = "<br>".join(html.escape(line, quote=False) for line in lines)
        if locatable and self._problem:
            text += " &nbsp;<a href='#fault'>Show</a>"
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(lines))

    # --- background jobs -------------------------------------------------------------------

    def start_job(
        self,
        what: str,
        func: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run `func(*args)` in the background; its result goes to `then` (set_value by default)."""
        self._busy = what
        self._on_result = then or self.set_value
        self._show_problem(False)
        self._jobs.start(func, *args)
        self.sig_changed.emit()

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def shutdown(self) -> None:
        self._jobs.cancel()

    def _on_job_done(self, result: Any) -> None:
        self._busy = None
        handler, self._on_result = self._on_result, None
        if handler is not None:
            handler(result)
        self.check_now()  # also when the handler refused the result: the busy line goes

    def _on_job_failed(self, failure: JobFailure) -> None:
        self._busy = None
        self._on_result = None
        self.note(str(failure.error))
        self.check_now()
