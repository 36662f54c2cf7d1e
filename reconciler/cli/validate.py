"""CLI command: validate — offline schema and semantic checks of the state files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.clock import today_of, today_option
from reconciler.cli.options import GlobalOptions, command, load_config_of, pass_globals
from reconciler.config import Config
from reconciler.errors import ExitCode
from reconciler.report.problems import REPORTERS
from reconciler.source import Validation, validate_state


@command("validate")
@click.argument(
    "files", nargs=-1, metavar="[FILE]...", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations on the PR diff.",
)
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
@today_option
@pass_globals
def validate(
    options: GlobalOptions, /, files: tuple[Path, ...], fmt: str, strict: bool, today: str | None
) -> int:
    """Check every state file against the schema and the rules; never contacts a server.

    Reports all problems at once as `path:line:col: error|warning: message`. Exits 0 when the state is
    valid, 3 when it is not (or when reconciler.yaml is invalid).

    With FILEs (as pre-commit passes them) the whole state is still checked, since the rules span files,
    but only the problems in those files are reported and decide the exit code; stderr says how many
    problems other files have. Naming reconciler.yaml reports every problem: the rules depend on it.

    \b
    Examples:
      reconciler validate
      reconciler validate state/users.yaml state/groups.yaml
      reconciler validate --strict --format github    # in a GitHub Actions job
      reconciler validate --config other/reconciler.yaml --format json
    """
    config = load_config_of(options)
    result = validate_state(config, strict=strict, today=today_of(options, today))
    if files:
        result = _only(result, config, files, options)
    REPORTERS[fmt](sys.stdout, quiet=options.quiet).report(result, strict=strict)
    return int(ExitCode.OK if result.ok(strict=strict) else ExitCode.INVALID)


def _only(result: Validation, config: Config, files: tuple[Path, ...], options: GlobalOptions) -> Validation:
    """`result` restricted to the named files; notes on stderr for the rest."""
    if config.path is not None and any(path.resolve() == config.path for path in files):
        return result  # every rule depends on reconciler.yaml (bootstrap, policy): all problems are its
    named: list[str] = []
    for path in files:
        rel = config.relative(path.absolute())
        if rel in result.state.files:
            named.append(rel)
        else:
            click.echo(
                f"note: {path} is not a state file (*.yaml, *.yml under {config.state_dir}); not checked",
                err=True,
            )
    shown = result.only(named)
    errors, warnings = result.errors - shown.errors, result.warnings - shown.warnings
    if (errors or warnings) and not options.quiet:
        click.echo(
            f"note: other state files have {_plural(errors, 'error')} and {_plural(warnings, 'warning')}, "
            "not shown (`reconciler validate` without files lists them)",
            err=True,
        )
    return shown


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


COMMANDS: list[click.Command] = [validate]
