"""Running `reconciler` from a workflow step, and what every step's Markdown and GitHub environment need."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CHANGES = 2  # `plan --detailed-exitcode`: changes present


@dataclass(frozen=True)
class Run:
    """The outcome of one `reconciler` invocation."""

    code: int
    stdout: str
    stderr: str


def reconciler(*args: str, config: str | None = None) -> Run:
    """Run `reconciler [--config C] ARGS` with this interpreter; never raises on a non-zero exit."""
    cmd = [sys.executable, "-m", "reconciler", "--no-color"]
    if config:
        cmd += ["--config", config]
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def plan_markdown(target: str, saved: Path, *extra: str, config: str | None = None) -> Run:
    """`reconciler --target T plan --format markdown --out SAVED [EXTRA]`."""
    return reconciler(
        "--target", target, "plan", "--format", "markdown", "--out", str(saved), *extra, config=config
    )


def fenced(text: str) -> str:
    """Text in a fenced code block (for error output inside Markdown)."""
    return "```text\n" + text.strip() + "\n```\n"


def append(path: str | None, text: str) -> None:
    """Append to a file named by an environment variable (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT), if any."""
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


def footer() -> str:
    sha = os.environ.get("HEAD_SHA", "")[:12]
    url = run_url()
    parts = [f"for {sha}" if sha else "", f"by {url}" if url else ""]
    said = " ".join(p for p in parts if p)
    return f"\n<sub>Updated {said}</sub>\n" if said else ""


def run_url() -> str:
    env = os.environ
    if not (env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID")):
        return ""
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"


def repo() -> str:
    repo = os.environ.get("GH_REPO") or os.environ.get("GITHUB_REPOSITORY")
    if not repo:
        raise SystemExit("set GH_REPO (owner/name)")
    return repo


def push(remote: str = "origin", branch: str = "main", attempts: int = 3) -> int:
    """Push the backup commit(s) to `branch`, rebasing onto newer merges when the push is refused."""
    for attempt in range(1, attempts + 1):
        pushed = subprocess.run(["git", "push", remote, f"HEAD:refs/heads/{branch}"], check=False)
        if pushed.returncode == 0:
            return 0
        if attempt == attempts:
            break
        # Someone merged meanwhile: backup commits touch only state/backups/<target>/, so a rebase is clean.
        subprocess.run(["git", "pull", "--rebase", remote, branch], check=True)
        time.sleep(attempt)
    print(f"push of the backup commit to {branch} failed after {attempts} attempts", file=sys.stderr)
    return 1
