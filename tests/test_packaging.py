"""The installable package: what a wheel carries besides the code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = out.glob("*.whl")
    return zipfile.ZipFile(wheel).namelist()


def packed_under(names: list[str], prefix: str) -> set[str]:
    return {name.split(prefix, 1)[1] for name in names if prefix in name}


def test_the_wheel_carries_every_sample_file(wheel_files) -> None:
    samples = REPO / "resources" / "samples"
    on_disk = {str(p.relative_to(samples)) for p in samples.rglob("*") if p.is_file()}
    packed = packed_under(wheel_files, "data/share/checkpoint-explorer/samples/")
    assert packed == on_disk  # a sample added or moved needs its line in pyproject's data-files


def test_the_wheel_carries_the_desktop_files_beside_their_install_script(wheel_files) -> None:
    desktop = REPO / "resources" / "desktop"
    on_disk = {str(p.relative_to(desktop)) for p in desktop.rglob("*") if p.is_file()}
    packed = packed_under(wheel_files, "data/share/checkpoint-explorer/desktop/")
    assert packed == on_disk | {"install-desktop.sh"}  # the script finds them beside itself
