"""The requests an emulator saw, for tests to read: shared by both emulators."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

REQUEST_LOG_SIZE = 10_000


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator saw; `status` is None when the connection was dropped without an answer."""

    method: str
    path: str
    status: int | None
    trace_id: str
    body: bytes | None = None


class RequestLog:
    """The last REQUEST_LOG_SIZE requests, oldest first; mixed into an emulator's state."""

    def __init__(self) -> None:
        self._log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()

    def record(self, method: str, path: str, status: int | None, trace_id: str, body: bytes | None) -> None:
        with self._log_lock:
            self._log.append(RequestRecord(method, path, status, trace_id, body))

    @property
    def request_log(self) -> list[RequestRecord]:
        """The requests seen so far (the last REQUEST_LOG_SIZE), oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        """Forget the requests seen so far."""
        with self._log_lock:
            self._log.clear()
