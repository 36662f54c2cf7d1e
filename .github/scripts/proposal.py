"""A change to the state files proposed on a branch of its own, for a pull request (sync, adopt).

The branch always starts from the current commit (main), so its pull request shows exactly the change
against what main says. It is force-pushed only when it differs from what the remote branch holds (the same
change on the same parent is not pushed again: no new commit, no notification).
"""

from __future__ import annotations

import subprocess


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()


def start(branch: str) -> str:
    """Check out `branch` afresh at the current commit; return what to check out again afterwards."""
    here = _git("branch", "--show-current") or _git("rev-parse", "HEAD")
    _git("checkout", "-q", "-B", branch)
    return here


def commit(state_dir: str, subject: str, body: str = "") -> bool:
    """Commit every change under `state_dir`; False (no commit) when nothing changed."""
    _git("add", "-A", "--", state_dir)
    staged = subprocess.run(["git", "diff", "--cached", "--quiet"], check=False)
    if staged.returncode == 0:
        return False
    _git("commit", "-q", "-m", subject, *(["-m", body] if body else []))
    return True


def push(branch: str, remote: str = "origin") -> bool:
    """Force-push HEAD to `branch` unless the remote branch holds the same tree on the same parent."""
    listed = _git("ls-remote", remote, f"refs/heads/{branch}")
    if listed:
        _git("fetch", "-q", remote, f"refs/heads/{branch}")
        same_tree = _git("rev-parse", "FETCH_HEAD^{tree}") == _git("rev-parse", "HEAD^{tree}")
        if same_tree and _git("rev-parse", "FETCH_HEAD^") == _git("rev-parse", "HEAD^"):
            return False
    _git("push", "-q", "--force", remote, f"HEAD:refs/heads/{branch}")
    return True


def leave(ref: str) -> None:
    """Check out `ref` again (what `start` returned)."""
    _git("checkout", "-q", ref)
