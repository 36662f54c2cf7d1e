"""The GitHub side of the GitOps workflows, through the `gh` CLI: the sticky PR comment, the drift issue
and the pull requests a workflow keeps per target (sync, adopt).

Every decision (which comment is ours, whether the drift issue needs creating, updating or closing) is made
here in Python, so tests can drive it with a fake `gh` on PATH. The workflow passes `GH_TOKEN` (the job's
`github.token`) and `GH_REPO` (`owner/name`) in the environment; `gh` reads both.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

# A PR comment or issue body is capped at 65,536 characters by GitHub; stay well clear of it.
MAX_BODY = 60_000
DRIFT_LABEL = "reconciler-drift"

Gh = Callable[[Sequence[str], "str | None"], str]


def run_gh(args: Sequence[str], stdin: str | None = None) -> str:
    """Run `gh ARGS` (stdin optional) and return its stdout; raise RuntimeError on failure."""
    proc = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"gh {' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def comment_marker(target: str) -> str:
    """The hidden first line that identifies the plan comment of one target."""
    return f"<!-- reconciler-plan:{target} -->"


def drift_marker(target: str) -> str:
    """The hidden first line that identifies the drift issue of one target."""
    return f"<!-- reconciler-drift:{target} -->"


def drift_title(target: str) -> str:
    """The title of the drift issue of one target."""
    return f"Drift: the GoodData organization of target {target} differs from git"


def cap_body(body: str, limit: int = MAX_BODY) -> str:
    """Cut a body that GitHub would refuse; the full plan stays in the plan.json artifact."""
    if len(body) <= limit:
        return body
    note = "\n\n… (cut: the full plan is in the plan.json artifact of this run)\n"
    cut = body[: limit - len(note)]
    # Close a fenced block or <details> left open by the cut so the rest of the page renders.
    if cut.count("```") % 2:
        cut += "\n```"
    if cut.count("<details>") > cut.count("</details>"):
        cut += "\n</details>"
    return cut + note


def parse_json_stream(text: str) -> list[Any]:
    """Items of `gh api --paginate` output: one JSON array per page, concatenated."""
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return items
        value, pos = decoder.raw_decode(text, pos)
        items.extend(value if isinstance(value, list) else [value])


def _with_file(gh: Gh, args: list[str], body: str, *, as_json: bool) -> str:
    # The body goes in a file (no shell quoting, no argument-size limit): a JSON document for `gh api
    # --input`, or the text itself for `gh issue … --body-file`.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(json.dumps({"body": body}) if as_json else body)
        path = f.name
    try:
        return gh([*args, "--input" if as_json else "--body-file", path], None)
    finally:
        os.unlink(path)


def find_marked(items: Sequence[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    """The first item whose body starts with `marker` (written by a bot, when the author is known)."""
    for item in items:
        body = str(item.get("body") or "")
        user = item.get("user") or {}
        if body.startswith(marker) and user.get("type", "Bot") == "Bot":
            return item
    return None


def upsert_pr_comment(gh: Gh, repo: str, pr: int, target: str, body: str) -> str:
    """Create or update the one plan comment of `target` on PR `pr`; return "created" or "updated"."""
    marker = comment_marker(target)
    text = cap_body(body if body.startswith(marker) else f"{marker}\n{body}")
    comments = parse_json_stream(gh(["api", "--paginate", f"repos/{repo}/issues/{pr}/comments"], None))
    ours = find_marked(comments, marker)
    if ours is None:
        _with_file(gh, ["api", "--method", "POST", f"repos/{repo}/issues/{pr}/comments"], text, as_json=True)
        return "created"
    if ours.get("body") == text:
        return "unchanged"
    _with_file(
        gh, ["api", "--method", "PATCH", f"repos/{repo}/issues/comments/{ours['id']}"], text, as_json=True
    )
    return "updated"


def sync_drift_issue(gh: Gh, repo: str, target: str, drift: bool, body: str, run_url: str) -> str:
    """Open or update the drift issue of `target` when `drift`, else close it.

    Returns what was done: "opened", "updated", "unchanged", "closed" or "none".
    """
    marker = drift_marker(target)
    listed = gh(
        [
            "issue",
            "list",
            "--repo",
            repo,
            "--state",
            "open",
            "--label",
            DRIFT_LABEL,
            "--limit",
            "100",
            "--json",
            "number,title,body",
        ],
        None,
    )
    ours = find_marked(parse_json_stream(listed), marker)
    if not drift:
        if ours is None:
            return "none"
        gh(
            [
                "issue",
                "close",
                str(ours["number"]),
                "--repo",
                repo,
                "--comment",
                f"No drift any more: the organization matches git ({run_url}).",
            ],
            None,
        )
        return "closed"
    text = cap_body(f"{marker}\n{body}\n\nLast checked by {run_url}\n")
    if ours is None:
        # `issue create --label` needs the label to exist; --force makes this idempotent.
        gh(
            [
                "label",
                "create",
                DRIFT_LABEL,
                "--repo",
                repo,
                "--force",
                "--color",
                "d93f0b",
                "--description",
                "reconciler: the live organization differs from git",
            ],
            None,
        )
        args = ["issue", "create", "--repo", repo, "--title", drift_title(target), "--label", DRIFT_LABEL]
        _with_file(gh, args, text, as_json=False)
        return "opened"
    if _same_plan(str(ours.get("body") or ""), text):
        return "unchanged"
    _with_file(gh, ["issue", "edit", str(ours["number"]), "--repo", repo], text, as_json=False)
    return "updated"


def _same_plan(old: str, new: str) -> bool:
    # Only the "Last checked by" line differs between two runs that saw the same drift: no edit, no noise.
    def strip(text: str) -> str:
        return text.split("\n\nLast checked by ", 1)[0]

    return strip(old) == strip(new)


def sync_marker(target: str) -> str:
    """The hidden first line that identifies the sync pull request of one target."""
    return f"<!-- reconciler-sync:{target} -->"


def sync_title(target: str) -> str:
    """The title of the sync pull request of one target."""
    return f"Sync: the HR export for target {target}"


def adopt_marker(target: str) -> str:
    """The hidden first line that identifies the pull request that adopts one target's drift."""
    return f"<!-- reconciler-adopt:{target} -->"


def adopt_title(target: str) -> str:
    """The title of the pull request that adopts one target's drift."""
    return f"Adopt drift: write the GoodData organization of target {target} into git"


def find_pr(gh: Gh, repo: str, branch: str, marker: str) -> dict[str, Any] | None:
    """The open pull request from `branch` whose body starts with `marker` (ours), if any."""
    listed = gh(
        ["pr", "list", "--repo", repo, "--head", branch, "--state", "open", "--json", "number,body"], None
    )
    return find_marked(parse_json_stream(listed), marker)


def upsert_pr(
    gh: Gh, repo: str, branch: str, base: str, body: str, *, marker: str, title: str
) -> tuple[str, int | None]:
    """Open the pull request marked `marker` (head `branch`), or update its body: (what was done, number)."""
    text = cap_body(f"{marker}\n{body}")
    ours = find_pr(gh, repo, branch, marker)
    if ours is None:
        args = ["pr", "create", "--repo", repo, "--head", branch, "--base", base, "--title", title]
        url = _with_file(gh, args, text, as_json=False).strip()  # gh prints the new pull request's URL
        number = url.rsplit("/", 1)[-1]
        if not number.isdigit():
            found = find_pr(gh, repo, branch, marker)
            return "opened", int(found["number"]) if found else None
        return "opened", int(number)
    if _same_plan(str(ours.get("body") or ""), text):
        return "unchanged", int(ours["number"])
    _with_file(gh, ["pr", "edit", str(ours["number"]), "--repo", repo], text, as_json=False)
    return "updated", int(ours["number"])


def close_pr(gh: Gh, repo: str, branch: str, comment: str, *, marker: str) -> str:
    """Close the pull request marked `marker` and delete its branch: "closed", or "none" when none is open."""
    ours = find_pr(gh, repo, branch, marker)
    if ours is None:
        return "none"
    gh(["pr", "close", str(ours["number"]), "--repo", repo, "--delete-branch", "--comment", comment], None)
    return "closed"
