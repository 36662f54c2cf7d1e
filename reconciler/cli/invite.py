"""CLI command: invite — (re)send GoodData Cloud's invitation e-mail to existing users."""

from __future__ import annotations

from typing import Any

import click

from reconciler import engine, invitations
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.target import setup, target_options
from reconciler.errors import ExitCode


@command("invite")
@click.argument("users", nargs=-1, required=True, metavar="USER...")
@click.option("--resend", is_flag=True, help="Send again even when GoodData sent one before (forceSend).")
@target_options
@pass_globals
def invite(opts: GlobalOptions, /, users: tuple[str, ...], resend: bool, **kw: Any) -> int:
    """E-mail GoodData Cloud's invitation to existing users (an apply invites the users it creates that
    have `invite: true`; this sends one by hand, or again with --resend).

    \b
    Example:
      reconciler --target prod invite jane.doe --resend
    """
    config, choice = setup(opts, kw)
    with engine.open_session(config, choice) as session:
        wanted = invitations.for_users(session.live(), users)
        warnings = invitations.send(session.client, wanted, resend=resend)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if warnings:
        return int(ExitCode.RUNTIME)  # asked for by name: not sending is a failure here
    click.echo(f"Invited: {', '.join(users)}")
    return int(ExitCode.OK)


COMMANDS: list[click.Command] = [invite]
