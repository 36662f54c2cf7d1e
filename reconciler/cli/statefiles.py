"""What the commands that edit the state files share (load, adopt): the dry-run diff and a checked write."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from reconciler.atomic import write_atomically
from reconciler.config import Config
from reconciler.errors import StateError
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


def write_checked(config: Config, files: Mapping[Path, str], what: str) -> None:
    """Write the new texts; when the state they make is invalid, put every file back and fail."""
    before = {path: path.read_bytes() if path.exists() else None for path in files}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
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
