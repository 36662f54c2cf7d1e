"""Targets: which GoodData organization a command talks to, and with which credentials (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetSpec:
    """A target as reconciler.yaml declares it; `token` is the reference as written (`$NAME`), never a secret."""

    name: str
    host: str | None = None
    token: str | None = None
    profile: str | None = None

    @property
    def is_local(self) -> bool:
        """The embedded organization: no host and no profile."""
        return self.host is None and self.profile is None
