"""The `reconciler` group: the global options, the commands (imported on demand) and the exit codes.

Errors are mapped to the documented exit codes (SPEC §5) here, at the edge, instead of click's.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from reconciler.cli.options import (
    GLOBALS,
    VERBOSITY,
    Cancelled,
    GlobalOptions,
    add_global_options,
    iter_globals_given,
    merge,
)
from reconciler.cli.registry import MODULES, LazyCommands
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
    token = VERBOSITY.set(0)
    try:
        rv = click.Group.main(group, args, prog_name, complete_var, standalone_mode=False, **extra)
    except click.UsageError as e:
        e.show()
        return int(ExitCode.USAGE)
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except Cancelled as e:
        click.echo(str(e), err=True)
        return int(ExitCode.CANCELLED)
    except click.Abort:
        click.echo("aborted", err=True)
        return int(ExitCode.RUNTIME)
    except ReconcilerError as e:
        _report_error(e, VERBOSITY.get())
        return int(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    finally:
        VERBOSITY.reset(token)
    return rv if isinstance(rv, int) else int(ExitCode.OK)


def _report_error(e: ReconcilerError, verbose: int) -> None:
    for problem in getattr(e, "problems", ()):
        click.echo(str(problem), err=True)
    for line in getattr(e, "difference", None) or ():
        click.echo(f"  {line}", err=True)
    click.echo(f"error: {e}", err=True)
    if verbose >= 2:
        traceback.print_exception(e, file=sys.stderr)


@click.group(cls=_Main, context_settings=CONTEXT_SETTINGS, commands=LazyCommands(MODULES))
@add_global_options
@click.pass_context
def cli(ctx: click.Context, /, **given: Any) -> None:
    """Keep the users and user groups of a GoodData organization in git.

    The global options work before or after the command: `reconciler --target prod plan` and
    `reconciler plan --target prod` are the same.

    \b
    Typical flow:
      reconciler validate                 # offline checks of state/*.yaml
      reconciler plan                     # what would change on the target
      reconciler apply --auto-approve     # back up, write, verify
    """
    env = dict(os.environ)
    ctx.obj = merge(GlobalOptions(color="NO_COLOR" not in env, env=env), given)
    VERBOSITY.set(ctx.obj.verbose)
    sub = group_command(ctx)
    if sub is not None:
        accepted = {p.name for p in sub.params}
        for name in iter_globals_given(ctx):
            if name not in accepted:
                raise click.UsageError(f"{GLOBALS[name]} does not apply to `reconciler {sub.name}`")


def group_command(ctx: click.Context) -> click.Command | None:
    """The subcommand about to run, when there is one."""
    name = ctx.invoked_subcommand
    command = ctx.command
    if name is None or not isinstance(command, click.Group):
        return None
    return command.commands.get(name)
