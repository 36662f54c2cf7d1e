"""The GitOps workflow rehearsed end to end (issue 5): the scripts the workflows call, on a real git flow.

A bare repository plays GitHub, one clone plays the admin's laptop and another the CI runner; the emulator
is the target `prod`; a fake `gh` on PATH plays the GitHub API (PR comments, issues) with its state in a JSON
file. Every step runs `.github/scripts/gitops.py` exactly as the workflow step does.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from reconciler.emulator import Emulator
from reconciler.layout import canonical
from reconciler.plan import PlanContext, make_plan
from reconciler.report.plan import MarkdownPlanReporter

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / ".github" / "scripts"
GITOPS = SCRIPTS / "gitops.py"
TOKEN = "tok-gitops-rehearsal-5521"
REPO = "acme/gooddata-users"

GROUPS = [
    {"id": "everyone", "name": "Everyone"},
    {"id": "analysts", "name": "Analysts", "parents": ["everyone"]},
]
USERS = [
    {"id": "jane", "authId": "auth0|jane", "email": "jane@acme.com", "userGroups": ["analysts"]},
    {"id": "joe", "authId": "auth0|joe", "email": "joe@acme.com", "userGroups": ["everyone"]},
]

FAKE_GH = '''
"""A fake `gh`: the few GitHub API calls the scripts make, with state in $FAKE_GH_STATE."""
import json, os, re, sys

path = os.environ["FAKE_GH_STATE"]
empty = {"comments": [], "issues": [], "labels": [], "calls": []}
state = json.load(open(path)) if os.path.exists(path) else empty
args = sys.argv[1:]
state["calls"].append(args)

def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default

def body():
    if "--input" in args:
        return json.load(open(opt("--input")))["body"]
    return open(opt("--body-file")).read()

out = None
if args[0] == "api":
    url = [a for a in args[1:] if a.startswith("repos/")][0]
    method = opt("--method", "GET")
    m = re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\\d+)/comments", url)
    if method == "GET" and m:
        mine = [c for c in state["comments"] if c["pr"] == int(m.group(1))]
        # one JSON array per page of two, concatenated, as `gh api --paginate` prints them
        out = "".join(json.dumps(mine[i:i + 2]) + "\\n" for i in range(0, max(len(mine), 1), 2))
    elif method == "POST" and m:
        state["comments"].append({"id": 1000 + len(state["comments"]), "pr": int(m.group(1)),
                                  "body": body(), "user": {"type": "Bot"}})
    elif method == "PATCH":
        cid = int(url.rsplit("/", 1)[1])
        [c for c in state["comments"] if c["id"] == cid][0]["body"] = body()
    else:
        sys.exit("fake gh: unexpected api call %r" % args)
elif args[:2] == ["issue", "list"]:
    label = opt("--label")
    found = [i for i in state["issues"] if i["state"] == "open" and (label is None or label in i["labels"])]
    out = json.dumps(found)
elif args[:2] == ["issue", "create"]:
    if opt("--label") not in state["labels"]:
        sys.exit("fake gh: label %s does not exist" % opt("--label"))
    state["issues"].append({"number": len(state["issues"]) + 1, "title": opt("--title"), "body": body(),
                            "state": "open", "labels": [opt("--label")]})
elif args[:2] == ["issue", "edit"]:
    [i for i in state["issues"] if i["number"] == int(args[2])][0]["body"] = body()
elif args[:2] == ["issue", "close"]:
    issue = [i for i in state["issues"] if i["number"] == int(args[2])][0]
    issue["state"] = "closed"
    issue["closing_comment"] = opt("--comment")
elif args[:2] == ["pr", "list"]:
    found = [p for p in state.setdefault("prs", []) if p["state"] == "open" and p["head"] == opt("--head")]
    out = json.dumps(found)
elif args[:2] == ["pr", "create"]:
    prs = state.setdefault("prs", [])
    prs.append({"number": 100 + len(prs), "head": opt("--head"), "base": opt("--base"),
                "title": opt("--title"), "body": body(), "state": "open"})
    out = "https://github.com/%s/pull/%d" % (opt("--repo"), prs[-1]["number"])  # what gh prints
elif args[:2] == ["pr", "edit"]:
    [p for p in state["prs"] if p["number"] == int(args[2])][0]["body"] = body()
elif args[:2] == ["pr", "close"]:
    pr = [p for p in state["prs"] if p["number"] == int(args[2])][0]
    pr["state"] = "closed"
    pr["closing_comment"] = opt("--comment")
    pr["branch_deleted"] = "--delete-branch" in args
elif args[:2] == ["label", "create"]:
    state["labels"] = sorted(set(state["labels"]) | {args[2]})
else:
    sys.exit("fake gh: unexpected call %r" % args)
json.dump(state, open(path, "w"))
if out is not None:
    print(out)
'''


def load_script(name: str) -> ModuleType:
    """Import .github/scripts/<name>.py (the scripts import each other as siblings)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


class Runner:
    """Runs gitops.py subcommands like a workflow step: GitHub's env files, the token secret, a fake gh."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        gh = bin_dir / "gh"
        gh.write_text(f"#!{sys.executable}\n{FAKE_GH}", encoding="utf-8")
        gh.chmod(0o755)
        self.gh_state = tmp / "gh-state.json"
        self.summary = tmp / "step-summary.md"
        self.output = tmp / "github-output"
        keep = {
            k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GOODDATA_", "GH_", "GIT_"))
        }
        self.env = {
            **keep,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_GH_STATE": str(self.gh_state),
            "GH_REPO": REPO,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": "777",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "GOODDATA_TOKEN_PROD": TOKEN,
            # The identity the apply workflow gives the backup commit.
            "GIT_AUTHOR_NAME": "github-actions[bot]",
            "GIT_AUTHOR_EMAIL": "bot@example.com",
            "GIT_COMMITTER_NAME": "github-actions[bot]",
            "GIT_COMMITTER_EMAIL": "bot@example.com",
        }

    def __call__(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        self.summary.write_text("", encoding="utf-8")
        self.output.write_text("", encoding="utf-8")
        return subprocess.run(
            [sys.executable, str(GITOPS), *args], cwd=cwd, env=self.env, capture_output=True, text=True
        )

    def gh(self) -> dict[str, Any]:
        return json.loads(self.gh_state.read_text()) if self.gh_state.exists() else {}


def write_state(root: Path, users: list[dict[str, Any]], groups: list[dict[str, Any]] = GROUPS) -> None:
    (root / "state").mkdir(exist_ok=True)
    (root / "state" / "groups.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    (root / "state" / "users.yaml").write_text(yaml.safe_dump({"users": users}, sort_keys=False))


@pytest.fixture
def emu() -> Emulator:
    with Emulator(token=TOKEN) as e:
        yield e


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


@pytest.fixture
def laptop(tmp_path: Path, emu: Emulator) -> Path:
    """The admin's clone of a fresh GitOps repository whose `prod` target is the emulator."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    root = tmp_path / "laptop"
    git(tmp_path, "clone", "-q", str(origin), str(root))
    git(root, "config", "user.email", "admin@acme.com")
    git(root, "config", "user.name", "Admin")
    git(root, "checkout", "-q", "-b", "main")
    config = {
        "state": "state",
        "backups": "state/backups",
        "default_target": "prod",
        "targets": {"prod": {"host": emu.url, "token": "$GOODDATA_TOKEN_PROD"}},
        "bootstrap": {"user": "admin", "group": "adminGroup"},
        "policy": {"prune": True, "max_deletions": {"users": 10, "groups": 5, "percent": 50}},
    }
    (root / "reconciler.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    write_state(root, USERS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "state of the acme organization")
    git(root, "push", "-q", "origin", "main")
    return root


def ci_checkout(tmp_path: Path, name: str) -> Path:
    """A fresh clone of main, as actions/checkout makes it on the runner."""
    root = tmp_path / name
    git(tmp_path, "clone", "-q", "--branch", "main", str(tmp_path / "origin.git"), str(root))
    return root


def test_rehearsal_pr_merge_apply_revert_drift(
    tmp_path: Path, emu: Emulator, laptop: Path, run: Runner
) -> None:
    # Bootstrap: the first merge is applied and its backup commit pushed.
    ci = ci_checkout(tmp_path, "ci-1")
    first = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "out-1"))
    assert first.returncode == 0, first.stderr
    assert "Apply complete: 4 added" in first.stdout
    assert run(ci, "push").returncode == 0
    before = emu.document()
    assert [u["id"] for u in before["users"]] == ["admin", "jane", "joe"]

    # A pull request: add bob, change joe's email.
    git(laptop, "pull", "-q", "origin", "main")
    git(laptop, "checkout", "-q", "-b", "add-bob")
    bob = {"id": "bob", "authId": "auth0|bob", "email": "bob@acme.com", "userGroups": ["analysts"]}
    write_state(laptop, [USERS[0], {**USERS[1], "email": "joe.smith@acme.com"}, bob])
    git(laptop, "commit", "-qam", "add bob; joe's new email")

    pr_out = tmp_path / "pr-out"
    pr = run(laptop, "pr-plan", "--target", "prod", "--out-dir", str(pr_out))
    assert pr.returncode == 0, pr.stderr
    assert "::error" not in pr.stdout
    comment = (pr_out / "comment.md").read_text()
    assert comment.startswith("<!-- reconciler-plan:prod -->\n### Reconciler plan for `prod`")
    assert "+ create user bob" in comment and 'email: "joe@acme.com" -> "joe.smith@acme.com"' in comment
    assert "**Plan: 1 to add, 1 to change, 0 to destroy.**" in comment
    assert "actions/runs/777" in comment
    assert run.summary.read_text() == comment + "\n"
    saved = json.loads((pr_out / "plan.json").read_text())
    assert saved["target"] == "prod" and saved["counts"] == {"add": 1, "change": 1, "destroy": 0}
    assert saved["fingerprint"] in comment
    assert emu.document() == before  # a plan writes nothing

    # The sticky comment: created once, then updated in place on the next push.
    posted = run(laptop, "comment", "--target", "prod", "--pr", "7", "--body", str(pr_out / "comment.md"))
    assert posted.returncode == 0 and "created" in posted.stdout, posted.stderr
    (pr_out / "comment.md").write_text(comment.replace("bob", "bobby"))
    again = run(laptop, "comment", "--target", "prod", "--pr", "7", "--body", str(pr_out / "comment.md"))
    assert "updated" in again.stdout, again.stderr
    comments = run.gh()["comments"]
    assert len(comments) == 1 and "create user bobby" in comments[0]["body"]

    # Merge to main; CI applies it and pushes the backup commit.
    git(laptop, "checkout", "-q", "main")
    git(laptop, "merge", "-q", "--no-ff", "add-bob", "-m", "Merge pull request #7 from add-bob")
    merge = git(laptop, "rev-parse", "HEAD").strip()
    git(laptop, "push", "-q", "origin", "main")
    ci = ci_checkout(tmp_path, "ci-2")
    applied = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "out-2"))
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 1 added, 1 changed, 0 destroyed." in applied.stdout
    summary = run.summary.read_text()
    assert "Plan: 1 to add, 1 to change, 0 to destroy." in summary and "Apply succeeded" in summary
    assert [u["id"] for u in emu.document()["users"]] == ["admin", "bob", "jane", "joe"]
    assert run(ci, "push").returncode == 0
    head = git(tmp_path / "origin.git", "log", "-1", "--format=%H %an %s", "main")
    assert "github-actions[bot]" in head and "prod" in head
    changed = git(tmp_path / "origin.git", "show", "--name-only", "--format=", "main").split()
    assert changed == [
        "state/backups/prod/usersAndUserGroups.json",
        "state/backups/prod/usersAndUserGroups.source.json",  # where it was read from
    ]
    source = git(tmp_path / "origin.git", "show", "main:state/backups/prod/usersAndUserGroups.source.json")
    assert json.loads(source)["host"] == emu.url
    backup = git(tmp_path / "origin.git", "show", "main:state/backups/prod/usersAndUserGroups.json")
    assert json.loads(backup) == canonical(before)

    # Restore by git: revert the merge on main, CI applies again -> exactly the organization of before.
    git(laptop, "pull", "-q", "origin", "main")
    git(laptop, "revert", "--no-edit", "-m", "1", merge)
    git(laptop, "push", "-q", "origin", "main")
    ci = ci_checkout(tmp_path, "ci-3")
    reverted = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "out-3"))
    assert reverted.returncode == 0, reverted.stderr
    assert "Apply complete: 0 added, 1 changed, 1 destroyed." in reverted.stdout
    assert emu.document() == before
    assert run(ci, "push").returncode == 0

    # Drift: none now; a change made directly in GoodData opens one issue; putting git's state back closes it.
    quiet = run(ci, "drift", "--target", "prod", "--out-dir", str(tmp_path / "drift-0"))
    assert quiet.returncode == 0, quiet.stderr
    assert run.output.read_text() == "drift=0\n" and "drift issue for prod: none" in quiet.stdout
    doc = emu.document()
    doc["users"].append(
        {
            "id": "mallory",
            "authId": "auth0|mallory",
            "userGroups": [{"id": "adminGroup", "type": "userGroup"}],
        }
    )
    emu.replace_document(doc)
    drifted = run(ci, "drift", "--target", "prod", "--out-dir", str(tmp_path / "drift-1"))
    assert drifted.returncode == 0, drifted.stderr
    assert run.output.read_text() == "drift=2\n" and "drift issue for prod: opened" in drifted.stdout
    assert "Drift detected" in run.summary.read_text()
    (issue,) = run.gh()["issues"]
    assert issue["state"] == "open" and issue["labels"] == ["reconciler-drift"]
    assert issue["body"].startswith("<!-- reconciler-drift:prod -->")
    assert (
        "- destroy user mallory" in issue["body"]
        and "Plan: 0 to add, 0 to change, 1 to destroy." in issue["body"]
    )
    still = run(ci, "drift", "--target", "prod", "--out-dir", str(tmp_path / "drift-2"))
    assert "drift issue for prod: unchanged" in still.stdout, still.stderr
    assert len(run.gh()["issues"]) == 1

    fixed = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "out-4"))  # workflow_dispatch
    assert fixed.returncode == 0, fixed.stderr
    assert emu.document() == before
    gone = run(ci, "drift", "--target", "prod", "--out-dir", str(tmp_path / "drift-3"))
    assert run.output.read_text() == "drift=0\n" and "drift issue for prod: closed" in gone.stdout
    (issue,) = run.gh()["issues"]
    assert issue["state"] == "closed" and "actions/runs/777" in issue["closing_comment"]


def test_pr_plan_invalid_state_annotates_and_fails(
    tmp_path: Path, laptop: Path, emu: Emulator, run: Runner
) -> None:
    write_state(laptop, [{**USERS[0], "userGroups": ["no-such-group"]}, USERS[1]])
    emu.clear_request_log()
    out = tmp_path / "pr-out"
    result = run(laptop, "pr-plan", "--target", "prod", "--out-dir", out.as_posix())
    assert result.returncode == 3
    assert "::error file=state/users.yaml,line=" in result.stdout
    comment = (out / "comment.md").read_text()
    assert comment.startswith("<!-- reconciler-plan:prod -->") and "**Validation failed** (exit 3)" in comment
    assert "no-such-group" in comment
    assert not (out / "plan.json").exists()
    assert emu.request_log == []  # validation is offline: nothing was asked of the server


def test_pr_plan_reports_a_failed_plan(tmp_path: Path, laptop: Path, run: Runner) -> None:
    run.env["GOODDATA_TOKEN_PROD"] = "wrong-token"
    out = tmp_path / "pr-out"
    result = run(laptop, "pr-plan", "--target", "prod", "--out-dir", out.as_posix())
    assert result.returncode == 1
    comment = (out / "comment.md").read_text()
    assert "**Plan failed** (exit 1)" in comment and "401" in comment
    assert "wrong-token" not in comment


def test_apply_without_changes_writes_nothing(
    tmp_path: Path, laptop: Path, emu: Emulator, run: Runner
) -> None:
    ci = ci_checkout(tmp_path, "ci")
    assert run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "a")).returncode == 0
    commits = git(ci, "rev-list", "--count", "HEAD")
    again = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "b"))
    assert again.returncode == 0 and "prod: no changes" in again.stdout
    assert "Nothing to apply" in run.summary.read_text()
    assert git(ci, "rev-list", "--count", "HEAD") == commits


def test_deletions_past_the_limit_need_the_exact_number(
    tmp_path: Path, laptop: Path, emu: Emulator, run: Runner
) -> None:
    config = yaml.safe_load((laptop / "reconciler.yaml").read_text())
    config["policy"]["max_deletions"]["users"] = 1
    (laptop / "reconciler.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(laptop, "commit", "-qam", "at most one user deletion")
    git(laptop, "push", "-q", "origin", "main")
    ci = ci_checkout(tmp_path, "ci")
    assert run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "a")).returncode == 0
    before = emu.document()
    write_state(laptop, [])
    git(laptop, "commit", "-qam", "remove jane and joe")
    git(laptop, "push", "-q", "origin", "main")
    git(ci, "pull", "-q", "--rebase", "origin", "main")
    refused = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "b"))
    assert refused.returncode == 4, refused.stderr
    assert "**Apply failed** (exit 4)" in run.summary.read_text()
    run.env["ALLOW_DELETIONS"] = "1"  # not the exact number: still refused
    assert run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "c")).returncode == 4
    assert emu.document() == before
    run.env["ALLOW_DELETIONS"] = "2"
    allowed = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "d"))
    assert allowed.returncode == 0, allowed.stderr
    assert [u["id"] for u in emu.document()["users"]] == ["admin"]


def test_push_rebases_onto_a_newer_merge(tmp_path: Path, laptop: Path, run: Runner) -> None:
    ci = ci_checkout(tmp_path, "ci")
    assert run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / "a")).returncode == 0
    (laptop / "state" / "more.yaml").write_text("users: []\n")  # someone merges while apply runs
    git(laptop, "add", "state/more.yaml")
    git(laptop, "commit", "-qm", "another merge")
    git(laptop, "push", "-q", "origin", "main")
    pushed = run(ci, "push")
    assert pushed.returncode == 0, pushed.stderr
    log = git(tmp_path / "origin.git", "log", "--format=%s", "main").splitlines()
    assert log[1] == "another merge" and "prod" in log[0]


# --- the GitHub-API decisions, without a subprocess -----------------------------------------------------


class FakeGh:
    """In-process stand-in for `ghapi.run_gh`: canned answers by call prefix, and the calls made."""

    def __init__(self, answers: dict[tuple[str, ...], str]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args: Any, stdin: str | None = None) -> str:
        self.calls.append(list(args))
        for prefix, answer in self.answers.items():
            if tuple(args[: len(prefix)]) == prefix:
                return answer
        return ""


def test_sticky_comment_ignores_human_comments_and_other_targets() -> None:
    ghapi = load_script("ghapi")
    pages = json.dumps(
        [{"id": 1, "body": "<!-- reconciler-plan:prod -->\nquoted by a human", "user": {"type": "User"}}]
    )
    pages += json.dumps([{"id": 2, "body": "<!-- reconciler-plan:dev -->\nold", "user": {"type": "Bot"}}])
    gh = FakeGh({("api", "--paginate"): pages})
    assert ghapi.upsert_pr_comment(gh, REPO, 5, "prod", "plan") == "created"
    assert gh.calls[-1][:4] == ["api", "--method", "POST", f"repos/{REPO}/issues/5/comments"]
    gh = FakeGh({("api", "--paginate"): pages})
    assert ghapi.upsert_pr_comment(gh, REPO, 5, "dev", "new") == "updated"
    assert gh.calls[-1][:4] == ["api", "--method", "PATCH", f"repos/{REPO}/issues/comments/2"]
    gh = FakeGh(
        {("api", "--paginate"): json.dumps([{"id": 2, "body": "<!-- reconciler-plan:dev -->\nsame"}])}
    )
    assert ghapi.upsert_pr_comment(gh, REPO, 5, "dev", "same") == "unchanged"
    assert len(gh.calls) == 1


def test_drift_issue_decisions() -> None:
    ghapi = load_script("ghapi")
    none_open = FakeGh({("issue", "list"): "[]"})
    assert ghapi.sync_drift_issue(none_open, REPO, "prod", False, "", "run") == "none"
    assert ghapi.sync_drift_issue(none_open, REPO, "prod", True, "plan", "run") == "opened"
    create = [c for c in none_open.calls if c[:2] == ["issue", "create"]][0]
    assert create[create.index("--title") + 1] == ghapi.drift_title("prod")
    other = json.dumps([{"number": 3, "body": "<!-- reconciler-drift:dev -->\nx"}])
    gh = FakeGh({("issue", "list"): other})
    assert ghapi.sync_drift_issue(gh, REPO, "prod", False, "", "run") == "none"  # dev's issue stays open
    mine = json.dumps(
        [{"number": 4, "body": "<!-- reconciler-drift:prod -->\nold plan\n\nLast checked by r1\n"}]
    )
    assert (
        ghapi.sync_drift_issue(FakeGh({("issue", "list"): mine}), REPO, "prod", True, "old plan", "r2")
        == "unchanged"
    )
    gh = FakeGh({("issue", "list"): mine})
    assert ghapi.sync_drift_issue(gh, REPO, "prod", True, "new plan", "r2") == "updated"
    assert gh.calls[-1][:3] == ["issue", "edit", "4"]
    gh = FakeGh({("issue", "list"): mine})
    assert ghapi.sync_drift_issue(gh, REPO, "prod", False, "", "r2") == "closed"
    assert gh.calls[-1][:3] == ["issue", "close", "4"]


def test_cap_body_keeps_markdown_balanced() -> None:
    ghapi = load_script("ghapi")
    body = (
        "<details><summary>Changes</summary>\n\n```diff\n"
        + "+ create user x\n" * 10_000
        + "```\n</details>\n"
    )
    cut = ghapi.cap_body(body, limit=5_000)
    assert len(cut) <= 5_000 + 20
    assert cut.count("```") % 2 == 0 and cut.count("<details>") == cut.count("</details>")
    assert cut.endswith("plan.json artifact of this run)\n")
    assert ghapi.cap_body("short") == "short"


def test_paginated_output_is_parsed_across_pages() -> None:
    ghapi = load_script("ghapi")
    assert ghapi.parse_json_stream('[{"id": 1}]\n[{"id": 2}][]\n') == [{"id": 1}, {"id": 2}]
    assert ghapi.parse_json_stream("") == []


# --- the Markdown plan renders as a table and a collapsible block ---------------------------------------


def test_markdown_plan_renders_table_and_details() -> None:
    markdown = pytest.importorskip("markdown", reason="PyPI package `markdown` is not installed")
    live = {
        "userGroups": [{"id": "adminGroup"}, {"id": "sales"}],
        "users": [
            {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]},
            {"id": "old", "userGroups": [{"id": "sales", "type": "userGroup"}]},
        ],
    }
    desired = {
        "userGroups": [{"id": "adminGroup"}, {"id": "analysts", "name": "Analysts"}],
        "users": [
            {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]},
            {"id": "jane", "email": "jane@acme.com", "userGroups": [{"id": "analysts", "type": "userGroup"}]},
        ],
    }
    plan = make_plan(live, desired, target="prod", context=PlanContext())
    out = io.StringIO()
    MarkdownPlanReporter(out).report(plan)
    html = markdown.markdown("<!-- reconciler-plan:prod -->\n" + out.getvalue(), extensions=["tables"])
    table = html[html.index("<table>") : html.index("</table>")]
    rows = [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    assert rows == [["", "Users", "Groups"], ["add", "1", "1"], ["change", "0", "0"], ["destroy", "1", "1"]]
    assert "<details><summary>Creates (" in html and "</details>" in html
    details = html[html.index("<details>") : html.index("</details>")]
    assert "+ create user jane" in details
    # destroys are never folded away: they come before any <details>, saying who
    assert html.index("- destroy user old (groups: sales)") < html.index("<details>")
    # GitHub (CommonMark) ends the raw-HTML block at the blank line after <summary>, so the ```diff block
    # inside is rendered as code (a name cannot become markup there); python-markdown passes it through raw.
    assert re.search(r"^<details><summary>Creates \(2 objects\)</summary>\n\n```diff\n", out.getvalue(), re.M)
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in html
    assert "user jane has no authId" in html  # the warning list


def test_script_help_lists_the_workflow_steps() -> None:
    out = subprocess.run([sys.executable, str(GITOPS), "--help"], capture_output=True, text=True, check=True)
    for step in ("pr-plan", "comment", "apply", "push", "drift"):
        assert step in out.stdout
