"""What the commands that talk to a target share: its flags, settings, plan output and confirmation."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reconciler import engine
from reconciler.apply import ApplyResult
from reconciler.cli.options import Cancelled, GlobalOptions, load_config_of
from reconciler.client import ClientOptions, RetryPolicy
from reconciler.client.options import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from reconciler.config import Config
from reconciler.plan import Plan
from reconciler.report.plan import REPORTERS

FORMATS = click.Choice(sorted(REPORTERS))


def target_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Flags that choose or override the target's host and credentials."""
    options = [
        click.option(
            "--host",
            help="GoodData host URL; overrides the target's host, and says so. (GOODDATA_HOST only fills in "
            "a target that names no host or profile.)",
        ),
        click.option(
            "--token-env",
            metavar="NAME",
            help="Read the API token from the environment variable NAME. (GOODDATA_TOKEN only fills in a "
            "target that names no token, and never for a host other than GOODDATA_HOST's.)",
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
            help="Retries of a request after 429/502/503/504 or a lost connection (each one is shown).",
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
            "--concurrency",
            type=click.IntRange(min=1, max=MAX_CONCURRENCY),
            default=DEFAULT_CONCURRENCY,
            show_default=True,
            metavar="N",
            help="Permissions documents (one per workspace) read or written at once.",
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


def setup(opts: GlobalOptions, kw: dict[str, Any]) -> tuple[Config, engine.TargetChoice]:
    config = load_config_of(opts)
    profiles = opts.env.get("GOODDATA_PROFILES_FILE")
    choice = engine.TargetChoice(
        name=opts.target,
        host=kw.get("host"),
        token_env=kw.get("token_env"),
        profile=kw.get("profile"),
        profiles_path=Path(profiles) if profiles else Path.home() / ".gooddata" / "profiles.yaml",
        env=opts.env,
        client=client_options(kw),
        progress=opts.progress,
    )
    return config, choice


def client_options(kw: dict[str, Any]) -> ClientOptions:
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
        concurrency=int(kw.get("concurrency") or DEFAULT_CONCURRENCY),
    )


def report_plan(plan: Plan, fmt: str, opts: GlobalOptions) -> None:
    """The plan on stdout; with -q in text format only its summary line (json and markdown are results)."""
    if opts.quiet and fmt == "text":
        click.echo(plan.summary)
        return
    color = opts.color and fmt == "text" and sys.stdout.isatty()
    REPORTERS[fmt](sys.stdout, color=color).report(plan)


def confirm(plan: Plan, action: str = "Apply") -> None:
    """Ask before writing; a declined (or closed) prompt is `Cancelled`, exit 6, not an error."""
    if not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs --auto-approve or --plan FILE when standard input is not a terminal"
        )
    try:
        yes = click.confirm(f"Apply these changes to {plan.where}?", default=False, err=True)
    except click.Abort:  # Ctrl-D or Ctrl-C at the prompt
        yes = False
    if not yes:
        raise Cancelled(f"{action} cancelled.")


def say_applied(result: ApplyResult, opts: GlobalOptions) -> None:
    c = result.plan.counts
    if not result.applied:
        click.echo("Nothing to apply.")
        return
    where = f" (commit {result.backup_rev[:12]})" if result.backup_rev else ""
    click.echo(f"Apply complete: {c['add']} added, {c['change']} changed, {c['destroy']} destroyed.")
    if not opts.quiet:
        click.echo(f"Backup of the previous state: {result.backup_file}{where}", err=True)
        if result.invited:
            click.echo(f"Invitations e-mailed to: {', '.join(result.invited)}", err=True)
    for warning in result.invitation_warnings:  # a warning, never a failure: the apply itself succeeded
        click.echo(f"warning: {warning}", err=True)
