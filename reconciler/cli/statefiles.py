"""What the commands that edit the state files share (load, adopt): the dry-run diff and a checked write."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import click

from reconciler.atomic import write_atomically
from reconciler.config import Config
from reconciler.errors import ExitCode, StateError
from reconciler.source import validate_state


def print_diff(config: Config, files: Mapping[Path, str]) -> None:
    """A unified diff of each file's new text against what is on disk, on stdout."""
    import difflib  # only a dry run needs it

    for path, text in files.items():
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        name = config.relative(path)
        sys.stdout.writelines(
            difflib.unified_diff(
                before.splitlines(keepends=True), text.splitlines(keepends=True), f"a/{name}", f"b/{name}"
            )
        )


def write_checked(config: Config, files: Mapping[Path, str], what: str, *, checked: bool = False) -> None:
    """Write the new texts; when the state they make is invalid, put every file back and fail. `checked`:
    the state they make passed every check already (reconciler.editcheck), so it is not read again."""
    before = {} if checked else {path: path.read_bytes() if path.exists() else None for path in files}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
    if checked:
        return
    result = validate_state(config)
    if result.ok():
        return
    for path, old in before.items():
        if old is None:
            path.unlink()
        else:
            write_atomically(path, old)
    raise StateError(
        f"the {what} state would be invalid ({result.errors} errors); the state files were left as they were",
        [p for p in result.problems if p.severity == "error"],
    )


class Edits(Protocol):
    """What `load` and `adopt` plan: the new text of each file, and a one-line summary."""

    @property
    def files(self) -> Mapping[Path, str]: ...

    def summary(self) -> str: ...

    @property
    def checked(self) -> bool: ...


def finish(
    config: Config, edits: Edits, *, command: str, what: str, review: str, dry_run: bool, quiet: bool
) -> int:
    """A dry run's diff, or the checked write and the files written; then the result line."""
    if dry_run:
        if not quiet:
            print_diff(config, edits.files)
        click.echo(f"{command} (dry run): {edits.summary()}; nothing written.")
        return int(ExitCode.OK)
    write_checked(config, edits.files, what, checked=edits.checked)
    for path in () if quiet else edits.files:
        click.echo(config.relative(path))
    click.echo(f"{command} complete: {edits.summary()}. Review with {review}, then commit.")
    return int(ExitCode.OK)
