"""The one exception tree of the project and the exit codes it maps to (SPEC §5).

Library code raises these; only the CLI turns them into an exit code and a one-line message.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The documented exit codes of every command."""

    OK = 0  # success, or no changes
    RUNTIME = 1  # network, API, I/O
    CHANGES = 2  # changes present (only with --detailed-exitcode)
    INVALID = 3  # invalid state or config
    REFUSED = 4  # refused by a guard, or a stale plan
    VERIFY = 5  # verification after apply failed
    CANCELLED = 6  # the confirmation prompt was declined: nothing was written
    USAGE = 64  # usage error (bad flags or arguments)


class ReconcilerError(Exception):
    """Root of every error the tool reports; `exit_code` is what the CLI exits with."""

    exit_code: ExitCode = ExitCode.RUNTIME


class ConfigError(ReconcilerError):
    """reconciler.yaml, profiles.yaml, flags or environment do not make a usable configuration."""

    exit_code = ExitCode.INVALID


class StateError(ReconcilerError):
    """The desired state is invalid; `problems` holds every problem found, each with its location."""

    exit_code = ExitCode.INVALID

    def __init__(self, message: str, problems: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class ApiError(ReconcilerError):
    """The GoodData server answered with an error (or something that is not its API)."""

    def __init__(self, message: str, *, status: int | None = None, trace_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.trace_id = trace_id


class TransportError(ReconcilerError):
    """The server could not be reached, or the connection broke (after the retries)."""


class GuardError(ReconcilerError):
    """A safety guard refused the plan (protected principals, max_deletions)."""

    exit_code = ExitCode.REFUSED


class StalePlanError(GuardError):
    """The live organization no longer matches the fingerprint the plan was computed against."""


class VerificationError(ReconcilerError):
    """After the PUT, the live document differs from the desired one; `difference` says how."""

    exit_code = ExitCode.VERIFY

    def __init__(self, message: str, difference: Any = None) -> None:
        super().__init__(message)
        self.difference = difference


class BackupError(ReconcilerError):
    """The backup could not be written, committed or read."""
