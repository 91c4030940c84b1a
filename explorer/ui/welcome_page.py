"""What the window shows with no checkpoint open: samples, recent paths and an Open button."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer.ui.samples import Sample

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE_WIDTH_CHARS = 136  # longer lines are hard to follow


def _heading(text: str, scale: float = 1.15) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


class SampleButton(QPushButton):
    """A sample's name in bold above its description, in the application's font and wrapped
    to the page (QCommandLinkButton draws both in a fixed 9-point font, small beside a larger
    system font)."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFlat(True)
        self.setAccessibleName(title)
        self.setAccessibleDescription(description)
        self._description = QLabel(description)
        self._description.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        name = _heading(title, 1.0)
        name.setForegroundRole(QPalette.ColorRole.Link)  # says "click me", as links do
        for label in (name, self._description):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # clicks: ours
            layout.addWidget(label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # the description wraps: narrower means taller
        self.setSizePolicy(policy)

    def description(self) -> str:
        return self._description.text()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        # Flat, as a link: a tinted box under the mouse, and an outline where the focus is.
        if not (self.isDown() or self.underMouse() or self.hasFocus()):
            return
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight)
        fill.setAlpha(70 if self.isDown() else 35)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(highlight if self.hasFocus() else Qt.PenStyle.NoPen)
        painter.setBrush(fill if self.isDown() or self.underMouse() else Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.end()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.layout().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.layout().minimumSize()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self.layout().totalHeightForWidth(width)


class WelcomePage(QWidget):
    sig_open_requested = Signal(str)
    """A path the user picked: a sample or a recent path."""
    sig_browse_requested = Signal()
    """The user pressed Open directory… to choose a directory."""
    sig_browse_file_requested = Signal()
    """The user pressed Open file… to choose one checkpoint file."""

    def __init__(self, samples: list[Sample], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcomePage")
        open_button = QPushButton("Open checkpoint directory…")
        open_button.setToolTip("Ctrl+O")
        open_button.clicked.connect(self.sig_browse_requested)
        open_file_button = QPushButton("Open file…")
        open_file_button.setToolTip(
            "An .index, .meta or .data file, or saved_model.pb (Ctrl+Shift+O)"
        )
        open_file_button.clicked.connect(self.sig_browse_file_requested)
        intro = QLabel(
            "Open a TensorFlow checkpoint directory, prefix, index file or SavedModel to see "
            "its variables, their values and statistics, or drop one onto this window. "
            "Help > Guide (F1) tells more."
        )
        intro.setWordWrap(True)

        self.sample_buttons: dict[str, SampleButton] = {}
        samples_box = QVBoxLayout()
        samples_box.setSpacing(2)
        for sample in samples:
            button = SampleButton(sample.name, sample.description)
            button.setToolTip(str(sample.path))
            button.clicked.connect(lambda _=False, path=str(sample.path): self._request(path))
            samples_box.addWidget(button)
            self.sample_buttons[sample.name] = button
        if not samples:
            samples_box.addWidget(QLabel("The sample checkpoints are not installed."))

        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentPaths")
        self.recent_list.itemClicked.connect(self._on_recent_clicked)
        self._no_recent = QLabel("Nothing opened yet.")

        column = QVBoxLayout()
        column.addWidget(_heading("Checkpoint Explorer", 1.6))
        column.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(open_button)
        row.addWidget(open_file_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addSpacing(12)
        column.addWidget(_heading("Recent"))
        column.addWidget(self._no_recent)
        column.addWidget(self.recent_list)
        column.addSpacing(12)
        column.addWidget(_heading("Sample checkpoints"))
        column.addLayout(samples_box)
        column.addStretch(1)

        inner = QWidget()
        inner.setMaximumWidth(inner.fontMetrics().averageCharWidth() * PAGE_WIDTH_CHARS)
        inner.setLayout(column)
        centred = QWidget()
        centred_layout = QHBoxLayout(centred)
        centred_layout.addWidget(inner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(centred)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.set_recent([])

    def set_recent(self, paths: list[str]) -> None:
        self.recent_list.clear()
        for path in paths:
            item = QListWidgetItem(path)
            item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        self.recent_list.setVisible(bool(paths))
        self._no_recent.setVisible(not paths)
        if paths:  # every entry (at most ten) without a scroll bar of its own
            rows_height = len(paths) * self.recent_list.sizeHintForRow(0)
            self.recent_list.setFixedHeight(rows_height + 2 * self.recent_list.frameWidth())

    def _on_recent_clicked(self, item: QListWidgetItem) -> None:
        self._request(item.data(PATH_ROLE))

    def _request(self, path: str) -> None:
        self.sig_open_requested.emit(path)
