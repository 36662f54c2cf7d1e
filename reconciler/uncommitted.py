"""Whether the state files are committed: git is meant to hold what is applied (issue 10 §5).

`apply` to a real target warns when this finds anything; the local sandbox does not (it is for trying out
edits). The state files are those `validate` reads: *.yaml / *.yml under the state directory, backups aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler import backup
from reconciler.source.files import SUFFIXES

if TYPE_CHECKING:
    from reconciler.config import Config

SHOWN = 5


@dataclass(frozen=True)
class Uncommitted:
    """A state file whose content is not what the last commit holds."""

    path: str  # as shown: relative to the config's directory
    change: str  # modified, added, deleted, renamed, untracked, ignored by git


def uncommitted_state_files(config: Config) -> list[Uncommitted]:
    """The state files with changes git has not committed (modified, staged, untracked, deleted or ignored).

    Empty when everything is committed, and also when the state directory is not in a git work tree or git
    cannot be run: this is a warning's question, and never fails the command that asks it.
    """
    if not config.state_dir.is_dir():
        return []
    changes = backup.uncommitted_changes(config.state_dir)
    if not changes:
        return []
    skip = {config.backups_dir.resolve(), (config.state_dir / "backups").resolve()}
    out = []
    for path, change in changes:
        if path.suffix not in SUFFIXES or any(d == path or d in path.parents for d in skip):
            continue
        out.append(Uncommitted(config.relative(path), change))
    return sorted(out, key=lambda u: u.path)


def uncommitted_warning(files: list[Uncommitted], target: str) -> str:
    """What `apply` prints (after `warning: `) when `files` are not committed."""
    shown = ", ".join(f"{u.path} {u.change}" for u in files[:SHOWN])
    if len(files) > SHOWN:
        shown += f" and {len(files) - SHOWN} more"
    return (
        f"uncommitted changes in the state files ({shown}): the state applied to {target} will not be "
        "in git; commit it so that git records what was applied"
    )
