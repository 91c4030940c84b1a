"""Asking how to fill a sparse sample at random: density, distribution of values, seed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from explorer.core.formatting import shape_text
from explorer.core.random_feeds import MAX_RANDOM_ENTRIES, distributions_for
from explorer.ui.plot_style import PROBLEM, colour_text

DEFAULT_DENSITY = 0.01
DISTRIBUTION_TEXT = {
    "uniform": "uniform in [0, 1)",
    "normal": "normal (mean 0, sd 1)",
    "ones": "all ones",
    "integers": "small integers 0…9",
}


@dataclass(frozen=True)
class RandomChoice:
    density: float
    distribution: str
    seed: int


def seed_box(parent: QWidget | None = None) -> QSpinBox:
    """A seed spin box; the same seed gives the same sample."""
    box = QSpinBox(parent)
    box.setRange(0, 2**31 - 1)
    box.setToolTip("The same seed always gives the same sample")
    return box


def distribution_box(dtype: str, parent: QWidget | None = None) -> QComboBox:
    """The distributions that fit `dtype`, their names as item data."""
    box = QComboBox(parent)
    for name in distributions_for(dtype):
        box.addItem(DISTRIBUTION_TEXT[name], name)
    return box


class RandomSparseDialog(QDialog):
    """Shows how many entries the density makes in the sample's dense shape as it is typed."""

    def __init__(self, dense_shape: tuple[int, ...], dtype: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Random sparse sample")
        self._cells = math.prod(dense_shape)
        self._shape = dense_shape
        self.density = QDoubleSpinBox()
        self.density.setDecimals(6)
        self.density.setRange(0.0, 1.0)
        self.density.setSingleStep(0.001)
        self.density.setValue(DEFAULT_DENSITY)
        self.distribution = distribution_box(dtype)
        self.seed = seed_box()
        self.count = QLabel()
        form = QFormLayout(self)
        form.addRow("&Density:", self.density)
        form.addRow("", self.count)
        form.addRow("&Values:", self.distribution)
        form.addRow("&Seed:", self.seed)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.density.valueChanged.connect(self._update_count)
        self._update_count()

    def choice(self) -> RandomChoice:
        return RandomChoice(
            self.density.value(), str(self.distribution.currentData()), self.seed.value()
        )

    def _update_count(self) -> None:
        density = self.density.value()
        count = max(round(density * self._cells), 1 if density > 0 and self._cells else 0)
        text = f"{count:,} entries in {shape_text(self._shape)}"
        too_many = count > MAX_RANDOM_ENTRIES
        if too_many:
            text += f": more than the {MAX_RANDOM_ENTRIES:,} the explorer makes up"
        self.count.setText(text)
        colour_text(self.count, PROBLEM if too_many else None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not too_many)


def ask_random(dense_shape: tuple[int, ...], dtype: str, parent: QWidget) -> RandomChoice | None:
    """Open the dialog; the choice, or None if cancelled."""
    dialog = RandomSparseDialog(dense_shape, dtype, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
