"""CLI commands of the access review from git history (issue 15 §2): history, review."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from reconciler.access_review import review as build_review
from reconciler.cli.options import GlobalOptions, command, load_config_of, pass_globals
from reconciler.errors import ExitCode
from reconciler.history import changes_of, parse_date, walk
from reconciler.report.history import HISTORY_REPORTERS, REVIEW_REPORTERS


class _Date(click.ParamType[datetime]):
    """YYYY-MM-DD (UTC) or an ISO date-time; a bare date means its start, or with `end_of_day` its end."""

    name = "DATE"

    def __init__(self, *, end_of_day: bool) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_date(str(value), end_of_day=self.end_of_day)
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD) or an ISO date-time", param, ctx)


@command("history")
@click.argument("principal", metavar="USER|GROUP")
@click.option(
    "--since",
    type=_Date(end_of_day=False),
    metavar="DATE",
    help="Only changes on or after DATE (YYYY-MM-DD, UTC).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(HISTORY_REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@pass_globals
def history(options: GlobalOptions, /, principal: str, since: datetime | None, fmt: str) -> int:
    """Every change to a user's or group's memberships and grants, from the git history of the state files.

    For a user: the groups it joined and left. For a group: its members joining and leaving, its
    subgroups, and its own parents. For both: its own workspace and organization grants added,
    removed or changed (grant list, role, expires). Each change names the mainline commit that made it
    (a pull request's merge or squash commit), its date, its author and the pull request number. Reads
    git only: the work tree's uncommitted edits are not history.

    \b
    Examples:
      reconciler history olivia.chen
      reconciler history finance --since 2026-01-01
      reconciler history finance --format json > finance-history.json
    """
    config = load_config_of(options)
    timeline = walk(config)
    for warning in timeline.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not timeline.known(principal):
        raise click.BadParameter(
            f"no user or group {principal!r} in the history of {config.relative(config.state_dir)}",
            param_hint="'USER|GROUP'",
        )
    HISTORY_REPORTERS[fmt](sys.stdout).report(
        principal, list(changes_of(timeline, principal, since=since)), since=since
    )
    return int(ExitCode.OK)


@command("review")
@click.option(
    "--as-of",
    type=_Date(end_of_day=True),
    metavar="DATE",
    help="Review the state as it was at the end of DATE (YYYY-MM-DD, UTC), from history alone.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REVIEW_REPORTERS)),
    default="csv",
    show_default=True,
    help="csv for a spreadsheet, markdown for an issue or a PR, json for tools.",
)
@pass_globals
def review(options: GlobalOptions, /, as_of: datetime | None, fmt: str) -> int:
    """The access review: every user's memberships, since when, by which commit and pull request.

    One row per membership: the user, the group, when it was given (the commit that last added it and it
    stayed since: its date, id, pull request and author), the groups it implies through parents, and the
    workspace and organization access it gives (from the state files' permissions at that commit).
    Without --as-of it reviews the last commit; uncommitted edits are not reviewed.

    \b
    Examples:
      reconciler review > access-review.csv
      reconciler review --as-of 2026-06-30 > q2-review.csv     # who had access on June 30
      reconciler review --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    from reconciler.cli.clock import today_of
    from reconciler.review_access import review_access

    config = load_config_of(options)
    timeline = walk(config, until=as_of)
    for warning in timeline.warnings:
        click.echo(f"warning: {warning}", err=True)
    day = as_of.date() if as_of is not None else today_of(options, None)  # grants past `expires` give none
    commit = timeline.last.sha if timeline.last is not None else None
    access = review_access(config, commit, timeline.groups, day)
    of, direct = access if access is not None else (None, None)
    REVIEW_REPORTERS[fmt](sys.stdout).report(build_review(timeline, access_of=of, direct_of=direct))
    return int(ExitCode.OK)


COMMANDS: list[click.Command] = [history, review]
