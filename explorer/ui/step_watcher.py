"""Notices what happens on disk to an open checkpoint: new steps, and the open step's files.

A save writes several files one after another (data shards, index, .meta, the `checkpoint`
state file), so events are collected until the directory has been quiet for a moment and
then compared with what the tab shows. The watcher only reports; the tab never reloads by
itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from explorer.core.errors import CheckpointError
from explorer.core.locate import STATE_FILE, Location, find_prefixes

QUIET_MS = 800
"""How long the directory must be quiet before a burst of writes is looked at."""

UNCHANGED = "unchanged"
CHANGED = "changed"
VANISHED = "vanished"

Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class DiskChange:
    """What differs on disk from what the tab shows."""

    prefixes: list[Path]
    """Every checkpoint prefix now in the directory, oldest step first."""
    new_steps: list[Path]
    """Prefixes that appeared since the last report, oldest first."""
    open_step: str
    """UNCHANGED, CHANGED (its files were rewritten) or VANISHED (its index is gone)."""


def step_files(prefix: Path) -> list[Path]:
    """The index and data shards that hold one checkpoint step."""
    index = Path(f"{prefix}.index")
    try:
        shards = sorted(prefix.parent.glob(f"{prefix.name}.data-*"))
    except OSError:
        shards = []
    return [index, *shards]


def fingerprint(prefix: Path) -> Fingerprint | None:
    """Name, size and modification time of a step's files; None when its index is gone."""
    found = []
    for path in step_files(prefix):
        try:
            stat = path.stat()
        except OSError:
            if path.suffix == ".index":
                return None
            continue
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class StepWatcher(QObject):
    sig_changed = Signal(object)
    """A DiskChange: new steps appeared, steps went, or the open step changed."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_event)
        self._watcher.fileChanged.connect(self._on_event)
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_MS)
        self._quiet.timeout.connect(self._compare)
        self._directory: Path | None = None
        self._open: Path | None = None
        self._open_print: Fingerprint | None = None
        self._prefixes: list[Path] = []
        self._open_state = UNCHANGED
        self._steps_matter = True

    def watch(self, location: Location) -> None:
        """Start comparing against `location` as it is on disk now (a SavedModel has one step)."""
        self._directory = location.prefix.parent
        self._open = location.prefix
        self._open_print = fingerprint(location.prefix)
        self._prefixes = self._scan() if location.saved_model is None else [location.prefix]
        self._open_state = UNCHANGED
        self._steps_matter = location.saved_model is None
        self._rewatch()

    def stop(self) -> None:
        self._quiet.stop()
        self._directory = self._open = None
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    def _scan(self) -> list[Path]:
        try:
            return find_prefixes(self._directory) if self._directory is not None else []
        except CheckpointError:  # the directory itself went: the open step reports it
            return []

    def _rewatch(self) -> None:
        """Watch the directory, the state file and the open step's files that exist now;
        Qt drops a file from the watch when it is replaced, so this runs after every burst."""
        if self._directory is None or self._open is None:
            return
        wanted = {str(self._directory), str(self._directory / STATE_FILE)}
        wanted.update(str(path) for path in step_files(self._open))
        wanted = {path for path in wanted if Path(path).exists()}
        watched = set(self._watcher.files() + self._watcher.directories())
        if watched - wanted:
            self._watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self._watcher.addPaths(sorted(wanted - watched))

    def _on_event(self, _path: str) -> None:
        self._quiet.start()  # restarted by every event of a burst

    def _compare(self) -> None:
        if self._open is None:
            return
        self._rewatch()
        now = fingerprint(self._open)
        state = VANISHED if now is None else UNCHANGED if now == self._open_print else CHANGED
        prefixes = self._scan() if self._steps_matter else self._prefixes
        new_steps = [prefix for prefix in prefixes if prefix not in self._prefixes]
        if state == self._open_state and prefixes == self._prefixes:
            return
        self._prefixes, self._open_state = prefixes, state
        self.sig_changed.emit(DiskChange(prefixes, new_steps, state))
