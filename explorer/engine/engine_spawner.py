"""Starting engine children from one thread that lives as long as the window's process.

The engine asks Linux to kill it when its parent dies (PR_SET_PDEATHSIG), and Linux sends that
signal when the *thread* that forked the child ends, not the process. Requests come from pool
threads that come and go, so children are forked here, from a thread that never ends.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from typing import Any

_jobs: queue.Queue[tuple[tuple, dict, queue.Queue]] = queue.Queue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _serve() -> None:
    while True:
        args, kwargs, outcome = _jobs.get()
        try:
            outcome.put(subprocess.Popen(*args, **kwargs))
        except BaseException as exc:  # handed to the caller, which raises it in its thread
            outcome.put(exc)


def spawn(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    """subprocess.Popen(*args, **kwargs), called in the spawner thread; blocks until it returns."""
    global _thread
    with _thread_lock:
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="engine-spawner", daemon=True)
            _thread.start()
    outcome: queue.Queue[Any] = queue.Queue(maxsize=1)
    _jobs.put((args, kwargs, outcome))
    result = outcome.get()
    if isinstance(result, BaseException):
        raise result
    return result
