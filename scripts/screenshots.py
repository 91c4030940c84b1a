"""Screenshots of each pane for the README, taken from the real window on the bundled samples.

    .venv/bin/python scripts/screenshots.py                # docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --scale 2      # high-DPI: twice the pixels
    .venv/bin/python scripts/screenshots.py --quick --out /tmp/shots   # no Model tab

It runs offscreen (on the display with --visible), with throwaway settings, its own engine
process, a fixed window size, the Fusion style and a seeded random feed, so the pictures change
only when the application does. --font-scale and --dark take the same pictures at a larger
application font or with a dark palette, to check how the panes cope.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "screenshots"
WINDOW_SIZE = (1280, 800)
WAIT_S = 45.0
SETTLE_S = 0.3  # debounced plots (the sparse pattern) redraw this soon after a change
SEED = 1
FEED_DENSITY = 0.01
FEED_SHAPE = (4, 1000)  # four examples of the samples' 1,000 features
OFFSCREEN_CHATTER = {"This plugin does not support propagateSizeHints()"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2: HiDPI)")
    parser.add_argument("--font-scale", type=float, default=1.0, help="application font factor")
    parser.add_argument("--dark", action="store_true", help="every picture in the dark palette")
    parser.add_argument("--quick", action="store_true", help="skip the Model tab (TensorFlow)")
    parser.add_argument("--visible", action="store_true", help="show the window on the display")
    return parser.parse_args(argv)


def configure_platform(args: argparse.Namespace) -> None:
    """Before the QApplication exists: offscreen unless asked and able to show it; the scale.
    TensorFlow's own log (no GPU here, and the like) would fill the log dock of the pictures."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not (args.visible and has_display):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_platform(args)

    from PySide6.QtCore import QSettings, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from explorer.ui.application import dark_palette, scale_application_font
    from explorer.ui.engine_bridge import EngineBridge
    from explorer.ui.main_window import MainWindow

    qInstallMessageHandler(print_qt_message)
    app = QApplication([sys.argv[0], "-style", "Fusion"])
    if args.font_scale != 1.0:
        scale_application_font(app, args.font_scale)
    light = app.palette()
    if args.dark:
        app.setPalette(dark_palette())
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as settings_dir:
        settings = QSettings(str(Path(settings_dir, "settings.ini")), QSettings.Format.IniFormat)
        engine = EngineBridge()
        if not args.quick:
            engine.start()  # TensorFlow imports while the other pictures are taken
        window = MainWindow(settings, engine=engine)
        window.resize(*WINDOW_SIZE)
        window.show()
        try:
            shots = Shots(app, window, args.out)
            shots.take_all(quick=args.quick, dark=not args.dark, light=light)
        finally:
            window.close()
            engine.close()
    print(f"screenshots: {len(shots.written)} pictures in {time.monotonic() - started:.1f} s")
    return 0


def print_qt_message(_kind, _context, message: str) -> None:
    """Qt's messages on stderr, but for what the offscreen platform says of every window."""
    if message not in OFFSCREEN_CHATTER:
        print(message, file=sys.stderr)


class Shots:
    """Drives the window as a user would and saves what it shows."""

    def __init__(self, app, window, out: Path):
        from explorer.ui.samples import SAMPLES_DIR

        self.app, self.window, self.out = app, window, out
        self.samples = SAMPLES_DIR
        self.written: list[Path] = []

    def take_all(self, quick: bool, dark: bool, light) -> None:
        """Every picture; `dark`: one more of the sparse pane in the dark palette."""
        self.save("welcome", self.window)
        tab = self.open("tf1_sparse_placeholder")
        self.select(tab, "embedding")
        self.save("variables", self.window)
        detail = tab.detail
        detail.tabs.setCurrentWidget(detail.statistics)
        self.settle()
        self.save("statistics", self.window)
        detail.tabs.setCurrentWidget(detail.heatmap)
        self.settle()
        self.save("heatmap", self.window)
        detail.tabs.setCurrentWidget(detail.values)

        sparse_tab = self.open("custom_sparse_triplet")
        assert sparse_tab.select_sparse("sparse_weights"), "no sparse_weights in the sample"
        self.settle()
        self.save("sparse_pattern", self.window)
        sparse_tab.sparse_pane.tabs.setCurrentWidget(sparse_tab.sparse_pane.histograms)
        self.settle()
        self.save("sparse_histograms", self.window)
        if dark:
            from explorer.ui.application import dark_palette

            sparse_tab.sparse_pane.tabs.setCurrentIndex(0)
            self.app.setPalette(dark_palette())
            self.settle()
            self.save("dark", self.window)
            self.app.setPalette(light)
            self.settle()

        self.save("guide", self.window.show_guide())
        self.window.guide_dialog.close()
        if quick:
            return
        self.window.tab_widget.setCurrentWidget(tab)
        self.run_random(self.show_model(tab), "features")
        self.save("model_tf1", self.window)
        saved_model = self.open("savedmodel_sparse")
        pane = self.show_model(saved_model)
        self.run_random(pane, next(iter(pane.feed_panel.editors())))
        pane.output_view.dense_panel.set_mode("line")  # one line per example
        self.settle()
        self.save("model_savedmodel", self.window)

    def run_random(self, pane, name: str) -> None:
        """Fill sparse input `name` with seeded random entries of FEED_SHAPE and run."""
        editor = pane.feed_panel.editor(name)
        editor.shape_editor.set_shape(FEED_SHAPE)
        editor.fill_random(FEED_DENSITY, "uniform", SEED)
        self.settle()
        if not pane.run_button.isEnabled():
            raise SystemExit(f"screenshots: cannot run: {pane.status_text()}")
        pane.run()
        self.wait(lambda: not pane.has_pending(), "the run")
        self.settle()

    def open(self, sample: str):
        self.window.open_path(str(self.samples / sample))
        self.settle()
        tab = self.window.current_tab()
        if tab is None or tab.error_message():
            raise SystemExit(f"screenshots: {sample} did not open: {tab and tab.error_message()}")
        return tab

    def select(self, tab, key: str) -> None:
        if not tab.select_variable(key):
            raise SystemExit(f"screenshots: no variable {key} in {tab.path}")
        self.settle()

    def show_model(self, tab):
        pane = tab.show_model()
        self.wait(lambda: pane.info is not None or pane.retry_button.isVisible(), "the model")
        if pane.info is None:
            raise SystemExit(f"screenshots: the model of {tab.path} did not load")
        self.settle()
        return pane

    def settle(self) -> None:
        """Wait for the window's jobs, then for debounced redraws, then for jobs again."""
        self.wait(lambda: not self.window.hasPendingOperations(), "background jobs")
        self.pump(SETTLE_S)
        self.wait(lambda: not self.window.hasPendingOperations(), "background jobs")

    def wait(self, done: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + WAIT_S
        while not done():
            if time.monotonic() > end:
                raise SystemExit(f"screenshots: gave up waiting for {what}")
            self.pump(0.02)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while True:
            self.app.processEvents()
            if time.monotonic() >= end:
                return
            time.sleep(0.01)

    def save(self, name: str, widget) -> None:
        self.pump(0.05)
        path = self.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        self.written.append(path)
        print(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
