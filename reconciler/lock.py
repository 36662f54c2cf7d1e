"""A per-target lock, so that two applies (or restores) from one machine never write the same target at once.

`fcntl.flock` on `.reconciler/locks/<target>.lock` under the config root: the kernel releases it when the
process ends, however it ends, so a killed apply never leaves a stale lock behind. Applies from different
machines are serialized by the CI concurrency group instead (see the README).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import GuardError, ReconcilerError
from reconciler.progress import NULL, Progress

LOCKS_DIR = Path(".reconciler") / "locks"
DEFAULT_WAIT = 5.0
_POLL = 0.05


class LockedError(GuardError):
    """Another process holds the target's lock (exit 4, like any other refusal to write)."""


@dataclass(frozen=True)
class HeldLock:
    """The lock held: its file, and whether another process held it first (so ran in between)."""

    path: Path
    waited: bool


def lock_path(root: Path, target: str) -> Path:
    """`<root>/.reconciler/locks/<target>.lock`."""
    return root / LOCKS_DIR / f"{target}.lock"


@contextmanager
def target_lock(
    root: Path, target: str, *, wait: float = DEFAULT_WAIT, progress: Progress = NULL
) -> Iterator[HeldLock]:
    """Hold the target's lock for the duration of the block; LockedError when it stays taken for `wait` s.

    While it waits for another process, the wait is a stage of `progress`.
    """
    path = lock_path(root, target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise ReconcilerError(f"i/o error: cannot open the lock file {path}: {e.strerror or e}") from e
    try:
        waited = _acquire(fd, path, target, max(wait, 0.0), progress)
        # Say who holds it, for the message the next process shows.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield HeldLock(path, waited)
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, target: str, wait: float, progress: Progress) -> bool:
    """Take the lock; True when another process held it first."""
    if _try_lock(fd, path):
        return False
    holder = _holder(fd)
    who = f" (pid {holder})" if holder else ""
    deadline = time.monotonic() + wait
    with progress.stage(
        f"waiting for another apply to {target} to finish{who}",
        done=f"waited for another apply to {target} to finish{who}",
    ):
        while time.monotonic() < deadline:
            time.sleep(_POLL)
            if _try_lock(fd, path):
                return True
        raise LockedError(f"refused: another apply to {target} is running{who}; lock {path}")


def _try_lock(fd: int, path: Path) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise ReconcilerError(f"i/o error: cannot lock {path}: {e.strerror or e}") from e
        return False
    return True


def _holder(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None
