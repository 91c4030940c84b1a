"""Looks: plots and tinted boxes follow a light or dark palette, labels fit a larger font, the
panes work from the keyboard alone, and scripts/screenshots.py takes its pictures."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMenuBar,
    QSizePolicy,
    QTabBar,
    QWidget,
)

from explorer.ui.application import dark_palette, scale_application_font
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.main_window import MainWindow
from explorer.ui.notice_bar import TINT, NoticeBar
from explorer.ui.plot_style import (
    NOTE,
    PROBLEM,
    PROBLEM_ON_DARK,
    PROBLEM_ON_LIGHT,
    colour_text,
    mix,
    text_colour,
)
from explorer.ui.sparse_pattern_plot import COLOUR_MAP, DARK_COLOUR_MAP

from .conftest import Gui

REPO = Path(__file__).resolve().parents[2]
WINDOW_SIZE = (1280, 800)  # as scripts/screenshots.py takes its pictures
QUICK_PICTURES = {"welcome", "variables", "statistics", "heatmap", "sparse_pattern",
                  "sparse_histograms", "dark", "guide"}  # fmt: skip
MIN_CONTRAST = 4.5  # WCAG's minimum for body text
MAX_TABS = 20


@pytest.fixture
def set_palette(qapp) -> Iterator[Callable[[QPalette], None]]:
    """set_palette(palette) for the application, as a desktop switching between light and dark
    does (its widgets hear of it from posted events); the palette of before comes back after."""

    def switch(palette: QPalette) -> None:
        qapp.setPalette(palette)
        qapp.processEvents()

    before = qapp.palette()
    yield switch
    switch(before)


@pytest.fixture
def big_font(qapp) -> Iterator[float]:
    """The application font at 1.5 times its size, as a larger system font gives; its size."""
    before = qapp.font()
    scale_application_font(qapp, 1.5)
    yield qapp.font().pointSizeF()
    qapp.setFont(before)


def _colours(view: pg.GraphicsView, plot: pg.PlotItem) -> tuple[QColor, QColor, object]:
    """Background, axis text and title colour of a plot."""
    return (
        view.backgroundBrush().color(),
        plot.getAxis("left").textPen().color(),
        plot.titleLabel.opts["color"],
    )


def _palette_colours(palette: QPalette) -> tuple[QColor, QColor, QColor]:
    base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    return base, text, text


def _luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colour.getRgbF()[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _activate(qtbot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _tab_until(qtbot, target: QWidget, key: Qt.Key = Qt.Key.Key_Tab) -> int:
    """Press Tab (or `key`) until `target` has the focus; how many presses it took."""
    for presses in range(1, MAX_TABS + 1):
        QTest.keyClick(QApplication.focusWidget(), key)
        if QApplication.focusWidget() is target:
            return presses
    raise AssertionError(f"{MAX_TABS} presses of {key.name} never reached {target}")


# --- light and dark ---------------------------------------------------------------------------


def test_plots_and_boxes_follow_a_switch_to_dark_and_back(gui, samples_dir, set_palette, qapp):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    gui.select_sparse(tab, "sparse_weights")
    pane = tab.sparse_pane
    plots = [  # shown, and hidden behind other tabs and panes
        (pane.pattern.view, pane.pattern.plot),
        (pane.histograms.values_plot, pane.histograms.values_plot.getPlotItem()),
        (tab.detail.statistics.histogram, tab.detail.statistics.histogram.getPlotItem()),
    ]
    light = qapp.palette()
    light_sheet = pane.problems.styleSheet()
    for view, plot in plots:
        assert _colours(view, plot) == _palette_colours(light)
    assert pane.pattern.colour_map() is COLOUR_MAP

    dark = dark_palette()
    set_palette(dark)
    for view, plot in plots:
        assert _colours(view, plot) == _palette_colours(dark)
    assert pane.pattern.colour_map() is DARK_COLOUR_MAP
    dark_text = dark.color(QPalette.ColorRole.Text).name()
    assert f"color: {dark_text}" in pane.problems.styleSheet()
    background = re.search(r"background: (#\w+)", pane.problems.styleSheet()).group(1)
    assert _contrast(QColor(background), QColor(dark_text)) >= MIN_CONTRAST

    set_palette(light)
    for view, plot in plots:
        assert _colours(view, plot) == _palette_colours(light)
    assert pane.pattern.colour_map() is COLOUR_MAP
    assert pane.problems.styleSheet() == light_sheet


def test_notice_bar_is_tinted_from_the_palette_of_the_moment(qtbot, set_palette):
    Base, Highlight = QPalette.ColorRole.Base, QPalette.ColorRole.Highlight  # noqa: N806
    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.show_notice("A new step model.ckpt-4 appeared.", "Open it", lambda: None)
    bar.resize(600, bar.sizeHint().height())
    for palette in (dark_palette(), QApplication.style().standardPalette()):
        set_palette(palette)
        base, highlight = (palette.color(role) for role in (Base, Highlight))
        expected = mix(base, highlight, TINT).getRgb()
        painted = bar.grab().toImage().pixelColor(4, bar.height() // 2)  # left of the sentence
        assert all(abs(a - b) <= 2 for a, b in zip(painted.getRgb(), expected, strict=True))


def test_problem_and_note_text_is_readable_on_light_and_dark(qapp):
    for palette in (qapp.style().standardPalette(), dark_palette()):
        for kind in (PROBLEM, NOTE):
            colour = text_colour(kind, palette)
            for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
                assert _contrast(colour, palette.color(role)) >= MIN_CONTRAST, (kind, role)


def test_coloured_text_changes_with_the_palette_and_back_to_plain(qtbot, set_palette):
    parent = QWidget()
    qtbot.addWidget(parent)
    label = QLabel("The sample for 'features' has an index outside its dense shape.", parent)
    parent.show()
    colour_text(label, PROBLEM)
    assert label.palette().color(QPalette.ColorRole.WindowText) == PROBLEM_ON_LIGHT
    set_palette(dark_palette())
    assert label.palette().color(QPalette.ColorRole.WindowText) == PROBLEM_ON_DARK
    colour_text(label, None)
    dark_text = dark_palette().color(QPalette.ColorRole.WindowText)
    assert label.palette().color(QPalette.ColorRole.WindowText) == dark_text
    assert not label.testAttribute(Qt.WidgetAttribute.WA_SetPalette)


# --- a larger font ----------------------------------------------------------------------------


def _clipped(window: QWidget) -> list[str]:
    """Visible labels and buttons narrower or lower than their text needs, once laid out."""
    QApplication.processEvents()
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, QLabel | QAbstractButton):
            continue
        if widget.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored:
            continue  # cut on purpose (a long path), with the whole of it in its tooltip
        if widget.hasHeightForWidth():
            short = widget.height() < widget.heightForWidth(widget.width())
        else:
            hint = widget.sizeHint()
            short = widget.width() < hint.width() or widget.height() < hint.height()
        if short:
            text = widget.text() if hasattr(widget, "text") else ""
            found.append(f"{type(widget).__name__} {text!r}: {widget.size()}")
    return found


def test_labels_fit_at_one_and_a_half_times_the_font(qtbot, big_font, samples_dir, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, engine=EngineBridge())  # never started: no model is asked for
    qtbot.addWidget(window)
    window.resize(*WINDOW_SIZE)
    window.show()
    gui = Gui(qtbot, window)
    for button in window.welcome.sample_buttons.values():
        assert button.font().pointSizeF() == big_font  # not QCommandLinkButton's fixed 9 points
    assert _clipped(window) == []

    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    gui.select(tab, "embedding")
    for page in (tab.detail.values, tab.detail.statistics, tab.detail.heatmap):
        tab.detail.tabs.setCurrentWidget(page)
        gui.wait_idle()
        assert _clipped(window) == [], page
    tree = tab.tree_panel.tree
    for column in range(1, tree.model().columnCount()):  # the name column stretches
        assert tree.sizeHintForColumn(column) <= tree.header().sectionSize(column), column

    sparse_tab = gui.open(samples_dir / "custom_sparse_triplet")
    gui.select_sparse(sparse_tab, "sparse_weights")
    assert _clipped(window) == []
    assert window.width() == WINDOW_SIZE[0]  # nothing asked for a wider window
    window.close()


# --- the keyboard alone -----------------------------------------------------------------------


def test_tab_goes_from_tree_to_values_and_round_to_the_filter(qtbot, gui, window, samples_dir):
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    gui.select(tab, "embedding")
    _activate(qtbot, window)
    tree, table = tab.tree_panel.tree, tab.detail.values.table
    tree.setFocus()

    QTest.keyClick(tree, Qt.Key.Key_Down)  # the arrows choose the variable
    gui.wait_idle()
    assert tab.tree_panel.selected_node().info.name == "embedding/Adagrad"
    assert _tab_until(qtbot, table) <= 6
    table.setCurrentIndex(table.model().index(0, 0))
    QTest.keyClick(table, Qt.Key.Key_Right)
    QTest.keyClick(table, Qt.Key.Key_Down)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (1, 1)
    _tab_until(qtbot, tab.tree_panel.filter_box)  # leaves the table, and comes round
    QTest.keyClick(tab.tree_panel.filter_box, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is tree
    assert _tab_until(qtbot, tab.tree_panel.filter_box, Qt.Key.Key_Backtab) == 1


def test_the_keyboard_reaches_zooms_and_pans_the_sparsity_pattern(qtbot, gui, window, samples_dir):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    gui.select_sparse(tab, "sparse_weights")
    _activate(qtbot, window)
    pattern = tab.sparse_pane.pattern
    tab.tree_panel.tree.setFocus()
    _tab_until(qtbot, pattern.view)
    assert pattern.visible_range() == ((0, 50), (0, 30))

    for key in (Qt.Key.Key_Plus, Qt.Key.Key_Plus, Qt.Key.Key_Plus):
        QTest.keyClick(pattern.view, key)
    gui.wait_idle()
    (rows, columns) = pattern.visible_range()
    assert rows[1] - rows[0] < 30 and columns[1] - columns[0] < 20  # zoomed about the centre
    QTest.keyClick(pattern.view, Qt.Key.Key_Up)  # row 0 is at the top: up shows lower rows
    QTest.keyClick(pattern.view, Qt.Key.Key_Right)
    gui.wait_idle()
    (moved_rows, moved_columns) = pattern.visible_range()
    assert moved_rows[0] < rows[0] and moved_columns[0] > columns[0]
    assert pattern.density().rows == moved_rows  # and the pattern was binned for the new view

    QTest.keyClick(pattern.view, Qt.Key.Key_Home)
    gui.wait_idle()
    assert pattern.visible_range() == ((0, 50), (0, 30))


def _mnemonics(window: QWidget) -> list[str]:
    """The Alt+letter keys of the visible menu titles, tabs, buttons and labels."""
    texts = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QMenuBar):
            texts += [action.text() for action in widget.actions()]
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QAbstractButton) or (
            isinstance(widget, QLabel) and widget.buddy() is not None
        ):
            texts.append(widget.text())
    return [match.lower() for text in texts for match in re.findall(r"(?<!&)&(\w)", text)]


def test_no_two_visible_mnemonics_share_a_letter(gui, window, samples_dir):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    for select in (lambda: gui.select(tab, "dense/kernel"),
                   lambda: gui.select_sparse(tab, "sparse_weights")):  # fmt: skip
        select()
        letters = _mnemonics(window)
        assert {"f", "v", "h"} <= set(letters)  # the menus are among them
        assert len(letters) == len(set(letters)), sorted(letters)


# --- the screenshots --------------------------------------------------------------------------


def test_screenshots_script_takes_sharp_non_blank_pictures(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "screenshots.py"), "--quick", "--scale", "2",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = {Path(line).stem for line in done.stdout.splitlines() if line.endswith(".png")}
    assert written == QUICK_PICTURES
    brightness = {}
    for name in written:
        image = QImage(str(tmp_path / f"{name}.png"))
        assert not image.isNull(), name
        if name != "guide":  # a dialog of its own size
            assert (image.width(), image.height()) == (2 * WINDOW_SIZE[0], 2 * WINDOW_SIZE[1])
        samples = [
            image.pixelColor(x, y)
            for x in range(0, image.width(), 37)
            for y in range(0, image.height(), 41)
        ]
        assert len({colour.rgb() for colour in samples}) > 20, f"{name} looks blank"
        brightness[name] = sum(colour.lightness() for colour in samples) / len(samples)
    assert brightness["dark"] < brightness["sparse_pattern"] / 2  # the same pane, dark
