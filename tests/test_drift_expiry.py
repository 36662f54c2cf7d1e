"""The drift run's expirations rehearsed (issue 15 §3): policy.expiry.apply `auto` applies them, `pr` opens
(or updates, or closes) a pull request deleting them from the state files, and what expires within
policy.expiry.warn_days is said in the job summary and the drift issue.

The same bare-repository-as-GitHub, emulator-as-prod and fake `gh` as tests/test_gitops.py; every step runs
`.github/scripts/gitops.py` as the workflow does. The day is RECONCILER_TODAY in the step's environment:
never the real clock.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml
from test_gitops import Runner, ci_checkout, emu, git, laptop, run  # noqa: F401 - fixtures

from reconciler.emulator import Emulator

USERS_YAML = """\
users:
  - id: jane
    email: jane@acme.com
    authId: "auth0|jane"
    userGroups: [analysts, {id: everyone, expires: 2027-03-31}]  # the pilot, until spring
  - id: joe
    email: joe@acme.com
    authId: "auth0|joe"
    userGroups: [everyone]
"""
WORKSPACES_YAML = """\
workspaces:
  - id: sales
    permissions:
      - {group: analysts, grant: [VIEW], expires: 2027-03-31}
"""
BRANCH = "reconciler/expire-prod"


def expiring_state(root: Path, apply: str, *, grant: bool = False) -> None:
    """jane's membership in everyone (and with `grant`, analysts' VIEW on workspace sales) ends after
    2027-03-31; policy.expiry.apply is `apply`."""
    (root / "state" / "users.yaml").write_text(USERS_YAML, encoding="utf-8")
    if grant:
        (root / "state" / "workspaces.yaml").write_text(WORKSPACES_YAML, encoding="utf-8")
        git(root, "add", "state/workspaces.yaml")
    path = root / "reconciler.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["policy"]["expiry"] = {"apply": apply, "warn_days": 14}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    git(root, "commit", "-qam", f"jane's pilot ends; expirations: {apply}")
    git(root, "push", "-q", "origin", "main")


def step(run: Runner, tmp_path: Path, name: str, today: str, *args: str) -> subprocess.CompletedProcess[str]:  # noqa: F811
    run.env["RECONCILER_TODAY"] = today
    done = run(ci_checkout(tmp_path, name), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def drift(run: Runner, tmp_path: Path, name: str, today: str) -> subprocess.CompletedProcess[str]:  # noqa: F811
    return step(run, tmp_path, name, today, "drift", "--target", "prod", "--out-dir", str(tmp_path / name))


def apply(run: Runner, tmp_path: Path, name: str, today: str) -> str:  # noqa: F811
    ci = ci_checkout(tmp_path, name)
    run.env["RECONCILER_TODAY"] = today
    done = run(ci, "apply", "--target", "prod", "--out-dir", str(tmp_path / f"{name}-out"))
    assert done.returncode == 0, done.stderr
    assert run(ci, "push").returncode == 0
    return done.stdout


def viewers(emu: Emulator) -> list[str]:  # noqa: F811
    """Who holds VIEW on workspace sales (its permissions, as the server holds them)."""
    doc = emu.workspaces.get("sales") or {}
    return sorted(p["assignee"]["id"] for p in doc.get("permissions") or () if p["name"] == "VIEW")


def groups_of(emu: Emulator, uid: str) -> list[str]:  # noqa: F811
    user = next(u for u in emu.document()["users"] if u["id"] == uid)
    return sorted(r["id"] for r in user.get("userGroups") or ())


def test_rehearsal_auto_applies_expirations_and_warns_ahead(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    emu.add_workspace("sales", name="Sales")
    expiring_state(laptop, "auto", grant=True)
    apply(run, tmp_path, "ci-apply", "2027-03-01")
    assert groups_of(emu, "jane") == ["analysts", "everyone"]
    assert viewers(emu) == ["analysts"]

    # Outside the window: nothing to say, no issue.
    quiet = drift(run, tmp_path, "drift-0", "2027-03-16")
    assert "drift=0" in quiet.stdout and "drift issue for prod: none" in quiet.stdout
    assert "Expiring" not in run.summary.read_text()

    # Within the window (14 days ahead): the job summary and the drift issue say so; nothing changes.
    ahead = drift(run, tmp_path, "drift-1", "2027-03-17")
    assert "drift=0" in ahead.stdout and "drift issue for prod: opened" in ahead.stdout
    summary = run.summary.read_text()
    assert "**Expiring within 14 days** (as of 2027-03-17), 2 item(s)" in summary
    assert "- user `jane` in group `everyone`, last day 2027-03-31" in summary
    assert "- group `analysts`: VIEW on workspace `sales`, last day 2027-03-31" in summary
    (issue,) = run.gh()["issues"]
    assert "access expires soon" in issue["body"] and "user `jane` in group `everyone`" in issue["body"]
    assert groups_of(emu, "jane") == ["analysts", "everyone"]

    # The day after: applied by the drift run itself, so it is no drift; the issue is closed.
    done = drift(run, tmp_path, "drift-2", "2027-04-01")
    assert "expirations of prod: applied" in done.stdout and "drift=0" in done.stdout
    assert "drift issue for prod: closed" in done.stdout
    assert "**Expired access removed** (policy.expiry.apply: auto), 2 item(s)" in run.summary.read_text()
    assert groups_of(emu, "jane") == ["analysts"] and groups_of(emu, "joe") == ["everyone"]
    assert viewers(emu) == []
    # the backup of the organization before the removal is on main, as after any apply
    git(laptop, "fetch", "-q", "origin")
    backups = git(laptop, "log", "--format=%s", "origin/main", "--", "state/backups").splitlines()
    assert len(backups) == 2, backups  # the first apply's and the expirations'
    assert run.gh().get("prs", []) == []  # no pull request under auto


def test_rehearsal_pr_opens_a_pull_request_that_deletes_them_merge_then_apply(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    expiring_state(laptop, "pr")
    apply(run, tmp_path, "ci-apply", "2027-03-01")
    before = emu.document()

    found = drift(run, tmp_path, "drift-1", "2027-04-01")
    assert "expire pull request for prod: opened" in found.stdout
    assert emu.document() == before  # under pr, the drift run writes nothing to the organization
    expire_pr = next(p for p in run.gh()["prs"] if p["head"] == BRANCH)
    assert expire_pr["title"] == "Expire: remove the access that has ended from the state of target prod"
    assert expire_pr["body"].startswith("<!-- reconciler-expire:prod -->\nThe access below has passed")
    assert "- user `jane` in group `everyone`, last day 2027-03-31" in expire_pr["body"]
    summary = run.summary.read_text()
    assert f"pull request #{expire_pr['number']} deletes it from the state files" in summary
    # an expiration is not drift: no drift issue, no adopt pull request
    assert "drift=0" in found.stdout and "drift issue for prod: none" in found.stdout
    assert "judges `expires` as of 2027-03-31" in summary and "No drift." in summary

    # The pull request's diff is exactly the expired item; the comment on the line stays.
    git(laptop, "fetch", "-q", "origin")
    diff = git(laptop, "diff", "-U0", "origin/main", f"origin/{BRANCH}", "--", "state")
    changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == [
        "-    userGroups: [analysts, {id: everyone, expires: 2027-03-31}]  # the pilot, until spring",
        "+    userGroups: [analysts]"
        + " " * 39
        + "# the pilot, until spring",  # the comment keeps its column
    ]

    # The same day again: the same pull request, unchanged.
    again = drift(run, tmp_path, "drift-2", "2027-04-01")
    assert "expire pull request for prod: unchanged" in again.stdout
    assert len([p for p in run.gh()["prs"] if p["head"] == BRANCH]) == 1

    # Merged and applied: the organization no longer holds it, and the next drift run has nothing to do.
    git(laptop, "pull", "-q", "origin", "main")
    git(
        laptop,
        "merge",
        "-q",
        "--no-ff",
        f"origin/{BRANCH}",
        "-m",
        f"Merge pull request #{expire_pr['number']}",
    )
    git(laptop, "push", "-q", "origin", "main")
    state = run.gh()
    next(p for p in state["prs"] if p["head"] == BRANCH)["state"] = "merged"
    run.gh_state.write_text(json.dumps(state), encoding="utf-8")
    apply(run, tmp_path, "ci-apply-merge", "2027-04-01")
    assert groups_of(emu, "jane") == ["analysts"]
    after = drift(run, tmp_path, "drift-3", "2027-04-02")
    assert "drift=0" in after.stdout and "expire pull request for prod: none" in after.stdout
