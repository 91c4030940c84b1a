"""Verifying a variable's checksum from the detail pane."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from explorer.core.bundle import BundleReader
from explorer.ui.checksum_bar import MATCH


def test_verify_checksum_of_an_intact_variable(qtbot, gui, samples_dir):
    tab = gui.open(samples_dir / "tf1_sparse_placeholder")
    gui.select(tab, "embedding")  # partitioned: every slice is checked
    bar = tab.detail.checksum
    assert bar.isVisible() and bar.verdict.text() == ""
    qtbot.mouseClick(bar.button, Qt.LeftButton)
    gui.wait_idle()
    assert bar.verdict.text() == MATCH


def test_verify_checksum_reports_damaged_bytes(qtbot, gui, samples_dir, tmp_path):
    copy = tmp_path / "triplet"
    shutil.copytree(samples_dir / "custom_sparse_triplet", copy)
    prefix = copy / "model.ckpt-100"
    reader = BundleReader(prefix)
    entry = reader._entries["dense/kernel"]  # flip one byte inside this variable's region
    data = copy / "model.ckpt-100.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[entry.offset + 5] ^= 0xFF
    data.write_bytes(bytes(raw))

    tab = gui.open(copy)
    gui.select(tab, "dense/kernel")
    bar = tab.detail.checksum
    qtbot.mouseClick(bar.button, Qt.LeftButton)
    gui.wait_idle()
    assert "checksum of 'dense/kernel' does not match" in bar.verdict.text()
    gui.select(tab, "dense/bias")  # another variable: the verdict is cleared, the check is fresh
    assert bar.verdict.text() == ""
    qtbot.mouseClick(bar.button, Qt.LeftButton)
    gui.wait_idle()
    assert bar.verdict.text() == MATCH


def test_scopes_offer_no_checksum(gui, samples_dir):
    tab = gui.open(samples_dir / "custom_sparse_triplet")
    gui.select(tab, "dense/kernel")
    tab.detail.show_node(None, None)
    assert not tab.detail.checksum.isVisible()
