"""The sample checkpoints shipped in resources/samples, with their one-line descriptions."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import explorer

# A checkout keeps them in resources/; an installed wheel puts them under its prefix's share/.
CHECKOUT_SAMPLES = Path(explorer.__file__).resolve().parent.parent / "resources" / "samples"
INSTALLED_SAMPLES = Path(sys.prefix) / "share" / "checkpoint-explorer" / "samples"
SAMPLES_DIR = CHECKOUT_SAMPLES if CHECKOUT_SAMPLES.is_dir() else INSTALLED_SAMPLES
_README_LINE = re.compile(r"^- `([^`/]+)/?`:\s*(.+)$")


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    description: str


def _descriptions(readme: Path) -> dict[str, str]:
    try:
        lines = readme.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found = (_README_LINE.match(line.strip()) for line in lines)
    return {match.group(1): match.group(2) for match in found if match}


def bundled_samples(directory: Path = SAMPLES_DIR) -> list[Sample]:
    """Every sample directory, by name; empty when the samples are not installed."""
    if not directory.is_dir():
        return []
    descriptions = _descriptions(directory / "README.md")
    return [
        Sample(path.name, path, descriptions.get(path.name, ""))
        for path in sorted(directory.iterdir())
        if path.is_dir() and not path.name.startswith((".", "_"))
    ]
