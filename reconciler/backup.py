"""Backups of the live organization (SPEC §6): the file, its git commit, the log and reading old revisions.

It runs git for the backups (reconciler/gitlog.py reads the history of the state files).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.atomic import write_atomically, write_many_atomically
from reconciler.backup_format import entity_chunks, entity_lines
from reconciler.backup_source import BackupSource, parse_source, source_path
from reconciler.errors import BackupError
from reconciler.layout import canonical

log = logging.getLogger(__name__)

BACKUP_FILE = "usersAndUserGroups.json"
ORGANIZATION_FILE = "organization.permissions.json"

# Used only when the repository has no identity of its own (a fresh CI runner), so the commit never fails.
_FALLBACK_IDENTITY = ("-c", "user.name=reconciler", "-c", "user.email=reconciler@localhost")


@dataclass(frozen=True)
class BackupEntry:
    """One backup in the git history of a target's backup file."""

    rev: str
    date: str
    message: str
    source_host: str | None = None  # the Source-Host trailer (older backups have none)


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


def read_backup_file(path: Path) -> dict[str, Any]:
    """Read a backup (or any layout document) from a file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BackupError(f"backup error: cannot read {path}: {e.strerror or e}") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise BackupError(f"backup error: {path} is not a JSON layout document: {e}") from e
    return _as_layout(data, str(path))


def in_git_work_tree(path: Path) -> bool:
    """True when `path` (or its nearest existing parent) is inside a git work tree."""
    probe = path if path.is_dir() else path.parent
    while not probe.exists():
        probe = probe.parent
    try:
        out = _git(probe, "rev-parse", "--is-inside-work-tree", check=False)
    except BackupError:
        return False
    return out.strip() == "true"


_CHANGES = {
    "?": "untracked",
    "!": "ignored by git",
    "D": "deleted",
    "A": "added",
    "R": "renamed",
    "C": "copied",
}


def uncommitted_changes(directory: Path) -> list[tuple[Path, str]] | None:
    """(path, change) of every file under `directory` that differs from the last commit, untracked and
    git-ignored files included (`modified`, `added`, `deleted`, `untracked`, …); None when `directory` is not
    in a git work tree or git cannot tell."""
    if not in_git_work_tree(directory):
        return None
    try:
        top = Path(_git(directory, "rev-parse", "--show-toplevel").strip())
        out = _git(
            directory, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored", "--", "."
        )
    except BackupError:
        return None
    fields = out.split("\0")
    changes: list[tuple[Path, str]] = []
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        code = entry[:2]
        change = next((_CHANGES[c] for c in code if c in _CHANGES), "modified")
        changes.append((top / entry[3:], change))
        if code[0] in "RC" and i < len(fields):
            if code[0] == "R":  # the original path follows: gone from the work tree
                changes.append((top / fields[i], "deleted"))
            i += 1
    return changes


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
    _git(root, "init", "--quiet", ".")
    # A sandbox: never ask for a signing key or a passphrase, whatever the user's global settings are.
    _git(root, "config", "commit.gpgsign", "false")
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


def document_files(directory: Path) -> list[str]:
    """The permissions documents' files under a target's backup directory (relative names)."""
    found = [p for p in (directory / "workspaces").glob("*.permissions.json") if p.is_file()]
    found += [p for p in (directory / ORGANIZATION_FILE,) if p.is_file()]
    return [str(p.relative_to(directory)) for p in found]


def read_documents_rev(path: Path, rev: str) -> dict[str, Any]:
    """The permissions documents (by key) committed at `rev` beside the users backup `path`."""
    prefix = _repo_path(path)[: -len(path.name)]
    out = _git(path.parent, "ls-tree", "-r", "--name-only", "--full-tree", rev, "--", prefix, check=False)
    docs: dict[str, Any] = {}
    for name in out.splitlines():
        rel = name[len(prefix) :]
        if not rel.endswith(".json") or not (rel.startswith("workspaces/") or rel == ORGANIZATION_FILE):
            continue
        proc = _run(path.parent, "show", f"{rev}:{name}")
        try:
            docs[rel[: -len(".json")]] = json.loads(proc.stdout)
        except ValueError as e:
            raise BackupError(f"backup error: {name} at {rev} is not JSON: {e}") from e
    return docs


def commit_backup(path: Path, message: str, others: tuple[list[str], list[str]] = ([], [])) -> str | None:
    """`git add` + `git commit` of the backup file (and its source sidecar, the other documents written and
    removed: `others` as write_documents returns them) alone; the new revision, or None when nothing
    changed."""
    repo = path.parent
    names = [path.name] + ([source_path(path).name] if source_path(path).exists() else [])
    written, removed = others
    if removed:
        _git(repo, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *removed)
    names += written + removed
    _git(repo, "add", "--", *names[: len(names) - len(removed)])
    if not _git(repo, "status", "--porcelain", "--", *names).strip():
        log.info("backup %s unchanged since its last commit; nothing to commit", path)
        return None
    identity = () if _git(repo, "config", "user.email", check=False).strip() else _FALLBACK_IDENTITY
    # `--only` semantics (pathspec after --): whatever else the user has staged stays out of this commit.
    _git(repo, *identity, "commit", "--quiet", "--no-verify", "-m", message, "--", *names)
    return _git(repo, "rev-parse", "HEAD").strip()


def list_backups(path: Path) -> list[BackupEntry]:
    """The backups of one target, newest first, from the git history of its backup file."""
    if not in_git_work_tree(path):
        return []
    names = (path.name, source_path(path).name)
    fmt = "--format=%H%x1f%aI%x1f%s%x1f%(trailers:key=Source-Host,valueonly,separator=%x20)"
    out = _git(path.parent, "log", fmt, "--", *names, check=False)
    entries = []
    for line in out.splitlines():
        rev, date, message, host = line.split("\x1f", 3)
        entries.append(BackupEntry(rev, date, message, host.strip() or None))
    return entries


def read_backup_rev(path: Path, rev: str) -> dict[str, Any]:
    """The backup file as it was at git revision `rev`."""
    rel = _repo_path(path)
    proc = _run(path.parent, "show", f"{rev}:{rel}")
    if proc.returncode != 0:
        raise BackupError(f"backup error: no backup at revision {rev!r} ({rel}): {_detail(proc)}")
    try:
        data = json.loads(proc.stdout)
    except ValueError as e:
        raise BackupError(f"backup error: {rel} at {rev} is not JSON: {e}") from e
    return _as_layout(data, f"{rel}@{rev}")


def read_source_rev(path: Path, rev: str) -> BackupSource | None:
    """Where the backup at revision `rev` was read from; None for a backup committed without a sidecar."""
    rel = _repo_path(source_path(path))
    proc = _run(path.parent, "show", f"{rev}:{rel}")
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


def _repo_path(path: Path) -> str:
    """`path` relative to the top of its git repository, as `git show REV:PATH` takes it."""
    rel = _git(path.parent, "ls-files", "--full-name", "--", path.name, check=False).strip()
    return rel or _git(path.parent, "rev-parse", "--show-prefix").strip() + path.name


def _as_layout(data: Any, where: str) -> dict[str, Any]:
    if not (
        isinstance(data, dict)
        and isinstance(data.get("users"), list)
        and isinstance(data.get("userGroups"), list)
    ):
        raise BackupError(f"backup error: {where} is not a usersAndUserGroups layout document")
    return data


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except OSError as e:
        raise BackupError(f"backup error: cannot run git: {e}") from e


def _detail(proc: subprocess.CompletedProcess[str]) -> str:
    """git's own last line of complaint (never prefixed: the caller's message says what failed)."""
    err = proc.stderr.strip()
    return err.splitlines()[-1] if err else f"exit {proc.returncode}"


def _git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = _run(cwd, *args)
    if check and proc.returncode != 0:
        command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
        raise BackupError(f"backup error: git {command}: {_detail(proc)}")
    return proc.stdout
