"""CLI command: expire — the memberships past their `expires`: list them, delete them from the state files
(`--write`, what the drift run's pull request holds under `policy.expiry.apply: pr`), or apply only their
removal to the target (`--apply`, what it does under `auto`)."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler import engine
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.atomic import write_atomically
from reconciler.cli.clock import today_of, today_option
from reconciler.cli.options import GlobalOptions, command, load_config_of, pass_globals
from reconciler.cli.target import confirm, report_plan, say_applied, setup, target_options
from reconciler.errors import ExitCode


@command()
@click.option("--write", is_flag=True, help="Delete the expired memberships from the state files.")
@click.option("--apply", "apply_now", is_flag=True, help="Remove only the expired memberships on the target.")
@click.option("--auto-approve", is_flag=True, help="With --apply: apply without asking.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Listing."
)
@today_option
@target_options
@pass_globals
def expire(
    opts: GlobalOptions, /, write: bool, apply_now: bool, auto_approve: bool, fmt: str, **kw: Any
) -> int:
    """List the memberships past their `expires` (and those expiring within policy.expiry.warn_days).

    Without flags it only reads the state files. `--write` deletes the expired items from the state files
    (review and commit them); `--apply` removes just those memberships on the target, whatever else differs,
    through the usual guards, backup and verification. The scheduled drift run does one or the other, as
    policy.expiry.apply says (`--format json` names it).

    \b
    Example:
      reconciler expire --today 2027-04-01
      reconciler expire --write
      reconciler --target prod expire --apply --auto-approve
    """
    from reconciler.expiry import expired, expiring, without_expired

    if write and apply_now:
        raise click.UsageError("--write and --apply do not go together: one edits git, the other the target")
    config = load_config_of(opts)
    today = today_of(opts, kw.get("today"))
    state = engine.load_desired(config, progress=opts.progress, today=today)
    gone = expired(state, today)
    if write:
        from reconciler.expiry_edit import removal_texts

        texts = removal_texts(config.root, state, today)
        for path, text in texts.items():
            write_atomically(path, text.encode("utf-8"))
            click.echo(config.relative(path))
        click.echo(f"Deleted {len(gone)} expired membership(s) from {len(texts)} state file(s).", err=True)
        return int(ExitCode.OK)
    if apply_now:
        config, choice = setup(opts, kw)
        with engine.open_session(config, choice) as session:
            plan = session.plan_document(without_expired(session.live(), gone))
            report_plan(plan, "text", opts)
            if plan.has_changes and not auto_approve:
                confirm(plan)
            result = apply_plan(session, plan, ApplyOptions())
        say_applied(result, opts)
        return int(ExitCode.OK)
    soon = expiring(state, today, config.policy.expiry.warn_days)
    if fmt == "json":
        rows = {
            "today": today.isoformat(),
            "policy": config.policy.expiry.apply,
            "expired": [{"user": m.user, "group": m.group, "expires": m.expires.isoformat()} for m in gone],
            "expiring": [{"user": m.user, "group": m.group, "expires": m.expires.isoformat()} for m in soon],
        }
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return int(ExitCode.OK)
    for m in gone:
        click.echo(f"expired  user {m.user} in group {m.group}: last day {m.expires}")
    for m in soon:
        click.echo(f"expiring user {m.user} in group {m.group}: last day {m.expires}")
    click.echo(f"{len(gone)} expired, {len(soon)} expiring within {config.policy.expiry.warn_days} days.")
    return int(ExitCode.OK)


COMMANDS: list[click.Command] = [expire]
