"""One window per user and display: a second `explorer PATH` hands PATH to the running window.

Each window runs its own engine process, and so its own TensorFlow; a second window would
import TensorFlow again and take as much memory again. So a new `explorer` first tries to
hand its paths to the window already running on the same display, over a QLocalSocket. The
message is one line of JSON, `{"open": [absolute paths]}`, resolved in the new process's working
directory; the running window answers `ok` once it has opened them. No answer within a second
(none running, a socket left by a crash, a hung window), and the new process starts normally
and becomes the one that listens.

A lock file covers the gap between "nobody answered" and "listening": a file manager opening
three files starts three processes at once, and without it each would start a window.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QDeadlineTimer, QDir, QLockFile, QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

NEW_WINDOW_ENV = "EXPLORER_NEW_WINDOW"
HANDOVER_TIMEOUT_MS = 1000
# How long to wait for another `explorer` that is itself starting up (it holds the lock until
# it listens); bounded, so one stuck while starting delays the next one, never blocks it.
STARTUP_LOCK_WAIT_MS = 5000
MAX_MESSAGE_BYTES = 1 << 20
PROBE_TIMEOUT_MS = 200
REPLY_MARGIN_S = 0.3  # a request read later than its deadline minus this is refused
OK = b"ok"
REFUSED = b"no"


def default_server_name(platform: str, environ: Mapping[str, str] = os.environ) -> str:
    """The socket of this user's window on this display: neither another user nor another
    display (nor an offscreen test run, `platform` being Qt's platform name) shares it.

    In $XDG_RUNTIME_DIR when there is one (private to the user, so nobody can put a socket
    there first); otherwise a bare name, which Qt places in its temporary directory."""
    display = re.sub(r"\.\d+$", "", environ.get("DISPLAY", ""))  # ":0.0" is the display ":0"
    user = str(os.getuid()) if hasattr(os, "getuid") else environ.get("USERNAME", "")
    identity = "\n".join([user, platform, environ.get("WAYLAND_DISPLAY", ""), display])
    name = "checkpoint-explorer-" + hashlib.sha256(identity.encode()).hexdigest()[:16]
    runtime_dir = environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform != "win32" and runtime_dir and Path(runtime_dir).is_dir():
        return str(Path(runtime_dir) / name)
    return name


def wants_new_window(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether $EXPLORER_NEW_WINDOW asks for a window of its own."""
    return environ.get(NEW_WINDOW_ENV, "").strip().lower() not in ("", "0", "no", "false")


def absolute_paths(paths: Sequence[str]) -> list[str]:
    """`paths` made absolute here, as MainWindow.open_path makes them: the running window has
    another working directory."""
    return [str(Path(path).expanduser().absolute()) for path in paths]


def encode_request(paths: Sequence[str], deadline: float | None = None) -> bytes:
    """A request line; `deadline` (time.time()) is when the sender stops waiting for "ok"."""
    message: dict[str, object] = {"open": list(paths)}
    if deadline is not None:
        message["deadline"] = deadline
    return json.dumps(message).encode() + b"\n"


def decode_request(line: bytes, now: float | None = None) -> list[str] | None:
    """The paths of a request line, or None when it is not one, or when its sender will have
    given up before an answer reaches it (a window busy for a second reads it late: the
    sender has started its own window, and opening the paths here too would show them twice)."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    paths = message.get("open") if isinstance(message, dict) else None
    if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
        return None
    deadline = message.get("deadline")
    if isinstance(deadline, int | float) and (time.time() if now is None else now) > (
        deadline - REPLY_MARGIN_S
    ):
        return None
    return paths


def hand_over(paths: Sequence[str], name: str, timeout_ms: int = HANDOVER_TIMEOUT_MS) -> bool:
    """Ask the window listening at `name` to open `paths` (absolute); True once it said ok.

    Blocks for `timeout_ms` at most, without an event loop, so call it before one runs: the
    blocking waits keep Python's lock, and a server in this same process could not answer."""
    socket = QLocalSocket()
    deadline = QDeadlineTimer(timeout_ms)
    try:
        socket.connectToServer(name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(encode_request(paths, time.time() + timeout_ms / 1000))
        if not socket.waitForBytesWritten(max(deadline.remainingTime(), 0)):
            return False
        reply = b""
        while b"\n" not in reply:
            if not socket.waitForReadyRead(max(deadline.remainingTime(), 0)):
                return False
            reply += socket.readAll().data()
        return reply.split(b"\n", 1)[0] == OK
    finally:
        socket.abort()


class InstanceServer(QObject):
    """Listens at `name` and gives each request's paths to `on_paths`, which returns whether it
    opened them (a window that is closing should say no, so that the sender starts its own)."""

    def __init__(
        self, name: str, on_paths: Callable[[list[str]], bool], parent: QObject | None = None
    ):
        super().__init__(parent)
        self.name = name
        self._on_paths = on_paths
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Listen at `name`, replacing a socket file left by a crashed instance; False when a
        live window (busy, so it did not answer in time) still listens there: it stays the
        one later `explorer`s reach."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        alive = probe.waitForConnected(PROBE_TIMEOUT_MS)
        probe.abort()
        if alive:
            return False
        QLocalServer.removeServer(self.name)
        return self._server.listen(self.name)

    def close(self) -> None:
        """Stop listening (and remove the socket file): later `explorer`s start their own."""
        self._server.close()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            received = bytearray()
            socket.readyRead.connect(lambda s=socket, r=received: self._read(s, r))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket, received)

    def _read(self, socket: QLocalSocket, received: bytearray) -> None:
        received += socket.readAll().data()
        if b"\n" not in received:
            if len(received) > MAX_MESSAGE_BYTES:
                socket.abort()
            return
        paths = decode_request(bytes(received).split(b"\n", 1)[0])
        received.clear()
        accepted = paths is not None and self._on_paths(paths)
        socket.write((OK if accepted else REFUSED) + b"\n")
        socket.flush()  # now, in case this process is about to quit
        socket.disconnectFromServer()


class SingleInstance:
    """The start-up of one `explorer`: hand the paths over, or else serve later ones.

    Between a failed `hand_over` and `serve`, the lock is held, so that an `explorer` started
    meanwhile waits for this one to listen instead of starting a window of its own."""

    def __init__(self, name: str):
        self.name = name
        self.server: InstanceServer | None = None
        self._lock = QLockFile(_lock_path(name))
        # Never stale by age, however long a start-up takes; a dead holder's lock still is
        # (Qt checks whether its process runs).
        self._lock.setStaleLockTime(0)
        self._locked = False

    def hand_over(self, paths: Sequence[str]) -> bool:
        """True when a running window took `paths` (absolute); otherwise this process keeps
        the start-up lock until `serve`."""
        self._locked = self._lock.tryLock(STARTUP_LOCK_WAIT_MS)
        if hand_over(paths, self.name):
            self.release()
            return True
        return False

    def serve(self, on_paths: Callable[[list[str]], bool], parent: QObject | None = None) -> bool:
        """Listen for later `explorer`s; True when listening."""
        self.server = InstanceServer(self.name, on_paths, parent)
        listening = self.server.listen()
        self.release()
        return listening

    def release(self) -> None:
        if self._locked:
            self._lock.unlock()
            self._locked = False

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self.release()


def _lock_path(name: str) -> str:
    """Beside the socket file; for a bare name, in Qt's temporary directory, as the socket."""
    return name + ".lock" if os.path.isabs(name) else str(Path(QDir.tempPath()) / f"{name}.lock")
