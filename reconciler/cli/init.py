"""`reconciler init`: onboard a real organization (reconciler.yaml + its users and groups as state files)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from reconciler import engine, onboard
from reconciler.cli.options import GlobalOptions, command, pass_globals
from reconciler.cli.target import client_options
from reconciler.config import load_config


def _interactive(opts: GlobalOptions) -> bool:
    return sys.stdin.isatty() and opts.env.get("CI", "").lower() not in ("true", "1")


def _default_token_env(target: str) -> str:
    return "GOODDATA_TOKEN_" + re.sub(r"[^A-Za-z0-9_]", "_", target).upper()


@command()
@click.option("--host", help="URL of the GoodData organization, e.g. https://acme.cloud.gooddata.com.")
@click.option(
    "--token-env",
    metavar="NAME",
    help="Environment variable that holds the API token (with --host); reconciler.yaml gets `token: $NAME`.",
)
@click.option("--profile", help="Use this profile of ~/.gooddata/profiles.yaml instead of --host.")
@click.option("--split", is_flag=True, help="One users file per group (by each user's first group).")
@click.option("--force", is_flag=True, help="Replace a reconciler.yaml that already names real targets.")
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow plain http:// to a host that is not loopback (sends the token in clear text).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False),
    help="CA bundle to verify the server's TLS certificate with.",
)
@pass_globals
def init(
    opts: GlobalOptions,
    /,
    host: str | None,
    token_env: str | None,
    profile: str | None,
    split: bool,
    force: bool,
    insecure_http: bool,
    ca_bundle: str | None,
) -> int:
    """Manage a real organization: write reconciler.yaml, import its users and groups into the state
    directory (replacing the example), and check that the plan is empty.

    The target is named by --target (default: prod) and becomes default_target; the local target stays.
    The token is never written anywhere: reconciler.yaml names the variable it is read from. Without a
    terminal (CI), --host and --token-env (or --profile) are required.

    \b
    Example:
      export GOODDATA_TOKEN_PROD=…
      reconciler init --host https://acme.cloud.gooddata.com --token-env GOODDATA_TOKEN_PROD
    """
    target = opts.target or "prod"
    if host and profile:
        raise click.UsageError("give --host or --profile, not both")
    missing = []
    if not host and not profile:
        if _interactive(opts):
            answer = click.prompt(
                "GoodData host URL (https://…), or a profile name from ~/.gooddata/profiles.yaml", err=True
            ).strip()
            host, profile = (answer, None) if "://" in answer else (None, answer)
        else:
            missing.append("--host URL (or --profile NAME)")
    if host and not token_env:
        if _interactive(opts):
            token_env = click.prompt(
                "Environment variable that holds the API token", default=_default_token_env(target), err=True
            ).strip()
        else:
            missing.append("--token-env NAME")
    if missing:
        raise click.UsageError(f"without a terminal, init needs {' and '.join(missing)}")

    config = load_config(opts.config_path, cwd=Path.cwd())
    profiles = opts.env.get("GOODDATA_PROFILES_FILE")
    choice = engine.TargetChoice(
        env=opts.env,
        profiles_path=Path(profiles) if profiles else Path.home() / ".gooddata" / "profiles.yaml",
        client=client_options({"ca_bundle": ca_bundle, "insecure_http": insecure_http}),
    )
    request = onboard.InitRequest(
        target=target, host=host, token_env=token_env, profile=profile, split=split, force=force
    )
    result = onboard.onboard(config, request, choice)
    _report(result, config.relative, opts)
    return 0


def _report(result: onboard.InitResult, rel: Callable[[Path], str], opts: GlobalOptions) -> None:
    for path in result.written:
        click.echo(rel(path))
    if opts.quiet:
        return

    def say(text: str) -> None:
        click.echo(text, err=True)

    say(f"\nwrote {rel(result.config_file)}: target {result.target.name} ({result.host}), the default target")
    if result.dropped_targets:
        say(f"  dropped the targets: {', '.join(result.dropped_targets)}")
    say(f"imported {result.users} users and {result.groups} groups from {result.host}")
    if result.ignored:
        shown = ", ".join(result.ignored[:10]) + (" …" if len(result.ignored) > 10 else "")
        say(f"  not imported, policy.ignore keeps them out of git ({len(result.ignored)}): {shown}")
    if result.removed:
        say(f"  removed the previous state files ({len(result.removed)}; git still has them)")
    say(f"checked: reconciler plan --target {result.target.name}: {result.plan.summary}")
    if result.missing_bootstrap:
        say(
            f"warning: the organization has no bootstrap {' and no '.join(result.missing_bootstrap)}: "
            "set `bootstrap:` in reconciler.yaml to its admin user and group"
        )
    say("\nNext steps:")
    for i, step in enumerate(onboard.next_steps(result), 1):
        say(f"  {i}. {step}")


COMMANDS: list[click.Command] = [init]
