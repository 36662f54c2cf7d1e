"""urllib3's Retry, bounded by count and by total time, with token-free descriptions of failures."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from itertools import takewhile
from types import TracebackType
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError as _ConnectTimeoutError
from urllib3.exceptions import (
    InvalidHeader,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.util.retry import Retry

log = logging.getLogger("reconciler.client")
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Attempts:
    """What one request went through; shared by the Retry objects urllib3 derives for each attempt."""

    def __init__(
        self,
        what: str,
        max_attempts: int,
        max_elapsed: float,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.what = what  # what the request is for: "reading the users and groups"
        self.notify = notify  # told of every retry (the CLI shows it); None: the retry is logged
        self.max_attempts = max_attempts
        self.max_elapsed = max_elapsed
        self.started = time.monotonic()
        self.count = 1
        self.last_cause: str | None = None
        self.out_of_time = False

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class BoundedRetry(Retry):
    """urllib3 Retry that also gives up when the next wait would pass the request's time budget, and logs."""

    def __init__(self, *args: Any, attempts: Attempts | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts
        self.planned_wait: float | None = None

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("attempts", self.attempts)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        # Servers send whole seconds; accept decimal seconds too instead of failing on them.
        try:
            seconds = float(retry_after.strip())
        except ValueError:
            return super().parse_retry_after(retry_after)
        return seconds if math.isfinite(seconds) and seconds >= 0 else 0.0

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: TracebackType | None = None,
    ) -> BoundedRetry:
        tracker = self.attempts
        cause = describe_failure(response, error)
        if tracker is not None:
            tracker.last_cause = cause
        if error is not None and not _heals(error):
            # A host name that does not resolve or a certificate problem does not heal by retrying.
            raise MaxRetryError(_pool, url or "", error) from error
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = new._wait_for(response)
        if tracker is not None:
            if tracker.elapsed() + wait > tracker.max_elapsed:
                tracker.out_of_time = True
                reason = error or ResponseError(cause)
                raise MaxRetryError(_pool, url or "", reason) from reason
            tracker.count += 1
            text = (
                f"{tracker.what}: retrying in {wait:.1f} s "
                f"({cause}, attempt {tracker.count} of {tracker.max_attempts})"
            )
            if tracker.notify is not None:
                tracker.notify(text)
            else:
                log.info("%s", text)
        new.planned_wait = wait
        return new

    def get_backoff_time(self) -> float:
        # urllib3 retries the first time at once; wait `backoff_factor` first, as --retry-backoff says, then
        # double it (a refused connection is not back a millisecond later).
        errors = len(list(takewhile(lambda x: x.redirect_location is None, reversed(self.history))))
        if errors < 1:
            return 0.0
        wait = self.backoff_factor * (2 ** (errors - 1))
        if self.backoff_jitter:
            wait += random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, wait)))

    def _wait_for(self, response: Any) -> float:
        if self.respect_retry_after_header and response is not None:
            try:
                retry_after = self.get_retry_after(response)
            except InvalidHeader:
                retry_after = None
            if retry_after is not None:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: Any = None) -> None:
        # Sleep exactly what was logged and checked against the budget (the jitter is drawn once).
        if self.planned_wait is None:
            super().sleep(response)
        elif self.planned_wait > 0:
            time.sleep(self.planned_wait)


def _heals(error: BaseException) -> bool:
    """Whether retrying can help: not for a name that does not resolve, nor for a TLS failure."""
    seen: set[int] = set()
    err: BaseException | None = error
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, (NameResolutionError, SSLError)):
            return False
        inner = next((a for a in err.args if isinstance(a, BaseException)), None)  # ProxyError(msg, err)
        err = getattr(err, "reason", None) or inner or err.__cause__ or err.__context__
    return True


def describe_failure(response: Any, error: Exception | None) -> str:
    if response is not None and error is None:
        return f"{response.status} {response.reason or ''}".strip().lower()
    return describe_error(error)


def describe_error(error: BaseException | None) -> str:
    """A short, token-free phrase for a transport failure."""
    seen: set[int] = set()
    err = error
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, MaxRetryError) and err.reason is not None:
            err = err.reason
            continue
        if isinstance(err, NameResolutionError):
            return "host name not found"
        if isinstance(err, NewConnectionError):
            text = str(err).lower()
            if "refused" in text:
                return "connection refused"
            if "timed out" in text:
                return "connect timed out"
            return "could not connect"
        if isinstance(err, _ConnectTimeoutError):
            return "connect timed out"
        if isinstance(err, ReadTimeoutError):
            return "read timed out"
        if isinstance(err, SSLError):
            return f"TLS error: {err}"
        if isinstance(err, ProtocolError):
            return "connection dropped by the server"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, requests.exceptions.RequestException) and err.args:
            inner = err.args[0]
            if isinstance(inner, BaseException):
                err = inner
                continue
        err = err.__cause__ or err.__context__
    return "connection failed"
