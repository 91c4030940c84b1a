"""An opened checkpoint: where it is, what kind it is, and its variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer.core.bundle import BundleReader, VariableInfo
from explorer.core.locate import Location, locate

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
TF2_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def display_name(key: str) -> str:
    """A variable key as people read it: TF2 object paths without their attribute suffix."""
    return key.removesuffix(TF2_SUFFIX)


@dataclass
class Checkpoint:
    location: Location
    reader: BundleReader

    @property
    def kind(self) -> str:
        if self.location.saved_model is not None:
            return "savedmodel"
        names = {info.name for info in self.reader.variables}
        return "tf2" if OBJECT_GRAPH_KEY in names else "tf1"

    @property
    def prefix(self) -> Path:
        return self.location.prefix

    @property
    def variables(self) -> list[VariableInfo]:
        return self.reader.variables

    def close(self) -> None:
        self.reader.close()


def open_checkpoint(path: str | Path, prefix: str | Path | None = None) -> Checkpoint:
    """Locate and open a checkpoint; `prefix` picks another step found beside it."""
    location = locate(path)
    if prefix is not None:
        location.prefix = Path(prefix)
    return Checkpoint(location, BundleReader(location.prefix))
