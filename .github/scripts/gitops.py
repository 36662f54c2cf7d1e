#!/usr/bin/env python3
"""The steps of the GitOps workflows, one subcommand each, so that the YAML holds no logic of its own.

    python .github/scripts/gitops.py pr-plan --target prod --out-dir plan-out
    python .github/scripts/gitops.py comment --target prod --pr 42 --body plan-out/comment.md
    python .github/scripts/gitops.py apply   --target prod --out-dir apply-out
    python .github/scripts/gitops.py push
    python .github/scripts/gitops.py drift   --target prod --out-dir drift-out   (issue + adopt PR)
    python .github/scripts/gitops.py sync    --target prod --kind users --mode full --export exports/users.csv

Each runs `reconciler` (`python -m reconciler` of this interpreter) in the current directory, writes
Markdown for the job summary to $GITHUB_STEP_SUMMARY when set, and outputs to $GITHUB_OUTPUT when set.
The tests (tests/test_gitops.py) run exactly these subcommands against the emulator, with a fake `gh`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import drift
import ghapi
import proposal
from steps import CHANGES, append, fenced, footer, plan_markdown, push, reconciler, repo, run_url


def pr_plan(target: str, out_dir: Path, config: str | None = None) -> tuple[int, str]:
    """Validate (GitHub annotations) and plan as Markdown; return (exit code, the PR comment body).

    Writes out_dir/plan.json (the artifact) and out_dir/comment.md (the sticky comment's body).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    header = ghapi.comment_marker(target)
    checked = reconciler("validate", "--format", "github", config=config)
    sys.stdout.write(checked.stdout)  # the ::error annotations: GitHub reads them from the step's log
    sys.stderr.write(checked.stderr)
    if checked.code != 0:
        text = reconciler("validate", "--format", "text", config=config)
        body = (
            f"{header}\n### Reconciler plan for `{target}`\n\n**Validation failed** (exit {checked.code}): "
            "no plan was made. The problems are annotated on the diff.\n\n"
            + fenced(text.stdout + text.stderr)
        )
        code = checked.code
    else:
        planned = plan_markdown(target, out_dir / "plan.json", config=config)
        sys.stderr.write(planned.stderr)
        if planned.code == 0:
            body = f"{header}\n{planned.stdout}"
        else:
            body = (
                f"{header}\n### Reconciler plan for `{target}`\n\n**Plan failed** (exit {planned.code}).\n\n"
                + fenced(planned.stderr or planned.stdout)
            )
        code = planned.code
    body += footer()
    (out_dir / "comment.md").write_text(body, encoding="utf-8")
    append(os.environ.get("GITHUB_STEP_SUMMARY"), body + "\n")
    return code, body


def apply(target: str, out_dir: Path, config: str | None = None, allow_deletions: str = "") -> int:
    """Plan (saved to out_dir/plan.json), then `apply --plan` exactly that plan; summary gets both.

    `allow_deletions` (the workflow_dispatch input) is passed as `--allow-deletions N`: the guard lets a
    plan past policy.max_deletions only when N is its exact number of deletions.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = str(out_dir / "plan.json")
    planned = plan_markdown(target, Path(saved), "--detailed-exitcode", config=config)
    sys.stderr.write(planned.stderr)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if planned.code not in (0, CHANGES):
        append(
            summary,
            f"### Apply to `{target}`\n\n**Plan failed** (exit {planned.code}).\n\n"
            + fenced(planned.stderr or planned.stdout),
        )
        return planned.code
    append(summary, planned.stdout + "\n")
    if planned.code == 0:
        append(summary, "Nothing to apply: the organization already matches git.\n")
        print(f"{target}: no changes")
        return 0
    extra = ["--allow-deletions", allow_deletions.strip()] if allow_deletions.strip() else []
    applied = reconciler("--target", target, "apply", "--plan", saved, *extra, config=config)
    sys.stdout.write(applied.stdout)
    sys.stderr.write(applied.stderr)
    verdict = "Apply succeeded" if applied.code == 0 else f"**Apply failed** (exit {applied.code})"
    append(summary, f"#### Result\n\n{verdict}.\n\n" + fenced(applied.stdout + applied.stderr))
    return applied.code


def sync_branch(target: str) -> str:
    """The branch that carries the sync pull request of one target."""
    return f"reconciler/sync-{target}"


def fetch_export(url: str, out_dir: Path, token: str | None) -> Path:
    """Download an export (RECONCILER_EXPORT_URL; RECONCILER_EXPORT_TOKEN as a bearer token) into out_dir."""
    import urllib.request

    name = Path(url.split("?", 1)[0]).name or "export.csv"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - the URL is the admin's own
        data = answer.read()
    path = out_dir / name
    path.write_bytes(data)
    return path


def sync(
    target: str,
    exports: Sequence[Path],
    load_args: Sequence[str],
    out_dir: Path,
    *,
    config: str | None = None,
    state_dir: str = "state",
    remote: str = "origin",
) -> tuple[int, str]:
    """Load the export into the state files on the sync branch; (2, PR body) when they change, (0, "") not.

    The branch starts from the current commit (main), so the pull request always shows the export's
    difference from what main says (`proposal`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    branch = sync_branch(target)
    proposal.start(branch)
    loaded = reconciler("load", *map(str, exports), *load_args, config=config)
    sys.stderr.write(loaded.stderr)
    if loaded.code != 0:
        return loaded.code, loaded.stderr or loaded.stdout
    names = ", ".join(p.name for p in exports)
    summary = loaded.stdout.strip().splitlines()[-1] if loaded.stdout.strip() else ""
    if not proposal.commit(state_dir, f"sync {target}: load {names}", summary):
        return 0, ""
    planned = plan_markdown(target, out_dir / "plan.json", config=config)
    sys.stderr.write(planned.stderr)
    plan = planned.stdout if planned.code == 0 else fenced(planned.stderr or planned.stdout)
    proposal.push(branch, remote)
    body = (
        f"`reconciler load {names} {' '.join(load_args)}` changes the state files as this pull request "
        f"shows ({summary}). Review the plan below: merging applies it to `{target}`; closing it drops "
        "the change (the next sync run proposes it again while the export says so).\n\n" + plan + footer()
    )
    (out_dir / "pr.md").write_text(body, encoding="utf-8")
    return CHANGES, body


def _sync_main(a: argparse.Namespace) -> int:
    url = os.environ.get("RECONCILER_EXPORT_URL", "")  # a repository variable; the token: a secret
    # With a URL, the workflow's default --export path is used only when another job committed the file.
    exports = [p for p in a.export if p.exists()] if url else list(a.export)
    if url:
        a.out_dir.mkdir(parents=True, exist_ok=True)
        exports.append(fetch_export(url, a.out_dir, os.environ.get("RECONCILER_EXPORT_TOKEN") or None))
    if not exports:
        print("sync: no export: pass --export FILE or set RECONCILER_EXPORT_URL", file=sys.stderr)
        return 64
    load_args = ["--kind", a.kind, "--mode", a.mode]
    code, body = sync(a.target, exports, load_args, a.out_dir, config=a.config, state_dir=a.state_dir)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    branch = sync_branch(a.target)
    if code == 0:
        comment = f"The export matches the state in git again: nothing to sync ({run_url()})."
        marker = ghapi.sync_marker(a.target)
        done = ghapi.close_pr(ghapi.run_gh, repo(), branch, comment, marker=marker)
        append(summary, f"### Sync of `{a.target}`\n\nThe export matches the state in git.\n")
        print(f"sync pull request for {a.target}: {done}")
        return 0
    if code != CHANGES:
        append(summary, f"### Sync of `{a.target}` failed\n\n" + fenced(body))
        return code
    done, _number = ghapi.upsert_pr(
        ghapi.run_gh,
        repo(),
        branch,
        a.base,
        body,
        marker=ghapi.sync_marker(a.target),
        title=ghapi.sync_title(a.target),
    )
    append(summary, f"### Sync of `{a.target}`\n\n{body}\n")
    print(f"sync pull request for {a.target}: {done}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: `gitops.py SUBCOMMAND …`; returns the exit code."""
    p = argparse.ArgumentParser(prog="gitops.py", description=__doc__.splitlines()[0])
    p.add_argument("--config", help="reconciler.yaml to use (default: ./reconciler.yaml)")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("pr-plan", "apply", "drift"):
        s = sub.add_parser(name)
        s.add_argument("--target", required=True)
        s.add_argument("--out-dir", type=Path, default=Path("reconciler-out"))
        if name == "drift":
            s.add_argument("--no-issue", action="store_true", help="only report; do not touch the issue")
            s.add_argument("--no-pr", action="store_true", help="do not open the pull request adopting it")
            s.add_argument("--base", default="main", help="the branch the adopt pull request goes to")
            s.add_argument("--state-dir", default="state")
    c = sub.add_parser("comment")
    c.add_argument("--target", required=True)
    c.add_argument("--pr", type=int, required=True)
    c.add_argument("--body", type=Path, required=True)
    s = sub.add_parser("push")
    s.add_argument("--remote", default="origin")
    s.add_argument("--branch", default="main")
    y = sub.add_parser("sync", help="load an HR export and open or update its pull request")
    y.add_argument("--target", required=True)
    y.add_argument("--kind", choices=["users", "groups", "permissions"], required=True)
    y.add_argument("--mode", choices=["full", "incremental"], required=True)
    y.add_argument("--export", type=Path, action="append", default=[], help="an export file in the checkout")
    y.add_argument("--base", default="main", help="the branch the pull request goes to")
    y.add_argument("--state-dir", default="state")
    y.add_argument("--out-dir", type=Path, default=Path("reconciler-out"))
    a = p.parse_args(argv)

    if a.cmd == "sync":
        return _sync_main(a)

    if a.cmd == "pr-plan":
        return pr_plan(a.target, a.out_dir, a.config)[0]
    if a.cmd == "apply":
        # ALLOW_DELETIONS comes from the apply workflow's manual-run input, through env: (never a template).
        return apply(a.target, a.out_dir, a.config, os.environ.get("ALLOW_DELETIONS", ""))
    if a.cmd == "push":
        return push(a.remote, a.branch)
    if a.cmd == "comment":
        if not a.body.is_file():
            print(f"no comment body at {a.body}: the plan step did not run", file=sys.stderr)
            return 1
        done = ghapi.upsert_pr_comment(ghapi.run_gh, repo(), a.pr, a.target, a.body.read_text("utf-8"))
        print(f"plan comment for {a.target}: {done}")
        return 0
    return drift.main(a)


if __name__ == "__main__":
    sys.exit(main())
