"""The drift check (`gitops.py drift`): the plan against the live organization, the drift issue, and the
pull request that adopts the drift.

On drift, `reconciler adopt` runs on the branch `reconciler/adopt-<target>` (from main, `proposal`) and one
pull request per target carries it, with the drift's plan (main's plan: what apply would do to revert it) in
its body. Merging it accepts the change; closing it and running the apply workflow reverts the organization.
The drift issue links to it. When the drift is gone, both are closed.

First, the expirations (`expiry`, policy.expiry.apply): applied (`auto`) or proposed in a pull request of
their own (`pr`); what expires within policy.expiry.warn_days is said in the job summary and the drift issue
(which stays open for it while there is no drift).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import expiry
import ghapi
import proposal
from steps import CHANGES, append, fenced, plan_markdown, reconciler, repo, run_url


def check(target: str, out_dir: Path, config: str | None = None) -> tuple[int, str]:
    """`plan --detailed-exitcode`: (0, plan) when live matches git, (2, plan) on drift, else (code, error)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    planned = plan_markdown(target, out_dir / "plan.json", "--detailed-exitcode", config=config)
    sys.stderr.write(planned.stderr)
    if planned.code not in (0, CHANGES):
        return planned.code, planned.stderr or planned.stdout
    (out_dir / "plan.md").write_text(planned.stdout, encoding="utf-8")
    return planned.code, planned.stdout


def adopt_branch(target: str) -> str:
    """The branch that carries the pull request adopting the drift of one target."""
    return f"reconciler/adopt-{target}"


def adopt(
    target: str,
    drift_plan: str,
    *,
    config: str | None = None,
    state_dir: str = "state",
    remote: str = "origin",
) -> tuple[int, str]:
    """`reconciler adopt` on the adopt branch; (2, PR body) when it changes the state files, (0, "") not.

    The body holds `drift_plan`, the plan of main's state: what apply would do to revert the drift.
    """
    branch = adopt_branch(target)
    back = proposal.start(branch)
    try:
        adopted = reconciler("--target", target, "adopt", config=config)
        sys.stderr.write(adopted.stderr)
        if adopted.code != 0:
            return adopted.code, adopted.stderr or adopted.stdout
        summary = adopted.stdout.strip().splitlines()[-1] if adopted.stdout.strip() else ""
        summary = summary.removeprefix("Adopt complete: ").split(".", 1)[0]
        if not proposal.commit(state_dir, f"adopt the drift of {target}", summary):
            return 0, ""
        after = reconciler("--target", target, "plan", "--detailed-exitcode", config=config)
        proposal.push(branch, remote)
    finally:
        proposal.leave(back)
    rest = ""
    if after.code != 0:
        rest = (
            f"**Note:** with this pull request the plan is still not empty (exit {after.code}): part of the "
            "drift is not in what `reconciler adopt` writes.\n\n" + fenced(after.stdout + after.stderr) + "\n"
        )
    body = (
        f"Someone changed the organization of target `{target}` outside git. This pull request writes the "
        f"change into the state files (`reconciler adopt`: {summary}).\n\n"
        "- **Merge it** to accept the change: git then says what the organization says, and the plan is "
        "empty.\n"
        "- **Close it** and run the apply workflow to revert the organization to what git says: the plan "
        "below is what that apply does.\n\n" + rest + drift_plan
    )
    return CHANGES, body


def main(a: argparse.Namespace) -> int:
    ends = expiry.run(a.target, config=a.config, base=a.base, state_dir=a.state_dir, no_pr=a.no_pr)
    if ends.drift_day:  # the expirations are their own pull request's, not drift (expiry.py)
        os.environ["RECONCILER_TODAY"] = ends.drift_day
    code, text = check(a.target, a.out_dir, a.config)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    append(os.environ.get("GITHUB_OUTPUT"), f"drift={code}\n")
    print(f"drift={code}")
    if code not in (0, CHANGES):
        append(summary, f"### Drift check of `{a.target}` failed\n\n{ends.markdown}" + fenced(text))
        return code
    headline = "No drift." if code == 0 else "**Drift detected**: the live organization differs from git."
    failed, note = 0, ""
    if not a.no_pr:
        failed, note = _adopt_pr(a, code == CHANGES, text)
        headline += f" {note.strip()}" if note else ""
    append(summary, f"### Drift check of `{a.target}`\n\n{headline}\n\n{ends.markdown}{text}\n")
    if not a.no_issue:
        way = note or (
            "Either merge a pull request that makes the YAML say the same (`reconciler adopt` writes it), "
            "or re-run the apply workflow to put git's version back.\n\n"
        )
        body = (
            f"The live organization of target `{a.target}` no longer matches the state in git: someone "
            f"changed it outside git. {way}"
            if code == CHANGES
            else f"The live organization of target `{a.target}` matches git, but access expires soon.\n\n"
        )
        body += ends.markdown + text
        keep = code == CHANGES or ends.expiring > 0
        done = ghapi.sync_drift_issue(ghapi.run_gh, repo(), a.target, keep, body, run_url())
        print(f"drift issue for {a.target}: {done}")
    return failed or ends.code


def _adopt_pr(a: argparse.Namespace, drifted: bool, plan: str) -> tuple[int, str]:
    """Open, update or close the adopt pull request; (exit code, what the drift issue says about it)."""
    marker, branch = ghapi.adopt_marker(a.target), adopt_branch(a.target)
    code, body = adopt(a.target, plan, config=a.config, state_dir=a.state_dir) if drifted else (0, "")
    if code == CHANGES:
        body += f"\n\nLast checked by {run_url()}\n"
        args = (ghapi.run_gh, repo(), branch, a.base, body)
        done, number = ghapi.upsert_pr(*args, marker=marker, title=ghapi.adopt_title(a.target))
        print(f"adopt pull request for {a.target}: {done}")
        return 0, (
            f"Pull request #{number} adopts this drift: merge it to accept the change into git, or close "
            "it and run the apply workflow to put git's version back.\n\n"
        )
    if code != 0:
        print(f"adopt of {a.target} failed (exit {code})", file=sys.stderr)
        return code, "`reconciler adopt` failed, so no pull request adopts this drift:\n\n" + fenced(body)
    comment = f"No drift any more: the organization matches git ({run_url()})."
    done = ghapi.close_pr(ghapi.run_gh, repo(), branch, comment, marker=marker)
    print(f"adopt pull request for {a.target}: {done}")
    return 0, ""
