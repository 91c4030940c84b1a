"""Can Qt open a window here? Answer in one sentence instead of letting Qt abort."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

# Debian/Ubuntu packages for the libraries Qt's xcb platform plugin needs.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
INSPECT_HINT = "use `explorer inspect PATH` to look at a checkpoint without a window"


def _xcb_plugin() -> Path | None:
    try:
        import PySide6  # noqa: PLC0415 - only the package path is needed, not Qt itself
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_xcb_libraries() -> list[str]:
    """Shared libraries the xcb plugin needs but the dynamic linker cannot find."""
    plugin = _xcb_plugin()
    if plugin is None:
        return []
    try:
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    missing = {line.split()[0] for line in out.stdout.splitlines() if "not found" in line}
    if ctypes.util.find_library("xcb-cursor") is None:
        missing.add("libxcb-cursor.so.0")  # Qt loads it at run time, so ldd does not list it
    return sorted(missing)


def x_display_reachable(display: str) -> bool | None:
    """Whether an X server answers at `display`; None when libxcb itself cannot be loaded."""
    name = ctypes.util.find_library("xcb")
    if name is None:
        return None
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def display_problem() -> str | None:
    """One sentence saying why no window can open here, or None when it can."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux"):
        return None
    if platform.startswith("wayland") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            f"explorer: QT_QPA_PLATFORM is {platform} but WAYLAND_DISPLAY is not set; "
            f"{INSPECT_HINT}."
        )
    if platform not in ("", "xcb"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY") and not platform:
            return None
        return f"explorer: no display is available (DISPLAY is not set); {INSPECT_HINT}."
    missing = missing_xcb_libraries()
    if missing:
        packages = " ".join(sorted({XCB_PACKAGES.get(lib, lib) for lib in missing}))
        return (
            f"explorer: Qt cannot open a window because system libraries are missing "
            f"({', '.join(missing)}); install them with `sudo apt-get install {packages}`, "
            f"or {INSPECT_HINT}."
        )
    if x_display_reachable(display) is False:
        return f"explorer: the X display {display} does not answer; {INSPECT_HINT}."
    return None
