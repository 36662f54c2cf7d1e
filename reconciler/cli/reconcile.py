"""CLI commands of the reconcile loop: render, plan, apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler import engine
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.cli.clock import today_of, today_option
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.target import FORMATS, confirm, report_plan, say_applied, setup, target_options
from reconciler.config import Config
from reconciler.indented_json import indented_chunks
from reconciler.targets import ResolvedTarget
from reconciler.uncommitted import uncommitted_state_files, uncommitted_warning


@command()
@click.option(
    "--live", is_flag=True, help="Merge the fields carried over from the target's live organization."
)
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@today_option
@target_options
@pass_globals
def render(opts: GlobalOptions, /, live: bool, strict: bool, **kw: Any) -> int:
    """Print the layout document the state renders to (offline unless --live).

    \b
    Example:
      reconciler render > desired.json
      reconciler --target prod render --live
    """
    config, choice = setup(opts, kw)
    today = today_of(opts, kw.get("today"))
    state = engine.load_desired(config, strict=strict, progress=opts.progress, today=today)
    if live:
        with engine.open_session(config, choice) as session:
            doc = session.render_live(state)
    else:
        doc = engine.render_offline(config, state)
    # json.dumps(indent=2, sort_keys=True)'s text, written in pieces (reconciler/indented_json.py); json
    # escapes every control character, so there is no color code to strip (color=True skips the scan).
    for piece in indented_chunks(doc):
        click.echo(piece, nl=False, color=True)
    click.echo()
    return 0


@command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan as JSON, for a later `apply --plan`.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@today_option
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
    config, choice = setup(opts, kw)
    today = today_of(opts, kw.get("today"))
    state = engine.load_desired(config, strict=strict, progress=opts.progress, today=today)
    with engine.open_session(config, choice) as session:
        result = session.plan_state(state)
    if out is not None:
        engine.save_plan(out, result)
    report_plan(result, fmt, opts)
    return 2 if detailed_exitcode and result.has_changes else 0


@command()
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
@today_option
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
    config, choice = setup(opts, kw)
    saved = engine.load_plan(plan_file) if plan_file else None
    today = today_of(opts, kw.get("today"))
    state = None if saved else engine.load_desired(config, strict=strict, progress=opts.progress, today=today)
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
            state = None  # not needed to write: its memory is free before the backup and the PUT
        asking = result_plan.has_changes and not (auto_approve or saved)
        if asking or not opts.quiet:
            report_plan(result_plan, fmt, opts)
        if saved is None and result_plan.has_changes:
            warn_if_uncommitted(config, session.target, opts)
        if asking:
            confirm(result_plan)
        result = apply_plan(session, result_plan, options)
    say_applied(result, opts)
    return 0


def warn_if_uncommitted(config: Config, target: ResolvedTarget, opts: GlobalOptions) -> None:
    """On stderr, before applying to a real target: the state files that git does not hold (never fails)."""
    if target.is_local or opts.quiet:
        return  # the local sandbox is for trying out edits
    files = uncommitted_state_files(config)
    if files:
        click.echo(f"warning: {uncommitted_warning(files, target.name)}", err=True)


COMMANDS: list[click.Command] = [render, plan, apply]
