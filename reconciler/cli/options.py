"""What every command shares: the global options, accepted before or after the subcommand, read once.

`reconciler -v plan --target prod` and `reconciler plan --target prod -v` mean the same: the group and
every subcommand declare the same global options (`GLOBALS`); the subcommand's values are merged over the
group's (the later one wins; `-v` counts add up) into one `GlobalOptions`, which `pass_globals` hands to the
command. Click's own parser reads them in both places, so `--` and option values that look like options
(`--out -v`) mean what they mean everywhere else.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import click

from reconciler import __version__
from reconciler.errors import ConfigError
from reconciler.progress import Progress, Writable, for_stream

if TYPE_CHECKING:  # reading reconciler.yaml (YAML, its schema) is imported by the commands that do it
    from reconciler.config import Config

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class GlobalOptions:
    """The global flags (`reconciler --config … --target … -v …`) and the environment, as given."""

    config_path: Path | None = None
    target: str | None = None
    verbose: int = 0
    quiet: bool = False
    color: bool = True
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @functools.cached_property
    def progress(self) -> Progress:
        """How long operations show on stderr: nothing with -q, redrawn on a terminal, else stage lines."""
        terminal = sys.stderr.isatty() and self.env.get("TERM") != "dumb"
        return for_stream(sys.stderr, quiet=self.quiet, terminal=terminal)


class Cancelled(Exception):
    """The user declined the confirmation prompt (answered no, or closed it): nothing was written."""


VERBOSITY: ContextVar[int] = ContextVar("reconciler_verbosity", default=0)
"""The verbosity of the command running, for the error report at the edge (a traceback only at -vv)."""


def _global_options() -> list[Callable[[F], F]]:
    """The global options (parameter names prefixed `global_`, so they never meet a command's own)."""
    return [
        click.option(
            "--config",
            "global_config",
            type=click.Path(path_type=Path, dir_okay=False),
            metavar="PATH",
            help="Path of reconciler.yaml (default: the nearest one, from this directory up to the "
            "repository root; a directory with state/ and no reconciler.yaml uses the defaults).",
        ),
        click.option(
            "--target",
            "global_target",
            metavar="NAME",
            help="Target organization from reconciler.yaml (default: its default_target).",
        ),
        click.option(
            "-v",
            "--verbose",
            "global_verbose",
            count=True,
            help="More diagnostics on stderr (-vv: HTTP details and a traceback on errors).",
        ),
        click.option("-q", "--quiet", "global_quiet", is_flag=True, help="Only the result line and errors."),
        click.option(
            "--no-color", "global_no_color", is_flag=True, help="No ANSI colors (also when NO_COLOR is set)."
        ),
        click.version_option(__version__, "--version", prog_name="reconciler"),
    ]


GLOBALS: dict[str, str] = {
    "global_config": "--config",
    "global_target": "--target",
    "global_verbose": "-v/--verbose",
    "global_quiet": "-q/--quiet",
    "global_no_color": "--no-color",
}
"""Parameter name → how the user spells the option."""

ALL = tuple(GLOBALS)
NO_CONFIG = ("global_verbose", "global_quiet", "global_no_color")
"""The globals of a command that reads no reconciler.yaml (the emulator)."""


def add_global_options(f: F, names: tuple[str, ...] = ALL) -> F:
    """Declare the global options `names` (and --version) on the group or a command."""
    for option in reversed(_global_options()):
        f = option(f)
    params = getattr(f, "__click_params__", [])
    params[:] = [p for p in params if p.name is None or p.name == "version" or p.name in names]
    return f


def merge(base: GlobalOptions, given: Mapping[str, Any]) -> GlobalOptions:
    """`base` (the group's options) with the options `given` after the subcommand; the later one wins."""
    quiet, verbose = bool(given.get("global_quiet")), int(given.get("global_verbose") or 0)
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose contradict each other; give one")
    changes: dict[str, Any] = {}
    if given.get("global_config") is not None:
        changes["config_path"] = given["global_config"]
    if given.get("global_target") is not None:
        changes["target"] = given["global_target"]
    if quiet:
        changes.update(quiet=True, verbose=0)
    elif verbose:
        changes.update(quiet=False, verbose=(0 if base.quiet else base.verbose) + verbose)
    if given.get("global_no_color"):
        changes["color"] = False
    return replace(base, **changes)


Callback = Callable[..., Any]


@overload
def pass_globals(f: Callback, *, names: tuple[str, ...] = ALL) -> Callback: ...
@overload
def pass_globals(f: None = None, *, names: tuple[str, ...] = ALL) -> Callable[[Callback], Callback]: ...
def pass_globals(
    f: Callback | None = None, *, names: tuple[str, ...] = ALL
) -> Callback | Callable[[Callback], Callback]:
    """Declare the global options on a command and pass the merged `GlobalOptions` as its first argument.

    Also points the `reconciler` loggers at stderr at the chosen verbosity for the command's run.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ctx = click.get_current_context()
            given = {name: kwargs.pop(name) for name in names}
            opts = merge(ctx.find_object(GlobalOptions) or GlobalOptions(), given)
            ctx.obj = opts
            VERBOSITY.set(opts.verbose)
            # log lines must not garble a progress line on a terminal
            ctx.call_on_close(log_to_stderr(log_level(opts), opts.progress.log_stream(sys.stderr)))
            return func(opts, *args, **kwargs)

        return add_global_options(wrapper, names)

    return decorate if f is None else decorate(f)


def log_level(opts: GlobalOptions) -> int:
    """-q: errors only; default: warnings; -v: info; -vv: debug."""
    if opts.quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(opts.verbose, logging.DEBUG)


def log_to_stderr(level: int, stream: Writable | None = None) -> Callable[[], None]:
    """Send the `reconciler` loggers' diagnostics to `stream` (default stderr); returns how to undo that."""
    logger = logging.getLogger("reconciler")
    urllib3_logger = logging.getLogger("urllib3")
    saved = (logger.level, urllib3_logger.level)
    handler = logging.StreamHandler(stream or sys.stderr)
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


def load_config_of(opts: GlobalOptions) -> Config:
    """The configuration `--config` names, or the nearest reconciler.yaml; `--target` must be its target.

    A `--target` typo is an error in every command that reads the config, also in those that never contact
    the target (validate, render), so that it is never silently ignored.
    """
    from reconciler.config import load_config

    config = load_config(opts.config_path, cwd=Path.cwd())
    if opts.verbose:
        click.echo(f"config: {config.path or config.describe_search()}", err=True)
    if opts.target is not None and opts.target not in config.targets:
        known = ", ".join(sorted(config.targets))
        where = config.path or config.describe_search()
        raise ConfigError(f"invalid config: unknown target {opts.target!r} (targets: {known}) in {where}")
    return config


class Command(click.Command):
    """A subcommand whose --help lists the global options in their own section, after its own."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """`Options:` (the command's own), then `Global options:` (also accepted before the command)."""
        own: list[tuple[str, str]] = []
        shared: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                (shared if param.name in GLOBALS or param.name == "version" else own).append(record)
        for title, rows in (("Options", own), ("Global options", shared)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """`click.command` with the `Command` class."""
    attrs.setdefault("cls", Command)
    return click.command(name, **attrs)


def iter_globals_given(ctx: click.Context) -> Iterator[str]:
    """The parameter names of the global options given on the command line to `ctx`'s command."""
    for name in GLOBALS:
        source = ctx.get_parameter_source(name)
        if source is click.core.ParameterSource.COMMANDLINE:
            yield name
