"""CLI command: expire — the memberships and grants past their `expires`: list them, delete them from the
state files (`--write`, what the drift run's pull request holds under `policy.expiry.apply: pr`), or apply
only their removal to the target (`--apply`, what it does under `auto`)."""

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
@click.option("--write", is_flag=True, help="Delete the expired memberships and grants from the state files.")
@click.option(
    "--apply", "apply_now", is_flag=True, help="Remove only the expired memberships and grants on the target."
)
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
    """List the memberships and grants past their `expires` (and those expiring within
    policy.expiry.warn_days).

    Without flags it only reads the state files. `--write` deletes the expired items from the state files
    (review and commit them; an organization grant in a flow list is named for deleting by hand);
    `--apply` removes just those memberships and grants on the target, whatever else differs,
    through the usual guards, backup and verification. The scheduled drift run does one or the other, as
    policy.expiry.apply says (`--format json` names it).

    \b
    Example:
      reconciler expire --today 2027-04-01
      reconciler expire --write
      reconciler --target prod expire --apply --auto-approve
    """
    from reconciler import grant_expiry
    from reconciler.expiry import expired, expiring, without_expired

    if write and apply_now:
        raise click.UsageError("--write and --apply do not go together: one edits git, the other the target")
    config = load_config_of(opts)
    today = today_of(opts, kw.get("today"))
    state = engine.load_desired(config, progress=opts.progress, today=today)
    gone = expired(state, today)
    gone_grants = grant_expiry.expired(state, today)
    if write:
        from reconciler.expiry_edit import grant_leftovers, removal_texts

        texts = removal_texts(config.root, state, today)
        for path, text in texts.items():
            write_atomically(path, text.encode("utf-8"))
            click.echo(config.relative(path))
        left = grant_leftovers(config.root, state, today)
        for g in left:
            click.echo(
                f"{g.location}: delete the expired organization grant of {g.kind} {g.assignee}", err=True
            )
        deleted = f"{len(gone)} expired membership(s) and {len(gone_grants) - len(left)} expired grant(s)"
        click.echo(f"Deleted {deleted} from {len(texts)} state file(s).", err=True)
        return int(ExitCode.OK)
    if apply_now:
        from reconciler.resources import by_keys, ignored_workspaces

        config, choice = setup(opts, kw)
        skip = set(ignored_workspaces(state, config))
        gone_grants = [g for g in gone_grants if g.workspace not in skip]
        with engine.open_session(config, choice) as session:
            resources = by_keys(sorted({g.key for g in gone_grants}), config)
            others = grant_expiry.without_expired(session.read_documents(resources), gone_grants)
            plan = session.plan_document(without_expired(session.live(), gone), others)
            report_plan(plan, "text", opts)
            if plan.has_changes and not auto_approve:
                confirm(plan)
            result = apply_plan(session, plan, ApplyOptions())
        say_applied(result, opts)
        return int(ExitCode.OK)
    warn_days = config.policy.expiry.warn_days
    soon = expiring(state, today, warn_days)
    soon_grants = grant_expiry.expiring(state, today, warn_days)
    if fmt == "json":
        rows = {
            "today": today.isoformat(),
            "policy": config.policy.expiry.apply,
            "warn_days": warn_days,
            "expired": [{"user": m.user, "group": m.group, "expires": m.expires.isoformat()} for m in gone],
            "expiring": [{"user": m.user, "group": m.group, "expires": m.expires.isoformat()} for m in soon],
            "expired_grants": [g.as_json() for g in gone_grants],
            "expiring_grants": [g.as_json() for g in soon_grants],
        }
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return int(ExitCode.OK)
    for label, members, granted in (("expired ", gone, gone_grants), ("expiring", soon, soon_grants)):
        for m in members:
            click.echo(f"{label} user {m.user} in group {m.group}: last day {m.expires}")
        for g in granted:
            click.echo(f"{label} {g.kind} {g.assignee}: {g.names} on {g.place}: last day {g.expires}")
    expired_n, expiring_n = len(gone) + len(gone_grants), len(soon) + len(soon_grants)
    click.echo(f"{expired_n} expired, {expiring_n} expiring within {warn_days} days.")
    return int(ExitCode.OK)


COMMANDS: list[click.Command] = [expire]
