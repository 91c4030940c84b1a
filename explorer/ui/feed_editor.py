"""What the sparse and dense sample editors share: the input's header, the check as you type,
the problem line under the editor, and background jobs that fill the sample.

Edits schedule a check a moment later (typing a number is several edits). A small sample is
made and checked at once; a large one (more than BACKGROUND_CHECK_SIZE entries or elements) in
a background job, so the window never freezes. Asking for the value or the problem runs a
scheduled check first, so callers never see a stale answer: while a background check runs the
editor has no value and its problem says it is checking.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWidget

from explorer.core.errors import FeedError
from explorer.core.feeds import FeedEntryError, check_feed, spec_shape_text
from explorer.core.model_spec import InputSpec, Value
from explorer.ui.jobs import JobFailure, JobSlot
from explorer.ui.plot_style import PROBLEM, colour_text

CHECK_DELAY_MS = 150
BACKGROUND_CHECK_SIZE = 100_000
"""Samples with more entries (sparse) or elements (dense) are made and checked in a job."""
"""Advice about a sample that passes the check: amber, not the red of a problem."""
CHECKING = "checking the sample…"
FileChooser = Callable[[str, str], str | None]
"""Asks for a file to open: (caption, name filter) -> path, or None if cancelled."""
Advisor = Callable[[Value], str | None]
"""Advice about a checked sample (it runs in the background too): a sentence, or None."""


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


@dataclass(frozen=True)
class Recipe:
    """How to make the sample as the editor holds it now.

    `make` may run in a background thread, so it must not touch widgets; it returns None when
    there is no sample and raises FeedError when one cannot be made. `size` (entries or
    elements) decides whether the check runs in the background.
    """

    make: Callable[[], Value | None]
    size: int


def given(value: Value | None) -> Value | None:
    """A Recipe's `make` for a sample that already exists (use with functools.partial)."""
    return value


@dataclass(frozen=True)
class CheckOutcome:
    value: Value | None  # the sample as made, even when it has a problem
    problem: str | None
    fault: FeedEntryError | None = None
    advice: str | None = None


def failed(spec: InputSpec, exc: BaseException, value: Value | None = None) -> CheckOutcome:
    """The outcome of an exception met while making or checking a sample.

    Anything but a FeedError is a bug, but it still becomes one sentence (and no value, so a
    sample the check could not judge is never fed).
    """
    if isinstance(exc, FeedEntryError):
        return CheckOutcome(value, str(exc), exc)
    if isinstance(exc, FeedError):
        return CheckOutcome(value, str(exc))
    sentence = f"The sample for '{spec.name}' cannot be checked ({type(exc).__name__}: {exc})."
    return CheckOutcome(None, sentence)


def run_check(
    spec: InputSpec, make: Callable[[], Value | None], missing: str | None, advise: Advisor | None
) -> CheckOutcome:
    """Make the sample and check it; never raises. `missing` is the problem of no sample."""
    value: Value | None = None
    try:
        value = make()
        if value is None:
            return CheckOutcome(None, missing)
        checked = check_feed(spec, value)
        return CheckOutcome(value, None, advice=advise(checked) if advise else None)
    except Exception as exc:  # noqa: BLE001 - a backstop: every failure becomes a sentence
        return failed(spec, exc, value)


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
        self._checking = False  # a background check runs
        self.advise: Advisor | None = None  # advice on a sample that passes, for show_advice
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
        self._checks = JobSlot(self)
        self._checks.sig_done.connect(self._show_outcome)
        self._checks.sig_failed.connect(
            lambda failure: self._show_outcome(failed(self.spec, failure.error))
        )

        self.header = QLabel(f"<b>{spec.name}</b> &nbsp; {spec_text(spec)}")
        self.header.setToolTip("Fed as " + ", ".join(spec.members) if spec.members else "")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("feedProblem")
        self.problem_label.setWordWrap(True)
        colour_text(self.problem_label, PROBLEM)
        self.problem_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.problem_label.linkActivated.connect(lambda _link: self.show_fault())
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.header)

    # --- what subclasses provide -----------------------------------------------------------

    def recipe(self) -> Recipe:
        """How to make the sample from the editor's state; FeedError if it cannot be made."""
        raise NotImplementedError

    def set_value(self, value: Value) -> None:
        raise NotImplementedError

    def missing_text(self) -> str:
        """Why there is no value, for an input that needs one."""
        return f"'{self.spec.name}' has no sample yet."

    def show_checked(self, value: Value | None) -> None:
        """Show what the check looked at (a count, a preview); `value` may have problems."""

    def show_advice(self, advice: str | None) -> None:
        """Show (or hide, for None) the advisor's sentence about a sample that passes."""

    def mark_fault(self, error: FeedEntryError | None) -> None:
        """Point at the entry a problem is about (sparse samples only)."""

    def show_fault(self) -> None:
        """Scroll to the entry the problem is about."""

    # --- checking --------------------------------------------------------------------------

    def edited(self) -> None:
        """Call after every edit: the check runs a moment later (a running one is dropped)."""
        self._note = None
        self._checks.cancel()
        self._timer.start()

    def check_now(self) -> None:
        """Make and check the sample: at once when small, in the background when large."""
        self._timer.stop()
        self._checks.cancel()
        try:
            recipe = self.recipe()
        except Exception as exc:  # noqa: BLE001 - FeedError, or a bug the backstop names
            self._show_outcome(failed(self.spec, exc))
            return
        missing = None if self.spec.optional else self.missing_text()
        job = partial(run_check, self.spec, recipe.make, missing, self.advise)
        if recipe.size <= BACKGROUND_CHECK_SIZE:
            self._show_outcome(job())
            return
        self._checking = True
        self.show_advice(None)  # about the sample before
        self._show_problem(False)
        self._checks.start(job)
        self.sig_changed.emit()

    def _show_outcome(self, outcome: CheckOutcome) -> None:
        self._checking = False
        self._value, self._problem = outcome.value, outcome.problem
        self.mark_fault(outcome.fault)
        self.show_checked(outcome.value)
        self.show_advice(outcome.advice)
        self._show_problem(outcome.fault is not None)
        self.sig_changed.emit()

    def _flush(self) -> None:
        if self._timer.isActive():
            self.check_now()

    def value(self) -> Value | None:
        """The sample as entered when it passes the check, else None (also while it is being
        made, read or checked)."""
        self._flush()
        return None if self._problem or self._busy or self._checking else self._value

    def problem(self) -> str | None:
        """The one sentence saying what is wrong with the sample, or None."""
        self._flush()
        if self._busy or self._checking:
            return f"'{self.spec.name}' is not ready: {self._busy or CHECKING}"
        return self._problem

    def note(self, text: str | None) -> None:
        """Show a sentence about an edit that was not taken (kept until the next edit)."""
        self._note = text
        self._show_problem(False)

    def _show_problem(self, locatable: bool) -> None:
        # While a check runs, the last problem may be gone: say it is checking instead.
        problem = CHECKING.capitalize() if self._checking else self._problem
        lines = [line for line in (self._note, self._busy, problem) if line]
        text = "<br>".join(html.escape(line, quote=False) for line in lines)
        if locatable and problem and not self._checking:
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
        """A check is scheduled or running, or a job is making or reading the sample."""
        checks = self._timer.isActive() or self._checks.has_pending()
        return checks or self._jobs.has_pending()

    def shutdown(self) -> None:
        self._timer.stop()
        self._jobs.cancel()
        self._checks.cancel()

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
