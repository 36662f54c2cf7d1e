"""The drift workflow rehearsed (issue 15 §1, acceptance 1): drift becomes a pull request that adopts it.

The same bare-repository-as-GitHub, emulator-as-prod and fake `gh` as tests/test_gitops.py; every step runs
`.github/scripts/gitops.py` exactly as the workflow steps do. The state files carry comments, so the pull
request's diff shows that only the adopted entries change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_gitops import Runner, ci_checkout, emu, git, laptop, run  # noqa: F401 - fixtures

from reconciler.emulator import Emulator

GROUPS_YAML = """\
# The groups of acme.
groups:
  - id: everyone
    name: Everyone            # all staff
  - id: analysts
    name: Analysts
    parents: [everyone]
"""
USERS_YAML = """\
# Who may log in.
users:
  # the data team
  - id: jane
    email: jane@acme.com
    authId: "auth0|jane"
    userGroups: [analysts]    # reads dashboards

  # everyone else
  - id: joe
    email: joe@acme.com
    authId: "auth0|joe"
    userGroups: [everyone]
"""
BRANCH = "reconciler/adopt-prod"


def commented_state(root: Path) -> None:
    """Replace the fixture's state by the same organization written by hand, with comments."""
    (root / "state" / "groups.yaml").write_text(GROUPS_YAML, encoding="utf-8")
    (root / "state" / "users.yaml").write_text(USERS_YAML, encoding="utf-8")
    git(root, "commit", "-qam", "the state, with comments")
    git(root, "push", "-q", "origin", "main")


def drift(run: Runner, tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:  # noqa: F811
    done = run(ci_checkout(tmp_path, name), "drift", "--target", "prod", "--out-dir", str(tmp_path / name))
    assert done.returncode == 0, done.stderr
    return done


def apply(run: Runner, tmp_path: Path, name: str) -> str:  # noqa: F811
    ci = ci_checkout(tmp_path, name)
    done = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / f"{name}-out"))
    assert done.returncode == 0, done.stderr
    assert run(ci, "push").returncode == 0
    return done.stdout


def change_in_gooddata(emu: Emulator) -> None:  # noqa: F811
    """What an admin does in GoodData's UI: joe's new e-mail, kim added, jane removed."""
    doc = emu.document()
    doc["users"] = [u for u in doc["users"] if u["id"] != "jane"]
    next(u for u in doc["users"] if u["id"] == "joe")["email"] = "joe.smith@acme.com"
    kim = {"id": "kim", "authId": "auth0|kim", "email": "kim@acme.com"}
    doc["users"].append({**kim, "userGroups": [{"id": "analysts", "type": "userGroup"}]})
    emu.replace_document(doc)


def github(run: Runner, change: dict[str, Any]) -> None:  # noqa: F811
    """GitHub's merge or close button on the adopt pull request (the fake gh keeps the state)."""
    state = run.gh()
    (pr,) = [p for p in state["prs"] if p["state"] == "open"]
    pr.update(change)
    run.gh_state.write_text(json.dumps(state), encoding="utf-8")


def changed(root: Path, a: str, b: str) -> list[str]:
    diff = git(root, "diff", "-U0", a, b, "--", "state")
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def plan_code(root: Path, run: Runner) -> int:  # noqa: F811
    planned = subprocess.run(
        [sys.executable, "-m", "reconciler", "--target", "prod", "plan", "--detailed-exitcode"],
        cwd=root,
        env=run.env,
        capture_output=True,
        text=True,
    )
    return planned.returncode


def test_rehearsal_drift_opens_a_pull_request_that_adopts_it_merge_accepts_it(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    commented_state(laptop)
    assert "Apply complete: 4 added" in apply(run, tmp_path, "ci-apply")
    assert "adopt pull request for prod: none" in drift(run, tmp_path, "drift-0").stdout

    change_in_gooddata(emu)
    changed_live = emu.document()
    found = drift(run, tmp_path, "drift-1")
    assert "drift=2" in found.stdout and "adopt pull request for prod: opened" in found.stdout
    (pr,) = run.gh()["prs"]
    assert pr["head"] == BRANCH and pr["base"] == "main" and pr["state"] == "open"
    assert pr["title"] == "Adopt drift: write the GoodData organization of target prod into git"
    body = pr["body"]
    assert body.startswith(
        "<!-- reconciler-adopt:prod -->\nSomeone changed the organization of target `prod`"
    )
    assert "`reconciler adopt`: 1 to add, 1 to change, 1 to remove" in body
    # the drift's plan: what apply would do to revert it
    assert "+ create user jane" in body and "- destroy user kim" in body
    assert '"joe.smith@acme.com" -> "joe@acme.com"' in body
    assert "Plan: 1 to add, 1 to change, 1 to destroy." in body
    # the drift issue links to the pull request
    (issue,) = run.gh()["issues"]
    assert f"Pull request #{pr['number']} adopts this drift" in issue["body"]
    assert f"the live organization differs from git. Pull request #{pr['number']}" in run.summary.read_text()
    assert "- destroy user kim" in issue["body"]
    assert emu.document() == changed_live  # a drift run writes nothing to the organization

    # The pull request's diff is exactly the adopted entries; every comment stays.
    git(laptop, "fetch", "-q", "origin")
    assert changed(laptop, "origin/main", f"origin/{BRANCH}") == [
        "-  - id: jane",
        "-    email: jane@acme.com",
        '-    authId: "auth0|jane"',
        "-    userGroups: [analysts]    # reads dashboards",
        "-    email: joe@acme.com",
        "+    email: joe.smith@acme.com",
        "+  - id: kim",
        "+    email: kim@acme.com",
        "+    authId: auth0|kim",
        "+    userGroups: [analysts]",
    ]
    adopted = git(laptop, "show", f"origin/{BRANCH}:state/users.yaml")
    for comment in ("# Who may log in.", "  # the data team", "  # everyone else"):
        assert comment in adopted
    assert git(laptop, "show", f"origin/{BRANCH}:state/groups.yaml") == GROUPS_YAML
    (subject,) = git(laptop, "log", "--format=%s", f"origin/main..origin/{BRANCH}").splitlines()
    assert subject == "adopt the drift of prod"

    # The same drift again: the same pull request, the branch not pushed again.
    pushed = git(laptop, "rev-parse", f"origin/{BRANCH}")
    again = drift(run, tmp_path, "drift-2")
    assert "adopt pull request for prod: unchanged" in again.stdout, again.stderr
    assert "drift issue for prod: unchanged" in again.stdout
    git(laptop, "fetch", "-q", "origin")
    assert git(laptop, "rev-parse", f"origin/{BRANCH}") == pushed
    assert len(run.gh()["prs"]) == 1

    # Merging accepts the change: the plan is empty, apply changes nothing, the drift issue is closed.
    git(laptop, "pull", "-q", "origin", "main")
    git(laptop, "merge", "-q", "--no-ff", f"origin/{BRANCH}", "-m", f"Merge pull request #{pr['number']}")
    git(laptop, "push", "-q", "origin", "main")
    github(run, {"state": "merged"})
    assert plan_code(ci_checkout(tmp_path, "ci-plan"), run) == 0
    assert "prod: no changes" in apply(run, tmp_path, "ci-apply-merge")  # the apply workflow on the merge
    assert emu.document() == changed_live
    gone = drift(run, tmp_path, "drift-3")
    assert "drift=0" in gone.stdout and "drift issue for prod: closed" in gone.stdout
    assert "adopt pull request for prod: none" in gone.stdout


def test_rehearsal_closing_the_pull_request_and_applying_reverts_the_organization(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    commented_state(laptop)
    apply(run, tmp_path, "ci-apply")
    before = emu.document()

    change_in_gooddata(emu)
    assert "adopt pull request for prod: opened" in drift(run, tmp_path, "drift-1").stdout
    github(run, {"state": "closed"})
    reverted = apply(run, tmp_path, "ci-revert")
    assert "Apply complete: 1 added, 1 changed, 1 destroyed." in reverted
    assert emu.document() == before
    quiet = drift(run, tmp_path, "drift-2")
    assert "drift=0" in quiet.stdout and "drift issue for prod: closed" in quiet.stdout
    assert "adopt pull request for prod: none" in quiet.stdout

    # Drift again; this time the organization is put back without closing the pull request: the next drift
    # run closes it (and deletes its branch).
    change_in_gooddata(emu)
    assert "adopt pull request for prod: opened" in drift(run, tmp_path, "drift-3").stdout
    apply(run, tmp_path, "ci-revert-2")
    assert emu.document() == before
    closed = drift(run, tmp_path, "drift-4")
    assert "adopt pull request for prod: closed" in closed.stdout
    latest = run.gh()["prs"][-1]
    assert latest["state"] == "closed" and latest["branch_deleted"]
    assert "No drift any more" in latest["closing_comment"]
    assert git(laptop, "ls-remote", "origin", f"refs/heads/{BRANCH}") != ""  # the fake gh deletes nothing


def test_no_pr_only_opens_the_issue(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    apply(run, tmp_path, "ci-apply")
    change_in_gooddata(emu)
    ci = ci_checkout(tmp_path, "drift-no-pr")
    done = run(ci, "drift", "--target", "prod", "--no-pr", "--out-dir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "adopt pull request" not in done.stdout and "prs" not in run.gh()
    (issue,) = run.gh()["issues"]
    assert "`reconciler adopt` writes it" in issue["body"]
    assert git(laptop, "ls-remote", "origin", f"refs/heads/{BRANCH}") == ""


def test_pull_request_decisions_per_marker() -> None:
    from test_gitops import REPO, FakeGh, load_script

    ghapi = load_script("ghapi")
    adopt, sync = ghapi.adopt_marker("prod"), ghapi.sync_marker("prod")
    kw = {"marker": adopt, "title": ghapi.adopt_title("prod")}
    gh = FakeGh({("pr", "list"): "[]", ("pr", "create"): f"https://github.com/{REPO}/pull/12\n"})
    assert ghapi.upsert_pr(gh, REPO, BRANCH, "main", "plan", **kw) == ("opened", 12)
    create = [c for c in gh.calls if c[:2] == ["pr", "create"]][0]
    assert create[create.index("--title") + 1] == ghapi.adopt_title("prod")
    assert create[create.index("--head") + 1] == BRANCH
    # another kind's pull request on the same branch is not ours
    theirs = json.dumps([{"number": 3, "body": f"{sync}\nx"}])
    gh = FakeGh({("pr", "list"): theirs, ("pr", "create"): "https://github.com/o/r/pull/13\n"})
    assert ghapi.upsert_pr(gh, REPO, BRANCH, "main", "plan", **kw) == ("opened", 13)
    assert ghapi.close_pr(FakeGh({("pr", "list"): theirs}), REPO, BRANCH, "gone", marker=adopt) == "none"
    mine = json.dumps([{"number": 4, "body": f"{adopt}\nold plan\n\nLast checked by r1\n"}])
    gh = FakeGh({("pr", "list"): mine})
    assert ghapi.upsert_pr(gh, REPO, BRANCH, "main", "old plan\n\nLast checked by r2\n", **kw) == (
        "unchanged",
        4,
    )
    assert ghapi.upsert_pr(gh, REPO, BRANCH, "main", "new plan", **kw) == ("updated", 4)
    assert ghapi.close_pr(gh, REPO, BRANCH, "gone", marker=adopt) == "closed"
    assert gh.calls[-1][:3] == ["pr", "close", "4"] and "--delete-branch" in gh.calls[-1]
