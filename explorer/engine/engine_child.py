"""One engine child process as the client sees it: its pipes, its reader threads, its end.

The reply reader puts each reply in a queue (CLOSED when the child's stdout ends); the log
reader hands each stderr line on and keeps the last few to explain a death. Imported by the
window through engine_client: no TensorFlow here.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from explorer.core.errors import ModelError
from explorer.engine.engine_protocol import (
    HELLO_ID,
    PARENT_PID_VARIABLE,
    FrameError,
    decode_reply,
    read_frame_bytes,
)
from explorer.engine.engine_spawner import spawn
from explorer.engine.rebuild_client import SOURCE_ROOT

ENGINE_MODULE = "explorer.engine.engine_process"
LOG_TAIL_LINES = 40  # stderr lines kept to explain a death
JOIN_SECONDS = 5.0  # for reader threads after their child died: its pipes close at once


class _Closed:
    """Put in a child's reply queue when its stdout closes: the child is gone."""


CLOSED = _Closed()


def environment() -> dict[str, str]:
    """The child's environment: this package on its path, unbuffered, and this pid."""
    # The child runs the parent's copy of the package, installed or not.
    path = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "PYTHONPATH": path,
        "PYTHONUNBUFFERED": "1",  # log lines reach the window as they are written
        "PYTHONIOENCODING": "utf-8",
        PARENT_PID_VARIABLE: str(os.getpid()),  # the child exits when this process is gone
    }


def how_it_stopped(code: int | None) -> str:
    if code is None:
        return "it closed its pipe"
    if code < 0:
        try:
            return f"killed by signal {-code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


@dataclass(eq=False)
class EngineChild:
    process: subprocess.Popen[bytes]
    replies: queue.Queue[Any] = field(default_factory=queue.Queue)
    log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_TAIL_LINES))
    threads: list[threading.Thread] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)  # model keys this child holds

    @classmethod
    def start(
        cls,
        on_log: Callable[[str], None] | None,
        on_hello: Callable[[EngineChild], None],
        on_closed: Callable[[EngineChild], None],
    ) -> EngineChild:
        """Spawn a child and its two reader threads. `on_hello` runs when it has imported
        TensorFlow, `on_closed` when its stdout ends; both on the reply reader's thread."""
        try:
            process = spawn(
                [sys.executable, "-m", ENGINE_MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment(),
                # Ctrl-C in the terminal is for the window; the child exits when stdin closes.
                start_new_session=True,
            )
        except OSError as exc:  # out of processes or file descriptors
            raise ModelError(f"The engine process cannot be started: {exc}.") from None
        child = cls(process)
        readers = ((child._read_replies, (on_hello, on_closed)), (child._read_log, (on_log,)))
        for target, args in readers:
            thread = threading.Thread(
                target=target, args=args, name=f"engine-{target.__name__}", daemon=True
            )
            child.threads.append(thread)
            thread.start()
        return child

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def reap(self) -> None:
        """Kills (if need be) and reaps the child: no zombie, and its stdin pipe closed."""
        if self.alive:
            self.process.kill()
        self.process.wait()
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # type: ignore[union-attr]

    def retire(self) -> None:
        """Reaps the child and waits for its readers (never call it holding a lock they take)."""
        self.reap()
        for thread in self.threads:
            thread.join(JOIN_SECONDS)

    def await_reply(self, request_id: int) -> Any:
        """The reply to `request_id`, a FrameError, or CLOSED."""
        while True:
            reply = self.replies.get()
            if not isinstance(reply, dict) or reply.get("id") in (request_id, None):
                return reply

    def _read_replies(
        self,
        on_hello: Callable[[EngineChild], None],
        on_closed: Callable[[EngineChild], None],
    ) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                try:
                    body = read_frame_bytes(stream)
                except EOFError:
                    break
                except FrameError as error:  # nothing after it can be trusted: end the child
                    self.process.kill()
                    self.process.wait()
                    self.replies.put(error)
                    break
                try:
                    reply = decode_reply(body)
                except FrameError as error:
                    self.replies.put(error)
                    continue
                if reply.get("id") == HELLO_ID:
                    on_hello(self)
                else:
                    self.replies.put(reply)
        finally:
            stream.close()
            self.process.wait()  # reaps it now, even when idle
            self.replies.put(CLOSED)
            on_closed(self)

    def _read_log(self, on_log: Callable[[str], None] | None) -> None:
        stream = self.process.stderr
        assert stream is not None
        with stream:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.log_tail.append(line)
                if on_log is not None:
                    # The pipe must keep draining, or the child blocks on a full stderr.
                    with contextlib.suppress(Exception):
                        on_log(line)
