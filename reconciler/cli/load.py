"""CLI command: load — provisioning records (an HR export) written into the state files, for review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler import engine
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.cli.options import GlobalOptions, command, load_config_of, pass_globals
from reconciler.cli.statefiles import finish
from reconciler.cli.target import confirm, report_plan, say_applied, setup, target_options
from reconciler.errors import ExitCode
from reconciler.source import load_state

if TYPE_CHECKING:
    from reconciler.load import LoadOptions
    from reconciler.plan_model import Plan


@command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["users", "groups", "permissions"]),
    required=True,
    help="What the records are (permissions: workspace permissions).",
)
@click.option(
    "--mode",
    type=click.Choice(["full", "incremental"]),
    required=True,
    help="full: the records are the whole set (what they omit is removed); "
    "incremental: is_active true adds or changes, anything else removes.",
)
@click.option(
    "--into",
    type=click.Path(path_type=Path, dir_okay=False),
    help="State file for new entries (default: the file declaring the most entries of that kind).",
)
@click.option(
    "--no-create-groups", is_flag=True, help="Refuse groups the records name that are not declared."
)
@click.option("-d", "--delimiter", default=",", show_default=True, help="CSV column delimiter.")
@click.option(
    "-u",
    "--ug-delimiter",
    "inner",
    default="|",
    show_default=True,
    help="Delimiter inside a CSV list column.",
)
@click.option("--quotechar", default='"', show_default=True, help="CSV quote character.")
@click.option("--dry-run", is_flag=True, help="Print the diff of the state files; write nothing.")
@click.option(
    "--apply",
    "apply_now",
    is_flag=True,
    help="Instead of editing the state files, plan the records against the target and apply them "
    "(guards, backup, verification as for apply); the state files are not used.",
)
@click.option("--auto-approve", is_flag=True, help="With --apply: do not ask for confirmation.")
@click.option("--allow-deletions", type=int, metavar="N", help="With --apply: accept exactly N deletions.")
@target_options
@pass_globals
def load(opts: GlobalOptions, /, files: tuple[Path, ...], **kw: Any) -> int:
    """Write provisioning records (CSV, JSON or YAML) into the state files, so the change is reviewed.

    The records use the fields of GoodData's provisioning tools (users: user_id, firstname, lastname,
    email, auth_id, user_groups, is_active; groups: user_group_id, user_group_name, parent_user_groups,
    is_active; permissions: user_id, ug_id, ws_id, ws_permissions, is_active, or permission, workspace_id,
    entity_id, entity_type[, is_active]). Only the entries the records change are edited, where they are
    declared; comments and formatting of every other entry stay as they were. Nothing is sent to a
    server: commit the change and open a pull request, whose plan shows what the load does to the
    organization.

    \b
    Examples:
      reconciler load hr/users.csv --kind users --mode full --into state/users/hr.yaml
      reconciler load changes.json --kind users --mode incremental --dry-run
      reconciler load groups.csv --kind groups --mode full -d ';'
      reconciler load perms.csv --kind permissions --mode incremental
      reconciler --target prod load hr/users.csv --kind users --mode full --apply --auto-approve
    """
    # Imported here: round-trip YAML (ruamel.yaml) costs every other command's start-up ~20 ms otherwise.
    from reconciler.load import LoadOptions, plan_load
    from reconciler.records import CsvOptions, read_records

    csv_options = CsvOptions(
        delimiter=kw["delimiter"], inner_delimiter=kw["inner"], quotechar=kw["quotechar"]
    )
    if kw["kind"] == "permissions":
        from reconciler.permission_records import read_permission_records

        records: list[Any] = read_permission_records(files, kw["mode"], csv_options)
    else:
        from reconciler.gcpause import paused_gc

        with paused_gc(freeze=True):  # 100,000 rows are ~1.5 million fresh objects, none of them cyclic
            records = read_records(files, kw["kind"], kw["mode"], csv_options)
    into = kw["into"]
    options = LoadOptions(
        kind=kw["kind"],
        mode=kw["mode"],
        into=(Path.cwd() / into) if into is not None else None,
        create_missing_groups=not kw["no_create_groups"],
    )
    if kw["apply_now"]:
        return _apply_records(opts, records, options, kw)
    config = load_config_of(opts)
    if options.kind == "permissions":
        from reconciler.permission_load import plan_permission_load

        result = plan_permission_load(config, load_state(config), records, options)
    else:
        from reconciler.editcheck import check_unedited, read_for_edit

        # the files are read once: the edited state is checked in memory (reconciler.editcheck)
        state, read = read_for_edit(config)
        result = plan_load(config, state, records, options, read)
        if result.files and not result.checked:
            check_unedited(config, read)  # a state invalid before the load fails as `load_state` does
    for warning in () if opts.quiet else result.warnings:
        click.echo(f"warning: {warning}", err=True)
    return finish(
        config,
        result,
        command="Load",
        what="loaded",
        review="`reconciler plan`",
        dry_run=kw["dry_run"],
        quiet=opts.quiet,
    )


def _apply_records(opts: GlobalOptions, records: list[Any], options: LoadOptions, kw: dict[str, Any]) -> int:
    """`load --apply`: the records against the live organization, through the guards, backup and verify."""
    from reconciler.sync import desired_from_records

    config, choice = setup(opts, kw)
    with engine.open_session(config, choice) as session:
        if options.kind == "permissions":
            from reconciler.permission_load import permission_plan

            plan = permission_plan(session, records, options)
            return _confirm_apply(opts, session, plan, kw)
        desired = desired_from_records(
            session.live(), records, options, bootstrap_group=config.bootstrap.group
        )
        for gid in desired.groups_created:
            click.echo(
                f"warning: group {gid!r} does not exist: the load creates it (a record names it)", err=True
            )
        plan = session.plan_state(desired.state)
        return _confirm_apply(opts, session, plan, kw)


def _confirm_apply(opts: GlobalOptions, session: engine.Session, plan: Plan, kw: dict[str, Any]) -> int:
    report_plan(plan, "text", opts)
    if plan.has_changes and not kw["auto_approve"]:
        confirm(plan)
    result = apply_plan(session, plan, ApplyOptions(allow_deletions=kw["allow_deletions"]))
    say_applied(result, opts)
    return int(ExitCode.OK)


COMMANDS: list[click.Command] = [load]
