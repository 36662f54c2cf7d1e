"""The day the state is rendered for: `--today YYYY-MM-DD`, else $RECONCILER_TODAY, else the UTC date.

Only the CLI reads the clock; the core takes the day as a parameter (reconciler.expiry), so tests and
rehearsals pin it (`--today 2027-04-01`, or RECONCILER_TODAY for every command of a workflow run).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from reconciler.cli.options import GlobalOptions
from reconciler.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
TODAY_ENV = "RECONCILER_TODAY"


def today_option(f: F) -> F:
    """Declare `--today YYYY-MM-DD` on a command (the parameter `today`)."""
    option = click.option(
        "--today",
        metavar="YYYY-MM-DD",
        help=f"The day memberships' `expires` are judged by (default: ${TODAY_ENV}, else today in UTC).",
    )
    return option(f)


def today_of(opts: GlobalOptions, given: str | None) -> date:
    """The day: `--today`, else $RECONCILER_TODAY, else the UTC date now; no date is refused."""
    if given is not None:
        return _day(given, "--today")
    env = opts.env.get(TODAY_ENV)
    if env:
        return _day(env, TODAY_ENV)
    return datetime.now(UTC).date()


def _day(value: str, name: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ConfigError(f"invalid {name}: {value!r} is not a date (expected YYYY-MM-DD, e.g. 2027-03-31)")
