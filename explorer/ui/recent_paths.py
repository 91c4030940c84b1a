"""Recently opened paths, most recent first, kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

MAX_RECENT = 10
_KEY = "recent_paths"


class RecentPaths:
    def __init__(self, settings: QSettings):
        self._settings = settings

    def paths(self) -> list[str]:
        value = self._settings.value(_KEY, [])
        # INI-backed settings hand a one-element list back as a bare string.
        if isinstance(value, str):
            value = [value]
        return [str(path) for path in value or [] if path][:MAX_RECENT]

    def add(self, path: str) -> None:
        paths = [path] + [known for known in self.paths() if known != path]
        self._settings.setValue(_KEY, paths[:MAX_RECENT])
        self._settings.sync()

    def clear(self) -> None:
        self._settings.remove(_KEY)
        self._settings.sync()
