"""What every command shares: the global options, read once at the edge."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.progress import NULL, Progress

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
    progress: Progress = NULL  # how long operations show on stderr (reconciler.progress)


pass_globals = click.make_pass_decorator(GlobalOptions, ensure=True)
