"""What every command shares: the global options, read once at the edge."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.progress import Progress, for_stream

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


pass_globals = click.make_pass_decorator(GlobalOptions, ensure=True)
