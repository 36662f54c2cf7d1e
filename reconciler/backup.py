"""Backups of the live organization (SPEC §6): writing the files and committing them to git.

Reading them back (the file, the log, old revisions) is reconciler/backup_history.py, running git is
reconciler/backup_git.py; both are re-exported here, the one module the commands call. (reconciler/gitlog.py
reads the history of the state files.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.atomic import write_atomically, write_many_atomically
from reconciler.backup_format import entity_chunks, entity_lines
from reconciler.backup_git import git, git_while
from reconciler.backup_git import in_git_work_tree as in_git_work_tree
from reconciler.backup_git import uncommitted_changes as uncommitted_changes
from reconciler.backup_history import ORGANIZATION_FILE as ORGANIZATION_FILE
from reconciler.backup_history import BackupEntry as BackupEntry
from reconciler.backup_history import document_files as document_files
from reconciler.backup_history import list_backups as list_backups
from reconciler.backup_history import read_backup_file as read_backup_file
from reconciler.backup_history import read_backup_rev as read_backup_rev
from reconciler.backup_history import read_documents_rev as read_documents_rev
from reconciler.backup_history import read_source_file as read_source_file
from reconciler.backup_history import read_source_rev as read_source_rev
from reconciler.backup_source import BackupSource, source_path
from reconciler.errors import BackupError
from reconciler.layout import canonical

log = logging.getLogger(__name__)

BACKUP_FILE = "usersAndUserGroups.json"

# Used only when the repository has no identity of its own (a fresh CI runner), so the commit never fails.
_FALLBACK_IDENTITY = ("-c", "user.name=reconciler", "-c", "user.email=reconciler@localhost")


def backup_path(backups_dir: Path, target: str) -> Path:
    """`<backups>/<target>/usersAndUserGroups.json`."""
    return backups_dir / target / BACKUP_FILE


def backup_text(doc: Mapping[str, Any]) -> str:
    """The backup form of a document: canonical (sorted keys, id-sorted lists), one entity per line
    (reconciler.backup_format)."""
    return entity_lines(canonical(doc))


def write_backup(path: Path, doc: Mapping[str, Any]) -> None:
    """Write the backup atomically: a temp file in the same directory, fsync, rename, fsync the directory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # in pieces: a 100,000-user backup never sits in memory whole, beside the plan's documents
        write_atomically(path, (piece.encode("utf-8") for piece in entity_chunks(canonical(doc))))
    except OSError as e:
        raise BackupError(f"backup error: cannot write {path}: {e.strerror or e}") from e


def write_source(path: Path, source: BackupSource) -> None:
    """Write the sidecar that says where the backup `path` was read from, atomically, next to it."""
    sidecar = source_path(path)
    try:
        write_atomically(sidecar, source.text().encode("utf-8"))
    except OSError as e:
        raise BackupError(f"backup error: cannot write {sidecar}: {e.strerror or e}") from e


def ensure_repository(root: Path) -> bool:
    """Make `root` a git repository of its own (the local sandbox's backup history); True when created."""
    if (root / ".git").exists():
        return False
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupError(f"backup error: cannot create {root}: {e.strerror or e}") from e
    git(root, "init", "--quiet", ".")
    # A sandbox: never ask for a signing key or a passphrase, whatever the user's global settings are.
    git(root, "config", "commit.gpgsign", "false")
    log.info("created the local backup history in %s", root)
    return True


def write_documents(directory: Path, documents: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Write the permissions documents read (`<key>.json` under `directory`, keys as in
    reconciler.resources) beside the users backup, and remove those a former backup left that this one did
    not read, so a revision holds exactly the documents of one apply. (written, removed) relative names."""
    written = [f"{key}.json" for key in sorted(documents)]
    files = [
        (directory / rel, entity_lines(documents[rel[: -len(".json")]]).encode("utf-8")) for rel in written
    ]
    try:
        for parent in {target.parent for target, _ in files}:
            parent.mkdir(parents=True, exist_ok=True)
        write_many_atomically(files)
    except OSError as e:
        where = e.filename or directory
        raise BackupError(f"backup error: cannot write {where}: {e.strerror or e}") from e
    removed = []
    for old in sorted(document_files(directory)):
        if old not in written:
            (directory / old).unlink()
            removed.append(old)
    return written, removed


def commit_backup(
    path: Path,
    message: str,
    others: tuple[list[str], list[str]] = ([], []),
    *,
    meanwhile: Callable[[], object] | None = None,
) -> str | None:
    """`git add` + `git commit` of the backup file (and its source sidecar, the other documents written and
    removed: `others` as write_documents returns them) alone; the new revision, or None when nothing
    changed. `meanwhile` runs while git adds the files in its own process (hashing and compressing a 30 MB
    backup is most of the commit's time)."""
    repo = path.parent
    names = [path.name] + ([source_path(path).name] if source_path(path).exists() else [])
    written, removed = others
    if removed:
        git(repo, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *removed)
    names += written + removed
    git_while(repo, ("add", "--", *names[: len(names) - len(removed)]), meanwhile)
    if not git(repo, "status", "--porcelain", "--", *names).strip():
        log.info("backup %s unchanged since its last commit; nothing to commit", path)
        return None
    identity = () if git(repo, "config", "user.email", check=False).strip() else _FALLBACK_IDENTITY
    # `--only` semantics (pathspec after --): whatever else the user has staged stays out of this commit.
    git(repo, *identity, "commit", "--quiet", "--no-verify", "-m", message, "--", *names)
    return git(repo, "rev-parse", "HEAD").strip()
