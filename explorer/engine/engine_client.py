"""The window's handle on the engine process, which runs TensorFlow so that the window never does.

Requests are blocking calls made from worker threads and served one at a time, in the order they
come. Each may carry a CancelToken: cancelling it before the request reaches the engine drops the
request, cancelling it while the engine runs it kills the child; other requests are not touched.
Whatever happens to the child (abort, segfault, kill -9, exit), the request in flight raises one
ModelError sentence and the next request starts a fresh child, replaying the loads it needs.
The child's stderr, TensorFlow's log included, goes to `on_log`.

Imported by the window: this module must not import TensorFlow, even indirectly.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from explorer.core.errors import ModelError
from explorer.engine.cancel_token import CancelToken
from explorer.engine.engine_child import CLOSED, EngineChild, how_it_stopped
from explorer.engine.engine_protocol import (
    HELLO_ID,
    FrameError,
    encode,
    write_frame,
)


def _cancelled(label: str) -> ModelError:
    return ModelError(f"The engine request {label} was cancelled.")


class EngineClient:
    """Starts, talks to, cancels and restarts the engine child process.

    `on_log(line)` gets each line the child writes to stderr and `on_state(text)` short states
    ("starting", "ready", "busy", "stopped"); both are called from background threads.
    """

    def __init__(
        self,
        on_log: Callable[[str], None] | None = None,
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self._on_log = on_log
        self._on_state = on_state
        self._lock = threading.RLock()  # guards everything below
        self._turns = threading.Condition(self._lock)  # a request waits here for its turn
        self._waiting: deque[CancelToken] = deque()  # requests in line, first come first
        self._serving: CancelToken | None = None  # the request whose turn it is
        self._in_engine = False  # the child has the serving request
        self._killed = False  # the child was killed to cancel it
        self._child: EngineChild | None = None
        self._closed = False
        self._state = "stopped"
        self._next_id = HELLO_ID + 1
        self._loads: dict[str, dict[str, Any]] = {}  # model key -> load args, to replay
        self._lost: dict[str, str] = {}  # model key -> why its replay failed

    # -- public API ------------------------------------------------------------------------

    def start(self) -> None:
        """Spawns the child unless one runs; returns at once (the child imports TF meanwhile)."""
        with self._lock, contextlib.suppress(ModelError):  # the next request reports it
            if not self._closed:
                self._live_child()

    def request(self, op: str, /, *, token: CancelToken | None = None, **args: Any) -> Any:
        """The value the child returns for `op`; ModelError (one sentence) if it fails.

        Blocking: call it from a worker thread. A request naming a `model` the current child
        has not loaded (it was restarted) first replays that model's last successful load.
        """
        if "id" in args or "op" in args:
            raise TypeError("'op' and 'id' are reserved request fields")
        token = token if token is not None else CancelToken()
        model = args.get("model")
        with self._lock:
            if op == "unload" and self._unloaded_at_once(model):
                return None
            self._wait_for_turn(token, op, model)
        try:
            return self._serve(token, op, args)
        finally:
            with self._lock:
                self._serving = None
                self._turns.notify_all()

    def has_model(self, model: str) -> bool:
        """A load of `model` succeeded and it is neither unloaded nor lost in a restart."""
        with self._lock:
            return model in self._loads

    def close(self) -> None:
        """Kills the child and reaps it; later requests fail. Safe to call more than once."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
            self._killed = self._killed or self._in_engine
            self._turns.notify_all()
        if child is not None:
            child.retire()
        self._set_state("stopped")

    @property
    def running(self) -> bool:
        with self._lock:
            return self._child is not None and self._child.alive

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._child.process.pid if self.running else None  # type: ignore[union-attr]

    # -- requests in line ------------------------------------------------------------------

    def _unloaded_at_once(self, model: Any) -> bool:
        """Forgets `model`; True when nothing is left to unload in the engine (lock held)."""
        self._loads.pop(model, None)
        self._lost.pop(model, None)
        in_line = [*self._waiting, *filter(None, [self._serving])]
        return not self._child_holds(model) and all(token.model != model for token in in_line)

    def _wait_for_turn(self, token: CancelToken, label: str, model: Any) -> None:
        """Returns when it is `token`'s turn; raises if cancelled or closed first (lock held)."""
        if not token.attach(self, model):
            raise _cancelled(label)
        self._waiting.append(token)
        while not (token.cancelled or self._closed) and (
            self._serving is not None or self._waiting[0] is not token
        ):
            self._turns.wait()
        if token in self._waiting:
            self._waiting.remove(token)
            self._turns.notify_all()  # the next in line may be served now
        if token.cancelled:
            raise _cancelled(label)
        if self._closed:
            raise ModelError(f"The engine is closed; the request {label} was not sent.")
        self._serving = token

    def cancel_request(self, token: CancelToken, stop_running: bool) -> None:
        """What token.cancel() does: drop the request, or stop it if it is `token`'s turn."""
        with self._lock:
            if token in self._waiting:
                self._waiting.remove(token)
                token.mark_cancelled()
                self._turns.notify_all()
            elif token is not self._serving:
                token.mark_cancelled()  # done already: nothing to stop
            elif stop_running:
                token.mark_cancelled()
                if self._in_engine and self._child is not None:
                    self._killed = True
                    self._child.process.kill()

    def _serve(self, token: CancelToken, op: str, args: dict[str, Any]) -> Any:
        model = args.get("model")
        with self._lock:
            if op == "unload":
                self._loads.pop(model, None)  # type: ignore[arg-type]
                if not self._child_holds(model):
                    return None
            elif op != "load" and model in self._lost:
                raise ModelError(self._lost[model])
            replay = op != "load" and not self._child_holds(model)
            load_args = self._loads.get(model) if replay else None  # type: ignore[arg-type]
        if load_args is not None:
            self._replay_load(token, op, model, load_args)
        try:
            value = self._exchange(token, op, op, args)
        except ModelError:
            if op == "load":  # a failed load is not remembered
                with self._lock:
                    self._loads.pop(model, None)  # type: ignore[arg-type]
            raise
        if op == "load":
            with self._lock:
                self._loads[model] = dict(args)  # type: ignore[index]
                self._lost.pop(model, None)  # type: ignore[arg-type]
        return value

    def _replay_load(
        self, token: CancelToken, label: str, model: str, args: dict[str, Any]
    ) -> None:
        try:
            self._exchange(token, label, "load", args)
        except ModelError:
            with self._lock:
                if self.running:  # the load itself failed (not the child): say so from now on
                    self._loads.pop(model, None)
                    self._lost[model] = (
                        f"The engine restarted and could not load the model {args['path']} "
                        "again; reload the model."
                    )
            raise

    # -- the child -------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        with self._lock:  # held while calling back, so states arrive in the order they happen
            if state != self._state:
                self._state = state
                if self._on_state is not None:
                    self._on_state(state)

    def _child_holds(self, model: Any) -> bool:
        with self._lock:
            child = self._child
            return child is not None and child.alive and model in child.loaded

    def _live_child(self) -> EngineChild:
        """The running child, spawned now if there is none (caller holds the lock)."""
        if self._child is not None and self._child.alive:
            return self._child
        if self._child is not None:
            self._child.reap()  # not joined: its readers may be waiting for this lock
        child = EngineChild.start(self._on_log, self._on_hello, self._on_closed)
        self._child = child
        self._set_state("starting")
        return child

    def _on_hello(self, child: EngineChild) -> None:
        with self._lock:
            if child is self._child and not self._in_engine:
                self._set_state("ready")

    def _on_closed(self, child: EngineChild) -> None:
        with self._lock:
            if child is self._child:
                self._set_state("stopped")

    def _exchange(self, token: CancelToken, label: str, op: str, args: dict[str, Any]) -> Any:
        """Sends one request to the child and waits for its reply; `label` names it in errors."""
        request_id = self._next_id  # no lock needed: requests are served one at a time
        self._next_id += 1
        body = encode({"op": op, "id": request_id, **args})
        with self._lock:
            if self._closed:
                raise ModelError(f"The engine is closed; the request {label} was not sent.")
            if token.cancelled:  # between a replayed load and the request itself
                raise _cancelled(label)
            child = self._live_child()
            self._in_engine = True
            self._killed = False
            self._set_state("busy")
        try:
            # A failed write means the child is gone: its reply reader reports that below.
            with contextlib.suppress(OSError, ValueError):
                write_frame(child.process.stdin, body)  # type: ignore[arg-type]
            reply = child.await_reply(request_id)
        finally:
            with self._lock:
                self._in_engine = False
                killed, self._killed = self._killed, False
        if killed or reply is CLOSED or not child.alive:
            self._forget(child)
        else:
            with self._lock:
                if child is self._child:
                    self._set_state("ready")
        if killed:
            raise _cancelled(label)
        if reply is CLOSED:
            how = how_it_stopped(child.process.returncode)
            raise ModelError(
                f"The engine process stopped ({how}) while running {label}; "
                "the next request starts a fresh one.",
                "\n".join(child.log_tail),
            )
        if isinstance(reply, FrameError):
            raise ModelError(f"The engine's reply to {label} cannot be read: {reply}.")
        if op in ("load", "unload"):
            child.loaded.discard(args["model"])  # the child drops the key before loading
            if op == "load" and reply["ok"]:
                child.loaded.add(args["model"])
        if reply["ok"]:
            return reply["value"]
        raise reply["error"]

    def _forget(self, child: EngineChild) -> None:
        """Lets go of a killed or dead child, once it is reaped and its log tail complete."""
        with self._lock:
            if child is self._child:
                self._child = None
                self._set_state("stopped")
        child.retire()
