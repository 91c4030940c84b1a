"""Colours that follow the application palette, light or dark, and change when it changes.

pyqtgraph draws with colours of its own (a black background, grey text); plots here take the
palette's base and text colours instead. A desktop switching between light and dark sends
every widget a PaletteChange, and each styled widget then restyles itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

Restyle = Callable[[QPalette], None]

PROBLEM, NOTE = "problem", "note"
"""Kinds of coloured text: what is wrong, and what deserves a look."""
PROBLEM_ON_LIGHT = QColor(192, 57, 43)
PROBLEM_ON_DARK = QColor(255, 138, 128)
TEXT_COLOURS = {  # (on a light palette, on a dark one)
    PROBLEM: (PROBLEM_ON_LIGHT, PROBLEM_ON_DARK),
    NOTE: (QColor(125, 85, 0), QColor(227, 179, 65)),  # amber: 4.5:1 on both windows
}
_TEXT_KIND = "textColourKind"  # the Qt property colour_text keeps its kind in
LEGEND_ALPHA = 220  # lines stay visible through a legend
ZOOM_STEP = 1.25
ZOOM_KEYS = {Qt.Key.Key_Plus: 1 / ZOOM_STEP, Qt.Key.Key_Equal: 1 / ZOOM_STEP,
             Qt.Key.Key_Minus: ZOOM_STEP}  # fmt: skip
PAN_FRACTION = 0.1
"""Of the visible range, per arrow key press."""
PAN_KEYS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}  # fmt: skip
# "+" is Shift+= on many keyboards; the keypad's keys come with KeypadModifier.
PLAIN_MODIFIERS = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.KeypadModifier,
    Qt.KeyboardModifier.ShiftModifier,
)


def is_dark(palette: QPalette) -> bool:
    """Whether the palette draws light text on dark windows."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def mix(base: QColor, tint: QColor, amount: float) -> QColor:
    """`base` moved `amount` (0..1) of the way towards `tint`."""
    channels = zip(base.getRgbF()[:3], tint.getRgbF()[:3], strict=True)
    return QColor.fromRgbF(*(b + (t - b) * amount for b, t in channels))


def text_colour(kind: str, palette: QPalette | None = None) -> QColor:
    """The colour of PROBLEM or NOTE text that reads on the palette's windows and tables (the
    application's palette by default)."""
    palette = palette if palette is not None else QGuiApplication.palette()
    on_light, on_dark = TEXT_COLOURS[kind]
    return QColor(on_dark if is_dark(palette) else on_light)


def colour_text(widget: QWidget, kind: str | None) -> None:
    """Draw the text of `widget` (a label) in the colour of `kind`, PROBLEM or NOTE (None: the
    usual colour again), and keep it readable when the palette turns light or dark. Unlike a
    "color:" style sheet, this lets the widget hear of palette changes."""
    widget.setProperty(_TEXT_KIND, kind or "")
    if widget.findChild(PaletteFollower, _TEXT_KIND) is None:
        PaletteFollower(widget, lambda _palette: _recolour(widget)).setObjectName(_TEXT_KIND)
    else:
        _recolour(widget)


def _recolour(widget: QWidget) -> None:
    kind = widget.property(_TEXT_KIND)
    if not kind:
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetPalette):
            widget.setPalette(QPalette())  # nothing set: all of it from the parent again
        return
    palette = widget.palette()
    colour = text_colour(kind, palette)  # the window colour it reads on is still inherited
    if palette.color(QPalette.ColorRole.WindowText) != colour:
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
            palette.setColor(role, colour)
        widget.setPalette(palette)


class PaletteFollower(QObject):
    """Calls `restyle(palette)` with the widget's palette now, whenever it changes, and (with
    `on_show`) whenever the widget is shown: items added since then get restyled too."""

    def __init__(self, widget: QWidget, restyle: Restyle, on_show: bool = False):
        super().__init__(widget)
        self._widget = widget
        self._restyle = restyle
        # A widget with a style sheet keeps its palette when the application's changes: it
        # hears of the change from ApplicationPaletteChange only.
        self._events = {QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange}
        if on_show:
            self._events.add(QEvent.Type.Show)
        widget.installEventFilter(self)
        restyle(widget.palette())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._widget and event.type() in self._events:
            self._restyle(self._widget.palette())
        return False


def follow_palette(widget: QWidget, restyle: Restyle) -> PaletteFollower:
    """Style `widget` for its palette now and again whenever the palette changes."""
    return PaletteFollower(widget, restyle)


def style_plot(
    plot: pg.PlotItem,
    widget: pg.GraphicsView,
    restyle: Restyle | None = None,
    home: Callable[[], None] | None = None,
) -> None:
    """Draw the plots of `widget` (the view holding `plot`) in the palette's colours, now and
    after every palette change: its background, and every axis, title and legend in its scene.
    `restyle(palette)` is called too, for colours of the plot's own (a colour map).
    The keyboard zooms and pans `plot` (see PlotKeys); Home calls `home` if given, else shows
    all the plot's items."""

    def apply(palette: QPalette) -> None:
        style_scene(widget, palette)
        if restyle is not None:
            restyle(palette)

    PaletteFollower(widget, apply, on_show=True)
    PlotKeys(widget, plot, home)


class PlotKeys(QObject):
    """Zoom and pan a plot without a mouse, once Tab has given its view the focus: + and -
    zoom about the centre, the arrow keys pan, Home shows everything. Axes the mouse may not
    move (a histogram's counts) stay put. The focused plot is outlined."""

    def __init__(
        self, widget: pg.GraphicsView, plot: pg.PlotItem, home: Callable[[], None] | None = None
    ):
        super().__init__(widget)
        self._widget = widget
        self._box: pg.ViewBox = plot.getViewBox()
        self._home = home if home is not None else self._box.autoRange
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is not self._widget:
            return False
        if event.type() == QEvent.Type.KeyPress and event.modifiers() in PLAIN_MODIFIERS:
            return self.press(Qt.Key(event.key()))
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            focused = event.type() == QEvent.Type.FocusIn
            highlight = self._widget.palette().color(QPalette.ColorRole.Highlight)
            self._box.setBorder(pg.mkPen(highlight, width=2) if focused else None)
        return False

    def press(self, key: Qt.Key) -> bool:
        """Act on `key`; False for keys that are not ours."""
        box = self._box
        x_movable, y_movable = box.state["mouseEnabled"]
        if key in ZOOM_KEYS:
            factor = ZOOM_KEYS[key]
            box.scaleBy(x=factor if x_movable else 1.0, y=factor if y_movable else 1.0)
        elif key in PAN_KEYS:
            right, up = PAN_KEYS[key]
            (x0, x1), (y0, y1) = box.viewRange()
            up = -up if box.yInverted() else up  # row 0 at the top: up is towards lower y
            box.translateBy(
                x=right * PAN_FRACTION * (x1 - x0) if x_movable else 0.0,
                y=up * PAN_FRACTION * (y1 - y0) if y_movable else 0.0,
            )
        elif key == Qt.Key.Key_Home:
            self._home()
        else:
            return False
        return True


def style_scene(widget: pg.GraphicsView, palette: QPalette) -> None:
    """Give the view's background and the axes, labels and legends in it the palette's colours."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    widget.setBackground(base)
    for item in widget.scene().items():
        if isinstance(item, pg.AxisItem):
            if item.pen().color() != text or item.textPen().color() != text:
                item.setPen(text)
                item.setTextPen(text)
        elif isinstance(item, pg.LegendItem):
            background = QColor(base)
            background.setAlpha(LEGEND_ALPHA)
            item.setBrush(background)
            item.setPen(palette.color(QPalette.ColorRole.Mid))
            item.setLabelTextColor(text)
            for _sample, label in item.items:
                label.setText(label.text)  # setLabelTextColor leaves drawn labels as they are
        elif isinstance(item, pg.LabelItem) and item.opts.get("color") != text:
            item.setAttr("color", text)
            item.setText(item.text)
