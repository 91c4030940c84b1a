"""The engine process: TensorFlow in a child of the window, serving one request at a time.

Run as `python -m explorer.engine.engine_process` by EngineClient, which talks to it through
length-prefixed pickle frames on stdin and stdout (see engine_protocol). The window never
imports TensorFlow; an abort or a runaway run here takes down only this process.

The child keeps the protocol's pipes to itself: replies go to a private copy of the original
stdout, fd 1 is pointed at stderr and fd 0 at /dev/null, so whatever TensorFlow or model code
prints ends up in the window's log pane and never inside a frame.

It also dies with the window, even in the middle of a run: on Linux the kernel kills it when its
parent goes (PR_SET_PDEATHSIG), and everywhere a watchdog thread sees its parent pid change.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any, BinaryIO

from explorer.core.errors import FeedError, ModelError
from explorer.core.model_spec import ModelInfo, Value
from explorer.engine.engine_protocol import (
    HELLO_ID,
    PARENT_PID_VARIABLE,
    FrameError,
    encode,
    read_frame_bytes,
    write_frame,
)
from explorer.engine.tensorflow_import import import_tensorflow

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCHDOG_SECONDS = 0.5  # how often the watchdog looks at the parent pid


def watch_parent(parent_pid: int) -> None:
    """Ends this process as soon as `parent_pid` is no longer its parent (the parent died and
    the process was handed to another): checked now, then by a thread every WATCHDOG_SECONDS."""
    if os.getppid() != parent_pid:
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def die_with_parent() -> None:
    """Make sure this process ends when the window's process does, whatever it is doing."""
    if sys.platform.startswith("linux"):
        # No error to handle: without it the watchdog still ends the process, a moment later.
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    # The window names itself: it may have died before the prctl above took effect.
    watch_parent(int(os.environ.get(PARENT_PID_VARIABLE) or os.getppid()))


def _claim_pipes() -> tuple[BinaryIO, BinaryIO]:
    """(requests, replies): private copies of stdin and stdout, which no one else may touch."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return requests, replies


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].rstrip('.')}" if lines else type(exc).__name__


def _plain(error: ModelError) -> ModelError:
    """The error as a core class: the window unpickles it without importing any engine module."""
    kind = FeedError if isinstance(error, FeedError) else ModelError
    return kind(str(error), error.details)


class Engine:
    """The child's state (the loaded models) and one handler per request op."""

    def __init__(self) -> None:
        self.models: dict[str, Any] = {}  # model key -> LoadedModel
        self.tensorflow: ModuleType | None = None
        self.import_error: ModelError | None = None
        self.handlers: dict[str, Callable[..., Any]] = {
            "ping": self.ping,
            "load": self.load,
            "run": self.run,
            "unload": self.unload,
            # For tests, harmless in use: they touch no model.
            "echo": self.echo,
            "sleep": self.sleep,
            "abort": self.abort,
            "log": self.log,
            "exit": self.exit,
        }

    def import_tensorflow(self) -> None:
        # TensorFlow's C++ log goes to the window's log pane, unless the user chose otherwise.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
        try:
            self.tensorflow = import_tensorflow()
        except Exception as exc:  # a broken install: the test ops still work, model ops say why
            self.import_error = ModelError(
                f"TensorFlow cannot be imported in the engine process: {_first_line(exc)}.",
                traceback.format_exc(),
            )
            print(self.import_error.details, file=sys.stderr, flush=True)

    def _require_tensorflow(self) -> ModuleType:
        if self.tensorflow is None:
            raise self.import_error or ModelError("TensorFlow is not imported in the engine.")
        return self.tensorflow

    def _model(self, key: str) -> Any:
        try:
            return self.models[key]
        except KeyError:
            raise ModelError(f"The engine has no model loaded as '{key}'.") from None

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """The reply to one request; a failure of any kind becomes a ModelError in the reply."""
        request_id = request.get("id")
        op = request.get("op")
        args = {name: value for name, value in request.items() if name not in ("op", "id")}
        try:
            handler = self.handlers.get(op)  # type: ignore[arg-type]
            if handler is None:
                raise ModelError(f"The engine has no operation named '{op}'.")
            return {"id": request_id, "ok": True, "value": handler(**args)}
        except ModelError as error:
            return {"id": request_id, "ok": False, "error": _plain(error)}
        except Exception as exc:
            message = f"The engine failed while running {op}: {_first_line(exc)}."
            error = ModelError(message, traceback.format_exc())
            return {"id": request_id, "ok": False, "error": error}

    def ping(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "tensorflow": self._require_tensorflow().__version__}

    def load(self, model: str, path: str, prefix: str | None = None) -> ModelInfo:
        self._require_tensorflow()
        from explorer.engine.model_loader import load_model  # heavy: only when a model is asked for

        # A failed load leaves nothing under the key, as the client forgets it too.
        self.unload(model)
        loaded = load_model(path, prefix)
        self.models[model] = loaded
        return loaded.info

    def run(
        self, model: str, entry: str, feeds: dict[str, Value], outputs: list[str] | None = None
    ) -> dict[str, Value]:
        return self._model(model).run(entry, feeds, outputs)

    def unload(self, model: str) -> None:
        loaded = self.models.pop(model, None)
        if loaded is not None:
            loaded.close()

    def echo(self, value: Any) -> Any:
        return value

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def abort(self) -> None:
        sys.stderr.flush()
        os.abort()

    def log(self, text: str, fd: int = 2) -> None:
        """Writes a line to fd 2, or to fd 1 as model code printing to stdout would."""
        if fd not in (1, 2):  # any other fd may be the reply pipe
            raise ModelError(f"The engine writes log lines to fd 1 or 2, not {fd}.")
        os.write(fd, (text if text.endswith("\n") else text + "\n").encode())

    def exit(self, code: int = 0) -> None:
        sys.stderr.flush()
        os._exit(code)


def _reply_body(reply: dict[str, Any]) -> bytes:
    try:
        return encode(reply)
    except Exception as exc:  # a value pickle cannot take: say so instead of going silent
        message = f"The engine cannot send its reply: {_first_line(exc)}."
        return encode({"id": reply["id"], "ok": False, "error": ModelError(message, repr(exc))})


def serve(engine: Engine, requests: BinaryIO, replies: BinaryIO) -> int:
    """Answers requests until the window closes the pipe (or dies: the pipe closes then too).

    The exit status: 0, or 1 when the requests stream is out of step.
    """
    while True:
        try:
            body = read_frame_bytes(requests)
        except EOFError:
            return 0
        except FrameError as exc:
            print(f"The engine's request stream is corrupted: {exc}.", file=sys.stderr, flush=True)
            return 1
        try:
            request = pickle.loads(body)
        except Exception as exc:  # id unknown: None answers whatever request is waiting
            error = ModelError(f"The engine cannot read a request: {_first_line(exc)}.")
            reply: dict[str, Any] = {"id": None, "ok": False, "error": error}
        else:
            reply = engine.handle(request)
        try:
            write_frame(replies, _reply_body(reply))
        except BrokenPipeError:
            return 0


def main() -> int:
    die_with_parent()
    requests, replies = _claim_pipes()
    engine = Engine()
    engine.import_tensorflow()  # first, so the window's first real request is quick
    version = engine.tensorflow.__version__ if engine.tensorflow else None
    hello = {"id": HELLO_ID, "ok": True, "value": {"pid": os.getpid(), "tensorflow": version}}
    try:
        write_frame(replies, encode(hello))
    except BrokenPipeError:
        return 0
    return serve(engine, requests, replies)


if __name__ == "__main__":
    sys.exit(main())
