"""What the Model tab does in background jobs, away from the GUI thread: checking the feeds
(a sparse sample may hold millions of entries) before a run, and writing a "Copy as Python"
script, whose big feeds go to an .npz in the cache directory instead of into the script; and
how a failed job reads."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from explorer.core.errors import ModelError
from explorer.core.feeds import check_feed
from explorer.core.model_spec import EntryPoint, ModelInfo, SparseArray, Value
from explorer.engine.cancel_token import CancelToken
from explorer.engine.python_script import python_script, save_script_feeds
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.jobs import JobFailure

INLINE_ELEMENTS = 10_000  # feeds up to this many numbers in all are spelled out in the script
_DIGEST_CHUNK = 1 << 20


def feeds_cache() -> Path:
    """Where "Copy as Python" writes feeds too big for a script (~/.cache/checkpoint-explorer)."""
    cache = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericCacheLocation)
    return Path(cache) / "checkpoint-explorer" / "feeds"


def failure_text(failure: JobFailure) -> tuple[str, str]:
    """The sentence to show and the details for the log."""
    error = failure.error
    if isinstance(error, ModelError):
        return str(error), error.details
    detail = str(error).rstrip(".") or type(error).__name__
    return f"The model request failed: {detail} (an internal error).", failure.traceback


def checked_feeds(entry: EntryPoint, feeds: Mapping[str, Value]) -> dict[str, Value]:
    """The feeds as TensorFlow takes them; FeedError naming the first input that is wrong."""
    specs = {spec.name: spec for spec in entry.inputs}
    return {name: check_feed(specs[name], value) for name, value in feeds.items()}


def run_model(
    engine: EngineBridge,
    token: CancelToken,
    model: str,
    entry: EntryPoint,
    feeds: Mapping[str, Value],
    outputs: Sequence[str] | None,
) -> dict[str, Value]:
    """Check the feeds, then run `entry` of the engine's `model` on them (a job)."""
    checked = checked_feeds(entry, feeds)
    return engine.request(
        "run", token=token, model=model, entry=entry.key, feeds=checked, outputs=outputs
    )


@dataclass(frozen=True)
class Script:
    """A script for the clipboard, and the feeds file it reads (None: its feeds are literals)."""

    text: str
    feeds_file: Path | None


def _elements(value: Value) -> int:
    if isinstance(value, SparseArray):
        return value.indices.size + value.values.size + value.dense_shape.size
    return value.size


def _content_digest(npz: str) -> str:
    """A digest of the arrays in `npz`, not of the zip around them (which holds times)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(npz) as archive:
        for info in sorted(archive.infolist(), key=lambda info: info.filename):
            digest.update(info.filename.encode() + b"\0")
            with archive.open(info) as member:
                while chunk := member.read(_DIGEST_CHUNK):
                    digest.update(chunk)
    return digest.hexdigest()


def _write_feeds(cache: Path, feeds: Mapping[str, Value]) -> Path:
    """The feeds in `cache`/<digest>.npz: the same feeds make the same name."""
    cache.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".npz", dir=cache)
    os.close(handle)
    try:
        save_script_feeds(temporary, feeds)
        path = cache / f"{_content_digest(temporary)[:20]}.npz"
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def write_script(
    info: ModelInfo,
    entry: EntryPoint,
    feeds: Mapping[str, Value],
    outputs: Sequence[str] | None,
    cache: Path,
) -> Script:
    """The "Copy as Python" script (a job); its feeds go to an .npz in `cache` when big."""
    checked = checked_feeds(entry, feeds)
    if sum(_elements(value) for value in checked.values()) <= INLINE_ELEMENTS:
        return Script(python_script(info, entry.key, checked, outputs), None)
    try:
        path = _write_feeds(cache, checked)
    except OSError as exc:  # the cache directory itself
        raise ModelError(
            f"The feeds cannot be written to {cache}: {exc.strerror or exc}."
        ) from None
    return Script(python_script(info, entry.key, checked, outputs, feeds_file=str(path)), path)
