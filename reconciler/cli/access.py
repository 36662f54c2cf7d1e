"""CLI command: access — effective access for reviews: who can see a workspace and why, what a user can do."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler import engine
from reconciler.access.query import access_query
from reconciler.access.report import FORMATS, write_access
from reconciler.cli.clock import today_of, today_option
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.target import setup, target_options


@command("access")
@click.argument("principal", required=False, metavar="[USER|GROUP]")
@click.option("--workspace", metavar="W", help="Only this workspace: who can see it and why.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)
@click.option(
    "--state",
    "from_state",
    is_flag=True,
    help="The access the state files would give (the plan's desired documents), not the live organization's.",
)
@today_option
@target_options
@pass_globals
def access(
    opts: GlobalOptions,
    /,
    principal: str | None,
    workspace: str | None,
    fmt: str,
    from_state: bool,
    **kw: Any,
) -> int:
    """Effective access: every permission a user or group holds, on which workspace, and why (nested groups,
    hierarchy permissions, implied permissions). Without USER|GROUP, everyone's; with --workspace, who can
    see that workspace. CSV has a header row, for a spreadsheet.

    \b
    Examples:
      reconciler --target prod access jane.doe
      reconciler --target prod access --workspace sales --format csv > sales-access.csv
      reconciler access analysts --state          # what the state files would give
    """
    config, choice = setup(opts, kw)
    state = None
    if from_state:
        state = engine.load_desired(config, progress=opts.progress, today=today_of(opts, kw.get("today")))
    with engine.open_session(config, choice) as session:
        model = session.access_model(state)
    answer = access_query(model, principal, workspace)
    rows = write_access(answer.entries, fmt, sys.stdout, empty=answer.empty_message)
    if not opts.quiet and fmt != "text":
        click.echo(f"{rows} row{'' if rows == 1 else 's'}", err=True)
    return 0


COMMANDS: list[click.Command] = [access]
