"""From whatever path the user gives to the checkpoint prefix to open and its siblings.

PATH may be a directory, a prefix, any `.index` / `.data-*` / `.meta` file, the `checkpoint`
state file, a SavedModel directory, its `saved_model.pb`, or its `variables/` directory.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from explorer.core.errors import CheckpointError

STATE_FILE = "checkpoint"
SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")
_STEP = re.compile(r"-(\d+)$")
_STATE_LINE = re.compile(
    r'^\s*(model_checkpoint_path|all_model_checkpoint_paths):\s*"((?:[^"\\]|\\.)*)"\s*$'
)


def _unescape(text: str) -> str:
    """Undo protobuf text-format escaping (\\", \\\\, and octal bytes for non-ASCII names)."""
    raw = codecs.escape_decode(text.encode("utf-8"))[0]
    return raw.decode("utf-8", "surrogateescape")


@dataclass
class Location:
    """Where a checkpoint lives: the prefix chosen, every prefix beside it, and what was noticed."""

    directory: Path
    prefix: Path
    checkpoints: list[Path]
    saved_model: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def meta_path(self) -> Path | None:
        meta = Path(f"{self.prefix}.meta")
        return meta if meta.is_file() else None


def step_of(prefix: Path) -> int | None:
    match = _STEP.search(prefix.name)
    return int(match.group(1)) if match else None


def _mtime(prefix: Path) -> float:
    try:
        return Path(f"{prefix}.index").stat().st_mtime
    except OSError:
        return 0.0


def find_prefixes(directory: Path) -> list[Path]:
    """Every checkpoint prefix in a directory, oldest step first."""
    try:
        prefixes = [p.with_suffix("") for p in directory.glob("*.index") if p.is_file()]
    except OSError as exc:
        raise CheckpointError(f"{directory} cannot be read: {exc.strerror or exc}.") from None

    def order(prefix: Path) -> tuple[int, float, str]:
        step = step_of(prefix)
        return (-1 if step is None else step, _mtime(prefix), prefix.name)

    return sorted(prefixes, key=order)


def _saved_model_dir(path: Path) -> Path | None:
    """The SavedModel directory that `path` is, or lies directly in, if any."""
    for candidate in (path, path.parent):
        if any((candidate / name).is_file() for name in SAVED_MODEL_FILES):
            return candidate
    return None


def _prefix_named_by(path: Path) -> Path | None:
    """The prefix a checkpoint file or prefix path stands for, if it looks like one."""
    name = path.name
    if name.endswith((".index", ".meta")):
        return path.with_suffix("")
    if _DATA_SUFFIX.search(name):
        return path.with_name(_DATA_SUFFIX.sub("", name))
    if Path(f"{path}.index").is_file():
        return path
    return None


def read_state_file(directory: Path, prefixes: list[Path], notes: list[str]) -> Path | None:
    """The prefix the `checkpoint` state file names, resolved by basename when it moved."""
    state = directory / STATE_FILE
    try:
        text = state.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        notes.append(f"{state} could not be read ({exc.strerror or exc}); using the newest step.")
        return None
    named = None
    for line in text.splitlines():
        match = _STATE_LINE.match(line)
        if match and match.group(1) == "model_checkpoint_path":
            named = _unescape(match.group(2))
    if named is None:
        notes.append(f"{state} names no checkpoint; using the newest step.")
        return None
    path = Path(named) if Path(named).is_absolute() else directory / named
    # PureWindowsPath splits on both separators: state files written on Windows use "\\".
    by_basename = directory / PureWindowsPath(named).name
    if Path(f"{path}.index").is_file():
        # A copied training directory keeps the original's absolute paths: the step beside
        # the state file is the one the user opened, not the original elsewhere.
        if by_basename in prefixes and path.parent.resolve() != directory.resolve():
            notes.append(
                f"{state} names {named}, outside {directory}; using {by_basename.name} "
                "beside it instead."
            )
            return by_basename
        return path
    if by_basename in prefixes:
        notes.append(
            f"{state} names {named}, which does not exist; using {by_basename.name} "
            f"in {directory} instead."
        )
        return by_basename
    notes.append(f"{state} names {named}, which does not exist; using the newest step.")
    return None


def locate(path: str | Path) -> Location:
    """Resolve any user-given path to a Location, or raise CheckpointError with one sentence."""
    path = Path(path).expanduser().absolute()
    saved_model = _saved_model_dir(path) if path.exists() else None
    if saved_model is not None and (path.is_dir() or path.name in SAVED_MODEL_FILES):
        return _locate_saved_model(saved_model)
    if path.name == "variables" and path.is_dir() and _saved_model_dir(path.parent):
        return _locate_saved_model(path.parent)

    chosen = None
    if path.is_dir():
        directory = path
    elif path.name == STATE_FILE and path.is_file():
        directory = path.parent
    else:
        chosen = _prefix_named_by(path)
        if chosen is None:
            if not path.exists():
                raise CheckpointError(f"{path} does not exist.")
            raise CheckpointError(f"{path} is not a TensorFlow checkpoint file.")
        directory = chosen.parent
        if chosen.name == "variables" and _saved_model_dir(directory) == directory.parent:
            return _locate_saved_model(directory.parent)  # a file inside a SavedModel
        if not Path(f"{chosen}.index").is_file():
            raise CheckpointError(
                f"{path} has no index file beside it: {chosen.name}.index is missing."
            )

    prefixes = find_prefixes(directory)
    notes: list[str] = []
    if chosen is None:
        if not prefixes:
            raise CheckpointError(f"{directory} holds no TensorFlow checkpoint (no .index file).")
        chosen = read_state_file(directory, prefixes, notes) or prefixes[-1]
    return Location(directory, chosen, prefixes, notes=notes)


def saved_model_prefix(directory: Path) -> Path:
    """The checkpoint prefix of a SavedModel's variables."""
    return directory / "variables" / "variables"


def _locate_saved_model(directory: Path) -> Location:
    prefix = saved_model_prefix(directory)
    if not Path(f"{prefix}.index").is_file():
        raise CheckpointError(
            f"{directory} is a SavedModel without variables (variables/variables.index is missing)."
        )
    return Location(directory, prefix, [prefix], saved_model=directory)


def distinct_checkpoints(paths: Sequence[str | Path]) -> list[str]:
    """`paths` without those naming a step already named: a step's `.index`, `.data` and
    `.meta` files (all selected in a file manager and dropped) open as one. Paths that are
    not checkpoints are kept, so that opening them says what is wrong."""
    seen: set[Path] = set()
    kept = []
    for path in paths:
        try:
            key = locate(path).prefix
        except CheckpointError:
            key = Path(path).absolute()
        if key not in seen:
            seen.add(key)
            kept.append(str(path))
    return kept
