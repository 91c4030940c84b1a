"""Help inside the app: a short guide (Help > Guide, F1) and About with the versions in use.

The window never imports TensorFlow: About asks the engine process for its version.
"""

from __future__ import annotations

import html
import platform
from collections.abc import Sequence
from functools import partial

import numpy
import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import explorer
from explorer.core.errors import ModelError
from explorer.ui.engine_bridge import EngineBridge
from explorer.ui.jobs import JobFailure, JobSlot

APP_NAME = "Checkpoint Explorer"

GUIDE_SECTIONS = """
<h2>Opening a checkpoint</h2>
<p>Open a checkpoint <b>directory</b> with <i>File &gt; Open Directory…</i>, or any of its
<b>files</b> with <i>File &gt; Open File…</i>: a prefix's <code>.index</code>,
<code>.data-*</code> or <code>.meta</code> file, the <code>checkpoint</code> state file, a
SavedModel's <code>saved_model.pb</code>. You can also drop files and directories onto the
window, pick one from <i>File &gt; Open Recent</i>, or double-click a checkpoint file in the
file manager once <code>scripts/install-desktop.sh</code> has run. Each opens in its own tab.</p>
<p>Every step beside the one opened is offered in the <b>Step</b> box. When training writes a
new step, a bar above the tab offers to open it; when the files shown change or vanish, it
says so and offers to reload. Nothing reloads by itself: <i>File &gt; Reload</i> (F5) reads the
step again and keeps the selection.</p>

<h2>The variable tree</h2>
<p>Variables are grouped by scope, with dtype, shape and size; click a column to sort. Type in
the filter box (Ctrl+F) to keep the names that contain the text. A sparse tensor saved as three
variables (indices, values, dense_shape) is one item with its nnz, shape and density, and its
three variables as children; a warning mark means its indices have problems.</p>

<h2>Values</h2>
<p>Selecting a variable pages through its values in a table (a 2-D slice of higher-rank
arrays: choose the two axes shown and fix the others), with its statistics, a histogram and,
for matrices, a heat map. Values are read straight from the memory-mapped data files, so
large embeddings open at once. Select cells and press Ctrl+C to copy them.</p>

<h2>Sparse tensors</h2>
<p>A sparse tensor's pane shows entries per row and per column, the problems found (indices out
of bounds, out of order, duplicated), a paged table of its entries, its sparsity pattern (exact
when small, a density image otherwise) and histograms. The engine can rebuild the real
<code>tf.sparse.SparseTensor</code>; <i>Copy as Python</i> writes a script that does it.</p>

<h2>The Model tab</h2>
<p>With a <code>.meta</code> graph beside the checkpoint, or a SavedModel, the Model tab loads
the model in a separate engine process. Fill in each input (sparse inputs take typed or pasted
rows, random entries, one of the checkpoint's sparse tensors or an <code>.npz</code>), pick the
outputs and press Run (Ctrl+R). Cancel kills the engine process; the next request starts a new
one. <i>Copy as Python</i> puts a standalone TensorFlow script for the same run on the
clipboard.</p>

<h2>Keyboard and looks</h2>
<p>Tab and Shift+Tab move between the controls of the tab shown, the arrow keys within trees,
tables and lists, and Alt with an underlined letter presses that button or shows that tab. Tab
reaches the plots too: + and - zoom, the arrow keys pan and Home shows all of it again. The
window follows the desktop's light or dark colours, its font size and its display scale.</p>

<h2>The command line</h2>
<p><code>explorer PATH</code> opens PATH in the window (in the running window, if there is
one). Without a window: <code>explorer inspect PATH</code> lists the variables
(<code>--json</code> for one JSON object, <code>--verify</code> checks the checksums,
<code>--tensor NAME --out FILE.npy</code> saves values) and <code>explorer run PATH --feed
NAME=FILE.npz</code> runs the model.</p>
"""


def guide_html(shortcuts: Sequence[tuple[str, str]]) -> str:
    """The guide as rich text; `shortcuts` (what, keys) become its last section."""
    rows = "".join(
        f'<tr><td style="padding-right: 24px">{html.escape(what)}</td>'
        f"<td><b>{html.escape(keys)}</b></td></tr>"
        for what, keys in shortcuts
    )
    table = f'<table cellspacing="0" cellpadding="3">{rows}</table>'
    return f"<h1>{APP_NAME}</h1>{GUIDE_SECTIONS}<h2>Keyboard shortcuts</h2>{table}"


class GuideDialog(QDialog):
    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle(f"{APP_NAME} guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(guide_html(shortcuts))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(640, 680)


def version_rows(tensorflow: str) -> list[tuple[str, str]]:
    return [
        (APP_NAME, explorer.__version__),
        ("TensorFlow", tensorflow),
        ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
        ("Python", platform.python_version()),
        ("NumPy", numpy.__version__),
    ]


def ask_engine_versions(engine: EngineBridge) -> dict:
    """Runs in a worker: the engine's reply to ping, {"pid", "tensorflow"}."""
    return engine.request("ping")


class AboutDialog(QDialog):
    def __init__(self, engine: EngineBridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.tensorflow = "asking the engine…"
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self._show()
        self._ask = JobSlot(self)
        self._ask.sig_done.connect(self._on_reply)
        self._ask.sig_failed.connect(self._on_failure)
        self._ask.start(partial(ask_engine_versions, engine))

    def has_pending(self) -> bool:
        return self._ask.has_pending()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._ask.cancel()
        super().closeEvent(event)

    def _on_reply(self, reply: dict) -> None:
        self.tensorflow = str(reply.get("tensorflow", "unknown"))
        self._show()

    def _on_failure(self, failure: JobFailure) -> None:
        error = failure.error
        reason = str(error) if isinstance(error, ModelError) else f"{type(error).__name__}: {error}"
        self.tensorflow = f"not available ({reason.rstrip('.')})"
        self._show()

    def _show(self) -> None:
        rows = "".join(
            f'<tr><td style="padding-right: 16px">{html.escape(name)}</td>'
            f"<td>{html.escape(version)}</td></tr>"
            for name, version in version_rows(self.tensorflow)
        )
        self.label.setText(
            f"<h2>{APP_NAME}</h2>"
            "<p>Looks inside TensorFlow checkpoints, above all those of models trained on sparse "
            "input. TensorFlow runs in a separate engine process.</p>"
            f'<table cellspacing="0" cellpadding="2">{rows}</table>'
        )
