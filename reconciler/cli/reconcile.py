"""CLI commands of the reconcile loop: render, plan, apply, import, backups, restore."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reconciler import backup, engine
from reconciler.apply import ApplyOptions, ApplyResult, apply_plan
from reconciler.cli.options import GlobalOptions, pass_globals
from reconciler.client import ClientOptions, RetryPolicy
from reconciler.config import Config, load_config
from reconciler.importer import write_state
from reconciler.plan import Plan
from reconciler.report.plan import REPORTERS
from reconciler.schema import schema_path
from reconciler.targets import resolve_target

FORMATS = click.Choice(sorted(REPORTERS))


def target_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Flags that choose or override the target's host and credentials."""
    options = [
        click.option("--host", help="GoodData host URL; overrides the target (also GOODDATA_HOST)."),
        click.option(
            "--token-env",
            metavar="NAME",
            help="Read the API token from the environment variable NAME (also GOODDATA_TOKEN).",
        ),
        click.option("--profile", help="Use host and token of this profile in ~/.gooddata/profiles.yaml."),
        click.option(
            "--insecure-http",
            is_flag=True,
            help="Allow plain http:// to a host that is not loopback (sends the token in clear text).",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False),
            help="CA bundle to verify the server's TLS certificate with.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(min=0, max=100),
            default=RetryPolicy().total,
            show_default=True,
            metavar="N",
            help="Retries of a request after 429/502/503/504 or a connection error (logged at -v).",
        ),
        click.option(
            "--retry-max-time",
            type=click.FloatRange(min=0),
            default=RetryPolicy().max_elapsed,
            show_default=True,
            metavar="S",
            help="Give up retrying a request once its retries would pass S seconds.",
        ),
        click.option(
            "--retry-backoff",
            type=click.FloatRange(min=0),
            default=RetryPolicy().backoff_factor,
            show_default=True,
            metavar="S",
            help="First wait between retries; it doubles per retry (a Retry-After header wins).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=ClientOptions().read_timeout,
            show_default=True,
            metavar="S",
            help="Seconds to wait for the server's answer (connecting waits at most 10 s).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _setup(opts: GlobalOptions, kw: dict[str, Any]) -> tuple[Config, engine.TargetChoice]:
    config = load_config(opts.config_path, cwd=Path.cwd())
    profiles = opts.env.get("GOODDATA_PROFILES_FILE")
    choice = engine.TargetChoice(
        name=opts.target,
        host=kw.get("host"),
        token_env=kw.get("token_env"),
        profile=kw.get("profile"),
        profiles_path=Path(profiles) if profiles else Path.home() / ".gooddata" / "profiles.yaml",
        env=opts.env,
        client=_client_options(kw),
    )
    return config, choice


def _client_options(kw: dict[str, Any]) -> ClientOptions:
    defaults, retry = ClientOptions(), RetryPolicy()
    timeout = float(kw.get("timeout") or defaults.read_timeout)
    return ClientOptions(
        connect_timeout=min(defaults.connect_timeout, timeout),
        read_timeout=timeout,
        retry=RetryPolicy(
            total=int(kw.get("retries", retry.total)),
            backoff_factor=float(kw.get("retry_backoff", retry.backoff_factor)),
            backoff_max=retry.backoff_max,
            backoff_jitter=min(retry.backoff_jitter, float(kw.get("retry_backoff", retry.backoff_factor))),
            max_elapsed=float(kw.get("retry_max_time", retry.max_elapsed)),
        ),
        insecure_http=bool(kw.get("insecure_http")),
        ca_bundle=kw.get("ca_bundle"),
    )


def _report(plan: Plan, fmt: str, opts: GlobalOptions) -> None:
    color = opts.color and fmt == "text" and sys.stdout.isatty()
    REPORTERS[fmt](sys.stdout, color=color).report(plan)


def _confirm(plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs --auto-approve or --plan FILE when standard input is not a terminal"
        )
    if not click.confirm(f"Apply these changes to {plan.target}?", default=False, err=True):
        raise click.Abort()


def _say_applied(result: ApplyResult, opts: GlobalOptions) -> None:
    if opts.quiet:
        return
    c = result.plan.counts
    if not result.applied:
        click.echo("Nothing to apply.")
        return
    where = f" (commit {result.backup_rev[:12]})" if result.backup_rev else ""
    click.echo(f"Apply complete: {c['add']} added, {c['change']} changed, {c['destroy']} destroyed.")
    click.echo(f"Backup of the previous state: {result.backup_file}{where}", err=True)


@click.command()
@click.option(
    "--live", is_flag=True, help="Merge the fields carried over from the target's live organization."
)
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@target_options
@pass_globals
def render(opts: GlobalOptions, /, live: bool, strict: bool, **kw: Any) -> int:
    """Print the layout document the state renders to (offline unless --live).

    \b
    Example:
      reconciler render > desired.json
      reconciler --target prod render --live
    """
    config, choice = _setup(opts, kw)
    state = engine.load_desired(config, strict=strict)
    if live:
        with engine.open_session(config, choice) as session:
            doc = session.render_live(state)
    else:
        doc = engine.render_offline(config, state)
    click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


@click.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan as JSON, for a later `apply --plan`.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@target_options
@pass_globals
def plan(
    opts: GlobalOptions, /, fmt: str, out: Path | None, detailed_exitcode: bool, strict: bool, **kw: Any
) -> int:
    """Show what apply would change on the target (reads only).

    \b
    Example:
      reconciler plan
      reconciler --target prod plan --format markdown --out plan.json --detailed-exitcode
    """
    config, choice = _setup(opts, kw)
    state = engine.load_desired(config, strict=strict)
    with engine.open_session(config, choice) as session:
        result = session.plan_state(state)
    if out is not None:
        engine.save_plan(out, result)
    _report(result, fmt, opts)
    return 2 if detailed_exitcode and result.has_changes else 0


@click.command()
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply exactly this saved plan (refused when the live organization changed since).",
)
@click.option(
    "--allow-deletions",
    type=click.IntRange(min=0),
    metavar="N",
    help="Allow more deletions than policy.max_deletions; N must equal the exact number.",
)
@click.option(
    "--rollback-on-mismatch", is_flag=True, help="When verification after the PUT fails, put the backup back."
)
@click.option("--no-commit", is_flag=True, help="Write the backup file but do not git-commit it.")
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="How to show the plan."
)
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@target_options
@pass_globals
def apply(
    opts: GlobalOptions,
    /,
    auto_approve: bool,
    plan_file: Path | None,
    allow_deletions: int | None,
    rollback_on_mismatch: bool,
    no_commit: bool,
    fmt: str,
    strict: bool,
    **kw: Any,
) -> int:
    """Plan, guard, back up (and commit), PUT, and verify.

    \b
    Example:
      reconciler apply                      # shows the plan and asks
      reconciler --target prod apply --auto-approve
      reconciler --target prod apply --plan plan.json
    """
    config, choice = _setup(opts, kw)
    saved = engine.load_plan(plan_file) if plan_file else None
    state = None if saved else engine.load_desired(config, strict=strict)
    options = ApplyOptions(
        allow_deletions=allow_deletions, commit=not no_commit, rollback_on_mismatch=rollback_on_mismatch
    )
    with engine.open_session(config, choice) as session:
        if saved is not None:
            engine.check_saved_plan(saved, session)
            result_plan = saved
        else:
            assert state is not None
            result_plan = session.plan_state(state)
        _report(result_plan, fmt, opts)
        if result_plan.has_changes and not (auto_approve or saved):
            _confirm(result_plan)
        result = apply_plan(session, result_plan, options)
    _say_applied(result, opts)
    return 0


@click.command(name="import")
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
    config, choice = _setup(opts, kw)
    with engine.open_session(config, choice) as session:
        state = session.import_state()
    out = out_dir or config.state_dir
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


@click.command()
@target_options
@pass_globals
def backups(opts: GlobalOptions, /, **kw: Any) -> int:
    """List the backups of the target (the git history of its backup file), newest first.

    \b
    Example:
      reconciler --target prod backups
    """
    config, choice = _setup(opts, kw)
    name = engine.target_name(config, choice)
    resolved = resolve_target(
        config.targets,
        name,
        env=choice.env,
        host=choice.host,
        token_env=choice.token_env,
        profile=choice.profile,
        profiles_path=choice.profiles_path,
    )
    path = backup.backup_path(engine.backups_dir(config, resolved), name)
    entries = backup.list_backups(path)
    if not entries and not opts.quiet:
        state = "exists but is not committed" if path.exists() else "does not exist yet"
        click.echo(f"no committed backups for {name}: {path} {state}", err=True)
    for e in entries:
        click.echo(f"{e.rev[:12]}  {e.date}  {e.message}")
    return 0


@click.command()
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
    fmt: str,
    **kw: Any,
) -> int:
    """Put a backup back on the target, through the same plan, guards and backup as apply.

    \b
    Example:
      reconciler --target prod backups
      reconciler --target prod restore --from 3f2a1c9
    """
    if (rev is None) == (file is None):
        raise click.UsageError("give exactly one of --from REV or --file FILE")
    config, choice = _setup(opts, kw)
    options = ApplyOptions(
        allow_deletions=allow_deletions, commit=not no_commit, rollback_on_mismatch=rollback_on_mismatch
    )
    with engine.open_session(config, choice) as session:
        if file is not None:
            doc = backup.read_backup_file(file)
        else:
            assert rev is not None
            path = backup.backup_path(engine.backups_dir(config, session.target), session.target.name)
            doc = backup.read_backup_rev(path, rev)
        result_plan = session.plan_document(doc)
        _report(result_plan, fmt, opts)
        if result_plan.has_changes and not auto_approve:
            _confirm(result_plan)
        result = apply_plan(session, result_plan, options)
    _say_applied(result, opts)
    return 0


COMMANDS: list[click.Command] = [render, plan, apply, import_, backups, restore]
