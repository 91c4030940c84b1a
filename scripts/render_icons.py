"""Render the desktop icon's PNG sizes from its SVG, so the two never drift apart.

usage: .venv/bin/python scripts/render_icons.py [--check]

Writes resources/desktop/icons/hicolor/<N>x<N>/apps/checkpoint-explorer.png for every size
the install script copies. With --check, renders to memory and exits 1 when a committed PNG
is missing or visibly differs from what the SVG gives now (small antialiasing differences
between Qt versions are tolerated).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "desktop" / "icons"
SVG = ICONS / "hicolor" / "scalable" / "apps" / "checkpoint-explorer.svg"
SIZES = (16, 32, 48, 64, 128, 256)
# Antialiasing may move an edge pixel by a few levels between Qt versions; a changed drawing
# moves many pixels by a lot.
MAX_MEAN_DIFFERENCE = 2.0


def png_path(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / "checkpoint-explorer.png"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].astype(np.int16)


def matches(committed: Path, rendered: QImage) -> bool:
    image = QImage(str(committed))
    if image.isNull() or image.size() != rendered.size():
        return False
    return float(np.abs(pixels(image) - pixels(rendered)).mean()) <= MAX_MEAN_DIFFERENCE


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: {SVG} is not a valid SVG.", file=sys.stderr)
        return 2
    stale = []
    for size in SIZES:
        image = render(renderer, size)
        target = png_path(size)
        if check:
            if not matches(target, image):
                stale.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png_bytes(image))
        print(f"render_icons: wrote {target}")
    if stale:
        names = ", ".join(str(p.relative_to(ICONS)) for p in stale)
        print(f"render_icons: these PNGs do not match the SVG: {names}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
