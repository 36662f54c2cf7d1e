"""The drift run's expirations (`gitops.py drift`, issue 15 §3): act on `policy.expiry.apply`, warn ahead.

`reconciler expire --format json` says what has expired and what expires within policy.expiry.warn_days
(the day is $RECONCILER_TODAY when set, so a rehearsal pins it). Then, as `policy.expiry.apply` says:
- `auto`: `reconciler expire --apply --auto-approve` removes just the expired memberships and grants on the
  target, before the drift check (so they are not drift), and its backup commit is pushed to the base
  branch, as the apply workflow pushes its own;
- `pr`: `reconciler expire --write` on the branch `reconciler/expire-<target>` (from main), and one pull
  request per target that deletes them from the state files; merging it and the apply workflow remove them.
  When nothing has expired any more, the pull request is closed.
What expires soon goes into the job summary and the drift issue.

An expiration is not drift (nobody changed the organization): under `pr`, while its pull request is open, the
drift check judges `expires` by the last day of the earliest expired item, when all of them still held, so
its plan, issue and adopt pull request show only the changes made outside git.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import ghapi
import proposal
from steps import fenced, push, reconciler, repo, run_url


@dataclass(frozen=True)
class Outcome:
    """What the expirations step did: its exit code and the Markdown for the summary and the issue."""

    code: int
    markdown: str
    expiring: int = 0  # items within the warning window: the drift issue stays open to say so
    drift_day: str | None = None  # under `pr`, the day the drift check judges `expires` by (see `run`)


def branch(target: str) -> str:
    """The branch that carries the pull request removing one target's expired access."""
    return f"reconciler/expire-{target}"


def marker(target: str) -> str:
    """The hidden first line that identifies the expirations pull request of one target."""
    return f"<!-- reconciler-expire:{target} -->"


def title(target: str) -> str:
    return f"Expire: remove the access that has ended from the state of target {target}"


def _line(item: dict[str, Any]) -> str:
    """One expired or expiring item as a Markdown list line."""
    if "workspace" in item:
        who = f"group `{item['group']}`" if "group" in item else f"user `{item['user']}`"
        where = "the organization" if item["workspace"] is None else f"workspace `{item['workspace']}`"
        if item.get("list") == "hierarchyPermissions":
            where += " and its children"
        what = f"{who}: {', '.join(item['grant'])} on {where}"
    else:
        what = f"user `{item['user']}` in group `{item['group']}`"
    return f"- {what}, last day {item['expires']}\n"


def _listing(data: dict[str, Any], kind: str) -> list[str]:
    return [_line(i) for i in [*data[kind], *data[f"{kind}_grants"]]]


def run(target: str, *, config: str | None, base: str, state_dir: str, no_pr: bool) -> Outcome:
    """List, then apply or propose the expirations of `target`; warn about those ahead."""
    listed = reconciler("--target", target, "expire", "--format", "json", config=config)
    if listed.code != 0:
        sys.stderr.write(listed.stderr)
        return Outcome(
            listed.code, "**Expirations:** `reconciler expire` failed:\n\n" + fenced(listed.stderr)
        )
    data = json.loads(listed.stdout)
    gone, soon = _listing(data, "expired"), _listing(data, "expiring")
    text = ""
    code = 0
    if gone and data["policy"] == "auto":
        done = reconciler("--target", target, "expire", "--apply", "--auto-approve", config=config)
        sys.stderr.write(done.stderr)
        code = done.code or push("origin", base)
        if code == 0:
            text += f"**Expired access removed** (policy.expiry.apply: auto), {len(gone)} item(s):\n\n"
        elif done.code == 0:
            text += "**Expired access removed, but its backup commit could not be pushed**:\n\n"
        else:
            text += f"**Removing the expired access failed** (exit {done.code}):\n\n" + fenced(done.stderr)
        text += "".join(gone) + "\n"
        print(f"expirations of {target}: {'applied' if code == 0 else 'failed'}")
    elif data["policy"] == "pr" and not no_pr:
        code, said, opened = _pull_request(target, gone, config=config, base=base, state_dir=state_dir)
        text += said
        if opened:
            day = min(i["expires"] for i in [*data["expired"], *data["expired_grants"]])
            text += f"The drift check below judges `expires` as of {day}: the expirations are the PR's.\n\n"
            return Outcome(code, _soon(text, data, soon), len(soon), day)
    elif gone:
        text += f"**Expired access** ({len(gone)} item(s)): the plan removes it.\n\n" + "".join(gone) + "\n"
    return Outcome(code, _soon(text, data, soon), len(soon))


def _soon(text: str, data: dict[str, Any], soon: list[str]) -> str:
    if not soon:
        return text
    return (
        text
        + f"**Expiring within {data['warn_days']} days** (as of {data['today']}), {len(soon)} item(s):\n\n"
        + "".join(soon)
        + "\n"
    )


def _pull_request(
    target: str, gone: list[str], *, config: str | None, base: str, state_dir: str
) -> tuple[int, str, bool]:
    """Open, update or close the pull request deleting the expired items: (exit code, Markdown, whether a
    pull request holds them)."""
    head, mark = branch(target), marker(target)
    if not gone:
        comment = f"Nothing has expired any more ({run_url()})."
        done = ghapi.close_pr(ghapi.run_gh, repo(), head, comment, marker=mark)
        print(f"expire pull request for {target}: {done}")
        return 0, "", False
    back = proposal.start(head)
    try:
        written = reconciler("--target", target, "expire", "--write", config=config)
        sys.stderr.write(written.stderr)
        if written.code != 0:
            failed = "**Expirations:** `reconciler expire --write` failed:\n\n" + fenced(written.stderr)
            return written.code, failed, False
        committed = proposal.commit(state_dir, f"remove the expired access of {target}")
        if committed:
            proposal.push(head, "origin")
    finally:
        proposal.leave(back)
    if not committed:  # only what no file edit removes (the organization's grants): the plan says them
        said = f"**Expired access** ({len(gone)} item(s)): the plan removes it.\n\n" + "".join(gone) + "\n"
        return 0, said, False
    body = (
        f"The access below has passed its `expires` day on target `{target}` (policy.expiry.apply: pr). This "
        "pull request deletes it from the state files (`reconciler expire --write`): merge it, and the apply "
        "workflow removes it from the organization.\n\n" + "".join(gone) + f"\nLast checked by {run_url()}\n"
    )
    done, number = ghapi.upsert_pr(ghapi.run_gh, repo(), head, base, body, marker=mark, title=title(target))
    print(f"expire pull request for {target}: {done}")
    said = (
        f"**Expired access**: pull request #{number} deletes it from the state files "
        f"(policy.expiry.apply: pr), {len(gone)} item(s):\n\n" + "".join(gone) + "\n"
    )
    return 0, said, True
