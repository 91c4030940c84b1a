"""A handle that cancels one engine request: `client.request(op, token=token, ...)`."""

from __future__ import annotations

import threading
from typing import Any, Protocol


class Canceller(Protocol):
    """The client a token's request went to."""

    def cancel_request(self, token: CancelToken, stop_running: bool) -> None: ...


class CancelToken:
    """Cancels the one request it is given to.

    A request whose token is cancelled before it reaches the engine never does; one the engine
    is running is stopped by killing the engine. Either way the request raises 'cancelled'.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._client: Canceller | None = None
        self.model: Any = None  # the model its request names

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self, stop_running: bool = True) -> None:
        """With `stop_running` False, a request the engine is already running is left to end."""
        with self._lock:
            client = self._client
            if client is None:  # its request has not started: it never will
                self._cancelled = True
                return
        client.cancel_request(self, stop_running)

    # -- for the client ----------------------------------------------------------------------

    def attach(self, client: Canceller, model: Any) -> bool:
        """Ties the token to its request; False if it was cancelled before."""
        with self._lock:
            if self._client is not None:
                raise ValueError("a CancelToken serves one request only")
            self._client, self.model = client, model
            return not self._cancelled

    def mark_cancelled(self) -> None:
        """Called by the client, which decides what cancelling means at this point."""
        self._cancelled = True
