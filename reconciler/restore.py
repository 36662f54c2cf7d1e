"""What `restore` puts back, and whether it may (issue 10 §3, §7): a backup of this target's own organization.

A backup records where it was read from (reconciler.backup_source); restoring one read from another host or
organization is refused unless asked for explicitly. The local sandbox's backups live in a git repository of
their own, so `restore --from REV` works there as on a real target.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reconciler import backup
from reconciler.backup_source import ALLOW_FLAG, BackupSource, check_same_source
from reconciler.engine import Session, backups_dir
from reconciler.errors import BackupError

log = logging.getLogger(__name__)


def label(*, rev: str | None, file: Path | None) -> str:
    """How the restored backup is named in messages and in the backup commit: `3f2a1c9` or the file."""
    return str(file) if file is not None else rev or "HEAD"


def backup_document(session: Session, *, rev: str | None = None, file: Path | None = None) -> dict[str, Any]:
    """A backup to restore: this target's backup at git revision `rev`, or a layout document file."""
    if file is not None:
        return backup.read_backup_file(file)
    root = backups_dir(session.config, session.target)
    if session.target.is_local and not (root / ".git").exists():
        raise BackupError(
            "backup error: the local organization has no backups yet: each apply or restore on the local "
            f"target commits one to its own history in {root}"
        )
    return backup.read_backup_rev(backup.backup_path(root, session.target.name), rev or "HEAD")


def other_documents(session: Session, *, rev: str | None = None, file: Path | None = None) -> dict[str, Any]:
    """The permissions documents of the backup at `rev` (by key, as resources take them); a restore puts them
    back after the users and groups. A `--file` restore is of one layout document: none."""
    if file is not None:
        return {}
    path = backup.backup_path(backups_dir(session.config, session.target), session.target.name)
    return session.backup_documents(backup.read_documents_rev(path, rev or "HEAD"), rev or "HEAD")


def check_source(
    session: Session, *, rev: str | None = None, file: Path | None = None, allow_other: bool = False
) -> BackupSource | None:
    """Refuse (GuardError, exit 4) a backup read from another host or organization, unless `allow_other`.

    A backup without a source record (taken before reconciler recorded one) is restored with a warning.
    """
    if file is not None:
        recorded, what = backup.read_source_file(file), f"the backup {file}"
    else:
        path = backup.backup_path(backups_dir(session.config, session.target), session.target.name)
        recorded, what = backup.read_source_rev(path, rev or "HEAD"), f"the backup at {rev or 'HEAD'}"
    if recorded is None:
        log.warning(
            "%s has no record of where it was read from (an older backup, or a file without its .source.json "
            "sidecar): restoring it without checking that it came from %s",
            what,
            session.target,
        )
        return None
    current = session.source(recorded.read_at)
    if allow_other:
        log.warning(
            "%s was read from %s; restoring it onto %s as asked (%s)",
            what,
            recorded.describe(),
            current.describe(),
            ALLOW_FLAG,
        )
    else:
        check_same_source(recorded, current, what=what)
    return recorded
