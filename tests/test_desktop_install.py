"""scripts/install-desktop.sh in temporary XDG directories: what a file manager would see."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.core.locate import locate

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "install-desktop.sh"
RESOURCES = REPO / "resources" / "desktop"
SAMPLES = REPO / "resources" / "samples"
DESKTOP_FILE = "checkpoint-explorer.desktop"
CHECKPOINT = "application/x-tensorflow-checkpoint"
STATE = "application/x-tensorflow-checkpoint-state"
SAVED_MODEL = "application/x-tensorflow-saved-model"
OUR_TYPES = (CHECKPOINT, STATE, SAVED_MODEL)
ICON_FILES = [f"{n}x{n}/apps/checkpoint-explorer.png" for n in (16, 32, 48, 64, 128, 256)] + [
    "scalable/apps/checkpoint-explorer.svg"
]
FILE_MANAGER = "fake-file-manager.desktop"
SAMPLE_TYPES = {
    "tf1_sparse_placeholder/model.ckpt-2.index": CHECKPOINT,
    "tf1_sparse_placeholder/model.ckpt-2.data-00000-of-00001": CHECKPOINT,
    "tf1_sparse_placeholder/checkpoint": STATE,
    "tf2_object_checkpoint/ckpt-1.index": CHECKPOINT,
    "savedmodel_sparse/saved_model.pb": SAVED_MODEL,
    "savedmodel_sparse/variables/variables.index": CHECKPOINT,
    "savedmodel_sparse/variables/variables.data-00000-of-00001": CHECKPOINT,
}
NOT_OURS = [
    "tf1_sparse_placeholder/model.ckpt-2.meta",  # *.meta is too common a suffix to claim
    "savedmodel_sparse/fingerprint.pb",
]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("bash") is None,
    reason="the desktop install script is for Linux desktops and needs bash",
)


PACKAGE_OF = {
    "desktop-file-validate": "desktop-file-utils",
    "update-desktop-database": "desktop-file-utils",
    "xdg-mime": "xdg-utils",
    "gio": "libglib2.0-bin",
}


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian package {PACKAGE_OF[tool]})")


def checkout_launcher() -> Path:
    launcher = REPO / ".venv" / "bin" / "explorer"
    if not launcher.is_file():
        pytest.skip("no .venv/bin/explorer in this checkout: run scripts/setup.sh")
    return launcher


class Desktop:
    """A throwaway home with its own XDG directories and a system file manager for folders."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.config = root / "config"
        system = root / "system"
        (system / "applications").mkdir(parents=True)
        (system / "applications" / FILE_MANAGER).write_text(
            "[Desktop Entry]\nType=Application\nName=Files\nExec=true %U\n"
            "MimeType=inode/directory;\n"
        )
        if shutil.which("update-desktop-database"):
            subprocess.run(["update-desktop-database", str(system / "applications")], check=True)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("XDG_", "KDE_", "GNOME_", "DESKTOP_SESSION"))
        }
        self.env |= {
            "HOME": str(root / "home"),  # nothing may reach the real home, whatever a tool reads
            "XDG_DATA_HOME": str(self.data),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_DATA_DIRS": f"{system}:/usr/local/share:/usr/share",
            "XDG_CONFIG_DIRS": str(root / "system-config"),
        }

    def run(self, *args: str, script: Path = SCRIPT, check: bool = True):
        result = subprocess.run(
            ["bash", str(script), *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if check:
            assert result.returncode == 0, result.stderr + result.stdout
        return result

    def tool(self, *args: str) -> str:
        return subprocess.run(
            args, env=self.env, capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()

    def default_for(self, mime_type: str) -> str:
        needs("xdg-mime")
        return self.tool("xdg-mime", "query", "default", mime_type)

    def type_from_globs(self, name: str) -> str | None:
        """The type the user's globs2 gives a file name: highest weight, then longest pattern."""
        globs2 = self.data / "mime" / "globs2"
        if not globs2.is_file():
            pytest.skip("update-mime-database made no globs2 (is shared-mime-info installed?)")
        best = None
        for line in globs2.read_text().splitlines():
            if line.startswith("#"):
                continue
            weight, mime_type, pattern, *flags = line.split(":")
            case_sensitive = "cs" in flags[0].split(",") if flags else False
            subject, wanted = (name, pattern) if case_sensitive else (name.lower(), pattern.lower())
            if fnmatch.fnmatchcase(subject, wanted):
                rank = (int(weight), len(pattern))
                if best is None or rank > best[0]:
                    best = (rank, mime_type)
        return best[1] if best else None

    def files(self) -> dict[Path, bytes]:
        roots = (self.data, self.config)
        return {p: p.read_bytes() for r in roots if r.exists() for p in r.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def desktop(tmp_path_factory) -> Desktop:
    checkout_launcher()
    desktop = Desktop(tmp_path_factory.mktemp("desktop"))
    desktop.run()
    return desktop


def desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_entry_launches_this_checkouts_explorer_on_the_files(desktop) -> None:
    entry = desktop_entry(desktop.data / "applications" / DESKTOP_FILE)
    assert entry["Exec"] == f"{checkout_launcher()} %F"
    assert entry["TryExec"] == str(checkout_launcher())
    assert entry["Name"] == "Checkpoint Explorer"
    assert entry["Icon"] == "checkpoint-explorer"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Development;Science;DataVisualization;"
    assert entry["MimeType"].split(";") == [*OUR_TYPES, "inode/directory", ""]


def test_the_type_definitions_and_icons_are_copied(desktop) -> None:
    packages = desktop.data / "mime" / "packages"
    assert (packages / "checkpoint-explorer.xml").read_bytes() == (
        RESOURCES / "checkpoint-explorer-mime.xml"
    ).read_bytes()
    hicolor = desktop.data / "icons" / "hicolor"
    for icon in ICON_FILES:
        source = RESOURCES / "icons" / "hicolor" / icon
        assert (hicolor / icon).read_bytes() == source.read_bytes(), icon


@pytest.mark.parametrize("path", [RESOURCES / DESKTOP_FILE, None], ids=["source", "installed"])
def test_desktop_file_validate_accepts_the_entry(desktop, path) -> None:
    needs("desktop-file-validate")
    path = path or desktop.data / "applications" / DESKTOP_FILE
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    problems = [line for line in result.stdout.splitlines() if ": hint: " not in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


@pytest.mark.parametrize("name", [*SAMPLE_TYPES, *NOT_OURS])
def test_the_mime_database_names_each_sample_file(desktop, name) -> None:
    assert desktop.type_from_globs(Path(name).name) == SAMPLE_TYPES.get(name)


@pytest.mark.parametrize(
    "name", ["weights.data-0000-of-00001", "x.data-00000-of-00001.tmp", "checkpoints", "model.pb"]
)
def test_near_misses_are_not_claimed(desktop, name) -> None:
    assert desktop.type_from_globs(name) not in OUR_TYPES


@pytest.mark.parametrize("name", [*SAMPLE_TYPES, *NOT_OURS, "tf1_sparse_placeholder"])
def test_gio_sees_the_types_a_file_manager_shows(desktop, name) -> None:
    needs("gio")
    output = desktop.tool("gio", "info", "-a", "standard::content-type", str(SAMPLES / name))
    content_type = output.rsplit("standard::content-type:", 1)[1].strip()
    expected = SAMPLE_TYPES.get(name)
    if expected is None:
        is_directory = (SAMPLES / name).is_dir()
        assert content_type == ("inode/directory" if is_directory else "application/octet-stream")
    else:
        assert content_type == expected


def test_every_file_given_our_types_opens_its_checkpoint(desktop) -> None:
    claimed = [
        p
        for p in SAMPLES.rglob("*")
        if p.is_file() and desktop.type_from_globs(p.name) in OUR_TYPES
    ]
    assert len(claimed) >= len(SAMPLE_TYPES)
    for path in claimed:
        location = locate(path)
        assert Path(f"{location.prefix}.index").is_file(), path
        assert path.is_relative_to(location.directory), path


@pytest.mark.parametrize("mime_type", OUR_TYPES)
def test_the_explorer_is_the_default_for_its_types(desktop, mime_type) -> None:
    assert desktop.default_for(mime_type) == DESKTOP_FILE


def test_folders_still_open_in_the_file_manager_and_offer_the_explorer(desktop) -> None:
    assert desktop.default_for("inode/directory") == FILE_MANAGER
    cache = (desktop.data / "applications" / "mimeinfo.cache").read_text()
    assert f"inode/directory={DESKTOP_FILE};" in cache.splitlines()


def test_installing_again_changes_nothing(desktop) -> None:
    before = desktop.files()
    desktop.run()
    after = desktop.files()
    assert sorted(after) == sorted(before)
    caches = {"mime.cache", "icon-theme.cache", "mimeinfo.cache"}  # rebuilt, maybe timestamped
    changed = [p for p in after if after[p] != before[p] and p.name not in caches]
    assert changed == []


def test_uninstall_leaves_nothing_of_ours(tmp_path) -> None:
    checkout_launcher()
    desktop = Desktop(tmp_path)
    desktop.run()
    assert desktop.type_from_globs("model.ckpt-1.index") == CHECKPOINT
    desktop.run("--uninstall")
    for path, content in desktop.files().items():
        assert b"checkpoint-explorer" not in content, path
        assert b"tensorflow" not in content, path
        assert "checkpoint-explorer" not in path.name, path
    assert not (desktop.data / "icons").exists()
    assert desktop.type_from_globs("model.ckpt-1.index") is None
    if shutil.which("xdg-mime"):
        assert desktop.default_for(CHECKPOINT) == ""
        assert desktop.default_for("inode/directory") == FILE_MANAGER  # the pin it kept
    desktop.run("--uninstall")  # a second time is harmless


def wheel_layout(root: Path, launcher: bool = True) -> Path:
    """The files as an installed wheel lays them out, under a prefix no shell word survives."""
    prefix = root / 'pre fix "q" $HOME `x` back\\slash'
    share = prefix / "share" / "checkpoint-explorer" / "desktop"
    shutil.copytree(RESOURCES, share)
    shutil.copy2(SCRIPT, share)
    if launcher:
        (prefix / "bin").mkdir()
        fake = prefix / "bin" / "explorer"
        fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{root / 'args.txt'}'\n")
        fake.chmod(0o755)
    return share / SCRIPT.name


def test_an_installed_wheel_registers_its_own_launcher_quoted(tmp_path) -> None:
    needs("gio")
    desktop = Desktop(tmp_path)
    desktop.run(script=wheel_layout(tmp_path))
    entry = desktop.data / "applications" / DESKTOP_FILE
    files = [str(SAMPLES / name) for name in SAMPLE_TYPES] + [str(tmp_path / "a b")]
    desktop.tool("gio", "launch", str(entry), *files)
    args = tmp_path / "args.txt"
    for _ in range(100):  # gio launch does not wait for the application
        if args.is_file() and args.read_text().count("\n") == len(files):
            break
        time.sleep(0.05)
    assert args.read_text().splitlines() == files


def test_no_launcher_is_one_clear_sentence(tmp_path) -> None:
    desktop = Desktop(tmp_path)
    desktop.env["PATH"] = "/usr/bin:/bin"
    result = desktop.run(script=wheel_layout(tmp_path, launcher=False), check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("install-desktop: no explorer launcher found")
    assert not desktop.data.exists()


def test_an_unknown_argument_is_refused(desktop) -> None:
    result = desktop.run("--user", check=False)
    assert result.returncode == 2
    assert "unknown argument '--user'" in result.stderr


def test_the_pngs_are_renderings_of_the_svg() -> None:
    pytest.importorskip("PySide6.QtSvg")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "render_icons.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
