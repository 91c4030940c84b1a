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
from explorer.ui.jobs import JobSlot

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


def fingerprint(files: list[Path]) -> Fingerprint | None:
    """Name, size and modification time of a step's files; None when its index is gone."""
    found = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            if path.suffix == ".index":
                return None
            continue
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


@dataclass(frozen=True)
class DiskLook:
    """What one look at the directory found (made in a background job: listing a directory
    of thousands of steps takes a good part of a second)."""

    open_files: list[Path]
    open_print: Fingerprint | None
    prefixes: list[Path] | None  # None when only the open step matters (a SavedModel)


def look_at_disk(directory: Path, open_step: Path, steps_matter: bool) -> DiskLook:
    files = step_files(open_step)
    prefixes = None
    if steps_matter:
        try:
            prefixes = find_prefixes(directory)
        except CheckpointError:  # the directory itself went: the open step reports it
            prefixes = []
    return DiskLook(files, fingerprint(files), prefixes)


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
        self._quiet.timeout.connect(self._look)
        self._jobs = JobSlot(self)
        self._jobs.sig_done.connect(self._on_looked)
        self._first_look = False
        self._directory: Path | None = None
        self._open: Path | None = None
        self._open_print: Fingerprint | None = None
        self._prefixes: list[Path] = []
        self._open_state = UNCHANGED
        self._steps_matter = True

    def watch(self, location: Location) -> None:
        """Start comparing against `location` as it is on disk now (a SavedModel has one step);
        the steps are those the location found, the open step's files are looked at in the
        background."""
        self._directory = location.prefix.parent
        self._open = location.prefix
        self._prefixes = list(location.checkpoints) if location.saved_model is None else []
        self._open_state = UNCHANGED
        self._steps_matter = location.saved_model is None
        self._first_look = True
        self._look()

    def has_pending(self) -> bool:
        return self._jobs.has_pending()

    def stop(self) -> None:
        self._quiet.stop()
        self._jobs.cancel()
        self._directory = self._open = None
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    def _rewatch(self, open_files: list[Path]) -> None:
        """Watch the directory, the state file and the open step's files that exist now;
        Qt drops a file from the watch when it is replaced, so this runs after every burst."""
        if self._directory is None or self._open is None:
            return
        wanted = {str(self._directory), str(self._directory / STATE_FILE)}
        wanted.update(str(path) for path in open_files)
        wanted = {path for path in wanted if Path(path).exists()}
        watched = set(self._watcher.files() + self._watcher.directories())
        if watched - wanted:
            self._watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self._watcher.addPaths(sorted(wanted - watched))

    def _on_event(self, _path: str) -> None:
        self._quiet.start()  # restarted by every event of a burst

    def _look(self) -> None:
        if self._directory is not None and self._open is not None:
            self._jobs.start(look_at_disk, self._directory, self._open, self._steps_matter)

    def _on_looked(self, look: DiskLook) -> None:
        if self._open is None:
            return
        self._rewatch(look.open_files)
        if self._first_look:  # what the tab shows, to compare later looks with
            self._first_look = False
            self._open_print = look.open_print
            return
        now = look.open_print
        state = VANISHED if now is None else UNCHANGED if now == self._open_print else CHANGED
        prefixes = look.prefixes if look.prefixes is not None else self._prefixes
        new_steps = [prefix for prefix in prefixes if prefix not in self._prefixes]
        if state == self._open_state and prefixes == self._prefixes:
            return
        self._prefixes, self._open_state = prefixes, state
        self.sig_changed.emit(DiskChange(prefixes, new_steps, state))
