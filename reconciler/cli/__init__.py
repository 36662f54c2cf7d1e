"""The command line: click commands translate options into one library call, a report and an exit code.

Only this package prints, reads the environment, or exits.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from reconciler import __version__
from reconciler.cli.options import GlobalOptions
from reconciler.errors import ExitCode, ReconcilerError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Main(click.Group):
    """A group whose `main` maps errors to the documented exit codes (SPEC §5) instead of click's."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = _run(self, args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code


def _run(
    group: click.Group,
    args: Sequence[str] | None,
    prog_name: str | None,
    complete_var: str | None,
    **extra: Any,
) -> int:
    verbose = _verbosity(args)
    try:
        rv = click.Group.main(group, args, prog_name, complete_var, standalone_mode=False, **extra)
    except click.UsageError as e:
        e.show()
        return int(ExitCode.USAGE)
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return int(ExitCode.RUNTIME)
    except ReconcilerError as e:
        _report_error(e, verbose)
        return int(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else int(ExitCode.OK)


def _verbosity(args: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if args is None else args)
    count = 0
    for a in argv:
        if a == "--":
            break
        if a == "--verbose":
            count += 1
        elif a.startswith("-") and not a.startswith("--") and set(a[1:]) == {"v"}:
            count += len(a) - 1
    return count


def _report_error(e: ReconcilerError, verbose: int) -> None:
    for problem in getattr(e, "problems", ()):
        click.echo(str(problem), err=True)
    for line in getattr(e, "difference", None) or ():
        click.echo(f"  {line}", err=True)
    click.echo(f"error: {e}", err=True)
    if verbose:
        traceback.print_exception(e, file=sys.stderr)


@click.group(cls=_Main, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="reconciler")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Path of reconciler.yaml (default: ./reconciler.yaml when it exists).",
)
@click.option("--target", help="Target organization from reconciler.yaml (default: its default_target).")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv for HTTP details).")
@click.option("-q", "--quiet", is_flag=True, help="Only results and errors.")
@click.option("--no-color", is_flag=True, help="No ANSI colors (also when NO_COLOR is set).")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    target: str | None,
    verbose: int,
    quiet: bool,
    no_color: bool,
) -> None:
    """Keep the users and user groups of a GoodData organization in git.

    \b
    Typical flow:
      reconciler validate                 # offline checks of state/*.yaml
      reconciler plan                     # what would change on the target
      reconciler apply --auto-approve     # back up, write, verify
    """
    env = dict(os.environ)
    color = not no_color and "NO_COLOR" not in env
    ctx.obj = GlobalOptions(
        config_path=config_path, target=target, verbose=verbose, quiet=quiet, color=color, env=env
    )
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    ctx.call_on_close(_log_to_stderr(logging.ERROR if quiet else level))


def _log_to_stderr(level: int) -> Callable[[], None]:
    """Send the `reconciler` loggers' diagnostics to the current stderr; returns how to undo that."""
    logger = logging.getLogger("reconciler")
    urllib3_logger = logging.getLogger("urllib3")
    saved = (logger.level, urllib3_logger.level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    # urllib3 repeats every retry our client already logs; keep it for -vv.
    urllib3_logger.setLevel(logging.DEBUG if level <= logging.DEBUG else logging.ERROR)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        urllib3_logger.setLevel(saved[1])

    return undo


def _register() -> None:
    from reconciler.cli import emulator, load, reconcile, recovery, validate

    for module in (validate, reconcile, recovery, load, emulator):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="reconciler")
