"""pyqtgraph plots that follow the application palette instead of pyqtgraph's black default."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget


def style_plot(plot: pg.PlotItem, widget: QWidget) -> None:
    """Give `widget` (the view holding `plot`) the palette's base and text colours."""
    palette = widget.palette()
    widget.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(text)
        axis.setTextPen(text)
