"""The installable package: what a wheel carries besides the code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_sample_file(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    prefix = "data/share/checkpoint-explorer/samples/"
    packed = {
        name.split(prefix, 1)[1] for name in zipfile.ZipFile(wheel).namelist() if prefix in name
    }
    samples = REPO / "resources" / "samples"
    on_disk = {str(p.relative_to(samples)) for p in samples.rglob("*") if p.is_file()}
    assert packed == on_disk  # a sample added or moved needs its line in pyproject's data-files
