"""A validation problem: where, how bad, what, and which rule found it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reconciler.source.model import Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem of the desired state; `str()` is `path:line:col: severity: message`."""

    location: Location
    severity: Severity
    message: str
    rule: str

    def __str__(self) -> str:
        where = str(self.location) if self.location.line else self.location.path
        return f"{where}: {self.severity}: {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int]:
        """Problems are reported by file, line, column."""
        return (self.location.path, self.location.line, self.location.column)
