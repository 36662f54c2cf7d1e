"""Fault injection: scripted faults for tests, and random 503s for --fail-rate."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

WRITES = frozenset({"PUT", "POST", "PATCH", "DELETE"})


@dataclass(frozen=True, kw_only=True)
class Fault:
    """One misbehaviour of the server; build it with the class methods."""

    kind: str  # "status", "drop", "drop_after_apply", "ignore_field", "delay"
    status_code: int | None = None
    retry_after: float | None = None
    field_name: str | None = None
    seconds: float = 0.0

    @classmethod
    def status(cls, code: int, retry_after: float | None = None) -> Fault:
        """Answer with `code` (a problem+json body), with a Retry-After header when given."""
        return cls(kind="status", status_code=code, retry_after=retry_after)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without processing the request or answering."""
        return cls(kind="drop")

    @classmethod
    def drop_after_apply(cls) -> Fault:
        """Apply the write (state changed and persisted), then close the connection without answering."""
        return cls(kind="drop_after_apply")

    @classmethod
    def ignore_field(cls, name: str) -> Fault:
        """Accept the write but silently drop field `name` (a layout field) of every user and group in it."""
        return cls(kind="ignore_field", field_name=name)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait `seconds` before answering."""
        return cls(kind="delay", seconds=seconds)

    @property
    def writes_only(self) -> bool:
        """Whether the fault only makes sense for (and only fires on) a write: PUT, POST, PATCH, DELETE."""
        return self.kind in ("drop_after_apply", "ignore_field")


@dataclass
class _Entry:
    fault: Fault
    method: str | None
    path: str | None
    times: int


@dataclass
class FaultQueue:
    """Scripted faults, matched in the order they were added; each fires `times` times."""

    _entries: list[_Entry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self, fault: Fault, *, method: str | None = None, path: str | None = None, times: int = 1
    ) -> None:
        """Fire `fault` on the next `times` requests matching `method` and `path` (None matches any)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._entries.append(_Entry(fault, method.upper() if method else None, path, times))

    def clear(self) -> None:
        """Forget every fault not fired yet."""
        with self._lock:
            self._entries.clear()

    def pending(self) -> int:
        """How many firings are left."""
        with self._lock:
            return sum(e.times for e in self._entries)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any (consumes one firing)."""
        with self._lock:
            for entry in self._entries:
                if entry.method is not None and entry.method != method:
                    continue
                if entry.path is not None and entry.path != path:
                    continue
                if entry.fault.writes_only and method not in WRITES:
                    continue
                entry.times -= 1
                if entry.times == 0:
                    self._entries.remove(entry)
                return entry.fault
        return None


class RandomFailures:
    """Answers a share of requests with 503, from a seeded generator so a run can be repeated."""

    def __init__(self, rate: float, seed: int | None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def should_fail(self) -> bool:
        """Draw for one request."""
        if self.rate <= 0.0:
            return False
        with self._lock:
            return self._rng.random() < self.rate
