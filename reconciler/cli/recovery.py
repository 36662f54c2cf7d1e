"""CLI commands around the live organization's history: import, backups, restore."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler import backup, engine
from reconciler import restore as restoring
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.target import FORMATS, confirm, report_plan, say_applied, setup, target_options
from reconciler.importer import write_state
from reconciler.schema import schema_path

if TYPE_CHECKING:
    from reconciler.config import Config


@command(name="import")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the state files to (default: the state directory).",
)
@click.option("--split", is_flag=True, help="One users file per group (by each user's first group).")
@click.option("--force", is_flag=True, help="Replace the state files already in the directory.")
@target_options
@pass_globals
def import_(opts: GlobalOptions, /, out_dir: Path | None, split: bool, force: bool, **kw: Any) -> int:
    """Write the target's live organization as state YAML (onboarding an existing organization).

    \b
    Example:
      reconciler --target prod import --out state/ --force
    """
    config, choice = setup(opts, kw)
    with engine.open_session(config, choice) as session:
        state = session.import_state()
    out = out_dir or config.state_dir
    if force and out.resolve() == config.state_dir.resolve():
        _warn_expiries(config, opts)
    schema = config.root / "schemas" / "state-file.schema.json"
    written = write_state(
        state,
        out,
        split=split,
        force=force,
        backups_dir=config.backups_dir,
        schema_file=schema if schema.is_file() else schema_path("state-file.schema.json"),
    )
    for path in written:
        click.echo(str(path))
    if not opts.quiet:
        click.echo(
            f"imported {len(state.get('users', []))} users and {len(state.get('groups', []))} groups",
            err=True,
        )
    return 0


def _warn_expiries(config: Config, opts: GlobalOptions) -> None:
    """On stderr: `import --force` writes plain ids and grants: the state's `expires` are not carried over."""
    from reconciler import grant_expiry
    from reconciler.expiry import memberships
    from reconciler.source import validate_state

    state = validate_state(config).state
    found, grants = len(list(memberships(state))), len(list(grant_expiry.grants(state)))
    what = " and ".join(
        [*([f"{found} membership(s)"] if found else []), *([f"{grants} grant(s)"] if grants else [])]
    )
    if what and not opts.quiet:
        click.echo(
            f"warning: the state declares {what} with `expires`; the live organization has no expiries, "
            "so import writes them without: put the `expires` back before committing",
            err=True,
        )


@command()
@target_options
@pass_globals
def backups(opts: GlobalOptions, /, **kw: Any) -> int:
    """List the backups of the target (the git history of its backup file), newest first.

    \b
    Example:
      reconciler --target prod backups
    """
    config, choice = setup(opts, kw)
    name = engine.target_name(config, choice)
    path = engine.backup_file(config, choice)
    entries = backup.list_backups(path)
    if not entries and not opts.quiet:
        state = "exists but is not committed" if path.exists() else "does not exist yet"
        click.echo(f"no committed backups for {name}: {path} {state}", err=True)
    for e in entries:
        click.echo(
            f"{e.rev[:12]}  {e.date}  {e.message}"
            + (f"  [read from {e.source_host}]" if e.source_host else "")
        )
    return 0


@command()
@click.option("--from", "rev", metavar="REV", help="Restore the backup as it was at this git revision.")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Restore a layout document from this file.",
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--allow-deletions",
    type=click.IntRange(min=0),
    metavar="N",
    help="Allow more deletions than policy.max_deletions; N must equal the exact number.",
)
@click.option("--rollback-on-mismatch", is_flag=True, help="Put the prior state back if verification fails.")
@click.option("--no-commit", is_flag=True, help="Write the backup of the current state but do not commit it.")
@click.option(
    "--allow-other-source",
    is_flag=True,
    help="Restore a backup read from another host or organization than the target's (refused otherwise).",
)
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="How to show the plan."
)
@target_options
@pass_globals
def restore(
    opts: GlobalOptions,
    /,
    rev: str | None,
    file: Path | None,
    auto_approve: bool,
    allow_deletions: int | None,
    rollback_on_mismatch: bool,
    no_commit: bool,
    allow_other_source: bool,
    fmt: str,
    **kw: Any,
) -> int:
    """Put a backup back on the target, through the same plan, guards and backup as apply.

    A backup read from another host or organization than the target's is refused (exit 4) unless
    --allow-other-source is given.

    \b
    Example:
      reconciler --target prod backups
      reconciler --target prod restore --from 3f2a1c9
    """
    if (rev is None) == (file is None):
        raise click.UsageError("give exactly one of --from REV or --file FILE")
    config, choice = setup(opts, kw)
    options = ApplyOptions(
        allow_deletions=allow_deletions,
        commit=not no_commit,
        rollback_on_mismatch=rollback_on_mismatch,
        restore_of=restoring.label(rev=rev, file=file),
    )
    with engine.open_session(config, choice) as session:
        document = restoring.backup_document(session, rev=rev, file=file)
        restoring.check_source(session, rev=rev, file=file, allow_other=allow_other_source)
        others = restoring.other_documents(session, rev=rev, file=file)
        result_plan = session.plan_document(document, others)
        asking = result_plan.has_changes and not auto_approve
        if asking or not opts.quiet:
            report_plan(result_plan, fmt, opts)
        if asking:
            confirm(result_plan, "Restore")
        result = apply_plan(session, result_plan, options)
    say_applied(result, opts)
    if result.applied and not opts.quiet:
        target = "" if result.plan.target == config.default_target else f" --target {result.plan.target}"
        click.echo(
            f"The state files in {config.relative(config.state_dir)}/ do not describe the restored "
            f"organization, and the next apply would undo the restore. To bring them in line: "
            f"reconciler{target} import --force (then review and commit them).",
            err=True,
        )
    return 0


COMMANDS: list[click.Command] = [import_, backups, restore]
