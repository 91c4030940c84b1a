"""One window per user and display: a second `explorer PATH` hands PATH to the running window.

The senders run in child processes, as they do for real (and because a blocking hand-over in
this process would keep Python's lock from the server answering it). Every test listens under
a name of its own, in a private directory, so that none ever talks to a real running explorer.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from explorer.ui.application import open_handed_over
from explorer.ui.single_instance import (
    NEW_WINDOW_ENV,
    InstanceServer,
    SingleInstance,
    default_server_name,
    hand_over,
    wants_new_window,
)

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="tests POSIX socket files"),
    # Raising the window is the window system's job; the offscreen platform has none.
    pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$"),
]
CHILD_TIMEOUT_MS = 60_000

SEND = """
import sys
from explorer.ui.single_instance import SingleInstance
print(SingleInstance(sys.argv[1]).hand_over(sys.argv[2:]))
"""

CRASH_WHILE_LISTENING = """
import os, signal, sys
from PySide6.QtCore import QCoreApplication
from explorer.ui.single_instance import InstanceServer, SingleInstance
app = QCoreApplication([])
instance = SingleInstance(sys.argv[1])
assert not instance.hand_over([])  # takes the start-up lock
server = InstanceServer(sys.argv[1], lambda paths: True)
assert server.listen()
os.kill(os.getpid(), signal.SIGKILL)
"""

SLOW_TO_START = """
import sys, time
from PySide6.QtCore import QCoreApplication, QTimer
from explorer.ui.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(sys.argv[1])
assert not instance.hand_over([])
print("starting", flush=True)
time.sleep(1.5)  # a window being built

def received(paths):
    print("received", *paths, flush=True)
    app.quit()
    return True

assert instance.serve(received)
QTimer.singleShot(30_000, app.quit)
app.exec()
"""

RUN_GUI_AND_QUIT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from explorer.ui.application import run_gui
from explorer.ui.main_window import MainWindow

def quit_at_once():
    for window in app.topLevelWidgets():
        if isinstance(window, MainWindow):
            print("a window of its own", flush=True)
            window.close()

QTimer.singleShot(0, quit_at_once)
sys.exit(run_gui(sys.argv[1:]))
"""


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """Private and short: a socket's path must fit in about a hundred bytes."""
    directory = Path(tempfile.mkdtemp(prefix="ce-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def child_env(socket_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a second `explorer` on the same (made-up) display as this test."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "DISPLAY": ":ce-test",
        "XDG_RUNTIME_DIR": str(socket_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop(NEW_WINDOW_ENV, None)
    return env


@pytest.fixture
def served_window(window, child_env: dict[str, str]) -> Iterator:
    """The test's window, listening under the name a second `explorer` in child_env uses."""
    instance = SingleInstance(default_server_name("offscreen", child_env))
    assert not instance.hand_over([])
    assert instance.serve(lambda paths: open_handed_over(window, paths), parent=window)
    yield window
    instance.close()


def run_child(qtbot, tmp_path: Path, args: list[str], env: dict[str, str], cwd: Path | None = None):
    """Run `python ARGS` while this process's event loop keeps serving; (status, out, err)."""
    out, err = tmp_path / "child.out", tmp_path / "child.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=cwd, stdout=stdout, stderr=stderr
        )
        try:
            qtbot.waitUntil(lambda: child.poll() is not None, timeout=CHILD_TIMEOUT_MS)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    return child.returncode, out.read_text(), err.read_text()


def test_a_second_explorer_opens_its_relative_path_as_a_tab_of_the_running_window(
    qtbot, gui, served_window, child_env, samples_dir, tmp_path
):
    client_dir = tmp_path / "elsewhere"
    shutil.copytree(samples_dir / "custom_sparse_triplet", client_dir / "triplet")
    served_window.showMinimized()
    status, out, err = run_child(
        qtbot, tmp_path, ["-m", "explorer", "triplet"], child_env, client_dir
    )
    assert status == 0, err
    # Resolved in the second explorer's working directory, not in this (the window's) one.
    expected = str(client_dir / "triplet")
    assert out == f"explorer: opened {expected} in the running window.\n"
    gui.wait_idle()
    (tab,) = served_window.tabs()
    assert tab.path == expected
    assert tab.checkpoint is not None and tab.title() == "triplet"
    assert not served_window.isMinimized()


def test_a_second_explorer_without_paths_raises_the_running_window(
    qtbot, served_window, child_env, tmp_path
):
    served_window.showMinimized()
    status, out, err = run_child(qtbot, tmp_path, ["-m", "explorer"], child_env)
    assert (status, out) == (0, "explorer: raised the running window.\n"), err
    assert served_window.tabs() == []
    assert not served_window.isMinimized()


def test_new_window_bypasses_the_running_window(qtbot, served_window, child_env, tmp_path):
    env = {**child_env, NEW_WINDOW_ENV: "1"}
    status, out, err = run_child(qtbot, tmp_path, ["-c", RUN_GUI_AND_QUIT, "somewhere"], env)
    assert (status, out) == (0, "a window of its own\n"), err
    assert served_window.tabs() == []


def test_a_closing_window_refuses_paths_so_the_sender_opens_its_own(window):
    window.close()
    assert not open_handed_over(window, ["/somewhere"])
    assert window.tabs() == []


def test_without_a_running_window_the_hand_over_fails_at_once(socket_dir):
    started = time.monotonic()
    assert not hand_over(["/somewhere"], str(socket_dir / "nobody"))
    assert not hand_over(["/somewhere"], f"ce-nobody-{os.getpid()}")  # a bare name
    assert time.monotonic() - started < 0.5


def test_a_window_that_does_not_answer_delays_the_next_explorer_briefly(socket_dir):
    name = str(socket_dir / "hung")
    hung = QLocalServer()  # accepts connections (the system does), never reads them
    assert hung.listen(name)
    started = time.monotonic()
    assert not hand_over(["/somewhere"], name, timeout_ms=300)
    assert 0.25 < time.monotonic() - started < 2
    hung.close()


def test_the_socket_and_lock_of_a_crashed_explorer_are_taken_over(
    qtbot, gui, window, socket_dir, tmp_path, samples_dir
):
    name = str(socket_dir / "explorer")
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_WHILE_LISTENING, name], capture_output=True, timeout=60
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert Path(name).exists() and Path(f"{name}.lock").exists()

    instance = SingleInstance(name)
    started = time.monotonic()
    assert not instance.hand_over([])
    assert time.monotonic() - started < 1  # no wait for the dead one's lock, no answer awaited
    assert instance.serve(lambda paths: open_handed_over(window, paths), parent=window)
    path = str(samples_dir / "tf2_object_checkpoint")
    status, out, err = run_child(qtbot, tmp_path, ["-c", SEND, name, path], os.environ.copy())
    assert (status, out) == (0, "True\n"), err
    gui.wait_idle()
    assert [tab.path for tab in window.tabs()] == [path]
    instance.close()
    assert not Path(name).exists()


def test_explorers_started_together_make_one_window(socket_dir, tmp_path):
    """The second waits while the first builds its window, instead of building one too."""
    name = str(socket_dir / "explorer")
    out = tmp_path / "first.out"
    with out.open("w") as stdout:
        first = subprocess.Popen([sys.executable, "-c", SLOW_TO_START, name], stdout=stdout)
        try:
            deadline = time.monotonic() + 60
            while "starting" not in out.read_text() and first.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            second = subprocess.run(
                [sys.executable, "-c", SEND, name, "/from/the/second"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.stdout == "True\n", second.stderr
            assert first.wait(timeout=60) == 0
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
    assert out.read_text() == "starting\nreceived /from/the/second\n"


def test_a_message_that_is_not_a_request_is_refused(qtbot, socket_dir):
    name = str(socket_dir / "explorer")
    opened: list[list[str]] = []
    server = InstanceServer(name, lambda paths: opened.append(paths) is None)
    assert server.listen()

    def exchange(message: bytes) -> bytes:
        socket = QLocalSocket()
        socket.connectToServer(name)
        socket.write(message)
        qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState)
        return socket.readAll().data()

    assert exchange(b"GET / HTTP/1.0\n") == b"no\n"
    assert exchange(b'{"open": [3]}\n') == b"no\n"
    assert opened == []
    assert exchange(b'{"open": ["/a", "/b"]}\n') == b"ok\n"
    assert opened == [["/a", "/b"]]
    server.close()


def test_the_server_name_is_per_user_display_and_platform(monkeypatch, tmp_path):
    name = default_server_name("xcb", {"DISPLAY": ":0"})
    assert name.startswith("checkpoint-explorer-") and "/" not in name
    assert name == default_server_name("xcb", {"DISPLAY": ":0.0"})  # the same display
    assert name != default_server_name("xcb", {"DISPLAY": ":1"})
    assert name != default_server_name("offscreen", {"DISPLAY": ":0"})
    assert name != default_server_name("wayland", {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wl-0"})
    in_runtime_dir = default_server_name("xcb", {"DISPLAY": ":0", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert in_runtime_dir == str(tmp_path / name)
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 1)
    assert name != default_server_name("xcb", {"DISPLAY": ":0"})


@pytest.mark.parametrize(
    ("value", "wanted"), [("1", True), ("yes", True), ("", False), ("0", False), ("false", False)]
)
def test_the_new_window_variable(value, wanted):
    assert wants_new_window({NEW_WINDOW_ENV: value}) is wanted
    assert not wants_new_window({})


def test_a_request_read_after_its_sender_gave_up_is_not_opened() -> None:
    """A window busy for longer than the sender waits must not open the paths as well: the
    sender has started a window of its own by then."""
    from explorer.ui.single_instance import REPLY_MARGIN_S, decode_request, encode_request

    line = encode_request(["/a"], deadline=100.0).rstrip(b"\n")
    assert decode_request(line, now=100.0 - REPLY_MARGIN_S - 0.01) == ["/a"]
    assert decode_request(line, now=100.0 - REPLY_MARGIN_S + 0.01) is None
    assert decode_request(encode_request(["/a"]).rstrip(b"\n")) == ["/a"]  # no deadline: ok


def test_a_busy_windows_socket_is_not_taken_from_it(qtbot, socket_dir: Path) -> None:
    from explorer.ui.single_instance import InstanceServer

    name = str(socket_dir / "busy")
    first = InstanceServer(name, lambda paths: True)
    assert first.listen()
    second = InstanceServer(name, lambda paths: True)
    assert not second.listen()  # the first still listens: later explorers reach it
    assert Path(name).exists()
    second.close()
    first.close()
