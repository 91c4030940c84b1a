"""The engine child process and its client: framing, log forwarding, cancel, crashes, replay.

Most tests use the engine's test ops (echo, sleep, abort, log, exit) and one client shared by
the module: tests that kill its child also check that it keeps working, which is the point.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import ml_dtypes
import numpy as np
import psutil
import pytest

from explorer.core.errors import FeedError, ModelError
from explorer.core.model_spec import EntryPoint, InputSpec, ModelInfo, OutputSpec, SparseArray
from explorer.engine import engine_child
from explorer.engine.cancel_token import CancelToken
from explorer.engine.engine_client import EngineClient
from explorer.engine.engine_protocol import (
    HELLO_ID,
    FrameError,
    decode_reply,
    encode,
    read_frame_bytes,
    write_frame,
)

TIMEOUT = 30.0  # a child start imports TensorFlow: a few seconds on a slow machine


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def kill_while_idle(client: EngineClient) -> None:
    os.kill(client.pid, signal.SIGKILL)
    wait_until(lambda: not client.running)


class Recorder:
    """A client whose log lines and states are kept for the test to look at."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.states: list[str] = []
        self.client = EngineClient(on_log=self.lines.append, on_state=self.states.append)

    def run_in_thread(self, op: str, **args) -> tuple[threading.Thread, dict]:
        outcome: dict = {}

        def target() -> None:
            started = time.monotonic()
            try:
                outcome["value"] = self.client.request(op, **args)
            except ModelError as error:
                outcome["error"] = error
            outcome["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=target)
        thread.start()
        return thread, outcome


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.client.start()
    yield recorder
    recorder.client.close()


@pytest.fixture
def client(recorder: Recorder) -> EngineClient:
    return recorder.client


def test_ping_names_the_child_and_tensorflow(client: EngineClient):
    reply = client.request("ping")
    assert reply == {"pid": client.pid, "tensorflow": metadata.version("tensorflow")}
    assert reply["pid"] != os.getpid()


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    return {
        "float16": rng.standard_normal((3, 4)).astype(np.float16),
        "float32": rng.standard_normal(5).astype(np.float32),
        "float64": np.array([np.nan, -np.inf, 1e-300, -0.0]),
        "bfloat16": np.array([1.5, -2.25], dtype=ml_dtypes.bfloat16),
        "int8": np.array([-128, 127], np.int8),
        "int64": np.array([[2**62, -(2**63)], [0, 1]], np.int64),
        "uint16": np.array([65535], np.uint16),
        "bool": np.array([True, False, True]),
        "complex64": np.array([1 + 2j], np.complex64),
        "bytes": np.array([b"a", b"", b"\x00\xff"], dtype=object),
        "text": np.array(["ünï", "x"], dtype=object),
        "scalar": np.array(7, np.int32),
        "empty": np.zeros((0, 3), np.float32),
        "strided": np.arange(20, dtype=np.int16).reshape(4, 5)[:, ::2],
        "big": rng.standard_normal(3_000_000).astype(np.float32),  # 12 MB, beyond a pipe buffer
    }


def test_numpy_arrays_round_trip_exactly(client: EngineClient):
    sent = _arrays()
    received = client.request("echo", value=sent)
    assert received.keys() == sent.keys()
    for name, array in sent.items():
        back = received[name]
        assert back.dtype == array.dtype, name
        assert back.shape == array.shape, name
        if array.dtype == object:
            assert back.tolist() == array.tolist(), name
        else:  # bytewise: NaN, -0.0 and bfloat16 compare exactly
            assert back.tobytes() == np.ascontiguousarray(array).tobytes(), name


def test_sparse_arrays_and_model_info_round_trip(client: EngineClient):
    sparse = SparseArray(
        indices=np.array([[0, 1], [2, 3]], np.int64),
        values=np.array([b"a", b"bc"], dtype=object),
        dense_shape=np.array([3, 4], np.int64),
    )
    halves = SparseArray(
        np.array([[5]], np.int64), np.array([0.5], np.float16), np.array([9], np.int64)
    )
    feature = InputSpec("x", True, "float32", (None, 1000), ("x", "x_1", "x_2"))
    output = OutputSpec("y", "float32", (None, 4))
    entry = EntryPoint("signature", "serving_default", (feature,), (output,))
    info = ModelInfo("tf2_saved_model", "/m", None, (entry,), notes=("a note",))
    back = client.request("echo", value=[sparse, halves, info])
    assert back == [sparse, halves, info]
    assert back[1].values.dtype == np.float16


def test_log_lines_reach_on_log_and_not_the_terminal(recorder: Recorder, capfd):
    client = recorder.client
    client.request("log", text="line from stderr")
    client.request("log", text="line from stdout", fd=1)  # as a model's print() would
    assert client.request("echo", value="still framed") == "still framed"
    wait_until(lambda: {"line from stderr", "line from stdout"} <= set(recorder.lines))
    captured = capfd.readouterr()
    assert "line from" not in captured.out + captured.err
    with pytest.raises(ModelError, match="fd 1 or 2"):
        client.request("log", text="into the reply pipe", fd=4)


def test_cancel_kills_a_running_request_and_the_next_one_gets_a_fresh_child(recorder: Recorder):
    client = recorder.client
    old_pid = client.request("ping")["pid"]
    token = CancelToken()
    thread, outcome = recorder.run_in_thread("sleep", seconds=60, token=token)
    wait_until(lambda: recorder.states[-1] == "busy")
    time.sleep(0.2)  # let the child start sleeping
    token.cancel()
    thread.join(TIMEOUT)
    assert str(outcome["error"]) == "The engine request sleep was cancelled."
    assert outcome["seconds"] < 10
    assert not psutil.pid_exists(old_pid)
    assert recorder.states[-1] == "stopped"
    new_pid = client.request("ping")["pid"]
    assert new_pid not in (old_pid, None)
    assert recorder.states[-3:] in (["starting", "busy", "ready"], ["ready", "busy", "ready"])


def test_a_token_cancelled_after_or_before_its_request_touches_nothing_else(client: EngineClient):
    pid = client.request("ping")["pid"]
    done = CancelToken()
    assert client.request("echo", value=1, token=done) == 1
    done.cancel()  # its request is over: the engine is left alone
    assert client.request("ping")["pid"] == pid
    early = CancelToken()
    early.cancel()
    with pytest.raises(ModelError, match="The engine request exit was cancelled"):
        client.request("exit", code=3, token=early)  # never sent, or the child would be gone
    assert client.request("ping")["pid"] == pid
    with pytest.raises(ValueError, match="one request"):
        client.request("echo", value=2, token=done)


def test_cancelling_a_waiting_request_drops_it_and_spares_the_running_one(recorder: Recorder):
    client = recorder.client
    pid = client.request("ping")["pid"]
    running = recorder.run_in_thread("sleep", seconds=1.5)
    wait_until(lambda: recorder.states[-1] == "busy")
    token = CancelToken()
    waiting = recorder.run_in_thread("log", text="the dropped request ran", token=token)
    time.sleep(0.3)  # it is in line now
    assert waiting[0].is_alive()
    token.cancel()
    waiting[0].join(TIMEOUT)
    assert str(waiting[1]["error"]) == "The engine request log was cancelled."
    assert waiting[1]["seconds"] < 1.0  # did not wait for the sleep
    running[0].join(TIMEOUT)
    assert running[1] == {"value": None, "seconds": running[1]["seconds"]}
    assert client.request("ping")["pid"] == pid
    assert "the dropped request ran" not in recorder.lines


def test_a_running_request_can_be_left_to_finish(recorder: Recorder):
    client = recorder.client
    pid = client.request("ping")["pid"]
    token = CancelToken()
    thread, outcome = recorder.run_in_thread("sleep", seconds=0.5, token=token)
    wait_until(lambda: recorder.states[-1] == "busy")
    token.cancel(stop_running=False)
    thread.join(TIMEOUT)
    assert "error" not in outcome and client.request("ping")["pid"] == pid


def test_unloading_a_model_the_engine_lacks_does_not_wait_in_line(recorder: Recorder):
    thread, _ = recorder.run_in_thread("sleep", seconds=1.5)
    wait_until(lambda: recorder.states[-1] == "busy")
    started = time.monotonic()
    assert recorder.client.request("unload", model="never loaded") is None
    assert time.monotonic() - started < 0.5
    thread.join(TIMEOUT)


def test_abort_is_one_sentence_and_the_next_request_works(recorder: Recorder):
    client = recorder.client
    client.request("log", text="last words")
    with pytest.raises(ModelError) as caught:
        client.request("abort")
    message = str(caught.value)
    assert message == (
        "The engine process stopped (killed by signal 6, SIGABRT) while running abort; "
        "the next request starts a fresh one."
    )
    assert "last words" in caught.value.details
    assert client.request("echo", value=3) == 3


def test_exit_status_is_reported(client: EngineClient):
    with pytest.raises(ModelError, match=r"stopped \(exit status 3\) while running exit;"):
        client.request("exit", code=3)
    assert client.request("echo", value=4) == 4


def test_a_child_killed_while_idle_is_replaced(recorder: Recorder):
    client = recorder.client
    pid = client.request("ping")["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not client.running and recorder.states[-1] == "stopped")
    assert client.pid is None
    assert client.request("ping")["pid"] != pid


def test_failures_in_a_handler_are_model_errors_with_details(client: EngineClient):
    with pytest.raises(ModelError) as caught:
        client.request("sleep", seconds="long")
    assert str(caught.value).startswith("The engine failed while running sleep: TypeError: ")
    assert "Traceback" in caught.value.details and "time.sleep" in caught.value.details
    with pytest.raises(ModelError, match="no operation named 'frobnicate'"):
        client.request("frobnicate")
    with pytest.raises(ModelError, match="no model loaded as 'nothing'"):
        client.request("run", model="nothing", entry="graph", feeds={})
    with pytest.raises(TypeError, match="reserved"):
        client.request("echo", value=1, id=5)
    assert client.request("echo", value=5) == 5  # and the child is still the same one


def test_model_errors_keep_their_class_and_details(client: EngineClient):
    feed_error = FeedError("The index 7 is out of bounds.", "the whole story")
    # An exception as a value takes the same pickling path as an error reply.
    back = client.request("echo", value=feed_error)
    assert type(back) is FeedError
    assert (str(back), back.details) == (str(feed_error), "the whole story")


def test_concurrent_requests_are_serialized(recorder: Recorder):
    results: dict[int, list[bool]] = {}

    def worker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        checks = results.setdefault(seed, [])
        for _ in range(10):
            array = rng.standard_normal(rng.integers(1, 200_000)).astype(np.float32)
            checks.append(np.array_equal(recorder.client.request("echo", value=array), array))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    sleepers = [recorder.run_in_thread("sleep", seconds=0.4) for _ in range(2)]
    for thread, _ in sleepers:
        thread.join(TIMEOUT)
    for thread in threads:
        thread.join(TIMEOUT)
    assert time.monotonic() - started >= 0.8  # the two sleeps ran one after the other
    assert results == {1: [True] * 10, 2: [True] * 10}
    assert all("error" not in outcome for _, outcome in sleepers)


def test_close_cancels_the_request_leaves_no_child_and_refuses_later_requests():
    recorder = Recorder()
    pid = recorder.client.request("ping")["pid"]
    assert psutil.Process(pid).ppid() == os.getpid()
    thread, outcome = recorder.run_in_thread("sleep", seconds=60)
    wait_until(lambda: recorder.states[-1] == "busy")
    recorder.client.close()
    recorder.client.close()
    thread.join(TIMEOUT)
    assert str(outcome["error"]) == "The engine request sleep was cancelled."
    assert not psutil.pid_exists(pid)
    assert pid not in [child.pid for child in psutil.Process().children()]
    assert not recorder.client.running and recorder.client.pid is None
    assert recorder.states[-1] == "stopped"
    with pytest.raises(ModelError, match="closed"):
        recorder.client.request("ping")


def test_the_child_exits_when_its_stdin_closes_and_keeps_stdout_for_frames():
    child = subprocess.Popen(
        [sys.executable, "-m", engine_child.ENGINE_MODULE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=engine_child.environment(),
    )
    with child:
        hello = decode_reply(read_frame_bytes(child.stdout))
        assert hello["id"] == HELLO_ID and hello["value"]["pid"] == child.pid
        child.stdin.close()
        assert child.wait(TIMEOUT) == 0
        assert child.stdout.read() == b""  # nothing but frames ever reached stdout


def test_the_window_refuses_replies_that_would_import_tensorflow():
    body = encode({"id": 1, "ok": True, "value": ModelError})
    assert decode_reply(body)["value"] is ModelError
    # Same lengths, so the pickle stays well formed and only the module differs.
    for module in (b"tensorflow.io.errors", b"explorer.engine.errs"):
        with pytest.raises(FrameError, match=module.decode()):
            decode_reply(body.replace(b"explorer.core.errors", module))


@pytest.fixture(scope="module")
def sample_run(samples_dir: Path) -> dict:
    """The request that runs the bundled SavedModel on a sparse feed, and TensorFlow's answer."""
    import tensorflow as tf  # the oracle, in the test process

    saved_model = samples_dir / "savedmodel_sparse"
    indices = np.array([[0, 3], [0, 500], [1, 999]], np.int64)
    values = np.array([1.0, -2.0, 0.5], np.float32)
    dense_shape = np.array([2, 1000], np.int64)
    module = tf.saved_model.load(str(saved_model))
    expected = module(tf.sparse.SparseTensor(indices, values, dense_shape))["predictions"]
    return {
        "path": str(saved_model),
        "entry": "signature:serving_default",
        "feeds": {"x": SparseArray(indices, values, dense_shape)},
        "outputs": None,
        "expected": expected.numpy(),
    }


def _run_sample(client: EngineClient, sample_run: dict, model: str) -> np.ndarray:
    args = {key: sample_run[key] for key in ("entry", "feeds", "outputs")}
    (output,) = client.request("run", model=model, **args).values()
    return output


def test_loads_are_replayed_in_a_fresh_child(client: EngineClient, sample_run: dict):
    info = client.request("load", model="sample", path=sample_run["path"], prefix=None)
    assert "signature:serving_default" in [entry.key for entry in info.entries]
    expected = sample_run["expected"]
    np.testing.assert_allclose(_run_sample(client, sample_run, "sample"), expected, rtol=1e-6)

    pid = client.pid
    kill_while_idle(client)  # crashed while idle
    np.testing.assert_allclose(_run_sample(client, sample_run, "sample"), expected, rtol=1e-6)
    assert client.pid != pid

    client.request("unload", model="sample")  # forgets it: nothing to replay any more
    with pytest.raises(ModelError, match="exit status 0"):  # crashed while busy
        client.request("exit")
    with pytest.raises(ModelError, match="no model loaded as 'sample'"):
        _run_sample(client, sample_run, "sample")


def test_failed_loads_and_failed_replays_are_forgotten(
    client: EngineClient, sample_run: dict, tmp_path: Path
):
    client.request("load", model="sample", path=sample_run["path"], prefix=None)
    with pytest.raises(ModelError) as caught:  # a failed load replaces the key with nothing
        client.request("load", model="sample", path=str(tmp_path), prefix=None)
    assert str(tmp_path) in str(caught.value)
    copy = tmp_path / "copy"
    shutil.copytree(sample_run["path"], copy)
    client.request("load", model="copy", path=str(copy), prefix=None)
    kill_while_idle(client)
    shutil.rmtree(copy)

    with pytest.raises(ModelError, match="no model loaded as 'sample'"):
        _run_sample(client, sample_run, "sample")
    assert client.has_model("copy")
    with pytest.raises(ModelError) as caught:  # the replay itself fails
        _run_sample(client, sample_run, "copy")
    assert str(copy) in str(caught.value)
    assert not client.has_model("copy")
    for _ in range(2):  # from now on, one sentence that says what to do
        with pytest.raises(ModelError) as caught:
            _run_sample(client, sample_run, "copy")
        assert str(caught.value) == (
            f"The engine restarted and could not load the model {copy} again; reload the model."
        )
    client.request("load", model="copy", path=sample_run["path"], prefix=None)  # reloaded
    expected = sample_run["expected"]
    np.testing.assert_allclose(_run_sample(client, sample_run, "copy"), expected, rtol=1e-6)
    client.request("unload", model="copy")


def test_frames_out_of_step_are_errors_and_cut_frames_are_eof():
    stream = io.BytesIO()
    write_frame(stream, encode({"id": 1}))
    frame = stream.getvalue()
    assert pickle.loads(read_frame_bytes(io.BytesIO(frame))) == {"id": 1}
    with pytest.raises(EOFError):
        read_frame_bytes(io.BytesIO(frame[:-1]))
    with pytest.raises(FrameError, match="starts with b'hell'"):
        read_frame_bytes(io.BytesIO(b"hello world, printed by a model\n" + frame))


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie its new parent has not reaped yet."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _start_helper(code: str) -> tuple[subprocess.Popen[str], int]:
    """A Python process running `code`, which prints the pid of a process it started."""
    helper = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              env=engine_child.environment())  # fmt: skip
    line = helper.stdout.readline()
    assert line.strip().isdigit(), f"the helper said {line!r}"
    return helper, int(line)


def _kill_helper(helper: subprocess.Popen[str], pid: int) -> None:
    time.sleep(0.5)
    assert not _gone(pid)
    helper.kill()
    helper.wait()
    helper.stdout.close()
    wait_until(lambda: _gone(pid), timeout=5.0)


_WINDOW_DIES_MID_RUN = """
import threading
from explorer.engine.engine_client import EngineClient

client = EngineClient()
first = []
# Asked from a thread that then ends, as pool threads do: the engine must outlive the thread.
asker = threading.Thread(target=lambda: first.append(client.request("ping")["pid"]))
asker.start()
asker.join()
assert client.request("ping")["pid"] == first[0], "the engine died with the thread"
print(first[0], flush=True)
client.request("sleep", seconds=300)
"""


def test_the_engine_dies_with_the_window_even_mid_run():
    helper, engine_pid = _start_helper(_WINDOW_DIES_MID_RUN)
    _kill_helper(helper, engine_pid)


_WATCHED_CHILD = """
import os, subprocess, sys
code = (
    "import os, time\\n"
    "from explorer.engine.engine_process import watch_parent\\n"
    "watch_parent(int(os.environ['EXPLORER_ENGINE_PARENT']))\\n"
    "time.sleep(300)\\n"
)
env = dict(os.environ, EXPLORER_ENGINE_PARENT=str(os.getpid()))
child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
print(child.pid, flush=True)
child.wait()
"""


def test_the_watchdog_ends_a_process_whose_parent_died():
    """Without the parent-death signal (other systems), the watchdog does it alone."""
    helper, child_pid = _start_helper(_WATCHED_CHILD)
    _kill_helper(helper, child_pid)
