"""CLI command: validate — offline schema and semantic checks of the state files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.options import GlobalOptions, pass_globals
from reconciler.config import load_config
from reconciler.errors import ExitCode
from reconciler.report.problems import REPORTERS
from reconciler.source import validate_state


@click.command("validate")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations on the PR diff.",
)
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
@pass_globals
def validate(options: GlobalOptions, fmt: str, strict: bool) -> int:
    """Check every state file against the schema and the rules; never contacts a server.

    Reports all problems at once as `path:line:col: error|warning: message`. Exits 0 when the state is
    valid, 3 when it is not (or when reconciler.yaml is invalid).

    \b
    Examples:
      reconciler validate
      reconciler validate --strict --format github    # in a GitHub Actions job
      reconciler --config other/reconciler.yaml validate --format json
    """
    config = load_config(options.config_path, cwd=Path.cwd())
    result = validate_state(config, strict=strict)
    REPORTERS[fmt](sys.stdout).report(result, strict=strict)
    return int(ExitCode.OK if result.ok(strict=strict) else ExitCode.INVALID)


COMMANDS: list[click.Command] = [validate]
