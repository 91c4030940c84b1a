"""Framing between the window and the engine process: length-prefixed pickles on a pipe.

Each frame is a 4-byte magic, an 8-byte big-endian length and that many bytes of pickle (protocol 5,
which carries numpy arrays and the dataclasses of explorer.core.model_spec as they are).
A request is {"op": str, "id": int, **args}; a reply {"id": int, "ok": True, "value": ...}
or {"id": int, "ok": False, "error": ModelError}. The child greets with a reply of id 0.

The window imports this module, so it must never import TensorFlow, not even by unpickling:
`WindowUnpickler` refuses classes from TensorFlow and from the engine's TensorFlow side.
"""

from __future__ import annotations

import io
import pickle
import struct
from typing import Any, BinaryIO

PICKLE_PROTOCOL = 5
HELLO_ID = 0  # the id of the child's greeting, sent once TensorFlow is imported
MAGIC = b"CXE\x01"  # starts every frame: a stream out of step is caught, not waited on
PARENT_PID_VARIABLE = "EXPLORER_ENGINE_PARENT"  # the window's pid, in the child's environment
_HEADER = struct.Struct(">4sQ")  # magic, body length
# Unpickling a class imports its module: these would drag TensorFlow into the window.
_REFUSED_PACKAGES = frozenset({"tensorflow", "keras", "tf_keras", "tensorboard"})
_REFUSED_ENGINE = "explorer.engine."


class FrameError(Exception):
    """A frame that could be read but not understood."""


def encode(message: Any) -> bytes:
    """The body of the frame carrying `message`; raises what pickle raises if it cannot."""
    return pickle.dumps(message, protocol=PICKLE_PROTOCOL)


def write_frame(stream: BinaryIO, body: bytes) -> None:
    # Header and body apart: large feeds are not copied once more just to prepend 8 bytes.
    stream.write(_HEADER.pack(MAGIC, len(body)))
    stream.write(body)
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """`size` bytes, or EOFError when the pipe closes first (the other side is gone)."""
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame_bytes(stream: BinaryIO) -> bytes:
    """The body of the next frame; EOFError when the pipe closes, even in mid-frame.

    FrameError when what comes is no frame: the stream is out of step for good.
    """
    magic, length = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    if magic != MAGIC:
        raise FrameError(f"a frame starts with {magic!r} instead of {MAGIC!r}")
    return _read_exactly(stream, length)


class WindowUnpickler(pickle.Unpickler):
    """Unpickles replies in the window, refusing anything that would import TensorFlow."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in _REFUSED_PACKAGES or module.startswith(_REFUSED_ENGINE):
            raise FrameError(f"the reply holds a {module}.{name}, which the window cannot take")
        return super().find_class(module, name)


def decode_reply(body: bytes) -> Any:
    """A reply read in the window; FrameError when it cannot be unpickled there."""
    try:
        return WindowUnpickler(io.BytesIO(body)).load()
    except FrameError:
        raise
    except Exception as exc:  # any unpickling failure: the message says which
        raise FrameError(f"{type(exc).__name__}: {exc}") from exc
