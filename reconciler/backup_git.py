"""Running git for the backups: checked calls with git's own complaint in the message, and a call that lets
the caller work while git does (backup.py commits, backup_history.py reads revisions back)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from reconciler.errors import BackupError

_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

_CHANGES = {
    "?": "untracked",
    "!": "ignored by git",
    "D": "deleted",
    "A": "added",
    "R": "renamed",
    "C": "copied",
}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`git args` in `cwd`, unchecked, its output captured as text."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            env={**os.environ, **_ENV},
        )
    except OSError as e:
        raise BackupError(f"backup error: cannot run git: {e}") from e


def detail(proc: subprocess.CompletedProcess[str]) -> str:
    """git's own last line of complaint (never prefixed: the caller's message says what failed)."""
    return _last_line(proc.stderr, proc.returncode)


def _last_line(stderr: str, code: int) -> str:
    err = stderr.strip()
    return err.splitlines()[-1] if err else f"exit {code}"


def _command(args: tuple[str, ...]) -> str:
    return next((a for a in args if not a.startswith("-") and "=" not in a), "")


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """`git args`' output; BackupError with git's complaint when it fails (unless `check` is false)."""
    proc = run(cwd, *args)
    if check and proc.returncode != 0:
        raise BackupError(f"backup error: git {_command(args)}: {detail(proc)}")
    return proc.stdout


def git_while(cwd: Path, args: tuple[str, ...], meanwhile: Callable[[], object] | None) -> None:
    """`git args` (checked, its output dropped) with `meanwhile` run in this process while git works in its
    own; git is waited for even when `meanwhile` raises."""
    if meanwhile is None:
        git(cwd, *args)
        return
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nobody reads while `meanwhile` runs
        try:
            proc = subprocess.Popen(  # noqa: S603
                ["git", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **_ENV}
            )
        except OSError as e:
            raise BackupError(f"backup error: cannot run git: {e}") from e
        try:
            meanwhile()
        finally:
            code = proc.wait()
        if code != 0:
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
            raise BackupError(f"backup error: git {_command(args)}: {_last_line(text, code)}")


def in_git_work_tree(path: Path) -> bool:
    """True when `path` (or its nearest existing parent) is inside a git work tree."""
    probe = path if path.is_dir() else path.parent
    while not probe.exists():
        probe = probe.parent
    try:
        out = git(probe, "rev-parse", "--is-inside-work-tree", check=False)
    except BackupError:
        return False
    return out.strip() == "true"


def uncommitted_changes(directory: Path) -> list[tuple[Path, str]] | None:
    """(path, change) of every file under `directory` that differs from the last commit, untracked and
    git-ignored files included (`modified`, `added`, `deleted`, `untracked`, …); None when `directory` is not
    in a git work tree or git cannot tell."""
    if not in_git_work_tree(directory):
        return None
    try:
        top = Path(git(directory, "rev-parse", "--show-toplevel").strip())
        out = git(
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


def repo_path(path: Path) -> str:
    """`path` relative to the top of its git repository, as `git show REV:PATH` takes it."""
    rel = git(path.parent, "ls-files", "--full-name", "--", path.name, check=False).strip()
    return rel or git(path.parent, "rev-parse", "--show-prefix").strip() + path.name
