"""Reading backups back (SPEC §6): the backup file, its git history, and every document of a revision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.backup_git import detail as git_detail
from reconciler.backup_git import git, in_git_work_tree, repo_path, run
from reconciler.backup_source import BackupSource, parse_source, source_path
from reconciler.errors import BackupError

ORGANIZATION_FILE = "organization.permissions.json"
PLATFORM_USERS_FILE = "platform.users.json"  # the older platform's users


@dataclass(frozen=True)
class BackupEntry:
    """One backup in the git history of a target's backup file."""

    rev: str
    date: str
    message: str
    source_host: str | None = None  # the Source-Host trailer (older backups have none)


def document_files(directory: Path) -> list[str]:
    """The permissions documents' files under a target's backup directory (relative names)."""
    found = [p for p in (directory / "workspaces").glob("*.permissions.json") if p.is_file()]
    found += [p for p in (directory / ORGANIZATION_FILE,) if p.is_file()]
    found += [p for p in (directory / "projects").glob("*.json") if p.is_file()]  # the older platform's
    found += [p for p in (directory / PLATFORM_USERS_FILE,) if p.is_file()]
    return [str(p.relative_to(directory)) for p in found]


def _is_document(rel: str) -> bool:
    return rel.endswith(".json") and (
        rel.startswith(("workspaces/", "projects/")) or rel in (ORGANIZATION_FILE, PLATFORM_USERS_FILE)
    )


def read_backup_file(path: Path) -> dict[str, Any]:
    """Read a backup (or any layout document) from a file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BackupError(f"backup error: cannot read {path}: {e.strerror or e}") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise BackupError(f"backup error: {path} is not a JSON layout document: {e}") from e
    return _as_layout(data, str(path))


def read_documents_rev(path: Path, rev: str) -> dict[str, Any]:
    """The permissions documents (by key) committed at `rev` beside the users backup `path`."""
    prefix = repo_path(path)[: -len(path.name)]
    out = git(path.parent, "ls-tree", "-r", "--name-only", "--full-tree", rev, "--", prefix, check=False)
    docs: dict[str, Any] = {}
    for name in out.splitlines():
        rel = name[len(prefix) :]
        if not _is_document(rel):
            continue
        proc = run(path.parent, "show", f"{rev}:{name}")
        try:
            docs[rel[: -len(".json")]] = json.loads(proc.stdout)
        except ValueError as e:
            raise BackupError(f"backup error: {name} at {rev} is not JSON: {e}") from e
    return docs


def list_backups(path: Path) -> list[BackupEntry]:
    """The backups of one target, newest first, from the git history of its backup file."""
    if not in_git_work_tree(path):
        return []
    names = (path.name, source_path(path).name)
    fmt = "--format=%H%x1f%aI%x1f%s%x1f%(trailers:key=Source-Host,valueonly,separator=%x20)"
    out = git(path.parent, "log", fmt, "--", *names, check=False)
    entries = []
    for line in out.splitlines():
        rev, date, message, host = line.split("\x1f", 3)
        entries.append(BackupEntry(rev, date, message, host.strip() or None))
    return entries


def read_backup_rev(path: Path, rev: str) -> dict[str, Any]:
    """The backup file as it was at git revision `rev`."""
    rel = repo_path(path)
    proc = run(path.parent, "show", f"{rev}:{rel}")
    if proc.returncode != 0:
        raise BackupError(f"backup error: no backup at revision {rev!r} ({rel}): {git_detail(proc)}")
    try:
        data = json.loads(proc.stdout)
    except ValueError as e:
        raise BackupError(f"backup error: {rel} at {rev} is not JSON: {e}") from e
    return _as_layout(data, f"{rel}@{rev}")


def read_source_rev(path: Path, rev: str) -> BackupSource | None:
    """Where the backup at revision `rev` was read from; None for a backup committed without a sidecar."""
    rel = repo_path(source_path(path))
    proc = run(path.parent, "show", f"{rev}:{rel}")
    return parse_source(proc.stdout, f"{rel}@{rev}") if proc.returncode == 0 else None


def read_source_file(backup_file: Path) -> BackupSource | None:
    """Where the backup file `backup_file` was read from, from the sidecar next to it; None without one."""
    sidecar = source_path(backup_file)
    try:
        text = sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise BackupError(f"backup error: cannot read {sidecar}: {e}") from e
    return parse_source(text, str(sidecar))


def _as_layout(data: Any, where: str) -> dict[str, Any]:
    if not (
        isinstance(data, dict)
        and isinstance(data.get("users"), list)
        and isinstance(data.get("userGroups"), list)
    ):
        raise BackupError(f"backup error: {where} is not a usersAndUserGroups layout document")
    return data
