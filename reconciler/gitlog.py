"""Reading the git history of the state files: the mainline's commits, what each changed, and the blobs.

The history commands (issue 15 §2) read history from git alone, never from a checkout: one `git log`
over the state directory lists every mainline commit that touched it with the blob id of every changed
file (`--raw`), and one long-lived `git cat-file --batch` process reads the blobs. backup.py runs git for
the backups; this module runs it for the history of the state.

The mainline is the first-parent chain of HEAD: a pull request's merge commit (or its squash commit) is
the commit that brought its changes, dated when it landed, diffed against the first parent.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from reconciler.errors import ReconcilerError

_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
_FIELDS = ("%H", "%P", "%an", "%ae", "%cI", "%s")
_NO_BLOB = "0" * 40
# GitHub's merge commit ("Merge pull request #12 from org/branch") and squash merge ("Subject (#12)")
_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")


class HistoryError(ReconcilerError):
    """The git history cannot be read (not a repository, git missing, a broken object)."""


@dataclass(frozen=True)
class Commit:
    """One mainline commit: who, when (the commit date: when it landed), its subject and its PR number."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: datetime
    subject: str

    @property
    def pr(self) -> int | None:
        """The pull request number the subject names (merge or squash merge); None for a direct commit."""
        return pull_request_of(self.subject)

    @property
    def short(self) -> str:
        """The abbreviated commit id, as people quote it."""
        return self.sha[:12]


@dataclass(frozen=True)
class FileChange:
    """A file a commit changed: its path from the top of the repository, its new blob (None: deleted)."""

    path: str
    blob: str | None


def pull_request_of(subject: str) -> int | None:
    """The PR number in a GitHub merge or squash-merge subject; None when it names none."""
    found = _MERGE_PR.match(subject) or _SQUASH_PR.search(subject)
    return int(found.group(1)) if found else None


def toplevel(path: Path) -> Path:
    """The top of the git work tree holding `path`; HistoryError when there is none."""
    proc = _run(path, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise HistoryError(f"history error: {path} is not in a git repository: {_detail(proc)}")
    return Path(proc.stdout.decode("utf-8", "surrogateescape").strip())


def is_shallow(top: Path) -> bool:
    """True in a shallow clone (CI's default `fetch-depth: 1`): its history starts late."""
    proc = _run(top, "rev-parse", "--is-shallow-repository")
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def mainline(top: Path, paths: list[str], exclude: list[str]) -> Iterator[tuple[Commit, list[FileChange]]]:
    """Each first-parent commit of HEAD touching `paths` (minus `exclude`), oldest first, and its changes."""
    if _run(top, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return  # a repository without commits has no history
    spec = [*paths, *(f":(exclude){p}" for p in exclude)]
    proc = _run(
        top,
        "-c",
        "core.quotePath=false",
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--reverse",
        "--no-renames",
        "--raw",
        "--no-abbrev",
        "-z",
        "--format=%x01" + "%x00".join(_FIELDS),
        "HEAD",
        "--",
        *spec,
    )
    if proc.returncode != 0:
        raise HistoryError(f"history error: git log: {_detail(proc)}")
    for record in proc.stdout.decode("utf-8", "surrogateescape").split("\x01")[1:]:
        parts = record.split("\x00")
        sha, parents, author, email, date, subject = parts[: len(_FIELDS)]
        commit = Commit(sha, tuple(parents.split()), author, email, datetime.fromisoformat(date), subject)
        changes: list[FileChange] = []
        rest = parts[len(_FIELDS) :]
        for meta, path in zip(rest[::2], rest[1::2], strict=False):
            fields = meta.strip().split()
            if len(fields) >= 5 and fields[0].startswith(":"):
                blob = fields[3]
                changes.append(FileChange(path, None if blob == _NO_BLOB or fields[4] == "D" else blob))
        yield commit, changes


class BlobReader:
    """One `git cat-file --batch` process for the whole walk: `read(blob)` returns a blob's bytes."""

    def __init__(self, top: Path) -> None:
        try:
            self._proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=top,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, **_ENV},
            )
        except OSError as e:
            raise HistoryError(f"history error: cannot run git: {e}") from e
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in: IO[bytes] = self._proc.stdin
        self._out: IO[bytes] = self._proc.stdout

    def read(self, blob: str) -> bytes:
        """The content of `blob`; HistoryError when git does not have it."""
        self._in.write(blob.encode("ascii") + b"\n")
        self._in.flush()
        header = self._out.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise HistoryError(f"history error: git has no blob {blob}")
        data = self._out.read(int(header[2]) + 1)  # the content and its newline
        return data[:-1]

    def close(self) -> None:
        """End the git process."""
        self._in.close()
        self._proc.wait()
        self._out.close()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, env={**os.environ, **_ENV}
        )
    except OSError as e:
        raise HistoryError(f"history error: cannot run git: {e}") from e


def _detail(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace").strip()
    return err.splitlines()[-1] if err else f"exit {proc.returncode}"
